"""What the workflow runs around a stage, per stage slug: before it reads the cohort, and after its last chunk.

These are workflow and output services (the roster, the reviews, the showcase), so they are wired here and
not in the stage declarations: a stage module states what the stage is and never imports a layer above it.
The runner (lab.workflow.runner) reads the two tables; a stage missing from a table has nothing to run.
"""

from __future__ import annotations

from collections.abc import Callable

from lab.stages import display, drum_up
from lab.workflow import review, roster
from lab.workflow.context import Run

Hook = Callable[[Run], None]


def sync_roster(run: Run) -> None:
    """Bring the teams and members in line with roster.csv, the facilitator's input of drum-up."""
    roster.sync(run.ws, run.session, run.cohort)


def complete_reviews(run: Run) -> None:
    """Score the proposals whose reviews are all in."""
    review.complete_reviews(run.ws, run.session, run.cohort)


def write_review_sheets(run: Run) -> None:
    """Refresh the coordinators' review sheets."""
    review.write_review_sheets(run.ws, run.session, run.cohort)


def build_showcase(run: Run) -> None:
    """Rebuild the published showcase from the cohort as it now stands."""
    from lab.outputs.showcase import build_showcase  # imported when used: it loads Markdown and HTML tools

    build_showcase(run.ws, run.session, run.cohort)


BEFORE: dict[str, tuple[Hook, ...]] = {
    drum_up.STAGE.slug: (sync_roster,),
}
AFTER: dict[str, tuple[Hook, ...]] = {
    display.STAGE.slug: (complete_reviews, write_review_sheets, build_showcase),  # in this order
}
