"""Activity: what people changed through the web app besides state changes (saves, uploads, sign-ins)."""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

S = sa.String()


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohort.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", S, nullable=False),
        sa.Column("role", S, nullable=False),
        sa.Column("source", S, nullable=False),
        sa.Column("address", S, nullable=False),
        sa.Column("action", S, nullable=False),
        sa.Column("path", S, nullable=False),
        sa.Column("detail", S, nullable=False),
    )
    op.create_index("ix_activity_cohort_id", "activity", ["cohort_id"])
