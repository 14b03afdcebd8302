"""Every in-cohort attack of issue 9 at once, through the real `lab run` (Prefect's temporary server).

Honest teams go on to the showcase; each attack is one located problem in `lab status`; no byte of a file
outside the workspace reaches the workspace, its database or the showcase; nothing outside is written; no
active content is published; the run ends with exit 0 and no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab.cli import app
from lab.workflow.roster import import_roster
from lab.workspace.cohort import workspace_session
from tests import factories
from tests.helpers import answer, drive_to_display, lab_env, proposals, run_once, sheet, teams

pytestmark = pytest.mark.flow
SECRET = b"SECRET-OUTSIDE-THE-WORKSPACE-a11"
BOMB = "\n".join(
    ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    + [
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)
EXTRA_UNITS = [
    "007",
    "On",
    "Serangan Pipa",
    "Serangan Nol",
    "Serangan Bom",
    "Serangan Tautan",
    "Serangan Judul",
]


def _state(folder: Path) -> dict[str, tuple]:
    out = {}
    for path in sorted(folder.rglob("*")):
        st = os.lstat(path)
        out[path.relative_to(folder).as_posix()] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def _evidence(team: str, code: str) -> dict[str, bytes]:
    """Unit 3 lists an HTML page and an SVG image with scripts beside its decree; the others the decree."""
    files = {"sk.pdf": b"%PDF-1.4 test\n"}
    if team == "unit-uji-003":
        files["bukti.html"] = b"<script>alert(document.cookie)</script>"
        files["foto.svg"] = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    return files


def test_every_attack_at_once(tmp_path, ws, runner):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(SECRET)
    (outside / "1-drum-up.md").write_bytes(SECRET)
    drive_to_display(ws, 5, files=_evidence)
    showcased = {
        sheet(ws, "display", c).path.split("/")[1]: c for c, s in proposals(ws).items() if s == "showcased"
    }
    assert len(showcased) == 5
    # more units join: honest ones with names YAML would misread, and attackers
    roster = ws.root.parent / "roster-more.csv"
    lines = [factories.roster_csv(5).rstrip("\n")]
    lines += [f"{name},opd,Anggota {name},Ketua,a@example.go.id" for name in EXTRA_UNITS]
    roster.write_text("\n".join(lines) + "\n")
    with workspace_session(ws) as (session, cohort):
        import_roster(ws, roster, session, cohort)
    run_once(ws)
    for slug in ("007", "on"):
        answer(ws, "drum-up", slug, factories.drum_up())
    teams_dir = ws.root / "teams"
    # hole 1: a FIFO worksheet, a link to /dev/zero, a team folder that is a link, an evidence folder link
    (teams_dir / "serangan-pipa" / "1-drum-up.md").unlink()
    os.mkfifo(teams_dir / "serangan-pipa" / "1-drum-up.md")
    (teams_dir / "serangan-nol" / "1-drum-up.md").unlink()
    (teams_dir / "serangan-nol" / "1-drum-up.md").symlink_to("/dev/zero")
    os.rename(teams_dir / "serangan-tautan", tmp_path / "moved-away")
    (teams_dir / "serangan-tautan").symlink_to(outside, target_is_directory=True)
    code4 = showcased["unit-uji-004"]
    ev4 = teams_dir / "unit-uji-004" / code4 / "evidence"
    os.rename(ev4, tmp_path / "evidence-away")
    ev4.symlink_to(outside, target_is_directory=True)
    # hole 3: a showcased team deletes its display worksheet, another breaks a heading
    code2, code5 = showcased["unit-uji-002"], showcased["unit-uji-005"]
    (teams_dir / "unit-uji-002" / code2 / "5-display.md").unlink()
    display5 = teams_dir / "unit-uji-005" / code5 / "5-display.md"
    display5.write_text(display5.read_text().replace("{#summary}", "", 1))
    # hole 4: an alias bomb in front matter; hole 7: an escape sequence in a heading
    bomb = teams_dir / "serangan-bom" / "1-drum-up.md"
    bomb.write_text("---\n" + BOMB + "\n" + bomb.read_text().split("---\n", 1)[1])
    title = teams_dir / "serangan-judul" / "1-drum-up.md"
    title.write_text(title.read_text().replace("{#signatory}", "\x1b[2J\x1b]0;pwned\x07", 1))

    before = _state(outside)
    done = subprocess.run([sys.executable, "-m", "lab", "run", str(ws.root)], env=lab_env(tmp_path), capture_output=True,
                          text=True, timeout=600)  # fmt: skip
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 0, done.stderr[-2000:]
    assert "\x1b[2J" not in done.stdout + done.stderr

    # the honest teams carried on
    states = teams(ws)
    assert states["007"] == states["on"] == "committed"
    assert {states[f"unit-uji-00{n}"] for n in range(1, 6)} == {"diagnosed"}
    assert proposals(ws)[showcased["unit-uji-001"]] == "showcased"
    for slug in ("serangan-pipa", "serangan-nol", "serangan-bom", "serangan-judul", "serangan-tautan"):
        assert states[slug] == "enrolled"

    # each attack is a located problem in lab status
    status = json.loads(runner.invoke(app, ["status", str(ws.root), "--json"]).output)
    problems = {p["path"]: p for p in status["invalid"]}
    for path in ("teams/serangan-pipa/1-drum-up.md", "teams/serangan-nol/1-drum-up.md",
                 "teams/serangan-bom/1-drum-up.md", "teams/serangan-judul/1-drum-up.md",
                 f"teams/unit-uji-005/{code5}/5-display.md"):  # fmt: skip
        assert path in problems, (path, sorted(problems))
        assert problems[path]["line"] >= 1 and problems[path]["reason"]
    assert any(p.startswith("teams/serangan-tautan") for p in problems), sorted(problems)
    assert any(p.startswith(f"teams/unit-uji-004/{code4}") for p in problems), sorted(problems)
    human = runner.invoke(app, ["status", str(ws.root)]).output
    assert "\x1b" not in human and "\\x1b[2J" in human

    # nothing from outside was read into the workspace, its database or the showcase; nothing outside written
    assert _state(outside) == before
    assert not (outside / ".1-drum-up.md").exists()
    for path in ws.root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert SECRET not in path.read_bytes(), path
    # no active content published; the other pages, the index and the scoreboard were built
    site = ws.root / "showcase"
    assert not [p for p in site.rglob("*") if p.suffix.lower() in (".html", ".svg") and "evidence" in p.parts]
    assert (site / "index.html").is_file() and (ws.root / "scoreboard/index.html").is_file()
    for n in (1, 3):
        assert (site / "p" / f"{showcased[f'unit-uji-00{n}']}.html").is_file()
