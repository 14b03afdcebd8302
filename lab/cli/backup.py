"""`lab backup` and `lab restore`: one archive of a workspace, and a new workspace from it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lab.cli.app import Workspace, app, open_ws, say


@app.command("backup")
def backup_cmd(
    path: Workspace,
    file: Annotated[Path, typer.Argument(help="The archive to write (.tar.gz), outside the workspace.")],
) -> None:
    """Write one archive of the workspace: a consistent database copy, worksheets, evidence, reviews, settings."""
    from lab.workspace.backup import backup

    manifest = backup(open_ws(path), file)
    rows = manifest["rows"]
    say(
        f"backup: {file} ({manifest['files']} files, {rows['proposal']} proposals, {rows['transition']} audit rows)"
    )
    if skipped := manifest["skipped"]:
        more = f" and {len(skipped) - 1} more" if len(skipped) > 1 else ""
        say(f"note: left out {skipped[0]}{more}: links and special files are not saved", err=True)


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
    from lab.workflow.restore import restore_workspace

    ws, manifest = restore_workspace(file, path, copy, templates)
    say(f"restored {manifest['cohort']} (backup of {manifest['created']}) into {ws.root}")
    if n := manifest["templates"]:
        say(
            f"warning: restored {n} worksheet template file(s) into {ws.root / 'templates'}; they run each time "
            "worksheets are written: keep them only if you trust where this backup came from",
            err=True,
        )
    elif n := manifest["templates_skipped"]:
        say(
            f"note: skipped {n} worksheet template file(s) in the archive; restore with --templates to bring "
            "them back",
            err=True,
        )
