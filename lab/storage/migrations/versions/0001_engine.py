"""The cohort engine: cohorts, teams, members, proposals, worksheets, audit trail, evidence."""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

S = sa.String()
T = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cohort",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", S, nullable=False),
        sa.Column("code", S, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("region", S, nullable=False),
        sa.Column("next_seq", sa.Integer, nullable=False),
        sa.Column("created_at", T, nullable=False),
    )
    op.create_index("ix_cohort_uid", "cohort", ["uid"], unique=True)
    op.create_table(
        "team",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohort.id"), nullable=False),
        sa.Column("slug", S, nullable=False),
        sa.Column("unit", S, nullable=False),
        sa.Column("unit_type", S, nullable=False),
        sa.Column("state", S, nullable=False),
        sa.Column("readiness", sa.Integer, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("cohort_id", "slug"),
    )
    op.create_index("ix_team_cohort_id", "team", ["cohort_id"])
    op.create_table(
        "member",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("team.id"), nullable=False),
        sa.Column("name", S, nullable=False),
        sa.Column("role", S, nullable=False),
        sa.Column("email", S, nullable=False),
    )
    op.create_index("ix_member_team_id", "member", ["team_id"])
    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohort.id"), nullable=False),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("team.id"), nullable=False),
        sa.Column("code", S, nullable=False),
        sa.Column("origin", sa.Integer, nullable=False),
        sa.Column("title", S, nullable=False),
        sa.Column("state", S, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("cohort_id", "code"),
        sa.UniqueConstraint("team_id", "origin"),
    )
    op.create_index("ix_proposal_cohort_id", "proposal", ["cohort_id"])
    op.create_index("ix_proposal_team_id", "proposal", ["team_id"])
    op.create_table(
        "worksheet",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohort.id"), nullable=False),
        sa.Column("stage", S, nullable=False),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("team.id"), nullable=False),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposal.id"), nullable=True),
        sa.Column("path", S, nullable=False),
        sa.Column("generated_hash", S, nullable=False),
        sa.Column("written_hash", S, nullable=False),
        sa.Column("seen_hash", S, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("status", S, nullable=False),
        sa.Column("errors", sa.JSON, nullable=True),
        sa.Column("answers", sa.JSON, nullable=True),
        sa.Column("note", S, nullable=False),
        sa.Column("updated_at", T, nullable=False),
        sa.UniqueConstraint("cohort_id", "path"),
    )
    for col in ("cohort_id", "stage", "team_id", "proposal_id"):
        op.create_index(f"ix_worksheet_{col}", "worksheet", [col])
    op.create_table(
        "transition",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohort.id"), nullable=False),
        sa.Column("kind", S, nullable=False),
        sa.Column("subject_id", sa.Integer, nullable=False),
        sa.Column("from_state", S, nullable=False),
        sa.Column("to_state", S, nullable=False),
        sa.Column("event", S, nullable=False),
        sa.Column("actor", S, nullable=False),
        sa.Column("at", T, nullable=False),
        sa.Column("note", S, nullable=False),
    )
    op.create_index("ix_transition_cohort_id", "transition", ["cohort_id"])
    op.create_index("ix_transition_subject_id", "transition", ["subject_id"])
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposal.id"), nullable=False),
        sa.Column("file", S, nullable=False),
        sa.Column("proves", S, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_evidence_proposal_id", "evidence", ["proposal_id"])
