"""`lab documents`: the formal documents a Pemda files, written as Word files to the workspace's `documents/`.

Three kinds (documents_words.KINDS): the PP 38/2017 innovation proposal form (from design), the unit head's
commitment letter (from drum-up) and a KIPP proposal draft (from design, deliver and display, each section checked
against its word limit). Each is a docxtpl template filled with the worksheets' answers:

- the template is the standard one built in code (documents_build), or the cohort's own
  `templates/documents/<lang>/<kind>.docx` (`lab documents PATH --templates` writes the standard ones there to
  restyle). A cohort's file is untrusted: read through safefs, bounded in size and unpacked size, rendered in the
  worksheets' Jinja sandbox with XML escaping and a budget of steps and output (documents_sandbox);
- team text is a value of the template, never template code: `{{ 7*7 }}` typed in a worksheet is printed as typed;
- a document an office has edited since lab wrote it is never overwritten: lab keeps the hash of every file it
  writes (`documents/.written.json`) and writes the new draft under the next free name (`…-2.docx`);
- `--format pdf` converts with LibreOffice when this machine has it, and says so plainly when it has not.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from lab.domain.errors import LabError, TooLarge, UnsafePath, UsageError
from lab.domain.models import Cohort, Proposal
from lab.outputs.documents_build import template_bytes
from lab.outputs.documents_data import Document, documents_for
from lab.outputs.documents_words import KINDS
from lab.storage import safefs
from lab.storage.files import write_atomic
from lab.worksheets.render import digest
from lab.workspace.settings import Workspace

FOLDER = "documents"
MANIFEST = f"{FOLDER}/.written.json"
TEMPLATES = "templates/documents"
FORMATS = ("docx", "pdf")
MAX_TEMPLATE_BYTES = 10_000_000  # a letterhead with a logo fits many times over
MAX_UNPACKED_BYTES = 50_000_000  # what a cohort's template may unpack to (a zip bomb is refused)
MAX_PARTS = 500
MAX_DOCUMENT_BYTES = 50_000_000  # a file in documents/ read back to compare with what lab wrote
MAX_MANIFEST_BYTES = 5_000_000
MAX_NAMES = 100  # `<stem>-2.docx` … `<stem>-100.docx`
PDF_SECONDS = 120


@dataclass
class Written:
    """One document written: its kind, its path in the workspace, the path of an edited file it left alone,
    and what its content flags (KIPP sections over their limits or empty)."""

    kind: str
    path: str
    kept: str | None = None
    flags: list[str] = field(default_factory=list)


@dataclass
class DocumentsReport:
    written: list[Written] = field(default_factory=list)
    not_ready: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def write_documents(
    ws: Workspace, session: Session, cohort: Cohort, kinds: tuple[str, ...] = KINDS, code: str | None = None,
    fmt: str = "docx",
) -> DocumentsReport:  # fmt: skip
    """Write the documents of `kinds` for the cohort, or for one proposal, into `documents/`."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose {', '.join(FORMATS)}")
    if unknown := [k for k in kinds if k not in KINDS]:
        raise UsageError(f"unknown document kind {unknown[0]!r}; choose {', '.join(KINDS)}")
    converter = pdf_converter() if fmt == "pdf" else None
    if (
        code is not None
        and session.exec(
            select(Proposal.id).where(Proposal.cohort_id == cohort.id, Proposal.code == code)
        ).first()
        is None
    ):
        raise UsageError(f"no proposal {code} in cohort {ws.settings.cohort_id}; `lab status` lists them")
    templates = {k: cohort_template(ws, k) for k in kinds}
    safefs.ensure_dir(ws.root, FOLDER)  # a linked documents/ is refused before any work
    manifest = read_manifest(ws)
    report = DocumentsReport()
    try:
        for doc in documents_for(ws, session, cohort, kinds, code):
            if isinstance(doc, str):
                report.not_ready.append(doc)
                continue
            data = render(doc, *templates[doc.kind])
            if converter is not None:
                data = to_pdf(converter, data, doc.stem)
            try:
                rel, kept = save(ws, manifest, doc.stem, fmt, data)
            except UnsafePath as exc:
                report.problems.append(str(exc))
                continue
            report.written.append(Written(doc.kind, rel, kept, doc.flags))
    finally:
        write_atomic(
            ws.root / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode(), root=ws.root
        )
    return report


def pdf_converter() -> str:
    """LibreOffice's program, or UsageError: PDF is converted by it and by nothing else."""
    program = shutil.which("libreoffice") or shutil.which("soffice")
    if program is None:
        raise UsageError(
            "PDF needs LibreOffice (libreoffice or soffice on the PATH), and this machine has neither; install "
            "it (Debian: apt-get install libreoffice-writer) or write Word files with --format docx"
        )
    return program


def to_pdf(program: str, docx: bytes, stem: str) -> bytes:
    """A .docx converted by LibreOffice in a private temporary folder, outside the workspace."""
    with tempfile.TemporaryDirectory(prefix="lab-pdf-") as tmp:
        source = Path(tmp) / f"{stem}.docx"
        source.write_bytes(docx)
        env = os.environ | {"HOME": tmp}  # LibreOffice writes its profile under HOME
        try:
            done = subprocess.run(  # noqa: S603 - a fixed program and our own file
                [program, "--headless", "--convert-to", "pdf", "--outdir", tmp, str(source)],
                capture_output=True, timeout=PDF_SECONDS, env=env, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise UsageError(f"LibreOffice did not convert {stem} to PDF within {PDF_SECONDS} s") from None
        pdf = Path(tmp) / f"{stem}.pdf"
        if done.returncode != 0 or not pdf.is_file():
            said = (done.stderr or done.stdout).decode(errors="replace").strip().splitlines()
            raise UsageError(
                f"LibreOffice could not convert {stem} to PDF: {said[-1] if said else done.returncode}"
            )
        return pdf.read_bytes()


def cohort_template(ws: Workspace, kind: str) -> tuple[bytes, str | None]:
    """The template of a kind: the cohort's own `templates/documents/<lang>/<kind>.docx` (checked) when there is
    one, else the standard one; with the cohort file's workspace path (None for the standard)."""
    rel = f"{TEMPLATES}/{ws.settings.lang}/{kind}.docx"
    try:
        if safefs.check(ws.root, rel) is None:
            return template_bytes(kind, ws.settings.lang), None
        data = safefs.read_bytes(ws.root, rel, MAX_TEMPLATE_BYTES)
    except TooLarge as exc:
        raise UsageError(
            f"{rel} is larger than {MAX_TEMPLATE_BYTES // 1_000_000} MB ({exc.reason})"
        ) from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = z.infolist()
            if len(parts) > MAX_PARTS or sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
                raise UsageError(f"{rel} unpacks to more than {MAX_UNPACKED_BYTES // 1_000_000} MB; "
                                 "save it again from Word, or delete it to use the standard document")  # fmt: skip
    except zipfile.BadZipFile:
        raise UsageError(f"{rel} is not a Word document (.docx); save it from Word as .docx, or delete it "
                         "to use the standard document") from None  # fmt: skip
    return data, rel


def render(doc: Document, template: bytes, source: str | None) -> bytes:
    """The filled document: the template rendered in the sandbox, every value escaped for XML."""
    from docxtpl import DocxTemplate
    from jinja2 import StrictUndefined, TemplateError

    from lab.outputs.documents_sandbox import DocumentSandbox

    env = DocumentSandbox(undefined=StrictUndefined, autoescape=True)
    try:
        tpl = DocxTemplate(io.BytesIO(template))
        tpl.render(shielded(doc.context), jinja_env=env, autoescape=True)
        out = io.BytesIO()
        tpl.save(out)
    except LabError:
        raise
    except (TemplateError, KeyError, ValueError, TypeError, AttributeError, LookupError, zipfile.BadZipFile,
            SyntaxError, RecursionError) as exc:  # fmt: skip
        if source is None:
            raise
        detail = " ".join(str(getattr(exc, "message", None) or exc).split()).rstrip(".")[:300]
        raise UsageError(f"{source}: the document template fails ({detail or type(exc).__name__}); fix it in "
                         "Word, or delete it to use the standard document") from None  # fmt: skip
    return out.getvalue()


def shielded(value: Any) -> Any:
    """The context with every text kept as typed through docxtpl, which turns `{_{`, `}_}`, `{_%` and `%_}` in its
    output into `{{`, `}}`, `{%` and `%}` after rendering: a zero-width non-joiner after each `_` next to a brace
    or percent sign keeps them apart (nothing changes on the page)."""
    if isinstance(value, str):
        return re.sub(r"(?<=[{%}])_(?=[{%}])", "_\u200c", value)
    if isinstance(value, dict):
        return {k: shielded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shielded(v) for v in value]
    return value


def read_manifest(ws: Workspace) -> dict[str, str]:
    """What lab last wrote in documents/: file name -> sha256 (empty when absent or not readable as such)."""
    try:
        data = json.loads(safefs.read_bytes(ws.root, MANIFEST, MAX_MANIFEST_BYTES))
    except (FileNotFoundError, LabError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def save(ws: Workspace, manifest: dict[str, str], stem: str, ext: str, data: bytes) -> tuple[str, str | None]:
    """Write `data` as `documents/<stem>.<ext>`, unless that file was edited since lab wrote it: then under the
    first free name `<stem>-2.<ext>`, `<stem>-3.<ext>`, …; returns the path written and the edited one kept."""
    kept = None
    for n in range(1, MAX_NAMES + 1):
        name = f"{stem}.{ext}" if n == 1 else f"{stem}-{n}.{ext}"
        rel = f"{FOLDER}/{name}"
        if _ours(ws, rel, manifest.get(name)):
            write_atomic(ws.root / rel, data, root=ws.root)
            manifest[name] = digest(data)
            return rel, kept
        kept = kept or rel
    raise UsageError(
        f"{FOLDER}/ holds {MAX_NAMES} edited versions of {stem}.{ext}; move some away and run again"
    )


def _ours(ws: Workspace, rel: str, written: str | None) -> bool:
    """Whether lab may write `rel`: absent, or exactly as lab last wrote it."""
    if safefs.check(ws.root, rel) is None:
        return True
    if written is None:
        return False
    try:
        return digest(safefs.read_bytes(ws.root, rel, MAX_DOCUMENT_BYTES)) == written
    except TooLarge:
        return False


def write_templates(ws: Workspace) -> tuple[list[str], list[str]]:
    """The standard templates copied into `templates/documents/<lang>/` to restyle; one already there is kept.
    Returns the paths written and the paths kept."""
    written, kept = [], []
    for kind in KINDS:
        rel = f"{TEMPLATES}/{ws.settings.lang}/{kind}.docx"
        if safefs.check(ws.root, rel) is not None:
            kept.append(rel)
            continue
        write_atomic(ws.root / rel, template_bytes(kind, ws.settings.lang), root=ws.root)
        written.append(rel)
    return written, kept
