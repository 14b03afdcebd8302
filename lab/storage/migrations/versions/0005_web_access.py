"""The lab in a browser: personal links (stored as hashes) and the sessions they open."""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

S = sa.String()
T = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "link",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohort.id"), nullable=False),
        sa.Column("role", S, nullable=False),
        sa.Column("subject", S, nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("token_hash", S, nullable=False),
        sa.Column("created_at", T, nullable=False),
        sa.Column("expires_at", T, nullable=False),
        sa.Column("revoked_at", T, nullable=True),
        sa.Column("used_at", T, nullable=True),
    )
    op.create_index("ix_link_cohort_id", "link", ["cohort_id"])
    op.create_index("ix_link_token_hash", "link", ["token_hash"], unique=True)
    op.create_table(
        "websession",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohort.id"), nullable=False),
        sa.Column("link_id", sa.Integer, sa.ForeignKey("link.id"), nullable=False),
        sa.Column("sid_hash", S, nullable=False),
        sa.Column("csrf", S, nullable=False),
        sa.Column("created_at", T, nullable=False),
        sa.Column("expires_at", T, nullable=False),
        sa.Column("last_ip", S, nullable=False),
    )
    op.create_index("ix_websession_cohort_id", "websession", ["cohort_id"])
    op.create_index("ix_websession_link_id", "websession", ["link_id"])
    op.create_index("ix_websession_sid_hash", "websession", ["sid_hash"], unique=True)
