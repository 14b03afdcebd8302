"""The life cycles of proposals and teams, and the statuses of a worksheet, as tables.

No database import: `lab states`, `lab decide --help` and the docs read them cheaply; `lab.workflow.states`
applies them. Every gate rule is a row here: a row names who may trigger the move and the guards that must
pass, so adding a facilitator's decision or a rule is one row, not code in a service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lab.domain.errors import TransitionNotAllowed

# Who may trigger a move. A facilitator decides at a gate (`lab decide`); the run moves a subject when its
# worksheets say so (the stage runner, the review import); a team acting for itself has no row yet, and the
# web app will give it some (a team withdrawing its own proposal, for example).
FACILITATOR, TEAM, RUN = "facilitator", "team", "run"
START = ""  # the source of a creation row: the subject did not exist (the audit trail's empty from_state)


@dataclass(frozen=True)
class GateContext:
    """What a guard may read besides the subject: the decision's note and the subject's worksheets.

    `worksheet_status(stage)` gives the status of the subject's worksheet of that stage, or None when it is
    not generated yet; it is read lazily (a guard that does not ask costs nothing). With no reader, every
    worksheet counts as not generated: a guard on worksheets refuses (deny by default).
    """

    note: str = ""
    worksheet_status: Callable[[str], str | None] = lambda stage: None


# subject (a Team or a Proposal), context -> the reason the move is refused, or None
Guard = Callable[[Any, GateContext], str | None]


def needs_note(subject: Any, gate: GateContext) -> str | None:
    """Returning or reopening must say why."""
    return None if gate.note.strip() else "a note (--note) is required for this decision"


def needs_valid_design(subject: Any, gate: GateContext) -> str | None:
    """Only a design the run found valid can be approved (a returned or invalid one cannot)."""
    status = gate.worksheet_status("design")
    if status == "valid":
        return None
    return f"its design worksheet is {status or 'not generated yet'}"


@dataclass(frozen=True)
class Move:
    """One row of a transition table: from `source`, `event` leads to `target` if every guard passes.

    `by` says who may trigger it; `help` is the short English line `lab decide --help` shows for a
    facilitator's row.
    """

    source: str
    event: str
    target: str
    by: str = RUN
    guards: tuple[Guard, ...] = ()
    help: str = ""

    @property
    def needs_note(self) -> bool:
        """Whether the row refuses a decision without a note (the CLI says "(needs --note)")."""
        return needs_note in self.guards


# The main line in order: where a proposal goes when all is well. Dropped and withdrawn leave it.
MAIN_LINE = ("idea", "shortlisted", "designed", "approved", "launched", "showcased", "reviewed")
TERMINAL_STATES = ("dropped", "withdrawn")
PROPOSAL_STATES = MAIN_LINE + TERMINAL_STATES
TERMINAL = frozenset(TERMINAL_STATES)

_NOTE = (needs_note,)
_DROP, _WITHDRAW = "Drop the proposal.", "Record that the team withdrew it."
_REOPEN = "Reopen a dropped or withdrawn proposal."

PROPOSAL_MOVES: tuple[Move, ...] = (
    Move("idea", "shortlist", "shortlisted", FACILITATOR, help="Shortlist an idea for design."),
    Move("idea", "drop", "dropped", FACILITATOR, help=_DROP),
    Move("shortlisted", "design_complete", "designed", RUN),
    Move("shortlisted", "withdraw", "withdrawn", FACILITATOR, help=_WITHDRAW),
    Move("shortlisted", "drop", "dropped", FACILITATOR, help=_DROP),
    Move("designed", "approve", "approved", FACILITATOR, (needs_valid_design,), "Approve a complete design."),
    Move("designed", "return", "shortlisted", FACILITATOR, _NOTE, "Send a design back to the team."),
    Move("designed", "withdraw", "withdrawn", FACILITATOR, help=_WITHDRAW),
    Move("designed", "drop", "dropped", FACILITATOR, help=_DROP),
    Move("approved", "deliver_complete", "launched", RUN),
    Move("approved", "withdraw", "withdrawn", FACILITATOR, help=_WITHDRAW),
    Move("launched", "display_complete", "showcased", RUN),
    Move("showcased", "scores_complete", "reviewed", RUN),
    Move("dropped", "reopen", "shortlisted", FACILITATOR, _NOTE, _REOPEN),
    Move("withdrawn", "reopen", "shortlisted", FACILITATOR, _NOTE, _REOPEN),
)

TEAM_STATES = ("enrolled", "committed", "diagnosed")
TEAM_MOVES: tuple[Move, ...] = (
    Move("enrolled", "drum_up_complete", "committed", RUN),
    Move("committed", "diagnose_complete", "diagnosed", RUN),
)

MOVES = {"proposal": PROPOSAL_MOVES, "team": TEAM_MOVES}

# How a subject comes to be, kept apart from MOVES because no state leads to it. A team is created by the
# roster import, without an audit row, so only proposals have one: the run makes them from diagnose ideas.
CREATIONS = {"proposal": Move(START, "create", MAIN_LINE[0], RUN)}


def creation(kind: str = "proposal") -> Move:
    """The row that creates a subject of this kind: its first state and the audit row's event."""
    return CREATIONS[kind]


def decisions(kind: str = "proposal") -> tuple[str, ...]:
    """The events a facilitator may trigger, in table order, each once."""
    return tuple(dict.fromkeys(m.event for m in MOVES[kind] if m.by == FACILITATOR))


def rows(kind: str, event: str) -> tuple[Move, ...]:
    """Every row of `event`, in table order (one per state it may start from)."""
    return tuple(m for m in MOVES[kind] if m.event == event)


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
    first = CREATIONS[kind].target if kind in CREATIONS else states[0]
    lines = ["stateDiagram-v2", f"    [*] --> {first}"]
    for m in moves:
        lines.append(f"    {m.source} --> {m.target}: {m.event}")
    finals = TERMINAL | {MAIN_LINE[-1]} if kind == "proposal" else {states[-1]}
    lines += [f"    {s} --> [*]" for s in states if s in finals]
    return "\n".join(lines)


@dataclass(frozen=True)
class WorksheetStatus:
    """One status a worksheet can have. `waiting_reason` is set for the kinds that wait on someone: `lab
    status` lists them under "waiting" with that reason."""

    name: str
    meaning: str
    waiting_reason: str | None = None


WORKSHEET_STATUS_TABLE: tuple[WorksheetStatus, ...] = (
    WorksheetStatus("waiting", "generated; the team has not filled it in yet", "not filled in yet"),
    WorksheetStatus("invalid", "filled in, but it breaks a rule of its schema (its errors say where)"),
    WorksheetStatus("valid", "filled in and valid: the stage counts it"),
    WorksheetStatus(
        "returned",
        "a facilitator sent it back with a note; it counts again once the team changes the file",
        "returned by a facilitator",
    ),
    WorksheetStatus("missing", "its file is gone; the next run generates it again", "file is missing"),
)
WORKSHEET_STATUSES = tuple(s.name for s in WORKSHEET_STATUS_TABLE)
WAITING_REASONS = {s.name: s.waiting_reason for s in WORKSHEET_STATUS_TABLE if s.waiting_reason}


def waiting_reason(status: str) -> str | None:
    """Why a worksheet of this status waits, as `lab status` says it; None if it does not wait."""
    return WAITING_REASONS.get(status)
