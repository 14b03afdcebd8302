"""The stage record: everything the engine, CLI, flow and docs need to know about one stage.

`StageContext` is what a stage's hooks may ask of the run that calls them: paths, lookups over rows the
run loaded once, and bulk writes. It is a Protocol so that the declarations stay in this layer; the
workflow's run context (lab.workflow.context.Run) implements it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, runtime_checkable

from lab.worksheets.spec import Sheet

if TYPE_CHECKING:  # the tables are only named here: `lab --help` reads the stages without loading SQLModel
    from lab.domain.models import Member, Proposal, Team
    from lab.worksheets.messages import Said

Entity: TypeAlias = "Team | Proposal"  # what one worksheet belongs to: a team, or a proposal
Problems = list[tuple[tuple, "str | Said"]]  # (where in the worksheet, reason) from a stage's own check


class WorkspaceFolder(Protocol):
    """The cohort's folder, as hooks see it."""

    @property
    def root(self) -> Path: ...


class EvidenceLimits(Protocol):
    """The evidence limits of cohort.toml (`[evidence]`), in bytes."""

    @property
    def max_file_bytes(self) -> int: ...

    @property
    def max_proposal_bytes(self) -> int: ...


class Gates(Protocol):
    """Who lets a proposal through a gate (`[gates]` in cohort.toml)."""

    @property
    def design(self) -> str: ...


class HookSettings(Protocol):
    """The part of a cohort's settings that hooks read."""

    @property
    def gates(self) -> Gates: ...

    @property
    def evidence(self) -> EvidenceLimits: ...


@runtime_checkable
class StageContext(Protocol):
    """What a stage hook may use of the run that calls it; every write is one bulk write per call."""

    @property
    def ws(self) -> WorkspaceFolder: ...

    @property
    def settings(self) -> HookSettings: ...

    def rel(self, path: Path) -> str:
        """`path` relative to the workspace, with forward slashes."""
        ...

    def proposal_dir(self, proposal: Proposal) -> Path:
        """The folder of a proposal's worksheets and evidence."""
        ...

    def members_of(self, team: Team) -> list[Member]:
        """The team's members from the roster."""
        ...

    def leader_of(self, proposal: Proposal) -> Member | None:
        """The leader of the proposal's team (or its first member)."""
        ...

    def idea_of(self, proposal: Proposal) -> tuple[dict, dict | None]:
        """The diagnose idea a proposal came from, and the problem it answers."""
        ...

    def team_of(self, entity: Entity) -> str:
        """The slug of the team an entity belongs to (the actor of participants' events)."""
        ...

    def move(
        self,
        subjects: Sequence[Entity],
        event: str,
        actor: str | Callable[[Entity], str],
        note: str = "",
    ) -> None:
        """Move teams or proposals by `event` through the state machine."""
        ...

    def set_readiness(self, scores: list[tuple[Team, int]]) -> None:
        """Store the teams' readiness scores (0-100)."""
        ...

    def create_proposals(self, ideas: list[tuple[Team, list[str]]]) -> list[list[Proposal]]:
        """New proposals in state `idea`, one per title, grouped per team in the given order."""
        ...

    def record_evidence(self, items: dict[int, list[tuple[str, str, int]]]) -> None:
        """Replace the evidence rows of the given proposals (proposal id -> [(file, proves, size)])."""
        ...


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
    # the values a new worksheet is written with
    prefill: Callable[[StageContext, Entity], dict[str, Any]] = field(default=lambda run, entity: {})
    # checks beyond the schema (files on disk): an entity with problems stays invalid
    check: Callable[[StageContext, Entity, Sheet], Problems] | None = None
    # [(entity, worksheet)] that became valid in this run, at ingest
    on_valid: Callable[[StageContext, list[tuple[Entity, Sheet]]], None] | None = None
    # [(entity, worksheet)] that just left the stage, after advancing
    on_exit: Callable[[StageContext, list[tuple[Entity, Sheet]]], None] | None = None

    @property
    def filename(self) -> str:
        return f"{self.number}-{self.slug}.md"
