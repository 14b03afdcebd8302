"""One stage over the whole cohort in one batch: collect → ingest → advance → generate.

`run_stage()` is what each Prefect task calls. It is re-entrant and idempotent: the database is the
truth, files are written atomically before the rows that record them (lab.workflow.store), and a file
found on disk without a row is adopted, never overwritten. Running it twice with nothing new changes
nothing. What runs before or after a stage (roster sync, reviews, showcase) is in lab.workflow.hooks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import defer
from sqlmodel import Session, select

from lab.domain.models import Proposal, Team, Worksheet
from lab.stages import Stage
from lab.workflow import hooks, progress
from lab.workflow.context import Run, StageReport
from lab.workflow.store import DEFERRED, VALID, flush_sheets, generate_all, ingest
from lab.workspace.cohort import get_cohort
from lab.workspace.settings import Workspace

__all__ = ["CHUNK", "StageReport", "run_stage"]

CHUNK = 5000  # entities per chunk: a stage never holds the whole cohort's objects at once


def run_stage(ws: Workspace, stage: Stage, session: Session) -> StageReport:
    """collect → ingest → advance → generate for one stage, in the caller's transaction.

    The cohort is worked through in chunks of entities in id order; each chunk's objects are released
    after its writes are flushed, so memory does not grow with the cohort. Entities are independent of
    each other, so the result is the same as one pass over all of them.
    """
    report = StageReport(stage.slug)
    with report.timed("collect", session):
        cohort = get_cohort(session, ws)
        run = Run(ws, session, cohort, stage)
        for before in hooks.BEFORE.get(stage.slug, ()):  # inputs (the roster) synced before rows are read
            before(run)
        model = Team if stage.granularity == "team" else Proposal
        teams = session.exec(select(Team).where(Team.cohort_id == cohort.id).order_by(Team.id)).all()
        run.teams = {t.id: t for t in teams}
        ids = list(session.exec(select(model.id).where(model.cohort_id == cohort.id).order_by(model.id)))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _run_chunk(run, model, chunk, report, done=start, total=len(ids))
    after = hooks.AFTER.get(stage.slug, ())
    if after:
        with report.timed("after", session):
            for hook in after:
                hook(run)
    return report


def _run_chunk(run: Run, model, chunk: list[int], report: StageReport, done: int, total: int) -> None:
    stage, session = run.stage, run.session
    key = Worksheet.team_id if stage.granularity == "team" else Worksheet.proposal_id
    with report.timed("collect", session):
        entities = list(session.exec(select(model).where(model.id.in_(chunk)).order_by(model.id)))
        sheets = {
            getattr(w, key.key): w
            for w in session.exec(
                select(Worksheet)
                .where(Worksheet.cohort_id == run.cohort.id, Worksheet.stage == stage.slug, key.in_(chunk))
                .options(*(defer(getattr(Worksheet, c)) for c in DEFERRED))  # loaded only where needed
            )
        }
        run._diagnose = None  # design prefill reads this chunk's teams only
        run.chunk_teams = {e.id if isinstance(e, Team) else e.team_id for e in entities}
    valid: dict[int, Any] = {}
    with report.timed("ingest", session):
        fresh = []  # worksheets that became valid in this run: their data is stored now
        for entity in entities:
            sheet = sheets.get(entity.id)
            if sheet is not None and entity.state in stage.ingest_states:
                result = ingest(run, entity, sheet, report)
                if result is not None:
                    valid[entity.id] = result
                    if result is not VALID:
                        fresh.append((entity, result))
        if stage.on_valid and fresh:
            stage.on_valid(run, fresh)
        flush_sheets(run)
        progress.tick(stage.slug, "ingest", done + len(chunk), total)
    with report.timed("advance", session):
        ready = [e for e in entities if e.state == stage.advance_state and e.id in valid]
        advance(run, ready, valid, sheets, report)
    with report.timed("generate", session):
        generate_all(run, entities, sheets, report)
        flush_sheets(run)
        progress.tick(stage.slug, "generate", done + len(chunk), total)
    for obj in [*entities, *sheets.values()]:  # written and flushed: let them go
        if obj in session and not isinstance(obj, Team):
            session.expunge(obj)


def advance(run: Run, ready: list, valid: dict[int, Any], sheets: dict, report: StageReport) -> None:
    """Move every entity whose worksheet is valid out of the stage; then the stage's own follow-up."""
    ready = [e for e in ready if sheets[e.id].status == "valid"]
    if not ready:
        return
    run.move(ready, run.stage.exit_event, actor=run.team_of)
    report.advanced += len(ready)
    if run.stage.on_exit:
        schema = run.stage.schema
        models = [
            valid[e.id] if valid[e.id] is not VALID else schema.model_validate(sheets[e.id].answers)
            for e in ready
        ]
        run.stage.on_exit(run, list(zip(ready, models, strict=True)))
