"""`lab worker`: Prefect's process worker for the deployed cohorts, started with the lab's environment.

Each flow run it picks up is a new Python process that imports the installed `flows.cohort` and inherits
the worker's environment: `LAB_DATABASE_URL` (the lab database; unset: each workspace's own lab.db) and
the PREFECT_ settings. Telemetry is off unless the user chose otherwise.
"""

from __future__ import annotations

import sys

from lab.domain.errors import UsageError


def worker_command(pool: str, limit: int | None = None, name: str | None = None) -> tuple[list[str], str]:
    """The `prefect worker start` command line for `pool`, and the lab database its runs use, as shown."""
    from lab.runtime.prefect_deploy import lab_database, server_url
    from lab.workspace.settings_tables import POOL

    if not POOL.fullmatch(pool):
        raise UsageError(f"--pool: {pool!r} is not a work pool name; use letters, digits, '-', '_' or '.'")
    if name is not None and (not name.isprintable() or not 0 < len(name) <= 100):
        raise UsageError("--name: a worker's name is 1 to 100 printable characters")
    server_url("worker")  # configures Prefect's environment too: the worker inherits it
    command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool, "--type", "process"]
    if limit is not None:
        command += ["--limit", str(limit)]
    if name is not None:
        command += ["--name", name]
    return command, lab_database()
