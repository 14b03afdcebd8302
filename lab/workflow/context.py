"""The context of one stage run: what the runner, the worksheet store and the stages' hooks share.

`Run` is the workflow's implementation of `lab.stages.base.StageContext`: the paths, lookups and bulk
writes a stage hook may use, over rows loaded once per stage (or per chunk), never once per entity.
`StageReport` counts what the run did; the store's steps add to it as they go.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from lab.domain import lifecycle
from lab.domain.models import Cohort, Evidence, Member, Proposal, Team, Transition, Worksheet, utcnow
from lab.stages import Stage
from lab.storage import bulk
from lab.workflow import states
from lab.workspace.settings import CohortSettings, Workspace


@dataclass
class StageReport:
    """What one stage task did; shown by `lab run` and in the Prefect artifact."""

    stage: str
    ingested: int = 0
    valid: int = 0
    invalid: int = 0
    advanced: int = 0
    generated: int = 0
    adopted: int = 0
    seconds: dict[str, float] = field(
        default_factory=dict
    )  # per step: collect, ingest, advance, generate, after

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (a Prefect task's result)."""
        return dict(self.__dict__)

    @contextmanager
    def timed(self, step: str, session: Session) -> Iterator[None]:
        """Time a step, including the database writes it causes."""
        start = time.perf_counter()
        yield
        session.flush()
        self.seconds[step] = round(self.seconds.get(step, 0.0) + time.perf_counter() - start, 4)


@dataclass
class Run:
    """The context of one stage task: workspace, settings, session and the cohort's rows.

    Implements `lab.stages.base.StageContext`, the part a stage's hooks see.
    """

    ws: Workspace
    session: Session
    cohort: Cohort
    stage: Stage
    teams: dict[int, Team] = field(default_factory=dict)
    _members: dict[int, list[Member]] | None = None
    chunk_teams: set[int] = field(default_factory=set)
    _diagnose: dict[int, dict] | None = None
    pending: dict[int, dict[str, Any]] = field(default_factory=dict)  # worksheet id -> changed columns

    @property
    def settings(self) -> CohortSettings:
        return self.ws.settings

    # paths -----------------------------------------------------------------
    def team_dir(self, team: Team) -> Path:
        return self.ws.teams_dir / team.slug

    def proposal_dir(self, proposal: Proposal) -> Path:
        return self.ws.teams_dir / self.teams[proposal.team_id].slug / proposal.code

    def rel(self, path: Path) -> str:
        return path.relative_to(self.ws.root).as_posix()

    def worksheet_path(self, entity: Team | Proposal) -> Path:
        base = self.team_dir(entity) if isinstance(entity, Team) else self.proposal_dir(entity)
        return base / self.stage.filename

    # lookups used by stage hooks ------------------------------------------------
    def members_of(self, team: Team) -> list[Member]:
        if self._members is None:
            self._members = {}
            for m in self.session.exec(select(Member).join(Team).where(Team.cohort_id == self.cohort.id)):
                self._members.setdefault(m.team_id, []).append(m)
        return self._members.get(team.id, [])

    def leader_of(self, proposal: Proposal) -> Member | None:
        members = self.members_of(self.teams[proposal.team_id])
        leaders = [m for m in members if m.role.lower() in ("ketua", "leader", "ketua tim")]
        return (leaders or members or [None])[0]

    def idea_of(self, proposal: Proposal) -> tuple[dict, dict | None]:
        """The diagnose idea a proposal came from, and the problem it answers."""
        if self._diagnose is None:
            rows = self.session.exec(
                select(Worksheet.team_id, Worksheet.answers).where(
                    Worksheet.cohort_id == self.cohort.id,
                    Worksheet.stage == "diagnose",
                    Worksheet.team_id.in_(self.chunk_teams),
                )
            )
            self._diagnose = {tid: answers or {} for tid, answers in rows}
        answers = self._diagnose.get(proposal.team_id, {})
        ideas, problems = answers.get("ideas", []), answers.get("problems", [])
        idea = ideas[proposal.origin - 1] if proposal.origin <= len(ideas) else {}
        n = idea.get("problem", 0)
        return idea, (problems[n - 1] if 0 < n <= len(problems) else None)

    # writes used by stage hooks ---------------------------------------------------
    def team_of(self, entity: Team | Proposal) -> str:
        """The team slug an entity belongs to (the actor of participants' events)."""
        d = entity.__dict__  # loaded values: called once per row of a bulk state change
        return d["slug"] if "slug" in d else self.teams[d["team_id"]].slug

    def move(
        self,
        subjects: Sequence[Team | Proposal],
        event: str,
        actor: str | Callable[[Team | Proposal], str],
        note: str = "",
    ) -> None:
        """Move the subjects (all teams or all proposals) by `event`, in one bulk update."""
        kind = "team" if subjects and isinstance(subjects[0], Team) else "proposal"
        states.apply_many(self.session, kind, subjects, event, actor, note)

    def set_readiness(self, scores: list[tuple[Team, int]]) -> None:
        """Store the teams' readiness scores (0-100) in one bulk update."""
        rows = [(n, t.id) for t, n in scores]
        bulk.update(self.session, Team.__table__, ("readiness",), ("id",), rows)
        for team, n in scores:
            set_committed_value(team, "readiness", n)

    def create_proposals(self, ideas: list[tuple[Team, list[str]]]) -> list[list[Proposal]]:
        """New proposals in the first state of the table's creation row, numbered <CODE>-<YEAR>-<NNN> in order,
        with creation audit rows.

        One bulk insert for all teams; returns each team's proposals in idea order.
        """
        cohort, s, born = self.cohort, self.settings, lifecycle.creation("proposal")
        made, seq = [], cohort.next_seq
        for team, titles in ideas:
            for origin, title in enumerate(titles, 1):
                made.append(NewProposal(0, cohort.id, team.id, f"{s.code}-{s.year}-{seq:03d}", origin, title,
                                        born.target, 1, team.slug))  # fmt: skip
                seq += 1
        if not made:
            return []
        cohort.next_seq = seq
        self.session.add(cohort)
        table = Proposal.__table__
        before = self.session.execute(select(func.coalesce(func.max(Proposal.id), 0))).scalar_one()
        bulk.insert(self.session, table, NewProposal.COLUMNS, [p.row() for p in made])
        # the new rows' ids, by their codes (unique in the cohort, which this run holds the lock of)
        ids = dict(
            self.session.execute(
                select(Proposal.code, Proposal.id).where(
                    Proposal.cohort_id == cohort.id, Proposal.id > before
                )
            ).all()
        )
        for p in made:
            p.id = ids[p.code]
        at = bulk.bind(self.session, Transition.__table__.c.at, utcnow())
        bulk.insert(self.session, Transition.__table__, states.AUDIT_COLUMNS, [
            (cohort.id, "proposal", p.id, born.source, born.target, born.event, p.team_slug, at,
             f"idea {p.origin} of the diagnose worksheet", "run") for p in made
        ])  # fmt: skip
        grouped: list[list[Proposal]] = []
        i = 0
        for _, titles in ideas:
            grouped.append(made[i : i + len(titles)])
            i += len(titles)
        return grouped

    def record_evidence(self, items: dict[int, list[tuple[str, str, int]]]) -> None:
        """Replace the evidence rows of the given proposals (proposal id -> [(file, proves, size)])."""
        if not items:
            return
        self.session.execute(delete(Evidence).where(Evidence.proposal_id.in_(list(items))))
        bulk.insert(self.session, Evidence.__table__, ("proposal_id", "file", "proves", "size"), [
            (pid, f, p, size) for pid, rows in items.items() for f, p, size in rows
        ])  # fmt: skip


@dataclass
class NewProposal:
    """A proposal just inserted in bulk: a plain record (no ORM bookkeeping for thousands of new rows)."""

    id: int
    cohort_id: int
    team_id: int
    code: str
    origin: int
    title: str
    state: str
    version: int
    team_slug: str

    COLUMNS = ("cohort_id", "team_id", "code", "origin", "title", "state", "version")

    def row(self) -> tuple:
        return tuple(getattr(self, c) for c in self.COLUMNS)
