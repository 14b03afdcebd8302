"""Reminders: one row per reminder sent to a team, so none is sent twice."""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"

S = sa.String()


def upgrade() -> None:
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohort.id"), nullable=False),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("team.id"), nullable=False),
        sa.Column("rule", S, nullable=False),
        sa.Column("stage", S, nullable=False),
        sa.Column("worksheet", S, nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("occasion", S, nullable=False),
        sa.Column("channel", S, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "rule", "worksheet", "occasion"),
    )
    op.create_index("ix_reminder_cohort_id", "reminder", ["cohort_id"])
    op.create_index("ix_reminder_team_id", "reminder", ["team_id"])
