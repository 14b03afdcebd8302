"""Facilitator decisions at gates (`lab decide`) and the audit trail (`lab history`).

The service work only: who decides, the audit, what a returned design must remember. Which decisions
exist, from which states, and what each needs (a note, a valid design) are rows of the transition table in
`lab.domain.lifecycle`, checked by `states.apply`.
"""

from __future__ import annotations

from sqlmodel import Session, select

from lab.domain import lifecycle
from lab.domain.errors import TooLarge, UnsafePath, UsageError
from lab.domain.models import Cohort, Proposal, Transition, Worksheet
from lab.domain.text import one_line
from lab.storage import safefs
from lab.workflow import states
from lab.worksheets.markdown import MAX_BYTES
from lab.worksheets.render import digest
from lab.workspace.settings import Workspace


def decide(
    ws: Workspace,
    session: Session,
    cohort: Cohort,
    proposal: Proposal,
    decision: str,
    by: str,
    note: str = "",
    source: str = "cli",
) -> str:
    """Apply a facilitator's decision; returns the proposal's new state. `source` is the door it came
    through (cli, web, prefect), kept in the audit trail with the facilitator's name."""
    allowed = lifecycle.decisions("proposal")
    if decision not in allowed:
        raise UsageError(_not_a_decision(decision, allowed))
    # both end up in one line of `lab history`: a line break there would forge another decision
    # named as the person typed them: options on the command line, fields of a form elsewhere
    by_name, note_name = ("--by", "--note") if source == "cli" else ("the decider's name", "the note")
    by, note = one_line(by, by_name).strip(), one_line(note, note_name).strip()
    if not by:
        raise UsageError("--by must name who decides")
    facilitators = ws.settings.facilitators
    if facilitators and by not in facilitators:
        raise UsageError(
            f"{by!r} is not a facilitator of this cohort (cohort.toml lists: {', '.join(facilitators)})"
        )
    worksheets = states.worksheet_statuses(session, "proposal")  # what the guards of the row may read
    new_state = states.apply(session, "proposal", proposal, decision, by, note, worksheets, source)
    if decision == "return" and (design := _worksheet(session, proposal, "design")) is not None:
        _remember(ws, design)
        design.status, design.note = "returned", " ".join(note.split())
        session.add(design)
    return new_state


def _not_a_decision(event: str, allowed: tuple[str, ...]) -> str:
    """Why `event` is refused: not in the table at all, or in it but not a facilitator's to trigger."""
    choose = f"choose one of {', '.join(allowed)}"
    if who := {m.by for m in lifecycle.rows("proposal", event)}:
        return f"{event!r} is not a facilitator's to decide (the {' or '.join(sorted(who))} triggers it); {choose}"
    return f"unknown decision {event!r}; {choose}"


def _remember(ws: Workspace, design: Worksheet) -> None:
    """The design must change before it counts again: remember what was returned.

    Read only as a regular file under real folders, within the worksheet limit (a pipe must not hang the
    decision, a link must not be followed). If it cannot be read so, the hash of the design as it was last
    read stays, and the next run reports the file as the worksheet's problem."""
    try:
        st = safefs.check(ws.root, design.path)
        if st is None:
            return
        design.seen_hash = digest(safefs.read_bytes(ws.root, design.path, MAX_BYTES))
    except (UnsafePath, TooLarge, FileNotFoundError):
        return
    design.mtime_ns, design.size = st.st_mtime_ns, st.st_size


def _worksheet(session: Session, proposal: Proposal, stage: str) -> Worksheet | None:
    return session.exec(
        select(Worksheet).where(Worksheet.proposal_id == proposal.id, Worksheet.stage == stage)
    ).first()


def history(session: Session, proposal: Proposal) -> list[Transition]:
    """Every transition of a proposal, oldest first."""
    return list(
        session.exec(
            select(Transition)
            .where(Transition.kind == "proposal", Transition.subject_id == proposal.id)
            .order_by(Transition.id)
        )
    )
