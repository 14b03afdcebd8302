"""The home page (/), by role: a team's worksheets, the facilitator's steering page, the coordinator's scoring.

A team's home lists its own worksheets only (its team worksheets and its proposals'), each with its stage,
status (waiting, needs fixing with the reasons, complete, returned with the facilitator's note, done), due date
from `[schedule]` and a link to its form (/lembar/{stage}/{owner}).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, select

from lab.domain.lifecycle import MAIN_LINE, TEAM_STATES
from lab.domain.models import Cohort, Proposal, Team, Worksheet
from lab.stages import get_stage
from lab.web import coordinator, facilitator
from lab.web.deps import SignedIn, Viewer, page, reading
from lab.web.words import words

router = APIRouter()
_RANK = {s: i for i, s in enumerate(TEAM_STATES)} | {s: i for i, s in enumerate(MAIN_LINE)}
MESSAGES = ("decided", "revoked", "run_started", "saved")  # what ?pesan= may ask the page to say


@router.get("/")
def home(request: Request, v: SignedIn, pesan: str = "") -> HTMLResponse:
    """The signed-in person's home page."""
    message = words(v.lang)[pesan] if pesan in MESSAGES else None
    if v.principal.role == "facilitator":
        return facilitator.render(request, v, message)
    if v.principal.role == "coordinator":
        return coordinator.render(request, v, message)
    return team_home(request, v, message)


def team_home(request: Request, v: Viewer, message: str | None = None) -> HTMLResponse:
    """A team's worksheets with their status and due dates."""
    with reading(v) as (session, cohort):
        rows = team_worksheets(session, cohort, v.principal.team_id)
    schedule, today = v.ws.settings.schedule, dt.date.today()
    for row in rows:
        due = schedule.get(row["stage"])
        row["due"] = due.isoformat() if due else None
        row["overdue"] = bool(due and due < today and row["status"] not in ("valid", "done"))
    return page(request, v, "team_home.html.j2", rows=rows, message=message, problem=False)


def team_worksheets(session: Session, cohort: Cohort, team_id: int | None) -> list[dict[str, Any]]:
    """The worksheets of one team (its own and its proposals'), in stage order."""
    team = session.get(Team, team_id) if team_id is not None else None
    if team is None or team.cohort_id != cohort.id:
        return []
    proposals = {p.id: p for p in session.exec(select(Proposal).where(Proposal.team_id == team.id))}
    out = []
    for w in session.exec(
        select(Worksheet).where(Worksheet.cohort_id == cohort.id, Worksheet.team_id == team.id)
    ):
        stage = get_stage(w.stage)
        proposal = proposals.get(w.proposal_id) if w.proposal_id is not None else None
        entity_state = proposal.state if proposal else team.state
        done = _RANK.get(entity_state, -1) >= _RANK[stage.done_state]
        out.append(
            {
                "stage": stage.slug,
                "number": stage.number,
                "stage_title": stage.title,
                "owner": proposal.code if proposal else team.slug,
                "title": proposal.title if proposal else "",
                "state": entity_state,
                "status": "done" if done else w.status,
                "problems": [e.get("reason", "") for e in (w.errors or [])] if w.status == "invalid" else [],
                "note": w.note if w.status == "returned" else "",
            }
        )
    return sorted(out, key=lambda r: (r["number"], r["owner"]))
