"""Back-up and restore: a whole cohort comes back exactly, on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import os
import shutil
import tarfile

import pytest

from lab.cli import app
from lab.domain.errors import UsageError, WorkspaceError
from lab.workflow.restore import restore_workspace
from lab.workspace.backup import backup
from lab.workspace.restore import restore
from tests.helpers import drive_to_display, run_once, snapshot


@pytest.fixture
def cohort(ws):
    drive_to_display(ws, 3)
    return ws


def test_backup_then_restore_after_losing_the_workspace(cohort, tmp_path, runner):
    before = snapshot(cohort)
    settings = (cohort.root / "cohort.toml").read_text()
    archive = tmp_path / "pbg.tar.gz"
    result = runner.invoke(app, ["backup", str(cohort.root), str(archive)])
    assert result.exit_code == 0, result.output
    assert "3 proposals" not in result.output and "6 proposals" in result.output
    shutil.rmtree(cohort.root)  # the disaster
    result = runner.invoke(app, ["restore", str(archive), str(cohort.root)])
    if (
        "LAB_DATABASE_URL" in os.environ
    ):  # PostgreSQL: the rows are still on the server: a plain restore would duplicate the cohort
        assert result.exit_code == 3 and "already in the target database" in result.output
        return
    assert result.exit_code == 0, result.output
    assert snapshot(cohort) == before and (cohort.root / "cohort.toml").read_text() == settings
    assert (cohort.root / "showcase/index.html").is_file()
    run_once(cohort)
    assert snapshot(cohort) == before  # and it carries on as if nothing happened


def test_restore_as_a_copy_beside_the_original(cohort, tmp_path):
    before = snapshot(cohort)
    backup(cohort, tmp_path / "b.tar.gz")
    copy, manifest = restore_workspace(tmp_path / "b.tar.gz", tmp_path / "copy", copy=True)
    assert copy.settings.uid != cohort.settings.uid and manifest["rows"]["transition"] > 0
    assert snapshot(copy) == before
    run_once(copy)
    run_once(cohort)
    assert snapshot(copy) == snapshot(cohort) == before


def test_restore_refuses_a_folder_that_is_not_empty(cohort, tmp_path):
    backup(cohort, tmp_path / "b.tar.gz")
    with pytest.raises(WorkspaceError, match="is not empty"):
        restore(tmp_path / "b.tar.gz", cohort.root)


def test_backup_must_be_written_outside_the_workspace(cohort):
    with pytest.raises(UsageError, match="outside the workspace"):
        backup(cohort, cohort.root / "exports" / "b.tar.gz")


def test_an_archive_with_a_path_trick_restores_nothing(cohort, tmp_path):
    """The trick climbs to / with more '..' than any folder is deep, then down to `landing`: an escape
    lands exactly there, wherever the archive is unpacked (the old test looked beside the target, where
    nothing unpacked in another temporary folder could land)."""
    good = tmp_path / "b.tar.gz"
    backup(cohort, good)
    landing = tmp_path / "escaped.txt"
    evil = tmp_path / "evil.tar.gz"
    trick = "workspace/" + "../" * 64 + landing.relative_to("/").as_posix()
    with tarfile.open(good) as src, tarfile.open(evil, "w:gz") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member))
        info = tarfile.TarInfo(trick)
        info.size = 3
        dst.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(UsageError, match="points outside the folder it is restored into"):
        restore(evil, tmp_path / "target")
    assert not landing.exists()
    assert not (tmp_path / "target").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.tar.gz", "evil.tar.gz", "pbg", "roster-in.csv"]


def test_something_that_is_not_a_backup_is_refused(tmp_path):
    junk = tmp_path / "x.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(UsageError, match="not a Labinov backup"):
        restore(junk, tmp_path / "target")
