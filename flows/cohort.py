"""The cohort flow: one pass of a lab run over the five stages.

Each stage is one Prefect task that works on the whole cohort in a single batch (collect → ingest →
advance → generate); the number of task runs never grows with the cohort. The flow is re-entrant and
idempotent: the database is the truth, so running it twice changes nothing the second time.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from lab.domain.errors import LabError
from lab.domain.text import visible
from lab.stages import SLUGS, stages_until
from lab.workflow import pipeline

# the columns of the stage table artifact; a stage that stopped the run has its error and exit code
REPORT_COLUMNS = ("stage", "ingested", "valid", "invalid", "advanced", "generated", "error", "exit_code")


@task(name="stage", task_run_name="{stage}", cache_policy=NO_CACHE)
def stage_task(workspace: str, stage: str) -> dict:
    """Run one stage over the whole cohort: collect inputs, ingest worksheets, advance, generate.

    A problem a user can act on (a LabError) is returned as data, not raised: the stage's changes are rolled
    back, the run stops there, and the user reads one line instead of a traceback in the log.
    """
    try:
        return pipeline.run_stage(workspace, stage)
    except LabError as exc:
        return {"stage": stage, "error": str(exc), "exit_code": exc.exit_code}


@task(name="reminders", cache_policy=NO_CACHE)
def remind_task(workspace: str) -> dict:
    """The reminders due today, after the stages (only when `[reminders] enabled`); a problem is data."""
    try:
        return pipeline.remind(workspace)
    except LabError as exc:
        return {"error": str(exc)}


@flow(name="labinov-cohort", log_prints=True)
def cohort_flow(workspace: str, until: str | None = None, wait: float = 0.0) -> dict:
    """One pass of a cohort's lab run under the cohort lock; publishes the stage funnel as an artifact."""
    if until is not None and until not in SLUGS:
        raise ValueError(f"unknown stage {until!r}; stages are {', '.join(SLUGS)}")
    reports = []
    with pipeline.locked(workspace, wait):
        for s in stages_until(until):
            reports.append(stage_task(workspace, s.slug))
            if "error" in reports[-1]:
                break
    stopped = any("error" in r for r in reports)
    reminded = remind_task(workspace) if not stopped and pipeline.reminders_on(workspace) else {}
    if reminded:
        print(f"reminders: {', '.join(f'{k} {v}' for k, v in sorted(reminded.items()))}")
    summary = pipeline.summary(workspace)
    done = [r for r in reports if "error" not in r]
    create_markdown_artifact(
        markdown=pipeline.funnel_markdown(summary, done),
        key=f"funnel-{summary['cohort'].lower()}",
        description=f"Stage funnel of {summary['cohort']}",
    )
    create_table_artifact(  # what `lab run` prints when a worker ran the flow (lab.runtime.prefect_deploy)
        table=[{k: r.get(k, "") for k in REPORT_COLUMNS} for r in reports],
        key=f"stages-{summary['cohort'].lower()}",
        description=f"What each stage of {summary['cohort']} did in this run",
    )
    result = {"stages": done, "funnel": summary["funnel"], "cohort": summary["cohort"]}
    if len(done) < len(reports):
        stopped = reports[-1]
        result["error"] = {k: stopped[k] for k in ("stage", "error", "exit_code")}
        return Failed(message=f"stage {stopped['stage']} stopped: {visible(stopped['error'])}", data=result)
    return result
