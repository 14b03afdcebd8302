"""Work a team still owes: the worksheets past their `[schedule]` date, and the designs a facilitator returned.

One read model for `lab status`, the facilitator's page, the run's Prefect artifact and `lab remind`:

- `open_work()`: every worksheet the team must still act on (waiting, invalid, returned or missing; its team
  or proposal not yet past the stage, the proposal not dropped or withdrawn) whose stage has a due date, and
  every returned one, with its due date and days late on `today`;
- `overdue()`: those past their due date (days late ≥ 1), and the returned designs, whatever their date;
- `as_rows()`: the plain rows `lab status --json` and the artifact carry: team, unit, stage, worksheet (path),
  proposal, due (YYYY-MM-DD or null), days_late, status.

A worksheet due today is not late; "today" is the caller's (tests pass one), by default the machine's date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, or_, select

from lab.domain.lifecycle import MAIN_LINE, TEAM_STATES, TERMINAL
from lab.domain.models import Cohort, Proposal, Team, Transition, Worksheet
from lab.stages import STAGES
from lab.workspace.settings import Workspace

OPEN = ("waiting", "invalid", "returned", "missing")  # statuses where the next move is the team's
_RANK = {s: i for i, s in enumerate(TEAM_STATES)} | {s: i for i, s in enumerate(MAIN_LINE)}
_STAGES = {s.slug: s for s in STAGES}


@dataclass(frozen=True)
class Owed:
    """One worksheet a team still owes, as of `today`."""

    team_id: int
    team: str  # the team's slug
    unit: str
    stage: str
    path: str
    proposal_id: int | None
    proposal: str | None  # the proposal's code, for a proposal's worksheet
    status: str  # waiting | invalid | returned | missing
    note: str  # the facilitator's note on a returned design
    due: dt.date | None
    days_late: int  # days past the due date; 0 when due today, later, or never

    @property
    def overdue(self) -> bool:
        return self.days_late > 0 or self.status == "returned"


def open_work(ws: Workspace, session: Session, cohort: Cohort, today: dt.date | None = None) -> list[Owed]:
    """Worksheets the teams still owe that have a due date or were returned, by team, stage and owner."""
    today = today or dt.date.today()
    schedule = ws.settings.schedule
    dated = [slug for slug in schedule if slug in _STAGES]
    rows = session.execute(
        select(
            Worksheet.team_id, Worksheet.stage, Worksheet.path, Worksheet.proposal_id, Worksheet.status,
            Worksheet.note, Team.slug, Team.unit, Team.state, Proposal.code, Proposal.state,
        )
        .join(Team, Team.id == Worksheet.team_id)
        .outerjoin(Proposal, Proposal.id == Worksheet.proposal_id)
        .where(
            Worksheet.cohort_id == cohort.id,
            Worksheet.status.in_(OPEN),
            or_(Worksheet.stage.in_(dated), Worksheet.status == "returned"),
        )
    ).all()  # fmt: skip
    out = []
    for r in rows:
        stage = _STAGES.get(r.stage)
        state = r[10] if r.proposal_id is not None else r[8]  # the proposal's state, else the team's
        if stage is None or state in TERMINAL or _RANK.get(state, -1) >= _RANK[stage.done_state]:
            continue
        due = schedule.get(r.stage)
        late = max((today - due).days, 0) if due else 0
        out.append(Owed(r.team_id, r.slug, r.unit, r.stage, r.path, r.proposal_id, r.code, r.status,
                        r.note if r.status == "returned" else "", due, late))  # fmt: skip
    return sorted(out, key=lambda o: (o.team, _STAGES[o.stage].number, o.proposal or ""))


def overdue(ws: Workspace, session: Session, cohort: Cohort, today: dt.date | None = None) -> list[Owed]:
    """The worksheets past their due date and the returned designs, by team, stage and owner."""
    return [o for o in open_work(ws, session, cohort, today) if o.overdue]


def as_rows(owed: list[Owed]) -> list[dict[str, Any]]:
    """Plain rows for JSON and the artifact."""
    return [
        {"team": o.team, "unit": o.unit, "stage": o.stage, "worksheet": o.path, "proposal": o.proposal,
         "due": o.due.isoformat() if o.due else None, "days_late": o.days_late, "status": o.status}
        for o in owed
    ]  # fmt: skip


def returned_at(session: Session, cohort: Cohort, proposal_ids: list[int]) -> dict[int, dt.datetime]:
    """When each proposal's design was last returned (the audit trail's newest 'return')."""
    if not proposal_ids:
        return {}
    rows = session.execute(
        select(Transition.subject_id, func.max(Transition.at))
        .where(
            Transition.cohort_id == cohort.id,
            Transition.kind == "proposal",
            Transition.event == "return",
            Transition.subject_id.in_(proposal_ids),
        )
        .group_by(Transition.subject_id)
    ).all()
    return {pid: at for pid, at in rows}
