"""The cohort as a service on a Prefect server (PREFECT_API_URL): `lab deploy`, `lab undeploy`, `lab worker`."""

from __future__ import annotations

from typing import Annotated

import typer

from lab.cli.app import Workspace, app, open_ws, say


@app.command()
def deploy(
    path: Workspace,
    schedule: Annotated[
        str | None,
        typer.Option(help='Cron of the scheduled runs (default: [deploy] run in cohort.toml); "" for none.'),
    ] = None,
    pool: Annotated[
        str | None, typer.Option(help="Process work pool its runs go to (default: [deploy] pool, lab).")
    ] = None,
) -> None:
    """Register the cohort's flow as a deployment on the Prefect server, with its schedule."""
    from lab.runtime.prefect_deploy import deploy as register
    from lab.runtime.prefect_deploy import lab_database

    ws = open_ws(path)
    done = register(ws, schedule, pool)
    if done.pool_created:
        say(f"work pool {done.pool} (process) created")
    say(f"{'deployed' if done.created else 'updated'} {done.name} on work pool {done.pool}")
    when = f"cron {done.schedule!r} in {done.timezone}" if done.schedule else "none (runs on demand only)"
    say(f"schedule: {when}")
    say(f"workspace: {ws.root} (a worker must see it at this path)")
    say(f"lab database: {lab_database()} (a worker needs the same LAB_DATABASE_URL)")
    say(f"next: lab worker --pool {done.pool}   (then `lab run {path}` runs it through the worker)")


@app.command()
def undeploy(path: Workspace) -> None:
    """Remove the cohort's deployment from the Prefect server (its past runs stay)."""
    from lab.runtime.prefect_deploy import full_name
    from lab.runtime.prefect_deploy import undeploy as remove

    ws = open_ws(path)
    name = full_name(ws)
    if remove(ws):
        say(f"removed {name}; `lab run {path}` runs the flow in its own process again")
    else:
        say(f"{name} is not deployed; nothing to remove")


@app.command()
def worker(
    pool: Annotated[str, typer.Option(help="The process work pool to poll.")] = "lab",
    limit: Annotated[
        int | None, typer.Option(help="At most this many cohort runs at once (each is a process).", min=1)
    ] = None,
    name: Annotated[str | None, typer.Option(help="The worker's name in the Prefect UI.")] = None,
) -> None:
    """Start a Prefect process worker that runs the deployed cohorts' flows (`prefect worker start`)."""
    from lab.runtime.prefect_worker import worker_command

    command, database = worker_command(pool, limit, name)
    say(f"worker for pool {pool}; lab database: {database}")
    import os

    os.execv(command[0], command)  # the worker replaces this process: signals and exit code are its own
