"""Readiness for the national assessment: `lab iid` (the IID pre-check, an estimate) and `lab coverage`
("1 OPD 1 Inovasi"). Read only; neither imports Prefect."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from lab.cli.app import Workspace, app, open_ws

Json = Annotated[bool, typer.Option("--json", help="Print the documented JSON object.")]


def _echo_json(data) -> None:
    from lab.domain.text import json_text

    typer.echo(json_text(data, indent=2 if sys.stdout.isatty() else None))


@app.command()
def iid(
    path: Workspace,
    proposals: Annotated[
        list[str] | None,
        typer.Argument(
            help="Show these innovations indicator by indicator (ids, e.g. PBG-2026-001).", show_default=False
        ),
    ] = None,
    as_json: Json = False,
    indicators: Annotated[
        bool,
        typer.Option(
            "--indicators", help="Print the year's indicator table: weights, levels, evidence asked."
        ),
    ] = False,
) -> None:
    """IID pre-check (an estimate): per innovation the indicators its evidence backs and its score; per cohort
    the estimated index and band, and the innovations at risk of scoring zero."""
    from lab.cli.assess_report import print_iid, print_table
    from lab.domain.errors import UsageError
    from lab.outputs.iid import precheck, table_for
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    if indicators:
        table = table_for(ws)
        _echo_json(table.model_dump()) if as_json else print_table(table, ws.settings.lang)
        return
    with workspace_session(ws, writer=False) as (session, cohort):
        data = precheck(ws, session, cohort)
    known = {i["id"] for i in data["innovations"]}
    unknown = [p for p in proposals or () if p not in known]
    if unknown:
        raise UsageError(
            f"{', '.join(unknown)}: not a live innovation of this cohort (approved or further); "
            "`lab iid PATH` lists them"
        )
    if proposals:
        data["innovations"] = [i for i in data["innovations"] if i["id"] in proposals]
    if as_json:
        _echo_json(data)
        return
    print_iid(data, detail=bool(proposals))


@app.command()
def coverage(path: Workspace, as_json: Json = False) -> None:
    """Coverage, "1 OPD 1 Inovasi": live innovations (approved or further) per unit type and per unit against the
    target in cohort.toml ([assessment] target); the units with none."""
    from lab.cli.assess_report import print_coverage
    from lab.outputs.coverage import coverage as cohort_coverage
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    with workspace_session(ws, writer=False) as (session, cohort):
        data = cohort_coverage(ws, session, cohort)
    if as_json:
        _echo_json(data)
        return
    print_coverage(data)
