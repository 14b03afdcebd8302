"""Coordinators' scores as a read model: who must review, which reviews count, the weighted scoreboard.

Only reads. Importing score sheets and moving proposals to `reviewed` is lab.workflow.review; the showcase and
the exports read the scoreboard from here.

The rubric lives in cohort.toml (`[rubric]`, criterion id = weight). A review counts once it scores every
criterion of the current rubric 1-10, so a criterion added after scoring waits for a new score instead of
breaking the board.

Judging is open until a facilitator closes it (`lab review close`, lab.workflow.judging): each close and reopen
is a row of the audit trail (`Transition`, kind "judging", subject the cohort), and the last row says whether
it is closed now. Only then may the public showcase show places (`places`, `JUARA`).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from lab.domain.models import Cohort, Review, Transition
from lab.workspace.settings import Workspace

REVIEWABLE = ("showcased", "reviewed")  # the proposal states coordinators score
JUDGING = "judging"  # the audit trail's kind for closing and reopening judging; its subject is the cohort
JUARA = 3  # places the public showcase names once judging is closed: Juara I, II and III


def same_name(name: str) -> str:
    """A reviewer's name as compared: spaces collapsed, case folded (`Dr.  ratna` is `Dr. Ratna`)."""
    return " ".join(name.split()).casefold()


def required(ws: Workspace) -> int:
    """How many reviews make a proposal reviewed."""
    policy = ws.settings.review.min_reviewers
    return policy or len(ws.settings.coordinators)


def scored(scores: Any, rubric: dict[str, int]) -> bool:
    """Whether a stored review scores every criterion of the cohort's current rubric (1-10)."""
    return isinstance(scores, dict) and all(
        isinstance(scores.get(c), int | float) and 1 <= scores[c] <= 10 for c in rubric
    )


def weighted(scores: dict[str, float], rubric: dict[str, int]) -> float:
    """A reviewer's weighted score on the 1-10 scale."""
    return sum(scores[c] * w for c, w in rubric.items()) / sum(rubric.values())


def scoreboard(ws: Workspace, session: Session, cohort: Cohort) -> dict[int, dict[str, Any]]:
    """Per proposal id: weighted mean, per-criterion means, spread between reviewers, reviewers and who is missing."""
    rubric = ws.settings.rubric
    by_proposal: dict[int, list[Review]] = {}
    for r in session.exec(select(Review).where(Review.cohort_id == cohort.id).order_by(Review.reviewer)):
        if scored(r.scores, rubric):  # a review from before a criterion was added counts once scored again
            by_proposal.setdefault(r.proposal_id, []).append(r)
    board = {}
    for pid, reviews in by_proposal.items():
        totals = [weighted(r.scores, rubric) for r in reviews]
        board[pid] = {
            "score": round(statistics.fmean(totals), 2),
            "criteria": {c: round(statistics.fmean(r.scores[c] for r in reviews), 2) for c in rubric},
            "spread": round(max(totals) - min(totals), 2),
            "reviews": len(reviews),
            "reviewers": [r.reviewer for r in reviews],
        }
    return board


def missing_reviewers(ws: Workspace, entry: dict[str, Any] | None) -> list[str]:
    """The coordinators who have not scored a proposal yet, given its scoreboard entry (None: nobody has)."""
    have = {same_name(r) for r in (entry or {}).get("reviewers", [])}
    return [c for c in ws.settings.coordinators if same_name(c) not in have]


@dataclass(frozen=True, slots=True)
class Judging:
    """Whether judging is closed, and by whom and when (the last close or reopen in the audit trail)."""

    closed: bool
    by: str = ""
    at: dt.datetime | None = None
    note: str = ""


def judging(session: Session, cohort: Cohort) -> Judging:
    """The cohort's judging as its last close or reopen left it (open when never closed)."""
    last = session.exec(
        select(Transition)
        .where(Transition.cohort_id == cohort.id, Transition.kind == JUDGING)
        .order_by(Transition.id.desc())  # type: ignore[union-attr]
    ).first()
    if last is None:
        return Judging(closed=False)
    return Judging(closed=last.to_state == "closed", by=last.actor, at=last.at, note=last.note)


def places(board: dict[int, dict[str, Any]]) -> dict[int, int]:
    """Per scored proposal id, its place by weighted mean as shown (two decimals), in competition ranking:
    equal scores share a place and the places they fill are skipped (1, 2, 2, 4), so a tie never hides an
    innovation nor crowns one by the order of its code."""
    ordered = sorted(board.items(), key=lambda kv: -kv[1]["score"])
    out: dict[int, int] = {}
    place, previous = 0, None
    for n, (pid, entry) in enumerate(ordered, 1):
        if entry["score"] != previous:
            place, previous = n, entry["score"]
        out[pid] = place
    return out
