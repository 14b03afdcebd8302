"""Red-team findings on what the facilitator's commands write and which cohort they open:
- `lab export --output` and `lab backup FILE` never replace a device, a folder or a pipe, and make no folders
  outside the workspace (as root, `--output /dev/null` used to turn /dev/null into an ordinary file);
- a workspace whose cohort.toml uid no longer matches its own lab.db is refused instead of starting a new,
  empty cohort (which emptied the showcase)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lab.cli import app
from tests.helpers import enrol, run_once, teams

OUTPUTS = [
    ("export-to-a-device", ["export", "{ws}", "--format", "csv", "--output", "{dev}"],
     "error: {dev} is a device; give the path of a new or ordinary file"),
    ("export-to-a-folder", ["export", "{ws}", "--format", "xlsx", "--output", "{tmp}/folder"],
     "error: {tmp}/folder is a folder; give the path of a new or ordinary file"),
    ("export-to-a-fifo", ["export", "{ws}", "--format", "json", "--output", "{tmp}/pipe"],
     "error: {tmp}/pipe is a named pipe (FIFO); give the path of a new or ordinary file"),
    ("export-into-a-missing-folder", ["export", "{ws}", "--output", "{tmp}/nope/deeper/x.csv"],
     "error: {tmp}/nope/deeper is not an existing folder; create it first or choose another place"),
    ("backup-to-a-device", ["backup", "{ws}", "{dev}"],
     "error: {dev} is a device; give the path of a new or ordinary file"),
    ("backup-to-a-folder", ["backup", "{ws}", "{tmp}/folder"],
     "error: {tmp}/folder is a folder; give the path of a new or ordinary file"),
    ("backup-to-a-fifo", ["backup", "{ws}", "{tmp}/pipe"],
     "error: {tmp}/pipe is a named pipe (FIFO); give the path of a new or ordinary file"),
    ("backup-into-a-missing-folder", ["backup", "{ws}", "{tmp}/nope/b.tar.gz"],
     "error: {tmp}/nope is not an existing folder; create it first or choose another place"),
]  # fmt: skip


@pytest.fixture
def device(tmp_path) -> Path:
    """A character device of our own (a copy of /dev/null's numbers), so the test never touches /dev."""
    dev = tmp_path / "null"
    os.mknod(dev, 0o666 | 0o020000, os.makedev(1, 3))
    return dev


@pytest.mark.parametrize("case,args,expected", OUTPUTS, ids=[c[0] for c in OUTPUTS])
def test_outputs_never_replace_special_files(ws, runner, tmp_path, device, case, args, expected):
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "pipe")
    fill = {"ws": str(ws.root), "dev": str(device), "tmp": str(tmp_path)}
    result = runner.invoke(app, [a.format(**fill) for a in args])
    assert "Traceback" not in result.output
    assert result.exit_code == 2
    assert result.output.strip() == expected.format(**fill)
    assert device.is_char_device() and (tmp_path / "folder").is_dir() and (tmp_path / "pipe").is_fifo()
    assert not (tmp_path / "nope").exists()


def test_an_ordinary_file_or_a_link_is_replaced_not_written_through(ws, runner, tmp_path):
    (tmp_path / "old.csv").write_text("old")
    kept = tmp_path / "kept.txt"
    kept.write_text("not mine")
    (tmp_path / "link.csv").symlink_to(kept)
    for name in ("old.csv", "link.csv"):
        result = runner.invoke(app, ["export", str(ws.root), "--output", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).read_text(encoding="utf-8-sig").startswith("id,name,")
    assert kept.read_text() == "not mine" and not (tmp_path / "link.csv").is_symlink()


def test_a_changed_uid_is_refused_not_a_new_empty_cohort(ws, runner, monkeypatch):
    # the workspace's own lab.db holds one cohort; a shared database (LAB_DATABASE_URL) holds many
    monkeypatch.delenv("LAB_DATABASE_URL", raising=False)
    enrol(ws, 2)
    run_once(ws)
    file = ws.root / "cohort.toml"
    text = file.read_text()
    uid = ws.settings.uid
    other = "0" * 8 + uid[8:]
    file.write_text(text.replace(uid, other, 1))
    result = runner.invoke(app, ["status", str(ws.root)])
    assert "Traceback" not in result.output and result.exit_code == 3
    assert result.output.strip() == (
        f"error: cohort.toml says uid '{other}', but this workspace's lab.db holds cohort '{uid}' (PBG-2026); "
        "put back the uid `lab init` wrote (it must not change)"
    )
    assert runner.invoke(app, ["showcase", str(ws.root)]).exit_code == 3
    file.write_text(text)
    assert teams(ws) == {"unit-uji-001": "enrolled", "unit-uji-002": "enrolled"}  # nothing was forked
