"""Closing judging (`lab review close`): the facilitator ends the coordinators' scoring, or reopens it.

Each close and reopen is a row of the audit trail (`Transition`, kind "judging", subject the cohort) with who,
when and through which door, so `judging()` in lab.outputs.scores reads the state from its last row. While
judging is closed no score is taken, from a sheet or from the browser (`ensure_open`), and the public showcase
may name the places (Juara I–III); a reopen needs a note, as a reopened proposal does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from lab.domain.errors import TransitionNotAllowed, UsageError
from lab.domain.models import Cohort, Proposal, Transition, utcnow
from lab.domain.text import one_line
from lab.outputs.scores import JUDGING, REVIEWABLE, Judging, judging, missing_reviewers, scoreboard
from lab.workspace.settings import Workspace

MAX_NOTE = 2_000  # characters


@dataclass
class Closing:
    """What a close or reopen did: the judging now, and the innovations not scored by everyone yet."""

    judging: Judging
    unscored: dict[str, list[str]] = field(default_factory=dict)  # code -> coordinators who have not scored


def close(
    ws: Workspace,
    session: Session,
    cohort: Cohort,
    by: str,
    note: str = "",
    reopen: bool = False,
    source: str = "cli",
) -> Closing:
    """Close judging (or reopen it, with a note), recorded in the audit trail; then rebuild the showcase."""
    from lab.outputs.showcase import build_showcase  # imported when used: it loads Markdown and HTML tools

    by_name, note_name = ("--by", "--note") if source == "cli" else ("the facilitator's name", "the note")
    by, note = one_line(by, by_name).strip(), one_line(note, note_name).strip()
    if not by:
        raise UsageError(f"{by_name} must name the facilitator who closes judging")
    facilitators = ws.settings.facilitators
    if facilitators and by not in facilitators:
        raise UsageError(
            f"{by!r} is not a facilitator of this cohort (cohort.toml lists: {', '.join(facilitators)})"
        )
    if len(note) > MAX_NOTE:
        raise UsageError(f"{note_name} is longer than {MAX_NOTE} characters; shorten it")
    now = judging(session, cohort)
    if reopen and not now.closed:
        raise TransitionNotAllowed("judging is open: there is nothing to reopen")
    if reopen and not note:
        raise UsageError(f"reopening judging needs {note_name}: say why the scores may change again")
    if not reopen and now.closed:
        raise TransitionNotAllowed(
            f"judging is already closed (by {now.by}, {now.at:%Y-%m-%d %H:%M} UTC); "
            "to take scores again, reopen it with --reopen --note WHY"
        )
    before, after = ("closed", "open") if reopen else ("open", "closed")
    session.add(
        Transition(
            cohort_id=cohort.id, kind=JUDGING, subject_id=cohort.id, from_state=before, to_state=after,
            event="reopen_judging" if reopen else "close_judging", actor=by, at=utcnow(), note=note,
            source=source,
        )
    )  # fmt: skip
    session.flush()
    board = scoreboard(ws, session, cohort)
    unscored = {}
    for pid, code in session.exec(
        select(Proposal.id, Proposal.code)
        .where(Proposal.cohort_id == cohort.id, Proposal.state.in_(REVIEWABLE))  # type: ignore[attr-defined]
        .order_by(Proposal.code)
    ):
        if missing := missing_reviewers(ws, board.get(pid)):
            unscored[code] = missing
    build_showcase(ws, session, cohort)
    return Closing(judging(session, cohort), unscored)


WORDS = {
    "id": "Penilaian sudah ditutup oleh {by} pada {at} UTC; nilai tidak dapat diubah lagi. Fasilitator dapat "
    "membukanya kembali dengan `lab review close --reopen`.",
    "en": "Judging was closed by {by} on {at} UTC; scores can no longer be changed. A facilitator can reopen "
    "it with `lab review close --reopen`.",
}


def ensure_open(ws: Workspace, session: Session, cohort: Cohort) -> None:
    """Refuse scores once judging is closed, with one message in the cohort's language."""
    now = judging(session, cohort)
    if now.closed:
        at = f"{now.at:%Y-%m-%d %H:%M}" if now.at else "?"
        raise TransitionNotAllowed(WORDS[ws.settings.lang].format(by=now.by, at=at))
