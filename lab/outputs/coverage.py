"""The "1 OPD 1 Inovasi" coverage: how many live innovations each unit has against the cohort's target.

A live innovation is a proposal approved or further on the main line of its life cycle (approved, launched,
showcased, reviewed); an idea, a design still waiting and a dropped or withdrawn proposal do not count. The
target is `[assessment] target` in cohort.toml (one per unit by default), or `[assessment.targets]` for a
unit type. A unit meets the target when its live innovations reach it; the coverage figure is the share of
units that meet it. One grouped query, whatever the cohort's size.

The `--json` object of `lab coverage`: `cohort`, `target` (the default) and `targets` (per unit type),
`units` (units, met, percent, innovations), `by_type` (per unit type: label, target, units, met, percent,
innovations), `by_unit` (id, unit, unit_type, target, innovations, met), `without` (units with no live
innovation: id, unit, unit_type).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from lab.domain.lifecycle import MAIN_LINE
from lab.domain.models import Cohort, Proposal, Team
from lab.domain.units import UNIT_TYPES
from lab.workspace.settings import Workspace

LIVE = MAIN_LINE[MAIN_LINE.index("approved") :]
"""The states of a live innovation: approved or further on the main line."""


def coverage(ws: Workspace, session: Session, cohort: Cohort) -> dict[str, Any]:
    """Live innovations per unit and per unit type against the cohort's target."""
    settings = ws.settings.assessment
    live = dict(
        session.execute(
            select(Proposal.team_id, func.count())
            .where(Proposal.cohort_id == cohort.id, Proposal.state.in_(LIVE))
            .group_by(Proposal.team_id)
        ).all()
    )
    teams = session.execute(
        select(Team.id, Team.slug, Team.unit, Team.unit_type)
        .where(Team.cohort_id == cohort.id)
        .order_by(Team.id)
    ).all()
    lang = ws.settings.lang
    by_unit, by_type = [], {}
    for t in teams:
        target, n = settings.target_for(t.unit_type), live.get(t.id, 0)
        by_unit.append({"id": t.slug, "unit": t.unit, "unit_type": t.unit_type, "target": target,
                        "innovations": n, "met": n >= target})  # fmt: skip
        row = by_type.setdefault(t.unit_type, {"unit_type": t.unit_type, "target": target, "units": 0, "met": 0,
                                               "innovations": 0})  # fmt: skip
        row["label"] = UNIT_TYPES.get(t.unit_type, {}).get(lang, t.unit_type)
        row["units"] += 1
        row["met"] += n >= target
        row["innovations"] += n
    order = {k: i for i, k in enumerate(UNIT_TYPES)}
    types = sorted(by_type.values(), key=lambda r: order.get(r["unit_type"], len(order)))
    for row in types:
        row["percent"] = _percent(row["met"], row["units"])
    met = sum(u["met"] for u in by_unit)
    return {
        "cohort": ws.settings.cohort_id,
        "target": settings.target,
        "targets": dict(settings.targets),
        "units": {
            "units": len(by_unit),
            "met": met,
            "percent": _percent(met, len(by_unit)),
            "innovations": sum(live.values()),
        },  # fmt: skip
        "by_type": types,
        "by_unit": by_unit,
        "without": [{k: u[k] for k in ("id", "unit", "unit_type")} for u in by_unit if not u["innovations"]],
    }


def summary(ws: Workspace, session: Session, cohort: Cohort) -> dict[str, Any]:
    """The cohort's coverage figure only (what `lab status` and the run's artifact show): `units` and
    `without` as counts, from one grouped query (units per type and live count), fast at any size."""
    settings = ws.settings.assessment
    live = (
        select(Proposal.team_id, func.count().label("n"))
        .where(Proposal.cohort_id == cohort.id, Proposal.state.in_(LIVE))
        .group_by(Proposal.team_id)
        .subquery()
    )
    n = func.coalesce(live.c.n, 0)
    rows = session.execute(
        select(Team.unit_type, n, func.count())
        .outerjoin(live, live.c.team_id == Team.id)
        .where(Team.cohort_id == cohort.id)
        .group_by(Team.unit_type, n)
    ).all()
    units = sum(k for _, _, k in rows)
    met = sum(k for kind, live_n, k in rows if live_n >= settings.target_for(kind))
    return {
        "cohort": ws.settings.cohort_id, "target": settings.target, "targets": dict(settings.targets),
        "units": {"units": units, "met": met, "percent": _percent(met, units),
                  "innovations": sum(live_n * k for _, live_n, k in rows)},
        "without": sum(k for _, live_n, k in rows if not live_n),
    }  # fmt: skip


def coverage_line(data: dict[str, Any]) -> str:
    """One line for `lab status`, the run's artifact and the showcase: '4 of 6 units (67%) have ...'."""
    u = data["units"]
    per = "the target" if data["targets"] else f"{data['target']} live innovation(s)"
    return (
        f'coverage ("1 OPD 1 Inovasi"): {u["met"]} of {u["units"]} units ({u["percent"]:g}%) have {per}; '
        f"{u['innovations']} live innovation(s), {_count(data['without'])} unit(s) with none"
    )


def _count(without: list | int) -> int:
    return without if isinstance(without, int) else len(without)


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0
