"""Overdue teams: the worksheets past their [schedule] date and the returned designs, one read model shown by
`lab status` (and --json), the facilitator's page and the run's Prefect artifact."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import select

from lab.cli import app
from lab.domain.models import Worksheet
from lab.outputs.overdue import overdue
from lab.workflow import pipeline
from lab.workflow.decisions import decide
from lab.workspace.cohort import find_proposal, workspace_session
from lab.workspace.settings import open_workspace
from tests import factories
from tests.helpers import answer, diagnosed, proposals, run_once
from tests.web_support import FACILITATOR, people, signed_in

TODAY = dt.date(2026, 9, 10)


def _schedule(ws, **dates: dt.date):
    path = ws.root / "cohort.toml"
    lines = "".join(f"{stage.replace('_', '-')} = {day.isoformat()}\n" for stage, day in dates.items())
    path.write_text(path.read_text().replace("[schedule]\n", "[schedule]\n" + lines))
    return open_workspace(ws.root)


def _cohort(ws, design_due: dt.date, drum_up_due: dt.date = dt.date(2026, 8, 1)):
    """Three teams with one proposal each: the first proposal's design valid and then returned with a note,
    the second's left waiting, the third's dropped; drum-up (done by all) and design have due dates."""
    diagnosed(ws, 3)
    codes = sorted(proposals(ws))
    answer(ws, "design", codes[0], factories.design())
    run_once(ws)
    with workspace_session(ws) as (session, cohort):
        first, third = (find_proposal(session, cohort, codes[i]) for i in (0, 2))
        decide(ws, session, cohort, first, "return", FACILITATOR, "Rinci biaya")
        decide(ws, session, cohort, third, "drop", FACILITATOR)
    return _schedule(ws, drum_up=drum_up_due, design=design_due), codes


def _late(ws, today):
    with workspace_session(ws, writer=False) as (session, cohort):
        return overdue(ws, session, cohort, today)


def test_late_and_returned_worksheets_are_listed_with_days_late_done_and_dropped_ones_are_not(ws):
    ws, codes = _cohort(ws, design_due=dt.date(2026, 9, 2))
    late = _late(ws, TODAY)
    assert [(o.team, o.stage, o.proposal, o.due, o.days_late, o.status) for o in late] == [
        ("unit-uji-001", "design", codes[0], dt.date(2026, 9, 2), 8, "returned"),
        ("unit-uji-002", "design", codes[1], dt.date(2026, 9, 2), 8, "waiting"),
    ]  # drum-up was due 2026-08-01 but every team committed; the third proposal was dropped
    assert late[0].note == "Rinci biaya"


def test_a_worksheet_due_today_or_later_is_not_late_but_a_returned_design_always_waits_for_its_team(ws):
    ws, codes = _cohort(ws, design_due=TODAY)
    assert [(o.proposal, o.days_late, o.status) for o in _late(ws, TODAY)] == [(codes[0], 0, "returned")]
    assert [(o.proposal, o.days_late) for o in _late(ws, TODAY + dt.timedelta(days=1))] == [
        (codes[0], 1),
        (codes[1], 1),
    ]


def test_a_stage_without_a_date_makes_nothing_late(ws):
    diagnosed(ws, 2)
    assert _late(ws, TODAY) == []


def test_lab_status_lists_overdue_teams_after_the_funnel_and_json_carries_them(ws, runner):
    due = dt.date.today() - dt.timedelta(days=3)
    ws, codes = _cohort(ws, design_due=due)
    result = runner.invoke(app, ["status", str(ws.root)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "overdue (2 team(s), 2 worksheet(s))" in out
    assert (
        f"  unit-uji-001: design {codes[0]}, due {due.isoformat()}, 3 day(s) late (returned, waiting for the team)"
        in out
    )
    assert f"  unit-uji-002: design {codes[1]}, due {due.isoformat()}, 3 day(s) late (waiting)" in out
    assert out.index("proposals:") < out.index("overdue (") < out.index("waiting (")
    data = json.loads(runner.invoke(app, ["status", str(ws.root), "--json"]).output)
    assert data["overdue"][1] == {
        "team": "unit-uji-002", "unit": "Unit Uji 002", "stage": "design",
        "worksheet": f"teams/unit-uji-002/{codes[1]}/3-design.md", "proposal": codes[1],
        "due": due.isoformat(), "days_late": 3, "status": "waiting",
    }  # fmt: skip


def test_lab_status_says_nothing_of_overdue_when_nothing_is_late(ws, runner):
    diagnosed(ws, 1)
    _schedule(ws, design=dt.date.today() + dt.timedelta(days=5))
    result = runner.invoke(app, ["status", str(ws.root)])
    assert result.exit_code == 0 and "overdue" not in result.output


def test_the_prefect_artifact_lists_the_overdue_teams(ws):
    ws, codes = _cohort(ws, design_due=dt.date.today() - dt.timedelta(days=2))
    summary = pipeline.summary(str(ws.root))
    markdown = pipeline.funnel_markdown(summary, [])
    assert "## Overdue: 2 team(s), 2 worksheet(s)" in markdown
    due = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    assert f"| unit-uji-002 | design | {codes[1]} | {due} | 2 | waiting |" in markdown
    assert f"| unit-uji-001 | design | {codes[0]} | {due} | 2 | returned |" in markdown


def test_the_facilitators_page_lists_the_overdue_teams(ws):
    ws = people(ws)
    ws, codes = _cohort(ws, design_due=dt.date.today() - dt.timedelta(days=4))
    html = signed_in(ws, FACILITATOR).get("/").text
    section = html[html.index('id="overdue"') : html.index("</table>", html.index('id="overdue"'))]
    assert "Tim lewat tenggat" in section
    assert f"<td>Unit Uji 002 (unit-uji-002)</td><td>3. Rencana aksi · {codes[1]}</td>" in section
    assert '<td class="num">4</td><td><span class="badge st-returned">dikembalikan</span>' in section
    assert codes[2] not in section  # dropped


def test_a_missing_or_invalid_worksheet_of_a_late_stage_is_overdue_a_valid_one_is_not(ws):
    diagnosed(ws, 2)
    ws = _schedule(ws, design=dt.date(2026, 9, 1))
    with workspace_session(ws) as (session, cohort):
        rows = list(
            session.exec(select(Worksheet).where(Worksheet.stage == "design").order_by(Worksheet.path))
        )
        rows[0].status, rows[1].status = "invalid", "valid"
        session.add_all(rows)
    assert [(o.team, o.status) for o in _late(ws, TODAY)] == [("unit-uji-001", "invalid")]
