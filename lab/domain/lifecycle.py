"""The life cycles of proposals and teams as tables (SPEC §3), with no database import: `lab states`
and the docs read them cheaply; `lab.workflow.states` applies them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lab.domain.errors import TransitionNotAllowed

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

MOVES = {"proposal": PROPOSAL_MOVES, "team": TEAM_MOVES}


def find_move(kind: str, source: str, event: str) -> Move:
    """The table row for (source, event), or TransitionNotAllowed."""
    for move in MOVES[kind]:
        if move.source == source and move.event == event:
            return move
    allowed = sorted({m.event for m in MOVES[kind] if m.source == source})
    hint = f"; allowed from {source}: {', '.join(allowed)}" if allowed else f"; {source} is final"
    raise TransitionNotAllowed(f"cannot {event} a {kind} that is {source}{hint}")


def mermaid(kind: str = "proposal") -> str:
    """The state diagram drawn from the table itself."""
    moves = MOVES[kind]
    states = PROPOSAL_STATES if kind == "proposal" else TEAM_STATES
    lines = ["stateDiagram-v2", f"    [*] --> {states[0]}"]
    for m in moves:
        lines.append(f"    {m.source} --> {m.target}: {m.event}")
    finals = TERMINAL | {"reviewed"} if kind == "proposal" else {states[-1]}
    lines += [f"    {s} --> [*]" for s in states if s in finals]
    return "\n".join(lines)
