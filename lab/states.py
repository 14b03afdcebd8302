"""The life cycles of proposals and teams, as tables (SPEC §3).

Deny by default: an event is allowed only if a row names its source state. `apply_many()` is the only
writer of `state`: it checks the table and guards, bumps `version` (optimistic concurrency), and writes
the audit rows in the caller's transaction, so a state change and its audit row commit together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from lab.errors import StaleState, TransitionNotAllowed
from lab.models import Proposal, Team, Transition, utcnow

Guard = Callable[[str], str | None]  # note -> reason it is refused, or None


def needs_note(note: str) -> str | None:
    """Returning or reopening must say why."""
    return None if note.strip() else "a note (--note) is required for this decision"


@dataclass(frozen=True)
class Move:
    """One row of a transition table."""

    source: str
    event: str
    target: str
    guard: Guard | None = None


PROPOSAL_STATES = (
    "idea", "shortlisted", "designed", "approved", "launched", "showcased", "reviewed",
    "dropped", "withdrawn",
)  # fmt: skip
TERMINAL = frozenset({"dropped", "withdrawn"})

PROPOSAL_MOVES: tuple[Move, ...] = (
    Move("idea", "shortlist", "shortlisted"),
    Move("idea", "drop", "dropped"),
    Move("shortlisted", "design_complete", "designed"),
    Move("shortlisted", "withdraw", "withdrawn"),
    Move("shortlisted", "drop", "dropped"),
    Move("designed", "approve", "approved"),
    Move("designed", "return", "shortlisted", needs_note),
    Move("designed", "withdraw", "withdrawn"),
    Move("designed", "drop", "dropped"),
    Move("approved", "deliver_complete", "launched"),
    Move("approved", "withdraw", "withdrawn"),
    Move("launched", "display_complete", "showcased"),
    Move("showcased", "scores_complete", "reviewed"),
    Move("dropped", "reopen", "shortlisted", needs_note),
    Move("withdrawn", "reopen", "shortlisted", needs_note),
)

TEAM_STATES = ("enrolled", "committed", "diagnosed")
TEAM_MOVES: tuple[Move, ...] = (
    Move("enrolled", "drum_up_complete", "committed"),
    Move("committed", "diagnose_complete", "diagnosed"),
)

MACHINES = {"proposal": (Proposal, PROPOSAL_MOVES), "team": (Team, TEAM_MOVES)}


def find_move(kind: str, source: str, event: str) -> Move:
    """The table row for (source, event), or TransitionNotAllowed."""
    for move in MACHINES[kind][1]:
        if move.source == source and move.event == event:
            return move
    allowed = sorted({m.event for m in MACHINES[kind][1] if m.source == source})
    hint = f"; allowed from {source}: {', '.join(allowed)}" if allowed else f"; {source} is final"
    raise TransitionNotAllowed(f"cannot {event} a {kind} that is {source}{hint}")


def apply_many(
    session: Session,
    kind: str,
    subjects: Iterable[Team | Proposal],
    event: str,
    actor: str | Callable[[Team | Proposal], str],
    note: str = "",
) -> list[str]:
    """Move every subject by `event`; returns their new states. One bulk update and one bulk insert.

    `actor` is a name, or a function giving each subject's actor (e.g. its team).
    """
    model, _ = MACHINES[kind]
    subjects = list(subjects)
    if not subjects:
        return []
    rows, audit, now = [], [], utcnow()
    for s in subjects:
        move = find_move(kind, s.state, event)
        if move.guard and (reason := move.guard(note)):
            raise TransitionNotAllowed(f"cannot {event} {_name(s)}: {reason}")
        rows.append({"_id": s.id, "_version": s.version, "state": move.target})
        audit.append(
            {"cohort_id": s.cohort_id, "kind": kind, "subject_id": s.id, "from_state": s.state,
             "to_state": move.target, "event": event, "actor": actor if isinstance(actor, str) else actor(s),
             "at": now, "note": note}
        )  # fmt: skip
    _bulk_update(session, model, rows)
    session.execute(insert(Transition), audit)
    for s, row in zip(subjects, rows, strict=True):
        # the rows are already written: update the objects without marking them dirty for the ORM
        set_committed_value(s, "state", row["state"])
        set_committed_value(s, "version", s.version + 1)
    return [r["state"] for r in rows]


def apply(
    session: Session, kind: str, subject: Team | Proposal, event: str, actor: str, note: str = ""
) -> str:
    """Move one subject by `event` (see apply_many)."""
    return apply_many(session, kind, [subject], event, actor, note)[0]


def _bulk_update(session: Session, model, rows: list[dict]) -> None:
    table = model.__table__
    stmt = (
        update(table)
        .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"))
        .values(state=bindparam("state"), version=table.c.version + 1)
    )
    conn = session.connection()
    result = conn.execute(stmt, rows)
    if result.rowcount != len(rows):
        raise StaleState(
            f"{len(rows) - result.rowcount} of {len(rows)} {model.__name__.lower()}s changed meanwhile; "
            "nothing was changed, try again"
        )


def _name(subject: Team | Proposal) -> str:
    return getattr(subject, "code", None) or getattr(subject, "slug", "?")


def mermaid(kind: str = "proposal") -> str:
    """The state diagram drawn from the table itself."""
    _, moves = MACHINES[kind]
    states = PROPOSAL_STATES if kind == "proposal" else TEAM_STATES
    lines = ["stateDiagram-v2", f"    [*] --> {states[0]}"]
    for m in moves:
        lines.append(f"    {m.source} --> {m.target}: {m.event}")
    finals = TERMINAL | {"reviewed"} if kind == "proposal" else {states[-1]}
    lines += [f"    {s} --> [*]" for s in states if s in finals]
    return "\n".join(lines)
