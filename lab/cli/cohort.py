"""Setting a cohort up and running it: `lab init`, `lab roster import`, `lab run`, `lab status`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lab.cli.app import Lang, StageName, Workspace, app, open_ws, roster_app, say
from lab.domain.text import visible


@app.command()
def init(
    path: Workspace,
    region: Annotated[str, typer.Option(help='The region, e.g. "Kabupaten Purbalingga".')],
    year: Annotated[int, typer.Option(help="The year of the lab run.", min=2015, max=2100)],
    code: Annotated[
        str | None, typer.Option(help="Short code used in proposal ids (default: from the region).")
    ] = None,
    lang: Annotated[Lang, typer.Option(help="Language of worksheets and showcase.")] = Lang.id,
) -> None:
    """Create a cohort workspace with its settings (cohort.toml) and database."""
    from lab.domain.text import one_line
    from lab.workspace.cohort import init_workspace

    ws = init_workspace(path, one_line(region, "--region"), year, code, lang.value)
    s = ws.settings
    say(f"created cohort {s.cohort_id} ({s.region}) in {path}")
    say(f"next: lab roster import {path} roster.csv")


@roster_app.command("import")
def roster_import(
    path: Workspace,
    file: Annotated[Path, typer.Argument(help="CSV: unit,unit_type,member,role,email")],
) -> None:
    """Import the roster of units and members (replaces the workspace's roster.csv)."""
    from lab.workflow.roster import import_roster
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    with workspace_session(ws) as (session, cohort):
        result = import_roster(ws, file, session, cohort)
    typer.echo(f"roster: {result['teams']} units ({result['teams_added']} new), {result['members']} members")


@app.command()
def run(
    path: Workspace,
    until: Annotated[StageName | None, typer.Option(help="Stop after this stage.")] = None,  # type: ignore[valid-type]
    wait: Annotated[
        float, typer.Option(help="Seconds to wait if another run holds the cohort.", min=0)
    ] = 0.0,
) -> None:
    """One pass of the cohort flow (Prefect): every stage ingests, advances and generates.

    With PREFECT_API_URL set and the cohort deployed (`lab deploy`), a worker runs it and this waits."""
    from lab.runtime.prefect_server import prefect_api
    from lab.runtime.prefect_trigger import deployment_for, run_deployed
    from lab.workspace.lock import cohort_lock

    ws = open_ws(path)
    stage = until.value if until else None
    with cohort_lock(ws, wait):  # taken before Prefect starts, so "busy" costs nothing; the flow re-enters it
        deployment = deployment_for(ws, say)  # None: no PREFECT_API_URL, or the cohort is not deployed there
        if deployment is None:
            with prefect_api():  # PREFECT_API_URL checked, or a temporary server that dies with this process
                from flows.cohort import cohort_flow
                from lab.workflow.progress import console_progress

                with console_progress(sys.stdout.isatty()):
                    state = cohort_flow(workspace=str(ws.root), until=stage, return_state=True)
                result = state.result(raise_on_failure=False)
                if isinstance(result, BaseException):
                    raise result  # not a problem the flow could name: a bug, shown as one
    if deployment is not None:  # the worker's flow takes the lock itself, waiting as long as this would have
        result = run_deployed(ws, deployment, stage, wait, say)
    _print_run(result)
    if "error" in result:
        from lab.domain.errors import StageStopped

        stopped = result["error"]
        raise StageStopped(f"stage {stopped['stage']} stopped: {stopped['error']}", stopped["exit_code"])


def _print_run(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table("stage", "ingested", "valid", "invalid", "advanced", "generated", title="lab run")
    for r in result["stages"]:
        cells = (r["stage"], *(r[k] for k in ("ingested", "valid", "invalid", "advanced", "generated")))
        table.add_row(*(Text(visible(c)) for c in cells))  # Text: no markup is read from cell values
    Console().print(table)
    for kind in ("teams", "proposals"):
        counts = ", ".join(f"{k} {v}" for k, v in result["funnel"][kind].items() if v)
        say(f"{kind}: {counts or 'none'}")


@app.command()
def status(
    path: Workspace,
    as_json: Annotated[bool, typer.Option("--json", help="Print the documented JSON object.")] = False,
) -> None:
    """Funnel per stage, teams, proposals, waiting and invalid worksheets."""
    from lab.outputs.status import status as cohort_status
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    with workspace_session(ws, writer=False) as (session, cohort):
        data = cohort_status(ws, session, cohort, detail=as_json)
    if as_json:
        from lab.domain.text import json_text

        typer.echo(json_text(data, indent=2 if sys.stdout.isatty() else None))
        return
    from lab.cli.report import print_status

    print_status(data)
