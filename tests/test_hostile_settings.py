"""Settings mistakes are loud: an unknown or misspelled key in cohort.toml is an error naming the key and the
closest known one, never silently ignored (a misspelled `facilitator = [...]` used to open the design gate to
anyone)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from lab.cli import app
from lab.domain.errors import WorkspaceError
from lab.domain.models import Proposal, Review
from lab.outputs.scores import scoreboard
from lab.workspace import cohort
from lab.workspace.cohort import init_workspace, workspace_session
from lab.workspace.settings import open_workspace
from tests.helpers import drive_to_display, proposals, run_once

UID_MSG = (
    "uid: '{}' is not the uid `lab init` wrote (lower-case, like '6d9dfdf7-9c74-4f45-929b-3007942db73e'); "
    "put the original back: it must never be changed"
)

# (id, edit (or edits) of the generated cohort.toml, exact message after "error: <file>: "); <uid>, <UID> and <hex> stand for the
# workspace's uid, the uid in upper case and the uid without dashes
CASES = [
    ("misspelled-facilitators", ("facilitators = []", 'facilitator = ["Dr. Ratna"]'),
     "unknown setting 'facilitator'; did you mean 'facilitators'?"),
    ("misspelled-coordinators", ("coordinators = []", 'cordinators = ["Dra. Sri"]'),
     "unknown setting 'cordinators'; did you mean 'coordinators'?"),
    ("unknown-top-level", ('lang = "id"', 'lang = "id"\ntheme = "dark"'), "unknown setting 'theme'"),
    ("misspelled-gate", ('design = "facilitator"', 'desgin = "auto"'),
     "unknown setting 'gates.desgin'; did you mean 'design'?"),
    ("misspelled-review", ("min_reviewers = 0", "min_reviewer = 1"),
     "unknown setting 'review.min_reviewer'; did you mean 'min_reviewers'?"),
    ("misspelled-evidence", ("max_file_mb = 25", "max_file_size = 25"),
     "unknown setting 'evidence.max_file_size'; did you mean 'max_file_mb'?"),
    ("unknown-table", ("[gates]", "[gate]\ndesign = \"auto\"\n\n[gates]"), "unknown setting 'gate'; did you mean 'gates'?"),
    ("schedule-unknown-stage", ("[schedule]", "[schedule]\ndrumup = 2026-10-12"),
     "schedule: unknown stage 'drumup'; did you mean 'drum-up'? Stages are drum-up, diagnose, design, deliver, display."),
    ("schedule-not-a-date", ("[schedule]", '[schedule]\ndesign = "next week"'),
     "schedule.design: 'next week' is not a date; write it as a TOML date without quotes, e.g. 2026-10-12"),
    ("evidence-limit-zero", ("max_file_mb = 25", "max_file_mb = 0"),
     "evidence.max_file_mb: Input should be greater than or equal to 0.01"),
    # uid: exactly as `lab init` wrote it; another spelling silently started a new, empty cohort
    ("uid-upper-case", ('uid = "<uid>"', 'uid = "<UID>"'), UID_MSG.format("<UID>")),
    ("uid-braces", ('uid = "<uid>"', 'uid = "{<uid>}"'), UID_MSG.format("{<uid>}")),
    ("uid-trailing-space", ('uid = "<uid>"', 'uid = "<uid> "'), UID_MSG.format("<uid> ")),
    ("uid-no-dashes", ('uid = "<uid>"', 'uid = "<hex>"'), UID_MSG.format("<hex>")),
    ("uid-empty", ('uid = "<uid>"', 'uid = ""'), UID_MSG.format("")),
    ("uid-newline", ('uid = "<uid>"', 'uid = "<uid>\\n"'), UID_MSG.format("<uid>\\n")),
    ("uid-a-number", ('uid = "<uid>"', "uid = 42"), "uid: Input should be a valid string"),
    # rubric: a criterion may not take a column of the review sheet; weights are whole numbers 1-1000
    *[(f"criterion-named-{col}", ("mastery = 10", f"mastery = 10\n{col} = 5"),
       f"rubric: criterion id {col!r} is a column of the review sheet (proposal, reviewer, note, title, unit); "
       "rename the criterion") for col in ("proposal", "reviewer", "note", "title", "unit")],
    ("criterion-not-ascii", ("mastery = 10", 'mastery = 10\n"kebaru\u00e1n" = 5'),
     "rubric: criterion ids must be lower-case words: kebaru\u00e1n"),
    *[(f"weight-{name}", ("novelty = 30", f"novelty = {toml}"),
       f"rubric: the weight of 'novelty' must be a whole number from 1 to 1000, not {shown}")
      for name, toml, shown in [("true", "true", "true"), ("false", "false", "false"), ("fraction", "2.5", "2.5"),
                                ("text", '"30"', "'30'"), ("zero", "0", "0"), ("negative", "-5", "-5"),
                                ("too-big", "1001", "1001"), ("huge", "1_000_000_000", "1000000000"),
                                ("inf", "inf", "inf"), ("list", "[30]", "[30]")]],
    # names of facilitators and coordinators
    ("coordinator-empty", ("coordinators = []", 'coordinators = [""]'),
     "coordinators: a name is empty; write the name or remove the entry"),
    ("coordinator-blank", ("coordinators = []", 'coordinators = ["Ir. Bambang", "   "]'),
     "coordinators: a name is empty; write the name or remove the entry"),
    ("facilitator-empty", ("facilitators = []", 'facilitators = [""]'),
     "facilitators: a name is empty; write the name or remove the entry"),
    ("coordinator-newline", ("coordinators = []", 'coordinators = ["Dra. Sri\\nWahyuni"]'),
     "coordinators: the name 'Dra. Sri\\nWahyuni' must be one line: remove the line break (\\n)"),
    ("facilitator-line-separator", ("facilitators = []", 'facilitators = ["Dr. Ratna\\u2028admin"]'),
     "facilitators: the name 'Dr. Ratna\\u2028admin' must be one line: remove the line break (\\u2028)"),
    ("coordinator-bidi", ("coordinators = []", 'coordinators = ["\\u202eirtS"]'),
     "coordinators: the name '\\u202eirtS' contains an invisible direction mark (\\u202e): remove it"),
    ("facilitator-escape", ("facilitators = []", 'facilitators = ["Dr. Ratna\\u001b[2J"]'),
     "facilitators: the name 'Dr. Ratna\\x1b[2J' contains a control character (\\x1b): remove it"),
    ("coordinator-too-long", ("coordinators = []", f'coordinators = ["{"A" * 101}"]'),
     f"coordinators: the name '{'A' * 39}…' is longer than 100 characters; shorten it"),
    ("coordinator-not-text", ("coordinators = []", "coordinators = [42]"),
     "coordinators.0: Input should be a valid string"),
    ("coordinators-same-name", ("coordinators = []", 'coordinators = ["Dra. Sri", "dra.  SRI"]'),
     "coordinators: 'Dra. Sri' and 'dra.  SRI' are the same name; list each person once"),
    ("facilitators-same-name", ("facilitators = []", 'facilitators = ["Dr. Ratna", " Dr.  Ratna"]'),
     "facilitators: 'Dr. Ratna' and ' Dr.  Ratna' are the same name; list each person once"),
    ("coordinators-same-sheet", ("coordinators = []", 'coordinators = ["Sri-Wahyuni", "Sri Wahyuni!"]'),
     "coordinators: 'Sri-Wahyuni' and 'Sri Wahyuni!' would share the review sheet reviews/sri-wahyuni.csv; "
     "write their names so they differ in letters or digits"),
    ("coordinators-same-sheet-accents", ("coordinators = []", 'coordinators = ["Ir. Bámbang", "Ir. Bambang"]'),
     "coordinators: 'Ir. Bámbang' and 'Ir. Bambang' would share the review sheet reviews/ir-bambang.csv; "
     "write their names so they differ in letters or digits"),
    ("coordinators-no-letters", ("coordinators = []", 'coordinators = ["???", "!!!"]'),
     "coordinators: '???' and '!!!' would share the review sheet reviews/coordinator.csv; "
     "write their names so they differ in letters or digits"),
    ("coordinators-device-name", ("coordinators = []", 'coordinators = ["Con", "Con Coordinator"]'),
     "coordinators: 'Con' and 'Con Coordinator' would share the review sheet reviews/con-coordinator.csv; "
     "write their names so they differ in letters or digits"),
    # review and evidence policies that could never be met or are not numbers
    ("min-reviewers-above-coordinators",
     [("coordinators = []", 'coordinators = ["Ir. Bambang", "Dra. Sri"]'), ("min_reviewers = 0", "min_reviewers = 3")],
     "review.min_reviewers is 3 but only 2 coordinator(s) are listed, so no proposal could ever be reviewed; "
     "lower it or list more coordinators"),
    ("min-reviewers-true", ("min_reviewers = 0", "min_reviewers = true"),
     "review.min_reviewers: Input should be a valid integer"),
    ("evidence-limit-tiny", ("max_file_mb = 25", "max_file_mb = 0.001"),
     "evidence.max_file_mb: Input should be greater than or equal to 0.01"),
    ("evidence-limit-nan", ("max_file_mb = 25", "max_file_mb = nan"),
     "evidence.max_file_mb: Input should be a finite number"),
    ("evidence-proposal-limit-inf", ("max_proposal_mb = 100", "max_proposal_mb = inf"),
     "evidence.max_proposal_mb: Input should be a finite number"),
    ("evidence-limit-true", ("max_file_mb = 25", "max_file_mb = true"),
     "evidence.max_file_mb: Input should be a valid number"),
    ("evidence-proposal-below-file", ("max_proposal_mb = 100", "max_proposal_mb = 10"),
     "evidence: max_proposal_mb (10) is less than max_file_mb (25); a proposal must be allowed at least one file "
     "of the largest size"),
]  # fmt: skip


@pytest.mark.parametrize("case,edit,message", CASES, ids=[c[0] for c in CASES])
def test_unknown_settings_are_errors(ws, runner, case, edit, message):
    file = ws.root / "cohort.toml"
    text = file.read_text()
    uid = ws.settings.uid
    names = {"<uid>": uid, "<UID>": uid.upper(), "<hex>": uid.replace("-", "")}
    for old, new in edit if isinstance(edit, list) else [edit]:
        for name, value in names.items():
            old, new = old.replace(name, value), new.replace(name, value)
        assert old in text
        text = text.replace(old, new, 1)
    for name, value in names.items():
        message = message.replace(name, value)
    file.write_text(text)
    result = runner.invoke(app, ["status", str(ws.root)])
    assert "Traceback" not in result.output
    assert result.exit_code == 3
    assert result.output.strip() == f"error: {file}: {message}"


def test_misspelled_facilitators_no_longer_opens_the_gate(ws, runner):
    """The gate stays closed: `lab decide` refuses to work on a cohort whose settings are wrong."""
    file = ws.root / "cohort.toml"
    file.write_text(file.read_text().replace("facilitators = []", 'facilitator = ["Dr. Ratna"]'))
    result = runner.invoke(app, ["decide", str(ws.root), "PBG-2026-001", "--approve", "--by", "anyone"])
    assert result.exit_code == 3
    assert re.search(r"unknown setting 'facilitator'; did you mean 'facilitators'\?$", result.output.strip())


def test_generated_settings_hold_evidence_limits(ws):
    """`lab init` writes the [evidence] table with its defaults, and they load."""
    assert "[evidence]" in (ws.root / "cohort.toml").read_text()
    assert ws.settings.evidence.max_file_bytes == 25_000_000
    assert ws.settings.evidence.max_proposal_bytes == 100_000_000


def test_a_criterion_added_after_scoring_does_not_stop_the_showcase(ws, runner):
    """Scores given before a rubric criterion was added no longer count (the coordinator scores again), and the
    display stage, the scoreboard and the showcase still build: nothing raises for everyone."""
    drive_to_display(ws, 1)
    code = next(c for c, s in proposals(ws).items() if s == "showcased")
    with workspace_session(ws) as (session, cohort):
        pid = session.exec(select(Proposal.id).where(Proposal.code == code)).one()
        session.add(Review(cohort_id=cohort.id, proposal_id=pid, reviewer="Juri",
                           scores={c: 8 for c in ws.settings.rubric}, note=""))  # fmt: skip
    file = ws.root / "cohort.toml"
    file.write_text(file.read_text().replace("mastery = 10", "mastery = 10\nsustainability = 10"))
    run_once(ws)  # the display stage: complete_reviews, review sheets, showcase
    fresh = open_workspace(ws.root)
    with workspace_session(fresh) as (session, cohort):
        assert scoreboard(fresh, session, cohort) == {}  # the old review lacks the new criterion
    result = runner.invoke(app, ["showcase", str(ws.root)])
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert proposals(ws)[code] == "showcased"


# `lab init` inputs that would write a broken or forged cohort.toml: refused before anything is written
INIT_CASES = [
    ("code-injects-toml", ["--code", 'ab"\ncd'], "--code must be 2 to 10 letters A-Z or digits, e.g. PBG"),
    ("code-one-letter", ["--code", "A"], "--code must be 2 to 10 letters A-Z or digits, e.g. PBG"),
    ("code-too-long", ["--code", "ABCDEFGHIJK"], "--code must be 2 to 10 letters A-Z or digits, e.g. PBG"),
    ("code-dash", ["--code", "PB-G"], "--code must be 2 to 10 letters A-Z or digits, e.g. PBG"),
    ("code-fullwidth", ["--code", "ＰＢＧ"], "--code must be 2 to 10 letters A-Z or digits, e.g. PBG"),
    ("code-empty", ["--code", ""], "--code must be 2 to 10 letters A-Z or digits, e.g. PBG"),
    (
        "region-newline",
        ["--region", 'Kab X"\nuid = "x'],
        "--region must be one line: remove the line break (\\n)",
    ),
    (
        "region-bidi",
        ["--region", "Kab \u202eX"],
        "--region contains an invisible direction mark (\\u202e): remove it",
    ),
    ("region-too-long", ["--region", "K" * 201], "--region is longer than 200 characters; shorten it"),
]


@pytest.mark.parametrize("case,args,message", INIT_CASES, ids=[c[0] for c in INIT_CASES])
def test_bad_init_inputs_write_nothing(tmp_path, runner, case, args, message):
    target = tmp_path / "new" / "pbg"
    opts = {"--region": "Kabupaten Purbalingga", "--year": "2026"}
    opts.update(zip(args[::2], args[1::2], strict=True))
    result = runner.invoke(app, ["init", str(target), *[x for kv in opts.items() for x in kv]])
    assert "Traceback" not in result.output
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {message}"
    assert list(tmp_path.iterdir()) == []


def test_init_takes_a_lower_case_code_and_a_short_region_gets_a_valid_one(tmp_path):
    assert init_workspace(tmp_path / "a", "Kabupaten Purbalingga", 2026, "pbg").settings.code == "PBG"
    assert init_workspace(tmp_path / "b", "Kota Ö", 2026).settings.code == "LAB"  # 'O' alone is too short


@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "existing-empty-folder"])
def test_a_failed_init_leaves_nothing_it_created(tmp_path, monkeypatch, existing):
    target = tmp_path / "new" / "pbg"
    if existing:
        target.mkdir(parents=True)

    def broken(*args, **kwargs):
        raise WorkspaceError("the database is not reachable")

    monkeypatch.setattr(cohort, "workspace_session", broken)
    with pytest.raises(WorkspaceError):
        init_workspace(target, "Kabupaten Purbalingga", 2026, "PBG")
    assert list(tmp_path.iterdir()) == ([tmp_path / "new"] if existing else [])
    if existing:
        assert list(target.iterdir()) == []


# review sheet score cells: only plain decimal numbers with ASCII digits (float() takes much more)
SCORE_CASES = [
    ("underscore", "1_0"),
    ("exponent", "1e1"),
    ("arabic-indic-digit", "\u0667"),
    ("persian-digit", "\u06f7"),
    ("fullwidth-digit", "\uff17"),
    ("devanagari-digit", "\u096d"),
    ("nan", "nan"),
    ("infinity", "Infinity"),
    ("plus-sign", "+7"),
    ("hex", "0x7"),
    ("two-separators", "7.5.1"),
    ("trailing-dot", "7."),
    ("inner-space", "7 5"),
]


def test_score_cells_are_plain_decimal_numbers(ws, runner):
    file = ws.root / "cohort.toml"
    file.write_text(file.read_text().replace("coordinators = []", 'coordinators = ["Ir. Bambang"]'))
    ws = open_workspace(ws.root)
    drive_to_display(ws, 1)
    sheet = ws.root / "reviews" / "ir-bambang.csv"
    rows = ["proposal,reviewer,novelty,benefit,collaboration,replicability,mastery,note"]
    rows += [f"PBG-2026-001,Ir. Bambang,{cell},8,8,8,8," for _, cell in SCORE_CASES]
    rows.append('PBG-2026-001,Ir. Bambang,"7,5",8,8,8,8,')  # a decimal comma is a number
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["review", "import", str(ws.root), str(sheet)])
    assert "Traceback" not in result.output
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("review: 1 score row(s) from Ir. Bambang;")
    assert lines[-len(SCORE_CASES) - 1 : -1] == [
        f"error: ir-bambang.csv:{n}: PBG-2026-001: novelty score {cell!r} is not a number"
        for n, (_, cell) in enumerate(SCORE_CASES, start=2)
    ]
    assert lines[-1] == f"error: {len(SCORE_CASES)} row(s) not imported; the others were kept"
    with workspace_session(ws) as (session, _):
        assert [r.scores["novelty"] for r in session.exec(select(Review))] == [7.5]
