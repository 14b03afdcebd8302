"""The `lab` command: parses arguments, calls the service layer, prints. No rules live here.

Heavy modules (SQLModel, Jinja, Prefect) are imported inside commands so `lab --help` stays fast;
only `lab run` and `lab demo` import Prefect.
"""

from __future__ import annotations

import json
import sys
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from lab.domain.errors import LabError
from lab.domain.text import visible


def _say(text: str, err: bool = False) -> None:
    """One line that may quote what a team, an archive or an import wrote: shown, never obeyed."""
    typer.echo(visible(text), err=err)


class LabGroup(TyperGroup):
    """Maps every LabError to one clear line and its exit code, in one place."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LabError as exc:
            _say(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except OSError as exc:  # disk full, permission denied, …: the user can act on these
            where = f" ({exc.filename})" if exc.filename else ""
            _say(f"error: {exc.strerror or exc}{where}", err=True)
            raise typer.Exit(1) from None
        except Exception as exc:
            if type(exc).__module__.startswith("sqlalchemy"):
                reason = (str(getattr(exc, "orig", exc)).splitlines() or [""])[0]
                _say(f"error: database: {reason}", err=True)
                raise typer.Exit(9) from None
            raise


def _app(help_text: str) -> typer.Typer:
    return typer.Typer(cls=LabGroup, help=help_text, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False, rich_markup_mode=None)  # fmt: skip


app = _app(
    "Labinov: run an Innovation Laboratory cohort through drum-up, diagnose, design, deliver, display."
)
roster_app = _app("The roster of units and team members.")
answers_app = _app("Answers collected outside the worksheet files.")
review_app = _app("Coordinators' score sheets.")
app.add_typer(roster_app, name="roster")
app.add_typer(answers_app, name="answers")
app.add_typer(review_app, name="review")

Workspace = Annotated[Path, typer.Argument(help="The cohort's workspace folder.", show_default=False)]


class Lang(StrEnum):
    id = "id"
    en = "en"


def _stage_names() -> type[Enum]:
    from lab.stages import SLUGS

    return Enum("StageName", {s: s for s in SLUGS}, type=str)  # type: ignore[return-value]


StageName = _stage_names()


def _open(path: Path):
    from lab.workspace.settings import open_workspace

    return open_workspace(path)


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
    _say(f"created cohort {s.cohort_id} ({s.region}) in {path}")
    _say(f"next: lab roster import {path} roster.csv")


@roster_app.command("import")
def roster_import(
    path: Workspace,
    file: Annotated[Path, typer.Argument(help="CSV: unit,unit_type,member,role,email")],
) -> None:
    """Import the roster of units and members (replaces the workspace's roster.csv)."""
    from lab.workflow.roster import import_roster
    from lab.workspace.cohort import workspace_session

    ws = _open(path)
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
    """One pass of the cohort flow (Prefect): every stage ingests, advances and generates."""
    from lab.runtime.prefect_server import prefect_api
    from lab.workspace.lock import cohort_lock

    ws = _open(path)
    with cohort_lock(ws, wait):  # taken before Prefect starts, so "busy" costs nothing; the flow re-enters it
        with prefect_api():  # PREFECT_API_URL checked, or a temporary server that dies with this process
            from flows.cohort import cohort_flow
            from lab.workflow.progress import console_progress

            with console_progress(sys.stdout.isatty()):
                state = cohort_flow(
                    workspace=str(ws.root), until=until.value if until else None, return_state=True
                )
            result = state.result(raise_on_failure=False)
            if isinstance(result, BaseException):
                raise result  # not a problem the flow could name: a bug, shown as one
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
        _say(f"{kind}: {counts or 'none'}")


@app.command()
def status(
    path: Workspace,
    as_json: Annotated[bool, typer.Option("--json", help="Print the documented JSON object.")] = False,
) -> None:
    """Funnel per stage, teams, proposals, waiting and invalid worksheets."""
    from lab.outputs.status import status as cohort_status
    from lab.workspace.cohort import workspace_session

    ws = _open(path)
    with workspace_session(ws, writer=False) as (session, cohort):
        data = cohort_status(ws, session, cohort, detail=as_json)
    if as_json:
        from lab.domain.text import json_text

        typer.echo(json_text(data, indent=2 if sys.stdout.isatty() else None))
        return
    from lab.cli.report import print_status

    print_status(data)


@app.command()
def decide(
    path: Workspace,
    proposal: Annotated[str, typer.Argument(help="Proposal id, e.g. PBG-2026-001.")],
    by: Annotated[str, typer.Option(help="Who decides (a facilitator).")],
    approve: Annotated[bool, typer.Option("--approve", help="Approve a complete design.")] = False,
    return_: Annotated[
        bool, typer.Option("--return", help="Send a design back to the team (needs --note).")
    ] = False,
    drop: Annotated[bool, typer.Option("--drop", help="Drop the proposal.")] = False,
    reopen: Annotated[
        bool,
        typer.Option("--reopen", help="Reopen a dropped or withdrawn proposal (needs --note)."),
    ] = False,
    withdraw: Annotated[bool, typer.Option("--withdraw", help="Record that the team withdrew it.")] = False,
    shortlist: Annotated[bool, typer.Option("--shortlist", help="Shortlist an idea for design.")] = False,
    note: Annotated[str, typer.Option(help="Why; shown to the team and kept in the history.")] = "",
) -> None:
    """Decide at a gate: approve, return, drop, reopen, withdraw or shortlist a proposal."""
    from lab.domain.errors import UsageError
    from lab.workflow.decisions import decide as apply_decision
    from lab.workspace.cohort import find_proposal, workspace_session

    flags = {"approve": approve, "return": return_, "drop": drop, "reopen": reopen, "withdraw": withdraw,
             "shortlist": shortlist}  # fmt: skip
    chosen = [k for k, v in flags.items() if v]
    if len(chosen) != 1:
        raise UsageError(
            "choose exactly one of --approve, --return, --drop, --reopen, --withdraw, --shortlist"
        )
    ws = _open(path)
    with workspace_session(ws) as (session, cohort):
        p = find_proposal(session, cohort, proposal)
        before = p.state
        after = apply_decision(ws, session, cohort, p, chosen[0], by, note)
    _say(f"{p.code}: {before} -> {after} ({chosen[0]} by {by.strip()})")


@app.command()
def history(
    path: Workspace,
    proposal: Annotated[str, typer.Argument(help="Proposal id, e.g. PBG-2026-001.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The audit trail of one proposal: every transition with who, when and why."""
    from lab.workflow.decisions import history as audit
    from lab.workspace.cohort import find_proposal, workspace_session

    ws = _open(path)
    with workspace_session(ws) as (session, cohort):
        p = find_proposal(session, cohort, proposal)
        rows = audit(session, p)
        code, title, state = p.code, p.title, p.state
    if as_json:
        from lab.domain.text import json_text

        typer.echo(
            json_text(
                [
                    {
                        "at": r.at.isoformat(timespec="seconds"),
                        "from": r.from_state,
                        "to": r.to_state,
                        "event": r.event,
                        "actor": r.actor,
                        "note": r.note,
                    }
                    for r in rows
                ]
            )
        )
        return
    _say(f"{code} · {title} · now {state}")
    for r in rows:
        note = f"  — {r.note}" if r.note else ""
        _say(
            f"{r.at:%Y-%m-%d %H:%M:%S}  {r.from_state or '·':>11} -> {r.to_state:<11} {r.event:<16} by {r.actor}{note}"
        )


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

    ws = _open(path)
    entries = read_entries(file)
    with workspace_session(ws) as (session, cohort):
        report = import_answers(ws, session, cohort, entries, force)
    for b in report.backups:
        _say(f"kept a copy of the team's version: {b}")
    _say(f"answers: {len(report.written)} worksheet(s) written; `lab run {path}` will read them")
    for problem in report.problems:
        _say(f"error: {problem}", err=True)
    if report.problems:
        raise AnswersError(
            f"{len(report.problems)} entr{'y' if len(report.problems) == 1 else 'ies'} not imported"
        )


@app.command()
def showcase(path: Workspace) -> None:
    """(Re)build the display-stage showcase site in PATH/showcase/."""
    from lab.outputs.showcase import build_showcase
    from lab.workspace.cohort import workspace_session

    ws = _open(path)
    with workspace_session(ws) as (session, cohort):
        index = build_showcase(ws, session, cohort)
    typer.echo(f"showcase: {index}")


@review_app.command("import")
def review_import(
    path: Workspace,
    file: Annotated[Path, typer.Argument(help="CSV: proposal,reviewer,<criterion ids>,note; scores 1-10.")],
) -> None:
    """Import a coordinator's score sheet (replaces that coordinator's earlier scores)."""
    from lab.domain.errors import UsageError
    from lab.outputs.showcase import build_showcase
    from lab.workflow.review import import_reviews
    from lab.workspace.cohort import workspace_session

    ws = _open(path)
    with workspace_session(ws) as (session, cohort):
        report = import_reviews(ws, session, cohort, file)
        build_showcase(ws, session, cohort)
    who = ", ".join(report.reviewers) or "nobody"
    _say(f"review: {report.imported} score row(s) from {who}; {report.skipped_blank} not scored yet")
    if report.reviewed:
        _say(f"reviewed now: {', '.join(report.reviewed)}")
    for problem in report.problems:
        _say(f"error: {problem}", err=True)
    if report.problems:
        raise UsageError(f"{len(report.problems)} row(s) not imported; the others were kept")


class Format(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"


@app.command("export")
def export_cmd(
    path: Workspace,
    format: Annotated[
        Format, typer.Option("--format", help="csv (UTF-8 with BOM), xlsx or json.")
    ] = Format.csv,
    output: Annotated[Path | None, typer.Option(help="Where to write (default: PATH/exports/).")] = None,
) -> None:
    """One row per proposal: profile fields, state, weighted score and per-criterion means."""
    from lab.outputs.export import export
    from lab.workspace.cohort import workspace_session

    ws = _open(path)
    with workspace_session(ws) as (session, cohort):
        out, n = export(ws, session, cohort, format.value, output)
    typer.echo(f"export: {n} proposal(s) → {out}")


@app.command("backup")
def backup_cmd(
    path: Workspace,
    file: Annotated[Path, typer.Argument(help="The archive to write (.tar.gz), outside the workspace.")],
) -> None:
    """Write one archive of the workspace: a consistent database copy, worksheets, evidence, reviews, settings."""
    from lab.workspace.backup import backup

    manifest = backup(_open(path), file)
    rows = manifest["rows"]
    _say(
        f"backup: {file} ({manifest['files']} files, {rows['proposal']} proposals, {rows['transition']} audit rows)"
    )
    if skipped := manifest["skipped"]:
        more = f" and {len(skipped) - 1} more" if len(skipped) > 1 else ""
        _say(f"note: left out {skipped[0]}{more}: links and special files are not saved", err=True)


@app.command("restore")
def restore_cmd(
    file: Annotated[Path, typer.Argument(help="An archive written by `lab backup`.")],
    path: Annotated[Path, typer.Argument(help="A new, empty workspace folder.")],
    copy: Annotated[
        bool, typer.Option("--copy", help="Restore as a new cohort (new id) beside the original.")
    ] = False,
    templates: Annotated[
        bool,
        typer.Option(
            "--templates",
            help="Also restore the cohort's own worksheet templates (only from a "
            "backup you trust: they run each time worksheets are written).",
        ),
    ] = False,
) -> None:
    """Bring a backup back into a new workspace folder."""
    from lab.workspace.backup import restore

    ws, manifest = restore(file, path, copy, templates)
    _say(f"restored {manifest['cohort']} (backup of {manifest['created']}) into {ws.root}")
    if n := manifest["templates"]:
        _say(
            f"warning: restored {n} worksheet template file(s) into {ws.root / 'templates'}; they run each time "
            "worksheets are written: keep them only if you trust where this backup came from",
            err=True,
        )
    elif n := manifest["templates_skipped"]:
        _say(
            f"note: skipped {n} worksheet template file(s) in the archive; restore with --templates to bring "
            "them back",
            err=True,
        )


@app.command()
def schema(
    stage: Annotated[StageName | None, typer.Argument(help="A stage; all stages when omitted.")] = None,  # type: ignore[valid-type]
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help='Print the JSON Schema (2020-12); rules it cannot express are in "x-rules".'
        ),
    ] = False,
) -> None:
    """The worksheet schema of a stage (fields, types, labels, rules), or its JSON Schema."""
    from lab.stages import STAGES, get_stage

    chosen = [get_stage(stage.value)] if stage else list(STAGES)
    if as_json:
        docs = {s.slug: s.schema.model_json_schema() for s in chosen}
        typer.echo(json.dumps(docs[chosen[0].slug] if stage else docs, ensure_ascii=False, indent=2))
        return
    from lab.cli.report import print_schema

    for s in chosen:
        print_schema(s)


@app.command()
def states(
    mermaid: Annotated[bool, typer.Option("--mermaid", help="Print a Mermaid state diagram.")] = False,
    team: Annotated[
        bool, typer.Option("--team", help="The team life cycle instead of the proposal's.")
    ] = False,
) -> None:
    """The proposal life cycle (or the team's), drawn from the transition table."""
    from lab.domain import lifecycle

    kind = "team" if team else "proposal"
    if mermaid:
        typer.echo(lifecycle.mermaid(kind))
        return
    for m in lifecycle.MOVES[kind]:
        guard = "  (needs --note)" if m.needs_note else ""
        typer.echo(f"{m.source:>12} --{m.event}--> {m.target}{guard}")


@app.command()
def demo(
    path: Annotated[Path, typer.Argument(help="Where to create the demo cohort.")] = Path(
        "workspaces/demo-purbalingga"
    ),
    fresh: Annotated[bool, typer.Option(help="Delete an earlier demo in PATH first.")] = True,
) -> None:
    """A whole example cohort, all five stages, end to end (about six units of Kabupaten Purbalingga)."""
    from lab.runtime.demo import run_demo

    run_demo(path, fresh=fresh, echo=typer.echo)


def main() -> None:
    """Console-script entry point."""
    app()
