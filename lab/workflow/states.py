"""Applies the life-cycle tables of `lab.domain.lifecycle` to proposals and teams.

Deny by default: an event is allowed only if a row names its source state, and only if the row's guards
pass (a guard reads the subject, the note and the subject's worksheets). `apply_many()` is the only
writer of `state`: it checks the table and guards, bumps `version` (optimistic concurrency), and writes
the audit rows in the caller's transaction, so a state change and its audit row commit together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from lab.domain.errors import StaleState, TransitionNotAllowed
from lab.domain.lifecycle import (  # noqa: F401 - the tables are part of this module's interface
    PROPOSAL_MOVES,
    PROPOSAL_STATES,
    TEAM_MOVES,
    TEAM_STATES,
    TERMINAL,
    GateContext,
    Move,
    find_move,
    mermaid,
    needs_note,
)
from lab.domain.models import Proposal, Team, Transition, Worksheet, utcnow
from lab.storage import bulk

MACHINES = {"proposal": (Proposal, PROPOSAL_MOVES), "team": (Team, TEAM_MOVES)}

# subject, stage -> the status of the subject's worksheet of that stage, or None when it is not generated
WorksheetReader = Callable[[Team | Proposal, str], str | None]


def apply_many(
    session: Session,
    kind: str,
    subjects: Iterable[Team | Proposal],
    event: str,
    actor: str | Callable[[Team | Proposal], str],
    note: str = "",
    worksheets: WorksheetReader | None = None,
    source: str = "run",
) -> list[str]:
    """Move every subject by `event`; returns their new states. One bulk update and one bulk insert.

    `actor` is a name, or a function giving each subject's actor (e.g. its team). Guards read the subjects'
    worksheets through `worksheets`, by default from the database (`worksheet_statuses`): deny by default, so
    no caller can approve a design without its worksheet being looked at. `source` names the door the
    change came through for the audit trail: cli, web or prefect for a person's decision, run for the engine.
    """
    model, _ = MACHINES[kind]
    subjects = list(subjects)
    if not subjects:
        return []
    table = Transition.__table__
    at, moves = bulk.bind(session, table.c.at, utcnow()), {}
    rows, audit, targets = [], [], []
    name = actor if isinstance(actor, str) else None
    for s in subjects:
        d = s.__dict__  # the loaded values, read without the ORM's attribute machinery (20,000 rows a time)
        state, sid = d["state"], d["id"]
        move = moves.get(state)
        if move is None:
            move = moves[state] = find_move(kind, state, event)
        if move.guards:  # most of the run's bulk moves have none: a guard costs only the rows that have one
            worksheets = worksheets or worksheet_statuses(session, kind, subjects)
            _check(s, move, GateContext(note, partial(worksheets, s)))
        target = move.target
        targets.append(target)
        rows.append((target, sid, d["version"]))
        audit.append((d["cohort_id"], kind, sid, state, target, event, name or actor(s), at, note, source))
    changed = bulk.update(session, model.__table__, ("state",), ("id", "version"), rows, bump="version")
    if changed != len(rows):
        raise StaleState(
            f"{len(rows) - changed} of {len(rows)} {model.__name__.lower()}s changed meanwhile; "
            "nothing was changed, try again"
        )
    bulk.insert(session, table, AUDIT_COLUMNS, audit)
    for s, (target, _, version) in zip(subjects, rows, strict=True):
        # the rows are already written: update the objects without marking them dirty for the ORM
        # (plain records, such as freshly created proposals, are simply updated)
        orm = getattr(s, "_sa_instance_state", None)
        if orm is None or not orm.committed_state:  # unchanged in the session: set the loaded values in place
            s.__dict__.update(state=target, version=version + 1)
        else:
            set_committed_value(s, "state", target)
            set_committed_value(s, "version", version + 1)
    return targets


AUDIT_COLUMNS = (
    "cohort_id", "kind", "subject_id", "from_state", "to_state", "event", "actor", "at", "note", "source"
)  # fmt: skip


def apply(
    session: Session,
    kind: str,
    subject: Team | Proposal,
    event: str,
    actor: str,
    note: str = "",
    worksheets: WorksheetReader | None = None,
    source: str = "run",
) -> str:
    """Move one subject by `event` (see apply_many)."""
    return apply_many(session, kind, [subject], event, actor, note, worksheets, source)[0]


def worksheet_statuses(
    session: Session, kind: str, subjects: Sequence[Team | Proposal] | None = None
) -> WorksheetReader:
    """A reader of the subjects' own worksheet statuses. With `subjects` (a bulk move), the first question
    about a stage reads that stage's status for all of them at once: one query per stage per 5,000 subjects,
    not one per subject; without, one query per question."""
    model = MACHINES[kind][0]
    owner = Worksheet.proposal_id if model is Proposal else Worksheet.team_id

    def query(ids, stage: str):
        q = select(owner, Worksheet.status).where(owner.in_(ids), Worksheet.stage == stage)
        if model is Team:  # a team's own worksheets, not those of its proposals
            q = q.where(Worksheet.proposal_id.is_(None))
        return session.exec(q).all()

    if subjects is None:
        return lambda subject, stage: dict(query([subject.__dict__["id"]], stage)).get(subject.__dict__["id"])
    ids = [s.__dict__["id"] for s in subjects]
    known: dict[str, dict[int, str]] = {}

    def status(subject: Team | Proposal, stage: str) -> str | None:
        if stage not in known:
            known[stage] = {}
            for start in range(0, len(ids), BATCH):
                known[stage].update(query(ids[start : start + BATCH], stage))
        return known[stage].get(subject.__dict__["id"])

    return status


BATCH = 5000  # subjects per query: within every database's limit on bound parameters


def _check(subject: Team | Proposal, move: Move, gate: GateContext) -> None:
    """Refuse the move unless every guard of its row passes for this subject."""
    for guard in move.guards:
        if reason := guard(subject, gate):
            raise TransitionNotAllowed(f"cannot {move.event} {_name(subject)}: {reason}")


def _name(subject: Team | Proposal) -> str:
    return getattr(subject, "code", None) or getattr(subject, "slug", "?")
