"""Innovation profiles: what a proposal's worksheets say about it, read in batches for the showcase and exports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, select

from lab.domain.lifecycle import MAIN_LINE
from lab.domain.models import Cohort, Evidence, Proposal, Team, Transition, Worksheet

BATCH = 2000


@dataclass
class Profile:
    """One proposal with its team and the answers of its worksheets."""

    code: str
    title: str
    state: str
    team: str
    unit: str
    unit_type: str
    idea: dict[str, Any] = field(default_factory=dict)
    design: dict[str, Any] = field(default_factory=dict)
    deliver: dict[str, Any] = field(default_factory=dict)
    display: dict[str, Any] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    id: int = 0


def profiles(
    session: Session, cohort: Cohort, states: tuple[str, ...] | None = None, last_good: bool = False
) -> Iterator[Profile]:
    """Profiles of the cohort's proposals in id order, loaded BATCH at a time (nothing held for the whole cohort).

    Answers come from valid worksheets; with `last_good`, from each worksheet's last valid answers even if the
    file has since become invalid, blank or missing (what the showcase keeps showing meanwhile)."""
    last = 0
    while True:
        query = (
            select(Proposal, Team)
            .join(Team, Team.id == Proposal.team_id)
            .where(Proposal.cohort_id == cohort.id, Proposal.id > last)
            .order_by(Proposal.id)
            .limit(BATCH)
        )
        if states:
            query = query.where(Proposal.state.in_(states))
        rows = session.exec(query).all()
        if not rows:
            return
        yield from _fill(session, rows, last_good)
        last = rows[-1][0].id


def _fill(session: Session, rows: list, last_good: bool = False) -> Iterator[Profile]:
    ids = [p.id for p, _ in rows]
    answers: dict[tuple[int, str], dict] = {}
    query = select(Worksheet.proposal_id, Worksheet.stage, Worksheet.answers).where(
        Worksheet.proposal_id.in_(ids)
    )
    # answers are only ever stored from a valid worksheet, and kept when the file stops being valid
    if not last_good:
        query = query.where(Worksheet.status == "valid")
    for pid, stage, data in session.exec(query):
        answers[(pid, stage)] = data or {}
    diagnose = {
        tid: data or {}
        for tid, data in session.exec(
            select(Worksheet.team_id, Worksheet.answers).where(
                Worksheet.team_id.in_({t.id for _, t in rows}), Worksheet.stage == "diagnose"
            )
        )
    }
    evidence: dict[int, list[Evidence]] = {}
    for e in session.exec(select(Evidence).where(Evidence.proposal_id.in_(ids)).order_by(Evidence.id)):
        evidence.setdefault(e.proposal_id, []).append(e)
    for p, t in rows:
        ideas = diagnose.get(t.id, {}).get("ideas") or []
        yield Profile(
            code=p.code, title=p.title, state=p.state, team=t.slug, unit=t.unit, unit_type=t.unit_type,
            idea=ideas[p.origin - 1] if p.origin <= len(ideas) else {},
            design=answers.get((p.id, "design"), {}), deliver=answers.get((p.id, "deliver"), {}),
            display=answers.get((p.id, "display"), {}), evidence=evidence.get(p.id, []), id=p.id,
        )  # fmt: skip


def reached(session: Session, cohort: Cohort) -> dict[str, int]:
    """How many proposals ever reached each state of the main line (from the audit trail)."""
    rank = case({s: i for i, s in enumerate(MAIN_LINE)}, value=Transition.to_state, else_=-1)
    per_proposal = (
        select(func.max(rank).label("r"))
        .where(Transition.cohort_id == cohort.id, Transition.kind == "proposal")
        .group_by(Transition.subject_id)
        .subquery()
    )
    counts = dict(session.exec(select(per_proposal.c.r, func.count()).group_by(per_proposal.c.r)).all())
    return {s: sum(n for r, n in counts.items() if r >= i) for i, s in enumerate(MAIN_LINE)}
