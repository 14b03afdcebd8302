"""Hostile paths (issue 9): nothing outside the workspace is read, published or written through a symbolic
link or a special file, and nothing blocks on a pipe or reads without end.

Every case names its exact one-line reason; the attacked worksheet is that team's located problem (also
listed by `lab status`), the honest team beside it carries on, nothing outside the workspace changes, and
no byte of a file outside ends up in the workspace or its database. A blocking read fails the test (an
alarm) instead of hanging the suite.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import stat
import tarfile
from pathlib import Path

import pytest
from sqlmodel import select

from lab.cli import app
from lab.domain.errors import RosterError, UnsafePath
from lab.domain.models import Evidence, Worksheet
from lab.workflow.decisions import decide
from lab.workspace.cohort import find_proposal, workspace_session
from tests import factories
from tests.helpers import answer, diagnosed, enrol, evidence, proposals, run_once, sheet, sheet_path, teams

SECRET = b"SECRET-OUTSIDE-THE-WORKSPACE-5d1e"
TEAM = "teams/unit-uji-001"
SHEET = f"{TEAM}/1-drum-up.md"
PROPOSAL = f"{TEAM}/PBG-2026-001"
EVIDENCE = f"{PROPOSAL}/evidence"
LINK = "is a symbolic link; links are not followed: replace it with a real"
FIFO = "is a named pipe (FIFO), not a regular file: replace it with a real file"
HARD = "has other names (a hard link); links are not followed: replace it with a copy of the file"


class Blocked(Exception):
    """Not an OSError: code that catches read errors must not mistake a hang for one."""


@pytest.fixture(autouse=True)
def _deadline():
    """A read that blocks (a pipe) or never ends (/dev/zero) fails the test instead of hanging it."""

    def _blocked(signum, frame):
        raise Blocked("a read waited on a pipe or did not end")

    old = signal.signal(signal.SIGALRM, _blocked)
    signal.alarm(150)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture
def outside(ws) -> Path:
    """A folder beside the workspace holding a secret, as /etc would."""
    folder = ws.root.parent / "outside"
    folder.mkdir()
    (folder / "secret.pdf").write_bytes(SECRET)
    (folder / "shadow").write_bytes(SECRET + b"\nroot:$6$hash:19000:0:99999:7:::\n")
    return folder


def _state(folder: Path) -> dict[str, tuple]:
    """Every entry under a folder (links not followed) with its kind, size, mtime and content hash."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = os.lstat(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else ""
        out[path.relative_to(folder).as_posix()] = (
            stat.S_IFMT(st.st_mode),
            st.st_size,
            st.st_mtime_ns,
            digest,
        )
    return out


def _leaks(ws) -> list[str]:
    """Where a byte of the secret shows up: a regular file of the workspace (but a hard link an attack made),
    a worksheet or evidence row."""
    found = []
    for folder, _dirs, files in os.walk(ws.root):  # links are not followed
        for name in files:
            path = Path(folder, name)
            st = os.lstat(path)
            if st.st_nlink > 1:  # the attack itself (a hard link to the secret); what lab writes has one name
                continue
            if stat.S_ISREG(st.st_mode) and st.st_size < 10_000_000 and SECRET in path.read_bytes():
                found.append(path.relative_to(ws.root).as_posix())
    with workspace_session(ws, writer=False) as (session, cohort):
        for w in session.exec(select(Worksheet).where(Worksheet.cohort_id == cohort.id)):
            if SECRET.decode() in json.dumps([w.answers, w.errors]):
                found.append(f"worksheet {w.path}")
        for e in session.exec(select(Evidence)):
            if SECRET.decode() in f"{e.file} {e.proves}":
                found.append(f"evidence {e.file}")
    return found


def _invalid_in_status(ws, runner) -> list[tuple[str, int, str]]:
    result = runner.invoke(app, ["status", str(ws.root), "--json"])
    assert result.exit_code == 0 and "Traceback" not in result.output
    return [(e["path"], e["line"], e["reason"]) for e in json.loads(result.output)["invalid"]]


def _to_outside(ws, rel: str, outside: Path, name: str) -> Path:
    """Move a workspace entry outside and leave a link to it in its place."""
    target = outside / name
    shutil.move(ws.root / rel, target)
    os.symlink(target, ws.root / rel)
    return target


# team stage (drum-up): the worksheet, or the team's folder, is the attack ---------------------------------


def _sheet_link_to_filled_copy(ws, outside):
    """A valid, filled worksheet kept outside: it must not be read even so."""
    shutil.copy(ws.root / SHEET, outside / "1-drum-up.md")
    (ws.root / SHEET).unlink()
    os.symlink(outside / "1-drum-up.md", ws.root / SHEET)


def _sheet_hard_link_to_filled_copy(ws, outside):
    """The same valid worksheet, a hard link to a file outside: it must not be read even so."""
    shutil.copy(ws.root / SHEET, outside / "1-drum-up.md")
    (ws.root / SHEET).unlink()
    os.link(outside / "1-drum-up.md", ws.root / SHEET)


def _replace(ws, rel, make):
    (ws.root / rel).unlink()
    make(ws.root / rel)


def _team_folder_without_sheet(ws, outside):
    _to_outside(ws, TEAM, outside, "team")
    (outside / "team" / "1-drum-up.md").unlink()  # regenerating it would write outside


TEAM_CASES = [
    ("sheet-link-to-filled-copy", _sheet_link_to_filled_copy, f"{SHEET} {LINK} file"),
    ("sheet-link-to-shadow", lambda ws, o: _replace(ws, SHEET, lambda p: os.symlink(o / "shadow", p)),
     f"{SHEET} {LINK} file"),
    ("sheet-link-to-dev-zero", lambda ws, o: _replace(ws, SHEET, lambda p: os.symlink("/dev/zero", p)),
     f"{SHEET} {LINK} file"),
    ("sheet-link-to-proc-environ", lambda ws, o: _replace(ws, SHEET, lambda p: os.symlink("/proc/self/environ", p)),
     f"{SHEET} {LINK} file"),
    ("sheet-dangling-link", lambda ws, o: _replace(ws, SHEET, lambda p: os.symlink(o / "created-by-lab", p)),
     f"{SHEET} {LINK} file"),
    ("sheet-hard-link-to-filled-copy", _sheet_hard_link_to_filled_copy, f"{SHEET} {HARD}"),
    ("sheet-hard-link-to-shadow", lambda ws, o: _replace(ws, SHEET, lambda p: os.link(o / "shadow", p)),
     f"{SHEET} {HARD}"),
    ("sheet-hard-linked-inside", lambda ws, o: os.link(ws.root / SHEET, ws.root / TEAM / "salinan.md"),
     f"{SHEET} {HARD}"),
    ("sheet-fifo", lambda ws, o: _replace(ws, SHEET, os.mkfifo), f"{SHEET} {FIFO}"),
    ("sheet-a-folder", lambda ws, o: _replace(ws, SHEET, os.mkdir),
     f"{SHEET} is a folder, not a regular file: replace it with a real file"),
    ("team-folder-link", lambda ws, o: _to_outside(ws, TEAM, o, "team"), f"{TEAM} {LINK} folder"),
    ("team-folder-link-sheet-gone", _team_folder_without_sheet, f"{TEAM} {LINK} folder"),
    ("team-folder-a-file", lambda ws, o: (shutil.rmtree(ws.root / TEAM), (ws.root / TEAM).write_bytes(b"x")),
     f"{TEAM} is a file, not a folder: replace it with a real folder"),
]  # fmt: skip


@pytest.mark.parametrize("case,attack,reason", TEAM_CASES, ids=[c[0] for c in TEAM_CASES])
def test_hostile_team_paths(two_teams, outside, runner, case, attack, reason):
    ws = two_teams
    attack(ws, outside)
    before = _state(outside)
    run_once(ws)
    run_once(ws)  # found again: nothing changes, nothing is written
    assert teams(ws) == {"unit-uji-001": "enrolled", "unit-uji-002": "committed"}  # the other team carries on
    row = sheet(ws, "drum-up", "unit-uji-001")
    assert row.status == "invalid" and [(e["line"], e["reason"]) for e in row.errors] == [(1, reason)]
    assert (SHEET, 1, reason) in _invalid_in_status(ws, runner)
    assert _state(outside) == before
    assert _leaks(ws) == []


BEFORE_GENERATION = [
    ("team-folder-link", lambda ws, o: os.symlink(o, ws.root / TEAM), f"{TEAM} {LINK} folder"),
    ("team-folder-a-fifo", lambda ws, o: os.mkfifo(ws.root / TEAM),
     f"{TEAM} is a named pipe (FIFO), not a folder: replace it with a real folder"),
    ("teams-folder-link-to-outside-team", lambda ws, o: (os.mkdir(o / TEAM.split("/")[1]), os.symlink(
        o / TEAM.split("/")[1], ws.root / TEAM)), f"{TEAM} {LINK} folder"),
]  # fmt: skip


@pytest.mark.parametrize("case,attack,reason", BEFORE_GENERATION, ids=[c[0] for c in BEFORE_GENERATION])
def test_hostile_team_folder_before_its_worksheet(ws, outside, runner, case, attack, reason):
    """A team folder that is a link before its first worksheet: nothing is written there, and the problem is
    recorded on a worksheet record (status invalid) so that `lab status` shows it."""
    enrol(ws, 2)
    attack(ws, outside)
    before = _state(outside)
    run_once(ws)
    run_once(ws)
    assert sheet_path(ws, "drum-up", "unit-uji-002").is_file()  # the other team got its worksheet
    row = sheet(ws, "drum-up", "unit-uji-001")
    assert row.status == "invalid" and [(e["line"], e["reason"]) for e in row.errors] == [(1, reason)]
    assert _invalid_in_status(ws, runner) == [(SHEET, 1, reason)]
    assert _state(outside) == before
    # once the folder is a real folder again, the worksheet is written there
    path = ws.root / TEAM
    path.unlink()
    run_once(ws)
    assert sheet(ws, "drum-up", "unit-uji-001").status == "waiting" and (ws.root / SHEET).is_file()


def test_hostile_teams_folder_link(ws, outside, runner):
    """teams/ itself a link: no team's worksheet is written there, each team's record says why."""
    enrol(ws, 2)
    (ws.root / "teams").rmdir()  # made empty by `lab init`
    os.symlink(outside, ws.root / "teams")
    before = _state(outside)
    run_once(ws)
    reason = f"teams {LINK} folder"
    assert _invalid_in_status(ws, runner) == [
        ("teams/unit-uji-001/1-drum-up.md", 1, reason),
        ("teams/unit-uji-002/1-drum-up.md", 1, reason),
    ]
    assert _state(outside) == before


# proposal stage (deliver): evidence files, the evidence folder, the proposal's folder --------------------


def _approved(ws) -> None:
    """Two teams, one proposal each (PBG-2026-001 of unit-uji-001, PBG-2026-002 of unit-uji-002), approved."""
    diagnosed(ws, n_units=2)
    for code in proposals(ws):
        answer(ws, "design", code, factories.design())
    run_once(ws)
    codes = list(proposals(ws))
    with workspace_session(ws) as (session, cohort):
        for code in codes:
            decide(ws, session, cohort, find_proposal(session, cohort, code), "approve", "Fasilitator")
    run_once(ws)
    assert proposals(ws) == {"PBG-2026-001": "approved", "PBG-2026-002": "approved"}


def _link(rel: str, target):
    return lambda ws, o: os.symlink(target(o) if callable(target) else target, ws.root / rel)


def _evidence_folder_link(ws, o):
    shutil.rmtree(ws.root / EVIDENCE)
    os.symlink(o, ws.root / EVIDENCE)


def _sparse(*files: tuple[str, int]):
    def make(ws, o):
        for name, size in files:
            with open(ws.root / EVIDENCE / name, "wb") as fh:
                fh.truncate(size)  # sparse: no disk, no memory

    return make


def _proposal_folder_link(ws, o):
    (ws.root / EVIDENCE / "sk.pdf").write_bytes(b"%PDF-1.4 sk\n")
    _to_outside(ws, PROPOSAL, o, "proposal")


def _mkdir(rel):
    return lambda ws, o: os.mkdir(ws.root / rel)


def _mkfifo(rel):
    return lambda ws, o: os.mkfifo(ws.root / rel)


GB2 = 2 * 1024**3
# (id, evidence files listed, attack, (line or "evidence", reason))
DELIVER_CASES = [
    ("evidence-folder-link", ("secret.pdf",), _evidence_folder_link, ("evidence", f"{EVIDENCE} {LINK} folder")),
    ("evidence-link-to-file-outside", ("secret.pdf",), _link(f"{EVIDENCE}/secret.pdf", lambda o: o / "secret.pdf"),
     ("evidence", f"{EVIDENCE}/secret.pdf {LINK} file")),
    ("evidence-link-to-etc-shadow", ("shadow.pdf",), _link(f"{EVIDENCE}/shadow.pdf", "/etc/shadow"),
     ("evidence", f"{EVIDENCE}/shadow.pdf {LINK} file")),
    ("evidence-link-to-proc-environ", ("env.txt",), _link(f"{EVIDENCE}/env.txt", "/proc/self/environ"),
     ("evidence", f"{EVIDENCE}/env.txt {LINK} file")),
    ("evidence-link-to-dev-zero", ("video.mp4",), _link(f"{EVIDENCE}/video.mp4", "/dev/zero"),
     ("evidence", f"{EVIDENCE}/video.mp4 {LINK} file")),
    ("evidence-hard-link-to-file-outside", ("laporan.pdf",),
     lambda ws, o: os.link(o / "secret.pdf", ws.root / EVIDENCE / "laporan.pdf"),
     ("evidence", f"{EVIDENCE}/laporan.pdf {HARD}")),
    ("evidence-hard-link-to-shadow", ("shadow.txt",),
     lambda ws, o: os.link(o / "shadow", ws.root / EVIDENCE / "shadow.txt"),
     ("evidence", f"{EVIDENCE}/shadow.txt {HARD}")),
    ("evidence-fifo", ("video.mp4",), _mkfifo(f"{EVIDENCE}/video.mp4"), ("evidence", f"{EVIDENCE}/video.mp4 {FIFO}")),
    ("evidence-subfolder-link", ("sub/secret.pdf",), _link(f"{EVIDENCE}/sub", lambda o: o),
     ("evidence", f"{EVIDENCE}/sub {LINK} folder")),
    ("evidence-a-folder", ("sk.pdf",), _mkdir(f"{EVIDENCE}/sk.pdf"),
     ("evidence", f"{EVIDENCE}/sk.pdf is a folder, not a regular file: replace it with a real file")),
    ("evidence-sparse-2gb", ("video.mp4",), _sparse(("video.mp4", GB2)),
     ("evidence", "Bukti dukung ke-1 · Berkas (di folder evidence/): berkas 'video.mp4' berukuran 2.147,5 MB; batasnya 25 MB "
                  "per berkas ([evidence] max_file_mb di cohort.toml)")),
    ("evidence-total-over-limit", tuple(f"e{i}.pdf" for i in range(1, 6)),
     _sparse(*((f"e{i}.pdf", 24_000_000) for i in range(1, 6))),
     ("evidence", "Bukti dukung ke-5 · Berkas (di folder evidence/): dengan 'e5.pdf' bukti dukung usulan ini menjadi "
                  "120 MB; batasnya 100 MB per usulan ([evidence] max_proposal_mb di cohort.toml)")),
    ("proposal-folder-link", ("sk.pdf",), _proposal_folder_link, (1, f"{PROPOSAL} {LINK} folder")),
]  # fmt: skip


@pytest.mark.parametrize("case,files,attack,expected", DELIVER_CASES, ids=[c[0] for c in DELIVER_CASES])
def test_hostile_evidence_paths(ws, outside, runner, case, files, attack, expected):
    _approved(ws)
    evidence(ws, "PBG-2026-002", "sk.pdf")
    answer(ws, "deliver", "PBG-2026-002", factories.deliver())
    report = answer(ws, "deliver", "PBG-2026-001", factories.deliver(files))
    assert report.problems == []
    text = (ws.root / PROPOSAL / "4-deliver.md").read_text().splitlines()
    attack(ws, outside)
    before = _state(outside)
    run_once(ws)
    run_once(ws)
    assert proposals(ws) == {
        "PBG-2026-001": "approved",
        "PBG-2026-002": "launched",
    }  # the other one carries on
    row = sheet(ws, "deliver", "PBG-2026-001")
    where, reason = expected
    assert row.status == "invalid" and [e["reason"] for e in row.errors] == [reason]
    line = row.errors[0]["line"]
    if where == "evidence":  # located on the evidence entry that names the file
        assert "{#file}" in text[line - 1] and files[-1] in text[line : line + 5], text[line - 1 : line + 5]
    else:
        assert line == where
    assert (f"{PROPOSAL}/4-deliver.md", line, reason) in _invalid_in_status(ws, runner)
    with workspace_session(ws, writer=False) as (session, cohort):
        p1 = find_proposal(session, cohort, "PBG-2026-001")
        assert session.exec(select(Evidence).where(Evidence.proposal_id == p1.id)).all() == []
    assert _state(outside) == before
    assert _leaks(ws) == []


def test_evidence_limits_come_from_cohort_toml(ws, outside):
    """A lower per-file limit in cohort.toml is the one applied and named."""
    _approved(ws)
    settings = ws.root / "cohort.toml"
    settings.write_text(settings.read_text().replace("max_file_mb = 25", "max_file_mb = 0.5"))
    answer(ws, "deliver", "PBG-2026-001", factories.deliver(("scan.pdf",)))
    (ws.root / EVIDENCE / "scan.pdf").write_bytes(b"%PDF" + b"0" * 600_000)
    run_once(ws)
    assert [e["reason"] for e in sheet(ws, "deliver", "PBG-2026-001").errors] == [
        "Bukti dukung ke-1 · Berkas (di folder evidence/): berkas 'scan.pdf' berukuran 0,6 MB; batasnya 0,5 MB per "
        "berkas ([evidence] max_file_mb di cohort.toml)"
    ]


def _launched(ws) -> None:
    """Both proposals launched with one sk.pdf each."""
    _approved(ws)
    for code in ("PBG-2026-001", "PBG-2026-002"):
        evidence(ws, code, "sk.pdf")
        answer(ws, "deliver", code, factories.deliver())
    run_once(ws)
    assert proposals(ws) == {"PBG-2026-001": "launched", "PBG-2026-002": "launched"}


def test_evidence_hard_linked_after_launch_is_not_copied_into_the_showcase(ws, outside, runner):
    """Checked at launch, then swapped for a hard link to a file outside: the showcase refuses to copy it, the
    display worksheet names why, the other proposal's page is built."""
    _launched(ws)
    (ws.root / EVIDENCE / "sk.pdf").unlink()
    os.link(outside / "secret.pdf", ws.root / EVIDENCE / "sk.pdf")
    before = _state(outside)
    for code in ("PBG-2026-001", "PBG-2026-002"):
        answer(ws, "display", code, factories.display())
    run_once(ws)
    run_once(ws)
    assert proposals(ws) == {"PBG-2026-001": "showcased", "PBG-2026-002": "showcased"}
    reason = f"evidence 'sk.pdf' is not in the showcase: {EVIDENCE}/sk.pdf {HARD}"
    assert _invalid_in_status(ws, runner) == [(f"{PROPOSAL}/5-display.md", 1, reason)]
    site = ws.root / "showcase" / "p"
    assert not (site / "PBG-2026-001" / "evidence" / "sk.pdf").exists()
    assert (site / "PBG-2026-002" / "evidence" / "sk.pdf").is_file()
    assert _state(outside) == before
    assert _leaks(ws) == []


def test_backup_leaves_out_a_hard_linked_file(ws, outside, runner, tmp_path):
    """A hard link to a file outside is left out of a backup like a symbolic link, and named."""
    _launched(ws)
    os.link(outside / "secret.pdf", ws.root / EVIDENCE / "laporan.pdf")
    archive = tmp_path / "b.tar.gz"
    result = runner.invoke(app, ["backup", str(ws.root), str(archive)])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert result.stderr.strip() == (
        f"note: left out {EVIDENCE}/laporan.pdf: links and special files are not saved"
    )
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        saved = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert f"workspace/{EVIDENCE}/sk.pdf" in names and f"workspace/{EVIDENCE}/laporan.pdf" not in names
    assert SECRET not in saved


# answers import into a linked worksheet ---------------------------------------------------------------


IMPORT_CASES = [
    ("team-folder-link", lambda ws, o: _to_outside(ws, TEAM, o, "team"), f"test: {TEAM} {LINK} folder"),
    ("sheet-fifo", lambda ws, o: _replace(ws, SHEET, os.mkfifo), f"test: {SHEET} {FIFO}"),
    ("sheet-link-to-dev-zero", lambda ws, o: _replace(ws, SHEET, lambda p: os.symlink("/dev/zero", p)),
     f"test: {SHEET} {LINK} file"),
]  # fmt: skip


@pytest.mark.parametrize("case,attack,problem", IMPORT_CASES, ids=[c[0] for c in IMPORT_CASES])
def test_hostile_answers_import_paths(ws, outside, case, attack, problem):
    enrol(ws, 2)
    run_once(ws)
    attack(ws, outside)
    before = _state(outside)
    assert answer(ws, "drum-up", "unit-uji-001", factories.drum_up()).problems == [problem]
    assert answer(ws, "drum-up", "unit-uji-002", factories.drum_up()).problems == []
    assert _state(outside) == before


# workspace files: settings, roster, the run lock, exports ---------------------------------------------------


SETTINGS_CASES = [
    ("link-to-dev-zero", lambda p, o: os.symlink("/dev/zero", p), "{f} " + LINK + " file"),
    ("link-to-a-valid-copy", lambda p, o: (shutil.copy(p, o / "cohort.toml"), p.unlink(), os.symlink(o / "cohort.toml", p)),
     "{f} " + LINK + " file"),
    ("fifo", lambda p, o: os.mkfifo(p), "{f} " + FIFO),
    ("sparse-2gb", lambda p, o: os.truncate(p, GB2), "{f} is 2,147.5 MB; settings are limited to 1 MB"),
]  # fmt: skip


@pytest.mark.parametrize("case,attack,expected", SETTINGS_CASES, ids=[c[0] for c in SETTINGS_CASES])
def test_hostile_settings_file(ws, outside, runner, case, attack, expected):
    path = ws.root / "cohort.toml"
    if case != "sparse-2gb" and case != "link-to-a-valid-copy":
        path.unlink()
    attack(path, outside)
    result = runner.invoke(app, ["status", str(ws.root)])
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == ["error: " + expected.format(f=path)]


ROSTER_CASES = [
    ("link-to-dev-zero", lambda p, o: os.symlink("/dev/zero", p), f"roster.csv {LINK} file"),
    ("link-to-shadow", lambda p, o: os.symlink(o / "shadow", p), f"roster.csv {LINK} file"),
    ("fifo", lambda p, o: os.mkfifo(p), f"roster.csv {FIFO}"),
]  # fmt: skip


@pytest.mark.parametrize("case,attack,expected", ROSTER_CASES, ids=[c[0] for c in ROSTER_CASES])
def test_hostile_roster_file(ws, outside, case, attack, expected):
    """roster.csv, read by every drum-up run, as a link or a pipe: one clear error, nothing read."""
    enrol(ws, 2)
    path = ws.root / "roster.csv"
    path.unlink()
    attack(path, outside)
    with pytest.raises(RosterError) as err:
        run_once(ws)
    assert str(err.value) == expected
    assert _leaks(ws) == []


IMPORTED_FILES = [
    ("roster-from-dev-zero", "roster", lambda ws, o: Path("/dev/zero"), 4,
     "/dev/zero is a device, not a regular file: give a real file"),
    ("roster-from-a-fifo", "roster", lambda ws, o: (os.mkfifo(o / "roster.csv"), o / "roster.csv")[1], 4,
     "{o}/roster.csv is a named pipe (FIFO), not a regular file: give a real file"),
    ("roster-from-a-link-in-the-workspace", "roster",
     lambda ws, o: (os.symlink(o / "shadow", ws.root / "in.csv"), ws.root / "in.csv")[1], 4, f"in.csv {LINK} file"),
    ("answers-from-a-fifo", "answers", lambda ws, o: (os.mkfifo(o / "a.json"), o / "a.json")[1], 5,
     "{o}/a.json is a named pipe (FIFO), not a regular file: give a real file"),
    ("answers-from-dev-zero", "answers", lambda ws, o: Path("/dev/zero"), 5,
     "/dev/zero is a device, not a regular file: give a real file"),
    ("review-sheet-link-in-the-workspace", "review",
     lambda ws, o: (os.symlink(o / "shadow", ws.root / "reviews" / "juri.csv"), ws.root / "reviews" / "juri.csv")[1],
     2, f"reviews/juri.csv {LINK} file"),
    ("review-sheet-under-a-linked-folder", "review",
     lambda ws, o: (shutil.rmtree(ws.root / "reviews"), os.symlink(o, ws.root / "reviews"),
                    ws.root / "reviews" / "shadow")[-1], 2, f"reviews {LINK} folder"),
    ("review-sheet-from-a-fifo", "review", lambda ws, o: (os.mkfifo(o / "r.csv"), o / "r.csv")[1], 2,
     "{o}/r.csv is a named pipe (FIFO), not a regular file: give a real file"),
]  # fmt: skip


@pytest.mark.parametrize(
    "case,command,make,code,expected", IMPORTED_FILES, ids=[c[0] for c in IMPORTED_FILES]
)
def test_hostile_imported_files(ws, outside, runner, case, command, make, code, expected):
    """A file named on the command line that is a device or a pipe is refused at once, never read."""
    source = make(ws, outside)
    result = runner.invoke(app, [command, "import", str(ws.root), str(source)])
    assert result.exit_code == code and "Traceback" not in result.output
    assert result.output.strip().splitlines() == ["error: " + expected.format(o=outside)]


LOCK_CASES = [
    ("link-to-a-new-file", lambda ws, o: os.symlink(o / "created", ws.root / ".lab-run.lock"),
     ".lab-run.lock is a symbolic link, not the lock file: delete it (`lab run` makes it again)"),
    ("link-to-an-existing-file", lambda ws, o: os.symlink(o / "shadow", ws.root / ".lab-run.lock"),
     ".lab-run.lock is a symbolic link, not the lock file: delete it (`lab run` makes it again)"),
    ("fifo", lambda ws, o: os.mkfifo(ws.root / ".lab-run.lock"),
     ".lab-run.lock is a named pipe (FIFO), not the lock file: delete it (`lab run` makes it again)"),
]  # fmt: skip


@pytest.mark.parametrize("case,attack,expected", LOCK_CASES, ids=[c[0] for c in LOCK_CASES])
def test_hostile_lock_file(ws, outside, case, attack, expected):
    """The SQLite run lock (a file lock on .lab-run.lock) never creates, opens or truncates a file outside."""
    from lab.workspace.lock import _file_lock

    attack(ws, outside)
    before = _state(outside)
    with pytest.raises(UnsafePath) as err, _file_lock(ws, 0):
        pass
    assert str(err.value) == expected
    assert _state(outside) == before


HOLDER_CASES = [
    ("link-to-dev-zero", lambda p, o: os.symlink("/dev/zero", p)),
    ("fifo", lambda p, o: os.mkfifo(p)),
    ("link-to-an-existing-file", lambda p, o: os.symlink(o / "shadow", p)),
]  # fmt: skip


@pytest.mark.parametrize("case,attack", HOLDER_CASES, ids=[c[0] for c in HOLDER_CASES])
def test_hostile_lock_holder_file(ws, outside, case, attack):
    """Who holds the lock is read from a small regular file only; taking the lock replaces the entry and
    never writes through it."""
    from lab.workspace.lock import cohort_lock, describe_holder

    attack(ws.root / ".lab-run.holder", outside)
    before = _state(outside)
    assert describe_holder(ws) == "run by another process"
    with cohort_lock(ws):
        assert json.loads((ws.root / ".lab-run.holder").read_text())["pid"] == os.getpid()
    assert not os.path.lexists(ws.root / ".lab-run.holder")
    assert _state(outside) == before


def test_hostile_exports_folder_link(ws, outside, runner):
    shutil.rmtree(ws.root / "exports")
    os.symlink(outside, ws.root / "exports")
    before = _state(outside)
    result = runner.invoke(app, ["export", str(ws.root)])
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [f"error: exports {LINK} folder"]
    assert _state(outside) == before


def test_hostile_export_file_link_is_replaced_not_followed(ws, outside, runner):
    target = ws.root / "exports" / "pbg-2026-innovations.csv"
    os.symlink(outside / "shadow", target)
    before = _state(outside)
    result = runner.invoke(app, ["export", str(ws.root)])
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert not target.is_symlink() and target.read_text(encoding="utf-8-sig").startswith("id,name,unit")
    assert _state(outside) == before


OUTSIDE_PATHS = [
    ("dot-dot", "../outside/secret.pdf", "../outside/secret.pdf"),
    ("dot-dot-in-the-middle", "teams/../../outside/secret.pdf", "teams/../../outside/secret.pdf"),
    ("absolute", "/etc/shadow", "/etc/shadow"),
    ("empty", "", "''"),
    ("nul-byte", "teams/a\x00.md", "teams/a\\0.md"),
]  # fmt: skip


@pytest.mark.parametrize("case,rel,shown", OUTSIDE_PATHS, ids=[c[0] for c in OUTSIDE_PATHS])
def test_safefs_refuses_paths_that_leave_the_workspace(ws, outside, case, rel, shown):
    """Every safefs entry point refuses a path that is not plainly inside the workspace."""
    from lab.storage import safefs

    before = _state(outside)
    calls = (safefs.check, safefs.open_file, lambda r, p: safefs.read_bytes(r, p, 100), safefs.ensure_dir,
             safefs.writable, lambda r, p: safefs.copy_to(r, p, io.BytesIO(), 100))  # fmt: skip
    for call in calls:
        with pytest.raises(UnsafePath) as err:
            call(ws.root, rel)
        assert (
            str(err.value) == f"{shown} is not a path inside the workspace: use a relative path without '..'"
        )
    assert _state(outside) == before


def test_safefs_reads_stop_at_the_limit(ws):
    from lab.domain.errors import TooLarge
    from lab.storage import safefs

    (ws.root / "teams" / "big.md").write_bytes(b"x" * 3000)
    out = io.BytesIO()
    with pytest.raises(TooLarge) as err:
        safefs.copy_to(ws.root, "teams/big.md", out, 1000)
    assert str(err.value) == "teams/big.md is 0.003 MB; the limit is 0.001 MB" and out.getvalue() == b""
    assert safefs.read_bytes(ws.root, "teams/big.md", 3000) == b"x" * 3000


def test_a_folder_made_a_link_before_the_rename_leaves_its_file_unwritten(ws, outside):
    """WriteBatch(root) renames by folder descriptor: a folder swapped for a link after the temporary file
    was written is reported in `failed`; the other files are written; nothing lands outside."""
    from lab.storage.files import WriteBatch

    batch = WriteBatch(ws.root)
    batch.write(ws.root / "teams/a/1-drum-up.md", b"worksheet a")
    batch.write(ws.root / "teams/b/1-drum-up.md", b"worksheet b")
    _to_outside(ws, "teams/a", outside, "a")
    before = _state(outside)
    assert batch.commit() == [ws.root / "teams/b/1-drum-up.md"]
    assert [(p, str(e)) for p, e in batch.failed] == [
        (ws.root / "teams/a/1-drum-up.md", f"teams/a {LINK} folder")
    ]
    assert _state(outside) == before and (ws.root / "teams/b/1-drum-up.md").read_bytes() == b"worksheet b"


def test_the_path_corpus_is_large_enough():
    cases = (TEAM_CASES, BEFORE_GENERATION, DELIVER_CASES, IMPORT_CASES, SETTINGS_CASES, ROSTER_CASES,
             IMPORTED_FILES, LOCK_CASES, HOLDER_CASES, OUTSIDE_PATHS)  # fmt: skip
    assert sum(len(c) for c in cases) + 2 >= 40
