"""Status counts without reading worksheet rows: an index on (cohort_id, status, stage)."""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_index("ix_worksheet_cohort_status_stage", "worksheet", ["cohort_id", "status", "stage"])
