"""Where each change came from: the audit trail and the reviews name their door (cli, web, prefect, run)."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    for table in ("transition", "review"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("source", sa.String(), nullable=False, server_default=""))
