"""The cohort flow: one pass of a lab run over the five stages.

Each stage is one Prefect task that works on the whole cohort in a single batch (collect → ingest →
advance → generate); the number of task runs never grows with the cohort. The flow is re-entrant and
idempotent: the database is the truth, so running it twice changes nothing the second time.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from lab import pipeline
from lab.stages import SLUGS, stages_until


@task(name="stage", task_run_name="{stage}", cache_policy=NO_CACHE)
def stage_task(workspace: str, stage: str) -> dict:
    """Run one stage over the whole cohort: collect inputs, ingest worksheets, advance, generate."""
    return pipeline.run_stage(workspace, stage)


@flow(name="labinov-cohort", log_prints=True)
def cohort_flow(workspace: str, until: str | None = None, wait: float = 0.0) -> dict:
    """One pass of a cohort's lab run under the cohort lock; publishes the stage funnel as an artifact."""
    if until is not None and until not in SLUGS:
        raise ValueError(f"unknown stage {until!r}; stages are {', '.join(SLUGS)}")
    with pipeline.locked(workspace, wait):
        reports = [stage_task(workspace, s.slug) for s in stages_until(until)]
    summary = pipeline.summary(workspace)
    create_markdown_artifact(
        markdown=pipeline.funnel_markdown(summary, reports),
        key=f"funnel-{summary['cohort'].lower()}",
        description=f"Stage funnel of {summary['cohort']}",
    )
    return {"stages": reports, "funnel": summary["funnel"], "cohort": summary["cohort"]}
