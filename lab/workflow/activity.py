"""The web app's activity log: saves, uploads, evidence taken out and sign-ins, with who and from where.

State changes (decisions, runs) are Transition rows (`lab history`); scores are Review rows with their source.
This is the rest of what a person changes through the browser, so that every change has an author. Rows are
written in the same transaction as the change they describe when there is one (a save's hash), else in a
short one of their own. `lab activity PATH` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from lab.domain.models import Activity, Cohort

MAX_TEXT = 500  # characters of a path or detail kept


@dataclass(frozen=True)
class Actor:
    """Who did it and from where."""

    name: str
    role: str
    address: str = ""
    source: str = "web"


def record(
    session: Session, cohort: Cohort, who: Actor, action: str, path: str = "", detail: str = ""
) -> None:
    """Add one activity row to the session's transaction."""
    session.add(
        Activity(
            cohort_id=cohort.id, actor=who.name[:MAX_TEXT], role=who.role, source=who.source,
            address=who.address[:100], action=action, path=path[:MAX_TEXT], detail=detail[:MAX_TEXT],
        )
    )  # fmt: skip


def recent(session: Session, cohort: Cohort, limit: int = 100, actor: str | None = None) -> list[Activity]:
    """The latest `limit` rows, newest first (of one actor when given)."""
    query = select(Activity).where(Activity.cohort_id == cohort.id)
    if actor is not None:
        query = query.where(Activity.actor == actor)
    return list(session.exec(query.order_by(Activity.id.desc()).limit(limit)))
