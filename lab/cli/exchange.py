"""What comes in from outside the worksheet files and what goes out: `lab answers import`, `lab showcase`,
`lab review import`, `lab review close`, `lab export`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from lab.cli.app import Workspace, answers_app, app, open_ws, review_app, say


@answers_app.command("import")
def answers_import(
    path: Workspace,
    file: Annotated[
        Path,
        typer.Argument(help='JSON {"worksheets": [...]} or CSV stage,team,proposal,field,value.'),
    ],
    force: Annotated[bool, typer.Option(help="Replace worksheets the team edited (a copy is kept).")] = False,
) -> None:
    """Write answers collected in a spreadsheet or JSON into the worksheet files."""
    from lab.domain.errors import AnswersError
    from lab.workflow.answers import import_answers, read_entries
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    entries = read_entries(file)
    with workspace_session(ws) as (session, cohort):
        report = import_answers(ws, session, cohort, entries, force)
    for b in report.backups:
        say(f"kept a copy of the team's version: {b}")
    say(f"answers: {len(report.written)} worksheet(s) written; `lab run {path}` will read them")
    for problem in report.problems:
        say(f"error: {problem}", err=True)
    if report.problems:
        raise AnswersError(
            f"{len(report.problems)} entr{'y' if len(report.problems) == 1 else 'ies'} not imported"
        )


@app.command()
def showcase(path: Workspace) -> None:
    """(Re)build the public showcase in PATH/showcase/ and the internal scoreboard in PATH/scoreboard/."""
    from lab.outputs.showcase import BOARD, build_showcase
    from lab.outputs.showcase_logo import find_logo
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    with workspace_session(ws) as (session, cohort):
        index = build_showcase(ws, session, cohort)
    typer.echo(f"showcase: {index}  (public: safe to publish)")
    typer.echo(f"scoreboard: {ws.root / BOARD / 'index.html'}  (internal: scores and jurors, do not publish)")
    if problem := find_logo(ws.root).problem:
        say(f"warning: {problem}", err=True)


@review_app.command("close")
def review_close(
    path: Workspace,
    by: Annotated[str, typer.Option(help="Who closes judging (a facilitator).")],
    reopen: Annotated[
        bool, typer.Option(help="Reopen judging: scores are taken again (needs --note).")
    ] = False,
    note: Annotated[str, typer.Option(help="Why; kept in the audit trail.")] = "",
) -> None:
    """Close judging: no more scores are taken and the public showcase names Juara I-III (--reopen undoes it)."""
    from lab.outputs.showcase import BOARD
    from lab.workflow.judging import close
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    with workspace_session(ws) as (session, cohort):
        done = close(ws, session, cohort, by, note, reopen)
    j = done.judging
    say(f"judging {'closed' if j.closed else 'reopened'} by {j.by} at {j.at:%Y-%m-%d %H:%M} UTC")
    for code, who in done.unscored.items():
        say(f"  {code}: not scored by {', '.join(who)}")
    if j.closed:
        say(f"public showcase (safe to publish), now with Juara I-III: {ws.root / 'showcase' / 'index.html'}")
    else:
        say(f"public showcase (safe to publish), places hidden again: {ws.root / 'showcase' / 'index.html'}")
    say(f"internal scoreboard (do not publish): {ws.root / BOARD / 'index.html'}")


@review_app.command("import")
def review_import(
    path: Workspace,
    file: Annotated[
        Path,
        typer.Argument(
            help="The coordinator's jury sheet reviews/<name>.xlsx, or a CSV (`,` or `;`) with columns "
            "proposal,reviewer,<criterion ids>,note; scores 1-10."
        ),
    ],
) -> None:
    """Import a coordinator's score sheet (XLSX or CSV): each scored row replaces that coordinator's earlier score
    of it."""
    from lab.domain.errors import UsageError
    from lab.workflow.review import import_and_publish
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    with workspace_session(ws) as (session, cohort):
        report = import_and_publish(ws, session, cohort, file)
    who = ", ".join(report.reviewers) or "nobody"
    say(f"review: {report.imported} score row(s) from {who}; {report.skipped_blank} not scored yet")
    if report.reviewed:
        say(f"reviewed now: {', '.join(report.reviewed)}")
    for problem in report.problems:
        say(f"error: {problem}", err=True)
    if report.problems:
        raise UsageError(f"{report.refused} row(s) not imported; the others were kept")


class Format(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


class ExportProfile(StrEnum):
    iid = "iid"
    kipp = "kipp"


@app.command("export")
def export_cmd(
    path: Workspace,
    format: Annotated[
        Format, typer.Option("--format", help="csv (UTF-8 with BOM), xlsx or json.")
    ] = Format.csv,
    output: Annotated[Path | None, typer.Option(help="Where to write (default: PATH/exports/).")] = None,
    profile: Annotated[
        ExportProfile | None,
        typer.Option(
            help="A portal's shape: iid (IID fields, level and evidence per indicator) or kipp (KIPP "
            "sections with word counts); default: the plain export."
        ),
    ] = None,
) -> None:
    """One row per proposal: profile fields, state, weighted score and per-criterion means (or --profile)."""
    from lab.outputs.export import export
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    with workspace_session(ws) as (session, cohort):
        out, n = export(ws, session, cohort, format.value, output, profile.value if profile else None)
    typer.echo(f"export: {n} {'innovation' if profile else 'proposal'}(s) → {out}")
