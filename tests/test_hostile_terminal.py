"""Hostile text and the terminal: what a facilitator types is one line of plain text, and whatever a team, an
archive or the database holds is shown as visible escapes, never obeyed by the terminal (issue 9, hole 7)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading

import pytest
from sqlmodel import select

from lab.cli import app
from lab.domain.models import Proposal, Transition, Worksheet
from lab.workspace.cohort import workspace_session
from tests import factories
from tests.helpers import answer, diagnosed, enrol, proposals, run_once, sheet, sheet_path

CODE = "PBG-2026-001"
FORGED = "2026-01-01 00:00:00    designed -> approved    approve          by Bupati"


def _cli(runner, *args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


# what a terminal obeys or a reader cannot see: C0 but the newline ending a line, DEL, C1, direction marks
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _inert(output: str) -> bool:
    """Nothing in the output is obeyed by the terminal: every line is plain text."""
    return RAW.search(output) is None


def _audit(ws) -> list[tuple]:
    with workspace_session(ws, writer=False) as (session, cohort):
        rows = session.exec(select(Transition).where(Transition.kind == "proposal").order_by(Transition.id))
        return [(r.from_state, r.to_state, r.event, r.actor, r.note) for r in rows]


# --- typed by a facilitator: refused, with one line naming the option -------------------------------------

# (id, --by, --note, the exact error line)
DECIDE_REFUSED = [
    ("note-forges-a-history-line", "Fasilitator", "ok\n" + FORGED,
     r"error: --note must be one line: remove the line break (\n)"),
    ("note-carriage-return-overwrites", "Fasilitator", "ok\r" + FORGED,
     r"error: --note must be one line: remove the line break (\r)"),
    ("note-next-line-c1", "Fasilitator", "ok\x85" + FORGED,
     r"error: --note must be one line: remove the line break (\x85)"),
    ("note-line-separator", "Fasilitator", "ok\u2028" + FORGED,
     r"error: --note must be one line: remove the line break (\u2028)"),
    ("note-vertical-tab", "Fasilitator", "ok\x0bmore",
     r"error: --note must be one line: remove the line break (\x0b)"),
    ("note-clears-the-screen", "Fasilitator", "\x1b[2J\x1b[Hsemua disetujui",
     r"error: --note contains a control character (\x1b): remove it"),
    ("note-retitles-the-window", "Fasilitator", "\x1b]0;title\x07",
     r"error: --note contains a control character (\x1b): remove it"),
    ("note-rings-the-bell", "Fasilitator", "ok\x07",
     r"error: --note contains a control character (\x07): remove it"),
    ("note-backspaces-over-text", "Fasilitator", "tidak\x08\x08\x08\x08\x08ya",
     r"error: --note contains a control character (\x08): remove it"),
    ("note-c1-csi", "Fasilitator", "\x9b2J",
     r"error: --note contains a control character (\x9b): remove it"),
    ("note-delete", "Fasilitator", "ok\x7f",
     r"error: --note contains a control character (\x7f): remove it"),
    ("note-nul", "Fasilitator", "ok\x00hidden",
     r"error: --note contains a control character (\x00): remove it"),
    ("note-tab", "Fasilitator", "ok\tmore",
     r"error: --note contains a control character (\t): remove it"),
    ("note-right-to-left-override", "Fasilitator", "\u202edevorppa",
     r"error: --note contains an invisible direction mark (\u202e): remove it"),
    ("note-right-to-left-isolate", "Fasilitator", "ok \u2067devorppa\u2069",
     r"error: --note contains an invisible direction mark (\u2067): remove it"),
    ("note-arabic-letter-mark", "Fasilitator", "ok\u061c",
     r"error: --note contains an invisible direction mark (\u061c): remove it"),
    ("by-forges-a-second-name", "Fasilitator\nBupati", "ok",
     r"error: --by must be one line: remove the line break (\n)"),
    ("by-colours-the-terminal", "\x1b[31mBupati\x1b[0m", "ok",
     r"error: --by contains a control character (\x1b): remove it"),
    ("by-reads-backwards", "itapuB\u202e", "ok",
     r"error: --by contains an invisible direction mark (\u202e): remove it"),
]  # fmt: skip


@pytest.mark.parametrize(("by", "note", "expected"), [c[1:] for c in DECIDE_REFUSED],
                         ids=[c[0] for c in DECIDE_REFUSED])  # fmt: skip
def test_decide_refuses_control_characters(ws, runner, by, note, expected):
    diagnosed(ws)
    before = _audit(ws)
    result = _cli(runner, "decide", ws.root, CODE, "--drop", "--by", by, "--note", note)
    assert (result.exit_code, result.output) == (2, expected + "\n")
    assert proposals(ws)[CODE] == "shortlisted" and _audit(ws) == before  # nothing was decided


# (id, --region, the exact error line)
INIT_REFUSED = [
    ("region-newline-adds-a-setting", "Kabupaten Purbalingga\nfacilitators = ['x']",
     r"error: --region must be one line: remove the line break (\n)"),
    ("region-escape-sequence", "Kabupaten \x1b[2JPurbalingga",
     r"error: --region contains a control character (\x1b): remove it"),
    ("region-right-to-left-override", "Kabupaten \u202eagnilabruP",
     r"error: --region contains an invisible direction mark (\u202e): remove it"),
]  # fmt: skip


@pytest.mark.parametrize(("region", "expected"), [c[1:] for c in INIT_REFUSED],
                         ids=[c[0] for c in INIT_REFUSED])  # fmt: skip
def test_init_refuses_control_characters_in_the_region(tmp_path, runner, region, expected):
    result = _cli(runner, "init", tmp_path / "ws", "--region", region, "--year", 2026, "--code", "PBG")
    assert (result.exit_code, result.output) == (2, expected + "\n")
    assert not (tmp_path / "ws").exists()


def test_plain_notes_and_names_are_accepted_as_typed(ws, runner):
    diagnosed(ws)
    note = "Kurang data: lihat   halaman 3 — «ulang» [red]x[/red] café ✓"
    result = _cli(runner, "decide", ws.root, CODE, "--drop", "--by", "  Bu Ratna  ", "--note", note)
    assert result.exit_code == 0 and result.output == f"{CODE}: shortlisted -> dropped (drop by Bu Ratna)\n"
    assert _audit(ws)[-1] == ("shortlisted", "dropped", "drop", "Bu Ratna", note)


# --- stored by a team, an archive or the database: shown as escapes -----------------------------------------


def _store(ws, actor: str = "Fasilitator", note: str = "") -> None:
    """An audit row written straight into the database (a crafted backup, an older version, another client)."""
    with workspace_session(ws) as (session, cohort):
        p = session.exec(select(Proposal).where(Proposal.code == CODE)).one()
        at = dt.datetime(2026, 3, 1, 9, 30, 0, tzinfo=dt.UTC)
        session.add(Transition(cohort_id=cohort.id, kind="proposal", subject_id=p.id, from_state="shortlisted",
                               to_state="shortlisted", event="reopen", actor=actor, at=at, note=note))  # fmt: skip


# (id, actor, note, the exact last line of `lab history`)
STORED_HISTORY = [
    ("stored-note-forges-a-line", "Fasilitator", "ok\n" + FORGED,
     "2026-03-01 09:30:00  shortlisted -> shortlisted reopen           by Fasilitator  — ok\\n" + FORGED),
    ("stored-note-carriage-return", "Fasilitator", "ok\r" + FORGED,
     "2026-03-01 09:30:00  shortlisted -> shortlisted reopen           by Fasilitator  — ok\\r" + FORGED),
    ("stored-note-clears-the-screen", "Fasilitator", "\x1b[2J\x1b[H",
     r"2026-03-01 09:30:00  shortlisted -> shortlisted reopen           by Fasilitator  — \x1b[2J\x1b[H"),
    ("stored-note-retitles-the-window", "Fasilitator", "\x1b]0;title\x07",
     r"2026-03-01 09:30:00  shortlisted -> shortlisted reopen           by Fasilitator  — \x1b]0;title\x07"),
    ("stored-note-c1-csi", "Fasilitator", "\x9b2J",
     r"2026-03-01 09:30:00  shortlisted -> shortlisted reopen           by Fasilitator  — \x9b2J"),
    ("stored-note-reads-backwards", "Fasilitator", "\u202edevorppa",
     r"2026-03-01 09:30:00  shortlisted -> shortlisted reopen           by Fasilitator  — \u202edevorppa"),
    ("stored-actor-with-escape", "\x1b[8mBupati", "",
     r"2026-03-01 09:30:00  shortlisted -> shortlisted reopen           by \x1b[8mBupati"),
    ("stored-actor-with-newline", "Bupati\n" + FORGED, "",
     "2026-03-01 09:30:00  shortlisted -> shortlisted reopen           by Bupati\\n" + FORGED),
]  # fmt: skip


@pytest.mark.parametrize(("actor", "note", "expected"), [c[1:] for c in STORED_HISTORY],
                         ids=[c[0] for c in STORED_HISTORY])  # fmt: skip
def test_history_shows_stored_controls_as_escapes(ws, runner, actor, note, expected):
    diagnosed(ws)
    _store(ws, actor, note)
    result = _cli(runner, "history", ws.root, CODE)
    assert result.exit_code == 0
    lines = result.output.split("\n")
    assert len(lines) == 5 and lines[-1] == ""  # header, create, shortlist, the stored row: nothing forged
    assert lines[3] == expected


@pytest.mark.parametrize(
    ("actor", "note"),
    [("\x1b[8mBupati", "\x9b2J \u202eok \u2066x\u2069 \x1b]0;t\x07 \u2028")],
    ids=["stored-controls-in-json"],
)
def test_history_json_carries_no_raw_controls(ws, runner, actor, note):
    diagnosed(ws)
    _store(ws, actor, note)
    result = _cli(runner, "history", ws.root, CODE, "--json")
    assert result.exit_code == 0
    assert _inert(result.output)
    assert json.loads(result.output)[-1]["actor"] == actor and json.loads(result.output)[-1]["note"] == note


# (id, the title a team gave its idea, the exact header line of `lab history`)
TITLES = [
    ("title-clears-the-screen", "Ide \x1b[2J\x1b[3J", r"PBG-2026-001 · Ide \x1b[2J\x1b[3J · now shortlisted"),
    ("title-reads-backwards", "Ide \u202elanimret", r"PBG-2026-001 · Ide \u202elanimret · now shortlisted"),
    ("title-c1-osc", "Ide \x9d0;pwn\x9c", r"PBG-2026-001 · Ide \x9d0;pwn\x9c · now shortlisted"),
    ("title-rich-markup", "Ide [red]x[/red] [link=http://e.vil]y[/link]",
     "PBG-2026-001 · Ide [red]x[/red] [link=http://e.vil]y[/link] · now shortlisted"),
]  # fmt: skip


@pytest.mark.parametrize(("title", "header"), [c[1:] for c in TITLES], ids=[c[0] for c in TITLES])
def test_titles_from_a_diagnose_idea_are_shown_not_obeyed(ws, runner, title, header):
    enrol(ws, 1)
    run_once(ws)
    answer(ws, "drum-up", "unit-uji-001", factories.drum_up())
    run_once(ws)
    ideas = factories.diagnose(ideas=1)
    ideas["ideas"][0]["title"] = title
    answer(ws, "diagnose", "unit-uji-001", ideas)
    run_once(ws)
    result = _cli(runner, "history", ws.root, CODE)
    assert result.exit_code == 0 and result.output.splitlines()[0] == header
    result = _cli(runner, "status", ws.root, "--json")
    assert result.exit_code == 0 and _inert(result.output)
    assert json.loads(result.output)["proposals"][0]["title"] == title


HEADING = "## Jabatan {#signatory_position}"
REASON = "tidak diakhiri penanda isian seperti {#problem}; kembalikan judul aslinya"

# (id, the heading a team wrote instead of the original, the exact line `lab status` prints)
HEADINGS = [
    ("heading-clears-the-screen", "## Jabatan \x1b[2J\x1b[H",
     rf"  teams/unit-uji-001/1-drum-up.md:26: judul '## Jabatan \x1b[2J\x1b[H' {REASON}"),
    ("heading-retitles-the-window", "## Jabatan \x1b]0;title\x07",
     rf"  teams/unit-uji-001/1-drum-up.md:26: judul '## Jabatan \x1b]0;title\x07' {REASON}"),
    ("heading-c1-csi", "## Jabatan \x9b2J",
     rf"  teams/unit-uji-001/1-drum-up.md:26: judul '## Jabatan \x9b2J' {REASON}"),
    ("heading-reads-backwards", "## Jabatan \u202etaboj",
     rf"  teams/unit-uji-001/1-drum-up.md:26: judul '## Jabatan \u202etaboj' {REASON}"),
    ("heading-rich-markup", "## Jabatan [bold red]x[/bold red]",
     rf"  teams/unit-uji-001/1-drum-up.md:26: judul '## Jabatan [bold red]x[/bold red]' {REASON}"),
]  # fmt: skip


@pytest.mark.parametrize(("heading", "line"), [c[1:] for c in HEADINGS], ids=[c[0] for c in HEADINGS])
def test_status_shows_a_teams_heading_as_typed(ws, runner, heading, line):
    enrol(ws, 1)
    run_once(ws)
    answer(ws, "drum-up", "unit-uji-001", factories.drum_up())
    path = sheet_path(ws, "drum-up", "unit-uji-001")
    path.write_text(path.read_text(encoding="utf-8").replace(HEADING, heading), encoding="utf-8")
    run_once(ws)
    result = _cli(runner, "status", ws.root)
    assert result.exit_code == 0
    assert line in result.output.splitlines()
    assert _inert(result.output)


# (id, the returned note stored on the design worksheet, the exact waiting line of `lab status`)
RETURNED = [
    ("returned-note-clears-the-screen", "\x1b[2Jlengkapi",
     r"  teams/unit-uji-001/PBG-2026-001/3-design.md: returned by a facilitator: \x1b[2Jlengkapi"),
    ("returned-note-forges-a-line", "lengkapi\n  teams/x/1-drum-up.md: not filled in yet",
     r"  teams/unit-uji-001/PBG-2026-001/3-design.md: returned by a facilitator: lengkapi\n"
     "  teams/x/1-drum-up.md: not filled in yet"),
]  # fmt: skip


@pytest.mark.parametrize(("note", "line"), [c[1:] for c in RETURNED], ids=[c[0] for c in RETURNED])
def test_status_shows_a_stored_return_note_as_escapes(ws, runner, note, line):
    diagnosed(ws)
    with workspace_session(ws) as (session, _):
        design = session.exec(select(Worksheet).where(Worksheet.stage == "design")).one()
        design.status, design.note = "returned", note
        session.add(design)
    result = _cli(runner, "status", ws.root)
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == line


# (id, region as written in cohort.toml (TOML escapes), the exact first line of `lab status`)
REGIONS = [
    ("region-rich-markup", "[red]Purbalingga[/red]", "PBG-2026 · [red]Purbalingga[/red] · 2026"),
    ("region-clears-the-screen", r"\u001b[2JPurbalingga", r"PBG-2026 · \x1b[2JPurbalingga · 2026"),
    ("region-reads-backwards", r"\u202eagnilabruP", r"PBG-2026 · \u202eagnilabruP · 2026"),
]  # fmt: skip


@pytest.mark.parametrize(("region", "first"), [c[1:] for c in REGIONS], ids=[c[0] for c in REGIONS])
def test_status_shows_an_edited_region_as_typed(ws, runner, region, first):
    toml = ws.root / "cohort.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'region = "Kabupaten Purbalingga"', f'region = "{region}"'), encoding="utf-8")  # fmt: skip
    result = _cli(runner, "status", ws.root)
    assert result.exit_code == 0 and result.output.splitlines()[0] == first


# (id, facilitators in cohort.toml (TOML escapes), the exact error line): such a name is refused when the
# settings are read, and the line that says so shows it as visible escapes
ERRORS = [
    ("error-quotes-an-escape-sequence", r"\u001b[2JBupati",
     r"facilitators: the name '\x1b[2JBupati' contains a control character (\x1b): remove it"),
    ("error-quotes-a-forged-line", r"Bupati\nerror: none",
     r"facilitators: the name 'Bupati\nerror: none' must be one line: remove the line break (\n)"),
    ("error-quotes-a-direction-override", r"\u202eitapuB",
     r"facilitators: the name '\u202eitapuB' contains an invisible direction mark (\u202e): remove it"),
]  # fmt: skip


@pytest.mark.parametrize(("listed", "expected"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_error_lines_show_quoted_text_as_escapes(ws, runner, listed, expected):
    diagnosed(ws)
    toml = ws.root / "cohort.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "facilitators = []", f'facilitators = ["{listed}"]'), encoding="utf-8")  # fmt: skip
    result = _cli(runner, "decide", ws.root, CODE, "--drop", "--by", "Ratna")
    assert (result.exit_code, result.output) == (3, f"error: {toml}: {expected}\n")


# --- the helpers themselves ---------------------------------------------------------------------------------


def test_visible_escapes_exactly_the_dangerous_characters():
    from lab.domain.text import one_line, visible

    assert visible(
        "a\x1b[2J\n\r\t\x00\x7f\x85\x9b\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028\udcff"
    ) == (r"a\x1b[2J\n\r\t\x00\x7f\x85\x9b\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028\udcff")
    plain = "Kabupaten Purbalingga — «é» 漢字 ✓ [red]x[/red] \\x1b 👩‍⚕️"
    assert visible(plain) == plain and one_line(plain, "--note") == plain


def test_json_text_decodes_to_the_same_value():
    from lab.domain.text import json_text

    data = {"t": "x\x1b\x7f\x85\u202e\u2028 é", "n": [1, None]}
    text = json_text(data)
    assert _inert(text) and "\n" not in text and json.loads(text) == data and "é" in text


# --- `lab decide --return` remembers the returned design without following what a team put in its place ------


def _fifo(path, outside):
    os.mkfifo(path)


def _link_outside(path, outside):
    outside.write_text("not the design\n", encoding="utf-8")
    path.symlink_to(outside)


def _folder(path, outside):
    path.mkdir()


DESIGN_REPLACED = [("design-is-a-pipe", _fifo), ("design-links-outside", _link_outside),
                   ("design-is-a-folder", _folder)]  # fmt: skip


@pytest.mark.parametrize("replace", [c[1] for c in DESIGN_REPLACED], ids=[c[0] for c in DESIGN_REPLACED])
def test_return_does_not_read_a_replaced_design(ws, runner, tmp_path, replace):
    diagnosed(ws)
    answer(ws, "design", CODE, factories.design())
    run_once(ws)
    assert proposals(ws)[CODE] == "designed"
    before = sheet(ws, "design", CODE).seen_hash
    path = sheet_path(ws, "design", CODE)
    path.unlink()
    replace(path, tmp_path / "outside.md")
    done: list = []
    worker = threading.Thread(
        target=lambda: done.append(
            _cli(runner, "decide", ws.root, CODE, "--return", "--by", "Fasilitator", "--note", "lengkapi")
        )
    )
    worker.start()
    worker.join(30)
    hung = worker.is_alive()
    if hung:  # release a reader blocked on the pipe, so the test ends and reports it
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(30)
    assert not hung, "lab decide --return blocked on the design file"
    result = done[0]
    assert (result.exit_code, result.output) == (
        0,
        f"{CODE}: designed -> shortlisted (return by Fasilitator)\n",
    )
    returned = sheet(ws, "design", CODE)
    assert (returned.status, returned.note, returned.seen_hash) == ("returned", "lengkapi", before)
