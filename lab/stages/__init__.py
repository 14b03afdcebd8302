"""The stage registry: the ordered tuple every other part derives from (CLI choices, templates, flow tasks, docs)."""

from __future__ import annotations

from lab.domain.errors import UsageError
from lab.stages import deliver, design, diagnose, display, drum_up
from lab.stages.base import Stage

STAGES: tuple[Stage, ...] = (
    drum_up.STAGE,
    diagnose.STAGE,
    design.STAGE,
    deliver.STAGE,
    display.STAGE,
)
SLUGS: tuple[str, ...] = tuple(s.slug for s in STAGES)


def get_stage(slug: str) -> Stage:
    """The stage called `slug`, or a clear error naming the valid ones."""
    for stage in STAGES:
        if stage.slug == slug:
            return stage
    raise UsageError(f"unknown stage {slug!r}; stages are {', '.join(SLUGS)}")


def stages_until(slug: str | None) -> tuple[Stage, ...]:
    """The stages from the first up to and including `slug` (all when None)."""
    if slug is None:
        return STAGES
    last = get_stage(slug)
    return STAGES[: last.number]


__all__ = ["STAGES", "SLUGS", "Stage", "get_stage", "stages_until"]
