"""Versioned database schema (Alembic). `upgrade()` brings any older Labinov database to HEAD and refuses
one made by a newer release. The revision ids are listed here so that the common case — already at HEAD —
costs one query and no Alembic import."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from lab.domain.errors import WorkspaceError

# oldest first; tests check this against the scripts
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")
HEAD = REVISIONS[-1]
SCRIPTS = Path(__file__).parent


def current_revision(engine: Engine) -> str | None:
    """The database's revision, or None for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _has_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        return inspect(conn).has_table("cohort")


def upgrade(engine: Engine, target: str = HEAD) -> None:
    """Bring the schema to `target`; a database from a newer release is refused with a clear message."""
    current = current_revision(engine)
    if current == target:
        return
    if current is None and _has_tables(engine):
        raise WorkspaceError(
            "this database has Labinov tables but no schema version (a pre-release copy); recreate it"
        )
    if current is not None and current not in REVISIONS:
        raise WorkspaceError(
            f"this database was made by a newer Labinov (schema {current}; this release knows up to {HEAD}); "
            "upgrade Labinov to open it"
        )
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7355608)"))  # one migrator at a time
        config.attributes["connection"] = conn
        command.upgrade(config, target)
