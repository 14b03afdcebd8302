"""The state of a cohort at a glance (`lab status`): funnel per stage, teams, proposals, what waits.

The `--json` shape is a contract (docs/cli.md): cohort, stages, states, teams, proposals, invalid, waiting.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from lab.domain.lifecycle import PROPOSAL_STATES, TEAM_STATES
from lab.domain.models import Cohort, Proposal, Team, Worksheet
from lab.stages import STAGES
from lab.workspace.settings import Workspace

WORKSHEET_STATUSES = ("waiting", "invalid", "valid", "returned", "missing")
_RANK = {s: i for i, s in enumerate(TEAM_STATES)} | {s: i for i, s in enumerate(PROPOSAL_STATES[:7])}


def status(ws: Workspace, session: Session, cohort: Cohort, detail: bool = True) -> dict[str, Any]:
    """Everything `lab status` shows, as plain data; without `detail` only counts and the first waiting items
    (what a person reads; fast at any cohort size)."""
    if not detail:
        return _summary(ws, session, cohort)
    teams = session.execute(
        select(Team.id, Team.slug, Team.unit, Team.unit_type, Team.state, Team.readiness)
        .where(Team.cohort_id == cohort.id)
        .order_by(Team.id)
    ).all()  # plain rows, not ORM objects: status must stay fast at national scale
    slug = {t.id: t.slug for t in teams}
    props = session.execute(
        select(Proposal.id, Proposal.code, Proposal.team_id, Proposal.title, Proposal.state)
        .where(Proposal.cohort_id == cohort.id).order_by(Proposal.id)
    ).all()  # fmt: skip
    counts: dict[tuple[str, str], int] = dict(
        ((stage, st), n)
        for stage, st, n in session.exec(
            select(Worksheet.stage, Worksheet.status, func.count())
            .where(Worksheet.cohort_id == cohort.id)
            .group_by(Worksheet.stage, Worksheet.status)
        )
    )
    team_states = Counter(t.state for t in teams)
    proposal_states = Counter(p.state for p in props)
    stages = {}
    for stage in STAGES:
        states = team_states if stage.granularity == "team" else proposal_states
        done = _RANK[stage.done_state]
        row = {s: counts.get((stage.slug, s), 0) for s in WORKSHEET_STATUSES}
        row["worksheets"] = sum(row.values())
        row["passed"] = sum(n for state, n in states.items() if _RANK.get(state, -1) >= done)
        stages[stage.slug] = row
    return {
        "cohort": {"id": ws.settings.cohort_id, "region": ws.settings.region, "year": ws.settings.year,
                   "lang": ws.settings.lang, "path": str(ws.root)},
        "stages": stages,
        "states": {
            "teams": {s: team_states[s] for s in TEAM_STATES},
            "proposals": {s: proposal_states[s] for s in PROPOSAL_STATES},
        },
        "teams": [{"id": t.slug, "unit": t.unit, "unit_type": t.unit_type, "state": t.state,
                   "readiness": t.readiness} for t in teams],
        "proposals": [{"id": p.code, "team": slug[p.team_id], "title": p.title, "state": p.state} for p in props],
        "invalid": _invalid(session, cohort),
        "waiting": _waiting(session, cohort, props, slug),
    }  # fmt: skip


def _invalid(session: Session, cohort: Cohort) -> list[dict[str, Any]]:
    # filtered by the status index, sorted here: ORDER BY path would walk every worksheet row instead
    rows = sorted(
        session.execute(
            select(Worksheet.path, Worksheet.errors).where(
                Worksheet.cohort_id == cohort.id, Worksheet.status == "invalid"
            )
        ).all()
    )
    return [
        {"path": path, "line": e["line"], "reason": e["reason"]}
        for path, errors in rows
        for e in errors or []
    ]


def _waiting(
    session: Session, cohort: Cohort, props: list[Proposal], slug: dict[int, str]
) -> list[dict[str, Any]]:
    reasons = {
        "waiting": "not filled in yet",
        "missing": "file is missing",
        "returned": "returned by a facilitator",
    }
    out = []
    rows = session.exec(
        select(Worksheet)
        .where(Worksheet.cohort_id == cohort.id, Worksheet.status.in_(tuple(reasons)))
        .order_by(Worksheet.path)
    )
    code = {p.id: p.code for p in props}
    for w in rows:
        reason = reasons[w.status] + (f": {w.note}" if w.note and w.status == "returned" else "")
        out.append({"path": w.path, "stage": w.stage, "team": slug[w.team_id],
                    "proposal": code.get(w.proposal_id), "reason": reason})  # fmt: skip
    out += [{"path": None, "stage": "design", "team": slug[p.team_id], "proposal": p.code,
             "reason": "design is complete: waiting for a facilitator's decision"}
            for p in props if p.state == "designed"]  # fmt: skip
    return out


def _summary(ws: Workspace, session: Session, cohort: Cohort) -> dict[str, Any]:
    team_states = Counter(
        dict(
            session.execute(
                select(Team.state, func.count()).where(Team.cohort_id == cohort.id).group_by(Team.state)
            ).all()
        )
    )
    proposal_states = Counter(
        dict(
            session.execute(
                select(Proposal.state, func.count())
                .where(Proposal.cohort_id == cohort.id)
                .group_by(Proposal.state)
            ).all()
        )
    )
    counts = dict(
        ((stage, st), n)
        for stage, st, n in session.execute(
            select(Worksheet.stage, Worksheet.status, func.count())
            .where(Worksheet.cohort_id == cohort.id).group_by(Worksheet.stage, Worksheet.status)
        )
    )  # fmt: skip
    stages = {}
    for stage in STAGES:
        states = team_states if stage.granularity == "team" else proposal_states
        row = {st: counts.get((stage.slug, st), 0) for st in WORKSHEET_STATUSES}
        row["worksheets"] = sum(row.values())
        row["passed"] = sum(
            n for state, n in states.items() if _RANK.get(state, -1) >= _RANK[stage.done_state]
        )
        stages[stage.slug] = row
    waiting_total = sum(stages[s.slug][k] for s in STAGES for k in ("waiting", "missing", "returned"))
    waiting_total += proposal_states["designed"]
    rows = sorted(session.execute(
        select(Worksheet.path, Worksheet.status, Worksheet.note)
        .where(Worksheet.cohort_id == cohort.id, Worksheet.status.in_(("waiting", "missing", "returned")))
    ).all())[:SHOW]  # fmt: skip
    reasons = {
        "waiting": "not filled in yet",
        "missing": "file is missing",
        "returned": "returned by a facilitator",
    }
    waiting = [{"path": p, "proposal": None, "reason": reasons[st] + (f": {note}" if note and st == "returned" else "")}
               for p, st, note in rows]  # fmt: skip
    return {
        "cohort": {"id": ws.settings.cohort_id, "region": ws.settings.region, "year": ws.settings.year,
                   "lang": ws.settings.lang, "path": str(ws.root)},
        "stages": stages,
        "states": {"teams": {st: team_states[st] for st in TEAM_STATES},
                   "proposals": {st: proposal_states[st] for st in PROPOSAL_STATES}},
        "invalid": _invalid(session, cohort),
        "waiting": waiting,
        "waiting_total": waiting_total,
    }  # fmt: skip


SHOW = 15


def funnel(session: Session, cohort: Cohort) -> dict[str, dict[str, int]]:
    """Counts of teams and proposals per state."""
    teams = dict(
        session.exec(
            select(Team.state, func.count()).where(Team.cohort_id == cohort.id).group_by(Team.state)
        ).all()
    )
    props = dict(
        session.exec(
            select(Proposal.state, func.count())
            .where(Proposal.cohort_id == cohort.id)
            .group_by(Proposal.state)
        ).all()
    )
    return {"teams": teams, "proposals": props}
