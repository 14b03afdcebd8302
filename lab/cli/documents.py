"""`lab documents`: the formal documents a Pemda files (PP 38/2017 proposal form, commitment letter, KIPP draft)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from lab.cli.app import Workspace, app, open_ws, say


class Kind(StrEnum):
    proposal = "proposal"
    commitment = "commitment"
    kipp = "kipp"


class DocFormat(StrEnum):
    docx = "docx"
    pdf = "pdf"


@app.command("documents")
def documents_cmd(
    path: Workspace,
    proposal: Annotated[
        str | None, typer.Argument(help="Only this proposal (e.g. PBG-2026-001) and its team's letter.")
    ] = None,
    kind: Annotated[
        Kind | None,
        typer.Option(
            help="proposal (PP 38/2017 form), commitment (unit head's letter) or kipp (KIPP draft); "
            "default: all three."
        ),
    ] = None,  # fmt: skip
    format: Annotated[
        DocFormat, typer.Option("--format", help="docx (Word), or pdf through LibreOffice when installed.")
    ] = DocFormat.docx,
    templates: Annotated[
        bool,
        typer.Option(
            "--templates",
            help="Write the standard templates to PATH/templates/documents/ to "
            "restyle in Word, and nothing else.",
        ),
    ] = False,  # fmt: skip
) -> None:
    """Formal documents from the worksheets, written to PATH/documents/ (an edited file is never replaced)."""
    from lab.outputs.documents import write_documents, write_templates
    from lab.outputs.documents_words import KINDS
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    if templates:
        written, kept = write_templates(ws)
        for rel in written:
            say(f"template: {rel}")
        for rel in kept:
            say(f"kept the cohort's own {rel}")
        return
    kinds = (kind.value,) if kind else KINDS
    with workspace_session(ws) as (session, cohort):
        report = write_documents(ws, session, cohort, kinds, proposal, format.value)
    for w in report.written:
        kept = f" (kept the edited {w.kept})" if w.kept else ""
        say(f"{w.kind}: {w.path}{kept}")
        for flag in w.flags:
            say(f"  ! {flag}")
    if report.not_ready and proposal is not None:
        for line in report.not_ready:
            say(f"not yet: {line}")
    elif report.not_ready:
        say(f"not yet: {len(report.not_ready)} document(s) whose worksheets are not valid yet "
            f"(`lab documents {path} PROPOSAL` says which)")  # fmt: skip
    for problem in report.problems:
        say(f"error: {problem}", err=True)
    say(f"documents: {len(report.written)} written to {ws.root / 'documents'}")
    if report.problems:
        raise typer.Exit(1)
