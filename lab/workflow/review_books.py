"""Writing each coordinator's jury workbook (`reviews/<coordinator>.xlsx`) after a run, never losing what they typed.

A workbook that is not there is written fresh. One that is there is read back (lab.workflow.review_xlsx): the
scores and notes typed in it are kept, rows for new innovations are added and the titles, units and headers
brought up to date; it is left as it is when nothing would change, or when it cannot be read safely or holds
something a rewrite could lose (a formula, a value outside the table) -- `lab review import` then says what
is wrong with it.
"""

from __future__ import annotations

from lab.domain.errors import LabError
from lab.outputs.jury_sheet import JuryRow, build_book, headers
from lab.storage import safefs
from lab.storage.files import write_atomic
from lab.storage.tables import printable
from lab.workflow.review_xlsx import MAX_XLSX_BYTES, read_book, typed
from lab.workspace.settings import Workspace, sheet_rel


def book_rel(coordinator: str) -> str:
    """The workspace-relative path of a coordinator's jury workbook, beside their CSV sheet."""
    return sheet_rel(coordinator).removesuffix(".csv") + ".xlsx"


def write_book(ws: Workspace, coordinator: str, rows) -> list[str]:
    """Write or update one coordinator's workbook from (code, title, unit) rows; returns [its path] if written."""
    settings = ws.settings
    rel = book_rel(coordinator)
    path = safefs.writable(ws.root, rel)  # no linked reviews/ folder or workbook is written through
    fresh = [
        JuryRow(code, printable(title or "").strip(), printable(unit or "").strip())
        for code, title, unit in rows
    ]
    try:
        current: bytes | None = safefs.read_bytes(ws.root, rel, MAX_XLSX_BYTES)
    except FileNotFoundError:
        current = None
    except LabError:  # too large, or not a regular file: leave it; the import explains
        return []
    if current is not None:
        merged = _merged(current, rel, coordinator, settings.rubric, settings.lang, fresh)
        if merged is None:
            return []
        fresh = merged
    title = f"{settings.title or settings.region} ({settings.cohort_id})"
    write_atomic(path, build_book(title, coordinator, settings.rubric, fresh, settings.lang), ws.root)
    return [rel]


def _merged(
    current: bytes, rel: str, coordinator: str, rubric: dict[str, int], lang: str, fresh: list[JuryRow]
) -> list[JuryRow] | None:
    """The rows to write over a workbook already there, with what was typed in it; None to leave it."""
    try:
        book = read_book(current, rel, lang, rubric)
    except LabError:
        return None
    kept = typed(book, rubric)
    if kept is None:
        return None
    by_code = {r.code: r for r in kept}
    merged = []
    for row in fresh:
        old = by_code.pop(row.code, None)
        merged.append(JuryRow(row.code, row.title, row.unit, old.scores, old.note) if old else row)
    merged += by_code.values()  # a row the cohort no longer lists keeps what was typed in it
    reviewer = book.reviewer.value
    same = book.header == headers(rubric, lang) and reviewer == coordinator and merged == kept
    return None if same else merged
