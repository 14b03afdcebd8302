"""The facilitator's page: the funnel and per-team progress, the worksheets to fix and the ones waiting, the
design queue with its decisions (the same service and audit trail as `lab decide`, source web), "run now",
and the personal links with a revoke button.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from lab.domain import lifecycle
from lab.domain.errors import CohortBusy, LabError
from lab.domain.models import Proposal, Team, Worksheet
from lab.outputs.showcase_iid import readiness
from lab.outputs.status import status
from lab.stages import STAGES
from lab.web.deps import AsFacilitator, Posted, Viewer, base_path, database, page
from lab.web.errors import status_of
from lab.web.facilitator_words import state_words, waiting_words
from lab.web.words import words
from lab.workflow.decisions import decide
from lab.workspace.cohort import find_proposal
from lab.workspace.lock import describe_holder

router = APIRouter()
SHOW = 200  # rows of a list the page carries; the rest is counted
OVERDUE_WORDS = {  # the overdue list (lab.outputs.overdue, via status())
    "id": {"title": "Tim lewat tenggat", "days_late": "Terlambat (hari)"},
    "en": {"title": "Overdue teams", "days_late": "Days late"},
}
MAX_NOTE = 2_000


def render(
    request: Request, v: Viewer, message: str | None = None, problem: bool = False, status_code: int = 200
) -> HTMLResponse:
    """The facilitator's page, with a message (a decision's result or a guard's refusal)."""
    from lab.workflow import links

    with database(v) as (session, cohort):
        data = status(v.ws, session, cohort, detail=True)
        queue = _proposals(session, cohort.id, ("designed",))
        closed = _proposals(session, cohort.id, lifecycle.TERMINAL_STATES)
        issued = len(links.issue(v.ws, session, cohort))
        ready = readiness(v.ws, session, cohort)  # coverage and the IID pre-check (lab.outputs.showcase_iid)
    context = {
        "data": data,
        "stages": STAGES,
        "queue": queue,
        "closed": closed,
        "links": issued,
        "ready": ready,
        "last": request.app.state.runs.last(),
        "running": request.app.state.runs.running(),
        "show": SHOW,
        "today": dt.date.today().isoformat(),
        "ow": OVERDUE_WORDS["en" if v.lang == "en" else "id"],
        "stage_titles": {s.slug: f"{s.number}. {s.title[v.lang]}" for s in STAGES},
        "message": message,
        "problem": problem,
        "state_words": state_words(v.lang),  # states and waiting reasons in the cohort's language
        "waiting_words": waiting_words(v.lang),
    }
    return page(request, v, "facilitator_home.html.j2", status_code, **context)


def _proposals(session, cohort_id: int, states) -> list[dict]:
    rows = session.exec(
        select(Proposal, Team)
        .join(Team, Team.id == Proposal.team_id)
        .where(Proposal.cohort_id == cohort_id, Proposal.state.in_(tuple(states)))
        .order_by(Proposal.id)
        .limit(SHOW)
    ).all()
    designs = {
        w.proposal_id: w
        for w in session.exec(
            select(Worksheet).where(
                Worksheet.proposal_id.in_([p.id for p, _ in rows]), Worksheet.stage == "design"
            )
        )
    }
    return [
        {
            "code": p.code,
            "title": p.title,
            "state": p.state,
            "team": t.slug,
            "unit": t.unit,
            "design": designs[p.id].status if p.id in designs else None,
            "decisions": [
                m.event
                for m in lifecycle.PROPOSAL_MOVES
                if m.source == p.state and m.by == lifecycle.FACILITATOR
            ],
        }
        for p, t in rows
    ]


def _back(request: Request, message: str, where: str = "/") -> Response:
    return RedirectResponse(f"{base_path(request)}{where}?pesan={message}", status_code=303)


LINKS_PER_PAGE = 100  # a page of links stays light on a phone (the whole list is `lab links PATH`)
ROLES = ("team", "coordinator", "facilitator")


@router.get("/tautan")
def links_page(
    request: Request, v: AsFacilitator, pesan: str = "", peran: str = "", halaman: str = "1"
) -> HTMLResponse:
    """The personal links of everyone in the cohort (made where missing), each with a revoke button, a page
    of LINKS_PER_PAGE at a time, of one role or all."""
    message = words(v.lang)["revoked"] if pesan == "revoked" else None
    number = int(halaman) if halaman.isdigit() and len(halaman) < 7 else 1
    return _links(request, v, message, role=peran if peran in ROLES else "", number=number)


def _links(
    request: Request, v: Viewer, message: str | None, problem: bool = False, status_code: int = 200,
    role: str = "", number: int = 1,
):  # fmt: skip
    from lab.workflow import links

    with database(v) as (session, cohort):
        issued = links.issue(v.ws, session, cohort, role or None)
    pages = max(1, -(-len(issued) // LINKS_PER_PAGE))
    number = min(max(number, 1), pages)
    shown = issued[(number - 1) * LINKS_PER_PAGE : number * LINKS_PER_PAGE]
    return page(
        request, v, "links.html.j2", status_code, links=shown, message=message, problem=problem,
        role=role, roles=ROLES, number=number, pages=pages, total=len(issued),
    )  # fmt: skip


@router.post("/keputusan")
def decision(request: Request, v: AsFacilitator, form: Posted) -> Response:
    """A decision on a proposal: approve, return (note required), drop, withdraw, reopen (note required)."""
    code, event, note = (str(form.get(k) or "") for k in ("proposal", "decision", "note"))
    if len(note) > MAX_NOTE:
        return render(request, v, _too_long(v), True, 400)
    try:
        with database(v) as (session, cohort):
            proposal = find_proposal(session, cohort, code[:40])
            decide(v.ws, session, cohort, proposal, event[:40], v.principal.name, note, source="web")
    except LabError as exc:
        return render(request, v, str(exc), True, status_of(exc))
    return _back(request, "decided")


def _too_long(v: Viewer) -> str:
    return f"{words(v.lang)['note']}: max {MAX_NOTE}"


@router.post("/jalankan")
def run_now(request: Request, v: AsFacilitator, form: Posted) -> Response:
    """Start `lab run` for this cohort in the background."""
    try:
        request.app.state.runs.start()
    except CohortBusy as exc:  # ours still running, or a run started elsewhere holds the cohort
        busy = words(v.lang)["run_busy"]  # who holds it, without the command line's advice (--wait)
        return render(
            request, v, busy if str(exc) == "busy" else f"{busy} ({describe_holder(v.ws)})", True, 409
        )
    return _back(request, "run_started")


@router.post("/cabut")
def revoke(request: Request, v: AsFacilitator, form: Posted) -> Response:
    """Revoke one personal link (a team slug or a person's name)."""
    from lab.workflow import links

    ident = str(form.get("id") or "")[:200]
    try:
        with database(v) as (session, cohort):
            links.revoke(v.ws, session, cohort, ident)
    except LabError as exc:
        return _links(request, v, str(exc), True, status_of(exc))
    return _back(request, "revoked", "/tautan")
