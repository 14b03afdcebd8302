"""The stage record: everything the engine, CLI, flow and docs need to know about one stage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from lab.worksheets.spec import Sheet


@dataclass(frozen=True)
class Stage:
    """One of the five stages, declared once (see lab.stages.STAGES)."""

    number: int
    slug: str
    title: dict[str, str]  # the lab's own words for the stage, per language
    schema: type[Sheet]
    granularity: Literal["team", "proposal"]
    generate_states: tuple[str, ...]  # entities in these states get this stage's worksheet
    ingest_states: tuple[str, ...]  # worksheets of entities in these states are read
    advance_state: str  # entities in this state leave the stage when the exit rule is met
    exit_event: str
    done_state: str  # an entity in this state or later has left the stage
    version: int = 1
    prefill: Callable[[Any, Any], dict[str, Any]] = field(default=lambda run, entity: {})
    check: Callable[[Any, Any, Any], list[tuple[tuple, str]]] | None = None  # (run, entity, model)
    on_valid: Callable[[Any, list], None] | None = None  # (run, [(entity, worksheet)]) newly valid, at ingest
    on_exit: Callable[[Any, list], None] | None = None  # (run, [(entity, worksheet)]) after advancing
    after: Callable[[Any], None] | None = None  # (run) at the end of every run of the stage

    @property
    def filename(self) -> str:
        return f"{self.number}-{self.slug}.md"

    @property
    def kind(self) -> str:
        return self.granularity
