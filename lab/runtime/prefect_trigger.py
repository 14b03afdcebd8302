"""`lab run` with PREFECT_API_URL set and the cohort deployed: a flow run of its deployment, run by a worker.

`run_deployed()` creates the flow run, says where to watch it, waits until it ends (printing each new state;
a hint once when no worker polls the pool), then reads what each stage did from the run's table artifact
(`stages-<cohort>`, written by flows/cohort.py) and the funnel from the lab database. The result has the
shape of the in-process flow's, so `lab run` prints both alike. A stage that stopped the run becomes its
`error` entry; a run that failed otherwise (the cohort busy in the worker, a crash, a cancellation) is one
LabError line, with the lab's own error class and exit code when the flow raised one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lab.domain import errors
from lab.domain.errors import LabError, PrefectUnavailable
from lab.runtime.prefect_check import clean
from lab.workspace.settings import Workspace

POLL = 1.0  # seconds between looks at the flow run
# seconds a run may wait for a worker before `lab run` says no worker polls its pool
NO_WORKER_HINT_AFTER = 15.0
COUNTS = ("ingested", "valid", "invalid", "advanced", "generated")


def deployment_for(ws: Workspace, say: Callable[[str], None]):
    """The cohort's deployment when PREFECT_API_URL names a server (checked) and the cohort is deployed there
    for this very workspace folder; None otherwise (`lab run` then runs the flow in its own process)."""
    from lab.runtime.prefect_check import check_api
    from lab.runtime.prefect_deploy import find
    from lab.runtime.prefect_env import configure
    from lab.runtime.prefect_server import prefect_settings

    configure()
    url = prefect_settings().api.url
    if not url:
        return None
    check_api(url)
    with _contact(ws, looking=True):
        found = find(ws)
    if found is None:
        return None
    there = (found.parameters or {}).get("workspace")
    if there != str(ws.root):
        say(f"the deployment {found.name} runs the workspace at {clean(str(there), 200)}, not this one: "
            "running here, in this process (`lab deploy` this folder to move it)")  # fmt: skip
        return None
    return found


def run_deployed(
    ws: Workspace, deployment, until: str | None, wait: float, say: Callable[[str], None]
) -> dict:
    """One flow run of the cohort's deployment, waited for; its result as the in-process flow returns it."""
    from prefect.client.orchestration import get_client

    parameters: dict[str, Any] = {"workspace": str(ws.root), "until": until, "wait": wait}
    with _contact(ws), get_client(sync_client=True) as client:
        flow_run = client.create_flow_run_from_deployment(
            deployment.id, parameters=parameters, tags=["lab-run"]
        )
        say(
            f"flow run {flow_run.name} of deployment {deployment.name} (pool {deployment.work_pool_name}){_ui(flow_run.id)}"
        )
        try:
            flow_run = _wait(client, flow_run, deployment.work_pool_name, say)
        except KeyboardInterrupt:
            say(
                f"flow run {flow_run.name} goes on in its worker; `lab status {ws.root}` shows where the cohort stands"
            )
            raise
        rows = _stage_rows(client, flow_run.id)
    return _result(ws, flow_run, rows)


@contextmanager
def _contact(ws: Workspace, looking: bool = False) -> Iterator[None]:
    """The server lost while `lab run` looks for the deployment, triggers or waits: one line; a flow run it
    started may go on in its worker."""
    import httpx

    from lab.runtime.prefect_check import failure_reason

    try:
        yield
    except httpx.HTTPError as exc:
        reason = (
            f"HTTP {exc.response.status_code}"
            if isinstance(exc, httpx.HTTPStatusError)
            else failure_reason(exc)
        )
        if looking:
            raise PrefectUnavailable(
                f"the Prefect server failed while `lab run` looked for the cohort's deployment ({reason}); "
                "check it and run `lab run` again"
            ) from None
        raise PrefectUnavailable(
            f"the Prefect server failed while `lab run` waited for the cohort's flow run ({reason}); a run it "
            f"started may go on in its worker: `lab status {ws.root}` shows where the cohort stands"
        ) from None


def _ui(flow_run_id) -> str:
    from prefect.settings import get_current_settings

    ui = get_current_settings().ui_url
    return f": {ui.rstrip('/')}/runs/flow-run/{flow_run_id}" if ui else ""


def _wait(client, flow_run, pool: str | None, say: Callable[[str], None]):
    """Poll until the run is final; each new state is one line."""
    started, shown, hinted = time.monotonic(), None, False
    while True:
        state = flow_run.state
        if state is not None and state.name != shown:
            shown = state.name
            say(f"  {shown}")
        if state is not None and state.is_final():
            return flow_run
        waited = time.monotonic() - started
        if not hinted and waited > NO_WORKER_HINT_AFTER and state is not None and state.is_scheduled():
            hinted = True
            if pool and not _workers_online(client, pool):
                say(f"  no worker polls the work pool {pool!r}; start one (`lab worker --pool {pool}`), "
                    "the run starts when it does")  # fmt: skip
        time.sleep(POLL)
        flow_run = client.read_flow_run(flow_run.id)


def _workers_online(client, pool: str) -> bool:
    try:
        return any(w.status.value == "ONLINE" for w in client.read_workers_for_work_pool(pool))
    except Exception:  # an older server or a pool removed meanwhile: no hint rather than no run
        return True


def _stage_rows(client, flow_run_id) -> list[dict]:
    """The stage table the flow run published, or [] if it published none (it stopped before the end)."""
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterType

    found = client.read_artifacts(
        artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]), type=ArtifactFilterType(any_=["table"])
        ),
        limit=5,
    )
    for artifact in found:
        if (artifact.key or "").startswith("stages-"):
            data = artifact.data
            if isinstance(data, str):
                data = json.loads(data)
            return [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []
    return []


def _result(ws: Workspace, flow_run, rows: list[dict]) -> dict:
    state = flow_run.state
    stopped = next((r for r in rows if r.get("error")), None)
    if not state.is_completed() and stopped is None:
        raise _failure(flow_run)
    from lab.workflow import pipeline

    summary = pipeline.summary(str(ws.root))
    done = [{"stage": r["stage"], **{k: r.get(k, "") for k in COUNTS}} for r in rows if not r.get("error")]
    result: dict[str, Any] = {"stages": done, "funnel": summary["funnel"], "cohort": summary["cohort"]}
    if stopped is not None:
        code = stopped.get("exit_code")
        result["error"] = {"stage": stopped["stage"], "error": str(stopped["error"]),
                           "exit_code": code if isinstance(code, int) else 1}  # fmt: skip
    return result


def _failure(flow_run) -> LabError:
    """The lab's own error when the flow raised one (its class named in the state's message), else one line."""
    state = flow_run.state
    message = state.message or state.name
    text = message.removeprefix("Flow run encountered an exception: ")
    name, sep, rest = text.partition(": ")
    kind = getattr(errors, name, None)
    if sep and isinstance(kind, type) and issubclass(kind, LabError) and kind not in (errors.StageStopped,):
        try:
            err = kind(rest)
        except TypeError:  # a class whose constructor takes more than a message
            err = LabError(rest)
            err.exit_code = kind.exit_code
        return err
    return PrefectUnavailable(
        f"flow run {flow_run.name} ended {state.name} in its worker ({clean(message, 300)}); "
        "see the worker's log or the Prefect UI, then run `lab run` again"
    )
