"""The display stage for coordinators: rubric reviews and the files written for people to fill."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "review",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohort.id"), nullable=False),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposal.id"), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=False),
        sa.Column("scores", sa.JSON, nullable=True),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("proposal_id", "reviewer"),
    )
    op.create_index("ix_review_cohort_id", "review", ["cohort_id"])
    op.create_index("ix_review_proposal_id", "review", ["proposal_id"])
    op.create_table(
        "sheetfile",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohort.id"), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("written_hash", sa.String(), nullable=False),
        sa.UniqueConstraint("cohort_id", "path"),
    )
    op.create_index("ix_sheetfile_cohort_id", "sheetfile", ["cohort_id"])
