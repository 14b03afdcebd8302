"""The coordinator's page: the showcased innovations, a scoring form per innovation with the cohort's rubric
(whole numbers 1-10 per criterion, and a note), and the scoreboard.

Scores go through the review service (lab.workflow.review.score: the same checks as a score sheet row, then
completing reviews and rebuilding the showcase). A coordinator sees the others' means for an innovation only
after scoring it, on its form and on the scoreboard alike. Once a facilitator has closed judging (`lab review
close`) the forms are shown read-only and a save is refused (lab.workflow.judging.ensure_open).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, select

from lab.domain.errors import LabError
from lab.domain.models import Cohort, Proposal, Review, Team
from lab.outputs.scores import REVIEWABLE, judging, same_name, scoreboard, scored
from lab.outputs.showcase_text import LABELS
from lab.web.deps import AsCoordinator, Posted, Viewer, base_path, database, page
from lab.web.errors import status_of
from lab.web.words import words
from lab.workflow.judging import WORDS as CLOSED
from lab.workflow.judging import ensure_open
from lab.workflow.review import score

router = APIRouter()


def _innovations(v: Viewer, session: Session, cohort: Cohort) -> list[dict[str, Any]]:
    """The showcased and reviewed innovations with this coordinator's scores and, once given, the board's."""
    rubric = v.ws.settings.rubric
    me = same_name(v.principal.name)
    mine = {
        r.proposal_id: r
        for r in session.exec(select(Review).where(Review.cohort_id == cohort.id))
        if same_name(r.reviewer) == me and scored(r.scores, rubric)
    }
    board = scoreboard(v.ws, session, cohort)
    rows = session.exec(
        select(Proposal, Team)
        .join(Team, Team.id == Proposal.team_id)
        .where(Proposal.cohort_id == cohort.id, Proposal.state.in_(REVIEWABLE))
        .order_by(Proposal.id)
    ).all()
    return [
        {
            "code": p.code,
            "title": p.title,
            "unit": t.unit,
            "state": p.state,
            "mine": mine[p.id].scores if p.id in mine else None,
            "my_note": mine[p.id].note if p.id in mine else "",
            "board": board.get(p.id) if p.id in mine else None,  # hidden until scored
        }
        for p, t in rows
    ]


def _closed(v: Viewer, session: Session, cohort: Cohort) -> str | None:
    """The notice that judging is closed, in the cohort's language; None while it is open."""
    now = judging(session, cohort)
    if not now.closed:
        return None
    at = f"{now.at:%Y-%m-%d %H:%M}" if now.at else "?"
    return CLOSED["en" if v.ws.settings.lang == "en" else "id"].format(by=now.by, at=at)


def render(request: Request, v: Viewer, message: str | None = None) -> HTMLResponse:
    """The coordinator's home: innovations to score and the scoreboard."""
    with database(v) as (session, cohort):
        items = _innovations(v, session, cohort)
        closed = _closed(v, session, cohort)
    ranked = sorted((i for i in items if i["board"]), key=lambda i: -i["board"]["score"])
    labels = LABELS["en" if v.lang == "en" else "id"]
    return page(
        request, v, "coordinator_home.html.j2", items=items, ranked=ranked, message=message or closed,
        problem=False, closed=closed, labels=labels,
    )  # fmt: skip


def _form(
    request: Request, v: Viewer, code: str, message: str | None = None, status_code: int = 200, posted=None
) -> HTMLResponse:
    """The scoring form; `posted` values when a save was refused, else the coordinator's own scores."""
    with database(v) as (session, cohort):
        items = [i for i in _innovations(v, session, cohort) if i["code"] == code.upper()]
    if not items:
        raise HTTPException(404, "not_found")
    item = items[0]
    with database(v) as (session, cohort):
        item["profile"] = _profile(session, cohort, item["code"])
        closed = _closed(v, session, cohort)
    values = dict(posted) if posted else {c: (item["mine"] or {}).get(c, "") for c in v.ws.settings.rubric}
    for criterion, value in values.items():
        if isinstance(value, float) and value.is_integer():
            values[criterion] = int(value)
    rubric = v.ws.settings.rubric
    words_ = LABELS["en" if v.lang == "en" else "id"]
    labels = {c: words_.get(f"crit_{c}", c) for c in rubric}  # the showcase's names of the IGA criteria
    context = {
        "item": item,
        "rubric": rubric,
        "labels": labels,
        "values": values,
        "message": message or closed,
    }
    context["closed"], context["spread"] = closed, words_["spread"]
    context["note"] = (posted or {}).get("note", item["my_note"])
    return page(request, v, "score.html.j2", status_code, problem=status_code >= 400, **context)


def _profile(session: Session, cohort: Cohort, code: str) -> dict[str, Any]:
    """What the innovation is, from its last valid display worksheet: the summary (Markdown through the
    showcase's sanitiser) and its highlights (plain text, escaped by the page)."""
    from lab.outputs.profiles import profiles
    from lab.outputs.showcase_html import render_text

    for p in profiles(session, cohort, REVIEWABLE, last_good=True):
        if p.code == code:
            highlights = p.display.get("highlights") or []
            return {"summary": render_text(p.display.get("summary") or ""), "highlights": highlights[:20]}
    return {"summary": "", "highlights": []}


@router.get("/nilai/{code}")
def score_form(request: Request, code: str, v: AsCoordinator, pesan: str = "") -> HTMLResponse:
    """The scoring form of one showcased innovation."""
    return _form(request, v, code[:40], words(v.lang)["saved"] if pesan == "saved" else None)


@router.post("/nilai/{code}")
def save_scores(request: Request, code: str, v: AsCoordinator, form: Posted) -> Response:
    """Save this coordinator's scores of one innovation, then back to the form, now with the others' means."""
    code = code[:40]
    fields = {c: str(form.get(c) or "")[:20] for c in v.ws.settings.rubric}
    note = str(form.get("note") or "")
    try:
        with database(v) as (session, cohort):
            if not any(i["code"] == code.upper() for i in _innovations(v, session, cohort)):
                raise HTTPException(404, "not_found")
            ensure_open(v.ws, session, cohort)
            score(v.ws, session, cohort, code, v.principal.name, fields, note, source="web")
    except LabError as exc:
        return _form(request, v, code, str(exc), status_of(exc), fields | {"note": note[:2_000]})
    return RedirectResponse(f"{base_path(request)}/nilai/{code.upper()}?pesan=saved", status_code=303)
