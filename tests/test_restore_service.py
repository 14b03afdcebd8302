"""`lab restore` as two layers: the workspace layer brings files and rows back, the workflow service then
rebuilds the showcase (an output, which the workspace layer may not import)."""

from __future__ import annotations

import pytest

from lab.domain.errors import UsageError
from lab.workflow.restore import restore_workspace
from lab.workspace.backup import backup
from lab.workspace.restore import restore
from tests.helpers import enrol, run_once


def test_the_service_restores_and_rebuilds_the_showcase(ws, tmp_path):
    enrol(ws, 1)
    run_once(ws)
    backup(ws, tmp_path / "b.tar.gz")
    plain, _ = restore(tmp_path / "b.tar.gz", tmp_path / "plain", copy=True)
    assert (plain.root / "cohort.toml").is_file() and not (plain.root / "showcase").exists()
    full, manifest = restore_workspace(tmp_path / "b.tar.gz", tmp_path / "full", copy=True)
    assert manifest["cohort"] == ws.settings.cohort_id and full.root == tmp_path / "full"
    assert (full.root / "showcase" / "index.html").is_file()


def test_a_refused_archive_builds_nothing(tmp_path):
    junk = tmp_path / "x.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(UsageError, match="not a Labinov backup"):
        restore_workspace(junk, tmp_path / "target")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.tar.gz"]
