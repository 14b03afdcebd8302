"""The state of a cohort at a glance: one read model for `lab status`, `lab status --json` and the run's funnel.

Everything is counted once, by `counts()` (grouped counts, never the rows of a big cohort); the human view
(`detail=False`), the JSON (`detail=True`) and `funnel()` (the flow's summary and Prefect artifact) are
shaped from it, so they cannot disagree.

The `--json` object (also summarised in the README) is a contract:

- `cohort`: id, region, year, lang, path
- `stages`: per stage slug, in stage order: worksheets, waiting, invalid, valid, returned, missing (worksheet
  counts), passed (teams or proposals at or past the stage's done state) and due (its `[schedule]` date in
  cohort.toml as YYYY-MM-DD, or null)
- `states`: teams and proposals per state, every state listed
- `teams`: id, unit, unit_type, state, readiness; `proposals`: id, team, title, state
- `invalid`: path, line, reason (one entry per problem, in the cohort's language), field (the field's id path,
  `measures.2.after`, or "" for the whole worksheet)
- `waiting`: path, stage, team, proposal, reason, status (waiting, returned, missing; `decision` for a design
  waiting for a decision, which has no path), note (a returned worksheet's note)
- `coverage`: "1 OPD 1 Inovasi" (lab.outputs.coverage.summary): target, targets, units (units, met, percent,
  innovations), without (units with no live innovation)
- `overdue`: team, unit, stage, worksheet, proposal, due, days_late, status: the worksheets past their due date
  and the returned designs, as lab.outputs.overdue reads them (in both views)

The human view has the same cohort, stages and states, the invalid list, the first SHOW waiting items and
`waiting_total`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from lab.domain.lifecycle import MAIN_LINE, PROPOSAL_STATES, TEAM_STATES, WAITING_REASONS, WORKSHEET_STATUSES
from lab.domain.models import Cohort, Proposal, Team, Worksheet
from lab.outputs.coverage import summary as coverage_summary
from lab.outputs.overdue import as_rows, overdue
from lab.stages import STAGES
from lab.workspace.settings import Workspace

DECISION = "design is complete: waiting for a facilitator's decision"
SHOW = 15  # waiting items the human view carries
_RANK = {s: i for i, s in enumerate(TEAM_STATES)} | {s: i for i, s in enumerate(MAIN_LINE)}


@dataclass(frozen=True)
class Counts:
    """A cohort counted: teams and proposals per state (states with none left out), worksheets per stage
    and status."""

    teams: dict[str, int]
    proposals: dict[str, int]
    worksheets: dict[tuple[str, str], int]


def counts(session: Session, cohort: Cohort) -> Counts:
    """The cohort's counts, three grouped queries whatever its size."""
    teams = session.execute(
        select(Team.state, func.count()).where(Team.cohort_id == cohort.id).group_by(Team.state)
    ).all()
    proposals = session.execute(
        select(Proposal.state, func.count()).where(Proposal.cohort_id == cohort.id).group_by(Proposal.state)
    ).all()
    worksheets = session.execute(
        select(Worksheet.stage, Worksheet.status, func.count())
        .where(Worksheet.cohort_id == cohort.id)
        .group_by(Worksheet.stage, Worksheet.status)
    ).all()
    return Counts(
        teams={state: n for state, n in teams},
        proposals={state: n for state, n in proposals},
        worksheets={(stage, st): n for stage, st, n in worksheets},
    )


def funnel(session: Session, cohort: Cohort) -> dict[str, dict[str, int]]:
    """Counts of teams and proposals per state."""
    c = counts(session, cohort)
    return {"teams": c.teams, "proposals": c.proposals}


def status(
    ws: Workspace, session: Session, cohort: Cohort, detail: bool = True, today: dt.date | None = None
) -> dict[str, Any]:
    """Everything `lab status` shows, as plain data; without `detail` only counts and the first waiting items
    (what a person reads; fast at any cohort size)."""
    c = counts(session, cohort)
    teams, proposals = Counter(c.teams), Counter(c.proposals)
    s = ws.settings
    data: dict[str, Any] = {
        "cohort": {
            "id": s.cohort_id,
            "region": s.region,
            "year": s.year,
            "lang": s.lang,
            "path": str(ws.root),
        },
        "stages": _stages(ws, c),
        "states": {
            "teams": {st: teams[st] for st in TEAM_STATES},
            "proposals": {st: proposals[st] for st in PROPOSAL_STATES},
        },
        "coverage": {k: v for k, v in coverage_summary(ws, session, cohort).items() if k != "cohort"},
    }
    data["overdue"] = as_rows(overdue(ws, session, cohort, today))
    rows = _waiting_rows(session, cohort)
    if not detail:
        data["invalid"] = _invalid(session, cohort)
        data["waiting"] = [{"path": w.path, "proposal": None, "reason": _reason(w)} for w in rows[:SHOW]]
        data["waiting_total"] = len(rows) + proposals["designed"]
        return data
    team_rows = session.execute(
        select(Team.id, Team.slug, Team.unit, Team.unit_type, Team.state, Team.readiness)
        .where(Team.cohort_id == cohort.id)
        .order_by(Team.id)
    ).all()  # plain rows, not ORM objects: status must stay fast at national scale
    slug = {t.id: t.slug for t in team_rows}
    props = session.execute(
        select(Proposal.id, Proposal.code, Proposal.team_id, Proposal.title, Proposal.state)
        .where(Proposal.cohort_id == cohort.id).order_by(Proposal.id)
    ).all()  # fmt: skip
    code = {p.id: p.code for p in props}
    data["teams"] = [{"id": t.slug, "unit": t.unit, "unit_type": t.unit_type, "state": t.state,
                      "readiness": t.readiness} for t in team_rows]  # fmt: skip
    data["proposals"] = [{"id": p.code, "team": slug[p.team_id], "title": p.title, "state": p.state}
                         for p in props]  # fmt: skip
    data["invalid"] = _invalid(session, cohort)
    data["waiting"] = [{"path": w.path, "stage": w.stage, "team": slug[w.team_id],
                        "proposal": code.get(w.proposal_id), "reason": _reason(w), "status": w.status,
                        "note": w.note if w.status == "returned" else ""} for w in rows]  # fmt: skip
    data["waiting"] += [{"path": None, "stage": "design", "team": slug[p.team_id], "proposal": p.code,
                         "reason": DECISION, "status": "decision", "note": ""}
                        for p in props if p.state == "designed"]  # fmt: skip
    return data


def _stages(ws: Workspace, c: Counts) -> dict[str, dict[str, Any]]:
    """Per stage: its worksheets per status, how many teams or proposals passed it, and its planned date."""
    schedule = ws.settings.schedule
    out = {}
    for stage in STAGES:
        states = c.teams if stage.granularity == "team" else c.proposals
        done = _RANK[stage.done_state]
        row: dict[str, Any] = {st: c.worksheets.get((stage.slug, st), 0) for st in WORKSHEET_STATUSES}
        row["worksheets"] = sum(row.values())
        row["passed"] = sum(n for state, n in states.items() if _RANK.get(state, -1) >= done)
        due = schedule.get(stage.slug)
        row["due"] = due.isoformat() if due else None
        out[stage.slug] = row
    return out


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
        {"path": path, "line": e["line"], "reason": e["reason"], "field": e.get("field", "")}
        for path, errors in rows
        for e in errors or []
    ]


def _waiting_rows(session: Session, cohort: Cohort) -> list[Any]:
    """The worksheets that wait for someone, as plain rows in path order (sorted here, as in _invalid)."""
    rows = session.execute(
        select(
            Worksheet.path, Worksheet.status, Worksheet.note, Worksheet.stage, Worksheet.team_id,
            Worksheet.proposal_id,
        ).where(Worksheet.cohort_id == cohort.id, Worksheet.status.in_(tuple(WAITING_REASONS)))
    ).all()  # fmt: skip
    return sorted(rows, key=lambda w: w.path)  # a path is unique within a cohort


def _reason(w: Any) -> str:
    """Why a worksheet waits; a returned one carries the facilitator's note."""
    return WAITING_REASONS[w.status] + (f": {w.note}" if w.note and w.status == "returned" else "")
