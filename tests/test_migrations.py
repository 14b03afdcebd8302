"""Versioned schema: old workspaces open after an upgrade, newer databases are refused, migrations equal the models."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from lab.storage import migrations


def _url(tmp_path, name="lab.db"):
    return f"sqlite:///{tmp_path / name}"


def test_the_listed_revisions_are_the_scripts_in_order():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrations.SCRIPTS))
    chain = [s.revision for s in ScriptDirectory.from_config(config).walk_revisions()]
    assert tuple(reversed(chain)) == migrations.REVISIONS


def test_a_database_from_an_older_release_is_upgraded_with_its_data(tmp_path):
    from lab.storage.db import make_engine

    old = create_engine(_url(tmp_path))
    migrations.upgrade(old, "0001")
    with old.begin() as conn:
        conn.execute(text("INSERT INTO cohort (uid, code, year, region, next_seq, created_at) "
                          "VALUES ('u1', 'PBG', 2026, 'Kabupaten Purbalingga', 4, '2026-01-01 00:00:00')"))  # fmt: skip
    assert migrations.current_revision(old) == "0001"
    old.dispose()
    engine = make_engine(_url(tmp_path))
    assert migrations.current_revision(engine) == migrations.HEAD
    with engine.connect() as conn:
        assert conn.execute(text("SELECT region, next_seq FROM cohort")).one() == ("Kabupaten Purbalingga", 4)
        assert conn.execute(text("SELECT count(*) FROM review")).scalar() == 0


def test_a_database_from_a_newer_release_is_refused(tmp_path, runner):
    from lab.cli import app
    from lab.storage.db import dispose_all
    from lab.workspace.cohort import init_workspace

    ws = init_workspace(tmp_path / "ws", "Kota Pasuruan", 2026)
    dispose_all()
    engine = create_engine(ws.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    result = runner.invoke(app, ["status", str(ws.root)])
    assert result.exit_code == 3
    assert result.output.strip() == (
        "error: this database was made by a newer Labinov (schema 0099; this release knows up to "
        f"{migrations.HEAD}); upgrade Labinov to open it"
    )


def test_the_migrated_schema_is_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(_url(tmp_path))
    migrations.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert [d for d in diff if d[0] != "remove_table"] == []  # alembic_version is ours, not a model


@pytest.mark.parametrize("rev", migrations.REVISIONS)
def test_every_revision_applies_on_an_empty_database(tmp_path, rev):
    engine = create_engine(_url(tmp_path))
    migrations.upgrade(engine, rev)
    assert migrations.current_revision(engine) == rev
