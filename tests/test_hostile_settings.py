"""Settings mistakes are loud: an unknown or misspelled key in cohort.toml is an error naming the key and the
closest known one, never silently ignored (a misspelled `facilitator = [...]` used to open the design gate to
anyone)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from lab.cli import app
from lab.cohort import workspace_session
from lab.models import Proposal, Review
from lab.review import scoreboard
from lab.settings import open_workspace
from tests.helpers import drive_to_display, proposals, run_once

# (id, edit of the generated cohort.toml, exact message after "error: <file>: ")
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
     "evidence.max_file_mb: Input should be greater than 0"),
]  # fmt: skip


@pytest.mark.parametrize("case,edit,message", CASES, ids=[c[0] for c in CASES])
def test_unknown_settings_are_errors(ws, runner, case, edit, message):
    file = ws.root / "cohort.toml"
    text = file.read_text()
    assert edit[0] in text
    file.write_text(text.replace(edit[0], edit[1], 1))
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
