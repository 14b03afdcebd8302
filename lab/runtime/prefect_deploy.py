"""A cohort as a Prefect deployment on the server named by PREFECT_API_URL: `lab deploy`, `lab undeploy`.

The deployment runs the installed package as code: its entrypoint is the module path
`flows.cohort.cohort_flow`, so a process worker on any machine where labinov is installed imports the flow
(no image, no copied source, no pull step). Its one parameter is the workspace's absolute path: a worker must
see the workspace at that path (same disk or shared storage) and the lab database through its own
`LAB_DATABASE_URL` (docs/service.md). The schedule is `[deploy] run` of cohort.toml (a cron, in
`[deploy] timezone`, Asia/Jakarta by default); `--schedule` overrides it, "" registers none.

One deployment per cohort, named `<cohort id>-<first 8 of its uid>` (`PBG-2026-1a2b3c4d`): a copy of the
workspace with the same uid is the same cohort, and deploying it again moves the deployment there.
Triggering a deployed run and waiting for it (`lab run` with PREFECT_API_URL set) is in
lab.runtime.prefect_trigger.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.domain.errors import PrefectUnavailable, UsageError
from lab.workspace.settings import Workspace

FLOW_NAME = "labinov-cohort"  # the @flow's name in flows/cohort.py
POOL_TYPE = "process"
TAGS = ("labinov",)


@dataclass(frozen=True)
class Deployed:
    """What `lab deploy` registered."""

    name: str  # flow/deployment, as `prefect deployment run` takes it
    id: str
    pool: str
    schedule: str  # the cron, or "" when the cohort runs only on demand
    timezone: str
    created: bool  # False: an existing deployment of the cohort was updated
    pool_created: bool


def deployment_name(ws: Workspace) -> str:
    """The cohort's deployment name, e.g. PBG-2026-1a2b3c4d."""
    return f"{ws.settings.cohort_id}-{ws.settings.uid[:8]}"


def full_name(ws: Workspace) -> str:
    """`labinov-cohort/PBG-2026-1a2b3c4d`."""
    return f"{FLOW_NAME}/{deployment_name(ws)}"


def lab_database() -> str:
    """The lab database this process uses, as shown to people (no user name or password)."""
    import os

    from lab.runtime.prefect_check import shown

    url = os.environ.get("LAB_DATABASE_URL")
    return shown(url) if url else "each workspace's own lab.db (LAB_DATABASE_URL is not set)"


def server_url(command: str) -> str:
    """The configured PREFECT_API_URL, checked; `lab deploy` and friends need a real server, not a temporary one."""
    from lab.runtime.prefect_check import UNSET, check_api
    from lab.runtime.prefect_env import configure
    from lab.runtime.prefect_server import prefect_settings

    configure(quiet=True)
    url = prefect_settings().api.url
    if not url:
        raise UsageError(
            f"`lab {command}` needs a Prefect server: set PREFECT_API_URL (e.g. "
            "http://127.0.0.1:4200/api; `scripts/stack up STATE` starts one and prints it)"
        )
    try:
        check_api(url)
    except PrefectUnavailable as exc:  # a temporary server is no choice here: drop that advice
        raise PrefectUnavailable(str(exc).replace(f", {UNSET}", "").replace(f" {UNSET}", "")) from None
    return url


def deploy(ws: Workspace, schedule: str | None = None, pool: str | None = None) -> Deployed:
    """Register (or update) the cohort's deployment with its schedule on a process work pool, made if missing."""
    from lab.domain.cron import check_cron

    server_url("deploy")
    settings = ws.settings.deploy
    cron = settings.run if schedule is None else schedule.strip()
    if cron:
        try:
            cron = check_cron(cron)
        except ValueError as exc:
            raise UsageError(f"--schedule: {exc}") from None
    pool = pool or settings.pool
    from lab.workspace.settings_tables import POOL

    if not POOL.fullmatch(pool):
        raise UsageError(f"--pool: {pool!r} is not a work pool name; use letters, digits, '-', '_' or '.'")
    with _client() as client:
        pool_created = _ensure_pool(client, pool)
        existing = _read(client, ws)
    deployment = _runner_deployment(ws, cron, settings.timezone, pool)
    deployment_id = deployment.apply(work_pool_name=pool)
    with _client() as client:
        if existing is not None:
            _replace_schedules(client, deployment_id, deployment.schedules or [])
    return Deployed(full_name(ws), str(deployment_id), pool, cron, settings.timezone,
                    existing is None, pool_created)  # fmt: skip


def undeploy(ws: Workspace) -> bool:
    """Remove the cohort's deployment (its scheduled runs go with it; past runs stay); False if there was none."""
    server_url("undeploy")
    with _client() as client:
        found = _read(client, ws)
        if found is None:
            return False
        client.delete_deployment(found.id)
    return True


def find(ws: Workspace):
    """The cohort's deployment on the configured server, or None (PREFECT_API_URL must be set and checked)."""
    with _client() as client:
        return _read(client, ws)


def _runner_deployment(ws: Workspace, cron: str, timezone: str, pool: str):
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    from flows.cohort import cohort_flow
    from lab import __version__

    s = ws.settings
    return cohort_flow.to_deployment(
        name=deployment_name(ws),
        parameters={"workspace": str(ws.root)},
        schedules=[Cron(cron, timezone=timezone)] if cron else [],
        work_pool_name=pool,
        tags=[*TAGS, s.cohort_id],
        description=f"{s.region} {s.year} ({s.cohort_id}): one pass of the lab run over {ws.root}; "
        f"its workers need the lab database {lab_database()}",
        version=__version__,
        entrypoint_type=EntrypointType.MODULE_PATH,  # the installed package is the code
    )


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _read(client, ws: Workspace):
    from prefect.exceptions import ObjectNotFound

    try:
        return client.read_deployment_by_name(full_name(ws))
    except ObjectNotFound:
        return None


def _ensure_pool(client, pool: str) -> bool:
    """Make the process work pool unless it exists; a pool of another type is refused. True when made."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.workers.process import ProcessWorker

    try:
        found = client.read_work_pool(pool)
    except ObjectNotFound:
        template = ProcessWorker.get_default_base_job_template()
        try:
            client.create_work_pool(WorkPoolCreate(name=pool, type=POOL_TYPE, base_job_template=template))
        except ObjectAlreadyExists:  # made meanwhile by another `lab deploy` or a worker
            return False
        return True
    if found.type != POOL_TYPE:
        raise PrefectUnavailable(
            f"the work pool {pool!r} is a {found.type!r} pool; lab deploy needs a {POOL_TYPE!r} pool "
            "(its workers run the installed lab): choose another with --pool or [deploy] pool in cohort.toml"
        )
    return False


def _replace_schedules(client, deployment_id, schedules) -> None:
    """An updated deployment keeps exactly the schedules asked for (Prefect's update only adds when given some)."""
    for old in client.read_deployment_schedules(deployment_id):
        if not any(_same(old.schedule, new.schedule) for new in schedules):
            client.delete_deployment_schedule(deployment_id, old.id)


def _same(a, b) -> bool:
    return getattr(a, "cron", None) == getattr(b, "cron", None) and getattr(a, "timezone", None) == getattr(
        b, "timezone", None
    )
