"""Every gate rule is a row of the transition table: who may trigger a move, what it needs (a note, a valid
design), and the `lab decide` flags, all read from `lab.domain.lifecycle`. Adding a decision is one row."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from lab.cli import app
from lab.cli.gates import decision_flags
from lab.domain import lifecycle
from lab.domain.errors import TransitionNotAllowed, UsageError
from lab.domain.lifecycle import FACILITATOR, RUN, TEAM, GateContext, Move, needs_note
from lab.domain.models import Proposal, Team, Transition, Worksheet
from lab.workflow import states
from lab.workflow.decisions import decide
from lab.workspace.cohort import find_proposal, workspace_session

CODE = "PBG-2026-001"


def _proposal(ws, state: str, worksheets: dict[str, str] | None = None) -> None:
    """One proposal of one team in `state`, with a worksheet per stage in `worksheets` (stage -> status)."""
    with workspace_session(ws) as (session, cohort):
        team = Team(cohort_id=cohort.id, slug="dinkes", unit="Dinas Kesehatan", unit_type="opd")
        session.add(team)
        session.flush()
        p = Proposal(cohort_id=cohort.id, team_id=team.id, code=CODE, origin=1, title="Puspita", state=state)
        session.add(p)
        session.flush()
        for stage, status in (worksheets or {}).items():
            path = f"teams/dinkes/{CODE}/{stage}.md"
            session.add(Worksheet(cohort_id=cohort.id, stage=stage, team_id=team.id, proposal_id=p.id,
                                  path=path, status=status))  # fmt: skip


def _decide(ws, event: str, note: str = "") -> str:
    with workspace_session(ws) as (session, cohort):
        p = find_proposal(session, cohort, CODE)
        return decide(ws, session, cohort, p, event, "Fasilitator", note)


def _state(ws) -> str:
    with workspace_session(ws) as (session, cohort):
        return find_proposal(session, cohort, CODE).state


def _lab(runner, *args):
    return runner.invoke(app, [str(a) for a in args])


# the table itself --------------------------------------------------------------------------------


def test_every_row_says_who_triggers_it_and_every_decision_has_help():
    for kind, moves in lifecycle.MOVES.items():
        for m in moves:
            assert m.by in (FACILITATOR, TEAM, RUN), (kind, m)
            if m.by == FACILITATOR:
                assert m.help.endswith(".") and m.help[0].isupper(), m
    # a decision shows one help line and one "(needs --note)": the rows of one event agree on both
    for event in lifecycle.decisions():
        rows = lifecycle.rows("proposal", event)
        assert len({(m.help, m.needs_note) for m in rows}) == 1, event


def test_the_facilitators_decisions_are_read_from_the_table():
    assert lifecycle.decisions() == ("shortlist", "drop", "withdraw", "approve", "return", "reopen")
    assert lifecycle.decisions("team") == ()
    # what the run does is not a facilitator's to decide
    assert {m.event for m in lifecycle.PROPOSAL_MOVES if m.by == RUN} == {
        "design_complete", "deliver_complete", "display_complete", "scores_complete"
    }  # fmt: skip
    assert [m.event for m in lifecycle.PROPOSAL_MOVES if m.needs_note] == ["return", "reopen", "reopen"]


def test_the_main_line_is_declared_and_creation_is_a_row():
    assert lifecycle.MAIN_LINE == ("idea", "shortlisted", "designed", "approved", "launched", "showcased",
                                   "reviewed")  # fmt: skip
    assert lifecycle.PROPOSAL_STATES == lifecycle.MAIN_LINE + ("dropped", "withdrawn")
    born = lifecycle.creation("proposal")
    assert (born.source, born.event, born.target, born.by) == (lifecycle.START, "create", "idea", RUN)
    assert born not in lifecycle.PROPOSAL_MOVES  # no state leads to it
    assert lifecycle.mermaid().splitlines()[1] == "    [*] --> idea"


def test_the_run_creates_proposals_as_the_creation_row_says(ws):
    from tests.helpers import diagnosed

    diagnosed(ws)
    born = lifecycle.creation("proposal")
    with workspace_session(ws) as (session, _):
        first = session.exec(
            select(Transition).where(Transition.kind == "proposal").order_by(Transition.id)
        ).first()
    assert (first.from_state, first.event, first.to_state) == (born.source, born.event, born.target)


def test_the_worksheet_statuses_are_a_table_with_reasons_for_the_waiting_kinds():
    assert lifecycle.WORKSHEET_STATUSES == ("waiting", "invalid", "valid", "returned", "missing")
    assert all(s.meaning for s in lifecycle.WORKSHEET_STATUS_TABLE)
    assert lifecycle.WAITING_REASONS == {
        "waiting": "not filled in yet",
        "returned": "returned by a facilitator",
        "missing": "file is missing",
    }
    assert lifecycle.waiting_reason("returned") == "returned by a facilitator"
    assert lifecycle.waiting_reason("valid") is None and lifecycle.waiting_reason("invalid") is None


# the guards --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "design,reason",
    [(None, "not generated yet"), ("waiting", "waiting"), ("invalid", "invalid"), ("returned", "returned")],
)
def test_approve_needs_a_valid_design_as_a_guard_of_its_row(ws, design, reason):
    _proposal(ws, "designed", {"design": design} if design else {})
    with pytest.raises(TransitionNotAllowed) as exc:
        _decide(ws, "approve")
    assert str(exc.value) == f"cannot approve {CODE}: its design worksheet is {reason}"
    assert _state(ws) == "designed"


def test_a_valid_design_is_approved_and_a_returned_one_is_marked(ws):
    _proposal(ws, "designed", {"design": "valid"})
    assert _decide(ws, "return", "Rinci anggaran") == "shortlisted"
    with workspace_session(ws) as (session, _):
        design = session.exec(select(Worksheet).where(Worksheet.stage == "design")).one()
        assert (design.status, design.note) == ("returned", "Rinci anggaran")
        p = session.exec(select(Proposal)).one()
        states.apply(session, "proposal", p, "design_complete", "dinkes")
        design.status = "valid"
        session.add(design)
    assert _decide(ws, "approve") == "approved"


def test_the_guard_reads_the_subject_and_its_context():
    p = Proposal(code=CODE, state="designed")
    statuses = {"design": "valid"}
    gate = GateContext(note=" ", worksheet_status=statuses.get)
    assert lifecycle.needs_valid_design(p, gate) is None
    assert needs_note(p, gate) == "a note (--note) is required for this decision"
    statuses["design"] = "invalid"
    assert lifecycle.needs_valid_design(p, gate) == "its design worksheet is invalid"


@pytest.mark.parametrize("event", ["design_complete", "scores_complete"])
def test_decide_refuses_what_the_run_triggers_and_lists_the_decisions(ws, event):
    _proposal(ws, "shortlisted", {"design": "valid"})
    with pytest.raises(UsageError) as exc:
        _decide(ws, event)
    allowed = "shortlist, drop, withdraw, approve, return, reopen"
    assert (
        str(exc.value)
        == f"{event!r} is not a facilitator's to decide (the run triggers it); choose one of {allowed}"
    )
    with pytest.raises(UsageError, match=f"^unknown decision 'fly'; choose one of {allowed}$"):
        _decide(ws, "fly")
    assert _state(ws) == "shortlisted"


# one more row ------------------------------------------------------------------------------------


def _deliver_is_invalid(proposal, gate: GateContext) -> str | None:
    status = gate.worksheet_status("deliver") if gate.worksheet_status else "invalid"
    return None if status == "invalid" else f"its deliver worksheet is {status or 'not generated yet'}"


PAUSE = Move("launched", "pause", "approved", FACILITATOR, (needs_note, _deliver_is_invalid),
             "Take a launched proposal back to approved while its evidence is fixed.")  # fmt: skip


@pytest.fixture
def with_pause(monkeypatch):
    """The proposal table with one more row: nothing else changes."""
    monkeypatch.setitem(lifecycle.MOVES, "proposal", (*lifecycle.PROPOSAL_MOVES, PAUSE))


def test_a_new_decision_is_one_row_decide_applies_it_and_its_guards(ws, with_pause):
    assert lifecycle.decisions()[-1] == "pause"
    _proposal(ws, "launched", {"deliver": "valid"})
    with pytest.raises(TransitionNotAllowed, match=f"^cannot pause {CODE}: a note \\(--note\\) is required"):
        _decide(ws, "pause")
    with pytest.raises(TransitionNotAllowed, match=f"^cannot pause {CODE}: its deliver worksheet is valid$"):
        _decide(ws, "pause", "bukti kurang")
    assert _state(ws) == "launched"
    with workspace_session(ws) as (session, _):
        sheet = session.exec(select(Worksheet)).one()
        sheet.status = "invalid"
        session.add(sheet)
    assert _decide(ws, "pause", "bukti kurang") == "approved"
    with workspace_session(ws) as (session, _):
        audit = session.exec(select(Transition)).all()
    assert [(a.from_state, a.to_state, a.event, a.actor, a.note) for a in audit] == [
        ("launched", "approved", "pause", "Fasilitator", "bukti kurang")
    ]


def test_a_new_decision_is_a_flag_of_lab_decide_and_a_line_of_lab_states(ws, runner, with_pause):
    _proposal(ws, "launched", {"deliver": "invalid"})
    help_text = _lab(runner, "decide", "--help").output
    assert (
        "--pause" in help_text
        and "Take a launched proposal back to approved while its evidence is" in help_text
    )
    assert "launched --pause--> approved  (needs --note)" in _lab(runner, "states").output
    result = _lab(runner, "decide", ws.root, CODE, "--pause", "--by", "Fasilitator")
    assert result.exit_code == 6 and "a note (--note) is required" in result.output
    result = _lab(runner, "decide", ws.root, CODE, "--pause", "--approve", "--by", "Fasilitator")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: choose exactly one of --shortlist, --drop, --withdraw, --approve, --return, --reopen, --pause"
    )
    result = _lab(runner, "decide", ws.root, CODE, "--pause", "--by", "Fasilitator", "--note", "bukti kurang")
    assert (
        result.exit_code == 0
        and result.output.strip() == f"{CODE}: launched -> approved (pause by Fasilitator)"
    )


# the CLI reads the table -------------------------------------------------------------------------


def _flags(help_text: str) -> list[str]:
    return [f for f in re.findall(r"^\s+--([a-z_-]+)", help_text, re.M) if f not in ("by", "note", "help")]


def test_the_decide_flags_are_the_decisions_of_the_table(runner):
    result = _lab(runner, "decide", "--help")
    assert sorted(_flags(result.output)) == sorted(lifecycle.decisions())
    # in table order: the flags and the table cannot disagree, not even on order
    assert _flags(result.output) == list(decision_flags()) == list(lifecycle.decisions())
    for event in lifecycle.decisions():
        row = lifecycle.rows("proposal", event)[0]
        shown = row.help.removesuffix(".") + " (needs --note)." if row.needs_note else row.help
        assert shown in " ".join(result.output.split()), event


def test_lab_states_says_needs_note_from_the_row_not_from_having_a_guard(runner):
    lines = _lab(runner, "states").output.splitlines()
    assert "    designed --approve--> approved" in lines  # guarded, but needs no note
    assert "    designed --return--> shortlisted  (needs --note)" in lines
    assert sum("(needs --note)" in line for line in lines) == 3


def test_choosing_no_decision_names_each_flag(ws, runner):
    result = _lab(runner, "decide", ws.root, CODE, "--by", "Fasilitator")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: choose exactly one of --shortlist, --drop, --withdraw, --approve, --return, --reopen"
    )


@pytest.mark.parametrize(
    "design,refused", [(None, "not generated yet"), ("invalid", "invalid"), ("valid", None)]
)
def test_a_bare_move_of_the_state_machine_checks_the_design_too(ws, design, refused):
    """Deny by default: a caller that passes no worksheet reader cannot approve past the design guard."""
    _proposal(ws, "designed", {"design": design} if design else {})
    with workspace_session(ws) as (session, cohort):
        p = find_proposal(session, cohort, CODE)
        if refused:
            with pytest.raises(TransitionNotAllowed, match=f"its design worksheet is {refused}"):
                states.apply(session, "proposal", p, "approve", "Fasilitator")
        else:
            assert states.apply(session, "proposal", p, "approve", "Fasilitator") == "approved"
    assert _state(ws) == ("designed" if refused else "approved")


def test_the_audit_trail_names_the_door_a_decision_came_through(ws, runner):
    _proposal(ws, "designed", {"design": "valid"})
    with workspace_session(ws) as (session, cohort):
        decide(
            ws,
            session,
            cohort,
            find_proposal(session, cohort, CODE),
            "return",
            "Fasilitator",
            "kurang",
            "web",
        )
    assert _lab(runner, "decide", ws.root, CODE, "--drop", "--by", "Fasilitator").exit_code == 0
    with workspace_session(ws) as (session, _):
        rows = session.exec(select(Transition).order_by(Transition.id)).all()
        assert [(r.event, r.source) for r in rows] == [("return", "web"), ("drop", "cli")]
    lines = _lab(runner, "history", ws.root, CODE).output.splitlines()
    assert "by Fasilitator via web  — kurang" in lines[1] and lines[2].endswith("by Fasilitator")
    history = json.loads(_lab(runner, "history", ws.root, CODE, "--json").output)
    assert [h["source"] for h in history] == ["web", "cli"]


def test_a_bulk_move_reads_each_subjects_own_design(ws):
    """The run's bulk approve (gates.design = auto) asks the database once per stage for every subject, and
    each subject is judged by its own worksheet."""
    with workspace_session(ws) as (session, cohort):
        team = Team(cohort_id=cohort.id, slug="dinkes", unit="Dinas Kesehatan", unit_type="opd")
        session.add(team)
        session.flush()
        made = []
        for n, status in enumerate(("valid", "invalid", "valid"), 1):
            p = Proposal(cohort_id=cohort.id, team_id=team.id, code=f"PBG-2026-00{n}", origin=n, title="x",
                         state="designed")  # fmt: skip
            session.add(p)
            session.flush()
            session.add(Worksheet(cohort_id=cohort.id, stage="design", team_id=team.id, proposal_id=p.id,
                                  path=f"teams/dinkes/{p.code}/3-design.md", status=status))  # fmt: skip
            made.append(p)
        session.flush()
        with pytest.raises(
            TransitionNotAllowed, match="cannot approve PBG-2026-002: its design worksheet is invalid"
        ):
            states.apply_many(session, "proposal", made, "approve", "system")
        assert (
            states.apply_many(session, "proposal", [made[0], made[2]], "approve", "system")
            == ["approved"] * 2
        )


@pytest.mark.parametrize("source,named", [("cli", "--note"), ("web", "the note")])
def test_a_refused_note_is_named_as_the_person_typed_it(ws, source, named):
    _proposal(ws, "designed", {"design": "valid"})
    with workspace_session(ws) as (session, cohort), pytest.raises(UsageError) as err:
        p = find_proposal(session, cohort, CODE)
        decide(ws, session, cohort, p, "return", "Fasilitator", "kurang\u202ejelas", source)
    assert str(err.value) == f"{named} contains an invisible direction mark (\\u202e): remove it"
