"""What the flow's tasks call: one stage in one transaction, and the run summary. No Prefect here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lab.domain.errors import StaleState
from lab.outputs.coverage import coverage_line
from lab.outputs.coverage import summary as coverage_summary
from lab.outputs.overdue import as_rows, overdue
from lab.outputs.status import funnel
from lab.stages import get_stage
from lab.workflow.runner import run_stage as run_stage_in
from lab.workspace.cohort import workspace_session
from lab.workspace.lock import cohort_lock, sweep_orphans
from lab.workspace.settings import open_workspace

RETRIES = 3


def run_stage(workspace: str, slug: str) -> dict[str, Any]:
    """Run a stage over the cohort in `workspace`, committing its changes together.

    A decision taken meanwhile (`lab decide`) can make the stage's update stale; the stage is idempotent,
    so it is simply run again on the fresh state.
    """
    ws = open_workspace(workspace)
    for attempt in range(1, RETRIES + 1):
        try:
            with workspace_session(ws) as (session, _cohort):
                report = run_stage_in(ws, get_stage(slug), session)
            return report.as_dict()
        except StaleState:
            if attempt == RETRIES:
                raise
    raise AssertionError("unreachable")


@contextmanager
def locked(workspace: str, wait: float = 0.0) -> Iterator[None]:
    """Hold the cohort's run lock and clear what killed runs left behind."""
    ws = open_workspace(workspace)
    with cohort_lock(ws, wait):
        sweep_orphans(ws)
        yield


def reminders_on(workspace: str) -> bool:
    """Whether the cohort's run sends the reminders due (`[reminders] enabled`)."""
    return open_workspace(workspace).settings.reminders.enabled


def remind(workspace: str) -> dict[str, int]:
    """The reminders due today, when the cohort's `[reminders] enabled` says the run sends them: how many were
    sent, skipped or failed (a failed one is not recorded: the next run tries it again). {} when disabled."""
    from lab.workflow import remind as reminders  # Apprise is loaded only by cohorts that send reminders

    ws = open_workspace(workspace)
    if not ws.settings.reminders.enabled:
        return {}
    counts: dict[str, int] = {}
    for outcome in reminders.remind(ws):
        counts[outcome.result] = counts.get(outcome.result, 0) + 1
    return counts


def summary(workspace: str) -> dict[str, Any]:
    """The cohort's id and funnel after a run, the work teams owe past its due date (lab.outputs.overdue) and
    its coverage (lab.outputs.coverage)."""
    ws = open_workspace(workspace)
    with workspace_session(ws) as (session, cohort):
        late = as_rows(overdue(ws, session, cohort))
        cover = coverage_summary(ws, session, cohort)  # "1 OPD 1 Inovasi"
        return {
            "cohort": ws.settings.cohort_id,
            "funnel": funnel(session, cohort),
            "overdue": late,
            "coverage": cover,
        }


def funnel_markdown(summary: dict[str, Any], reports: list[dict[str, Any]]) -> str:
    """The Prefect artifact: what each stage did and where every team and proposal stands."""
    lines = [f"# {summary['cohort']}: stage funnel", "",
             "| stage | ingested | valid | invalid | advanced | generated |", "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in reports:
        lines.append(
            f"| {r['stage']} | {r['ingested']} | {r['valid']} | {r['invalid']} | {r['advanced']} | {r['generated']} |"
        )
    lines += ["", "| teams | count |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in summary["funnel"]["teams"].items()]
    lines += ["", "| proposals | count |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in summary["funnel"]["proposals"].items()]
    if summary.get("coverage"):
        lines += ["", coverage_line(summary["coverage"])]
    return "\n".join(lines + _overdue_markdown(summary.get("overdue", [])))


def _overdue_markdown(rows: list[dict[str, Any]]) -> list[str]:
    """The overdue teams and worksheets (team, stage, days late); slugs and codes only, no team's text."""
    if not rows:
        return []
    lines = ["", f"## Overdue: {len({r['team'] for r in rows})} team(s), {len(rows)} worksheet(s)", "",
             "| team | stage | proposal | due | days late | status |", "|---|---|---|---|---:|---|"]  # fmt: skip
    lines += [f"| {r['team']} | {r['stage']} | {r['proposal'] or ''} | {r['due'] or ''} | {r['days_late']} | "
              f"{r['status']} |" for r in rows]  # fmt: skip
    return lines
