"""Exports for reporting (`lab export`): one row per proposal with the fields of the national innovation
profile, its state and its scores. Rows are streamed, so a national-scale cohort is never held in memory.

Every text is a team's: in CSV a text that a spreadsheet would take for a formula gets an apostrophe in front
(lab.storage.tables.neutral); in XLSX it is written as a text cell with Excel's quote prefix, so it is shown and read
back as typed and stays text when edited. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from sqlmodel import Session

from lab.domain.errors import UsageError
from lab.domain.models import Cohort
from lab.outputs.profiles import profiles
from lab.outputs.scores import scoreboard
from lab.outputs.showcase_text import option_label
from lab.storage import safefs
from lab.storage.files import FILE_MODE, output_file
from lab.storage.tables import formula_like, neutral, printable
from lab.workspace.settings import Workspace

FORMATS = ("csv", "xlsx", "json")
BASE_COLUMNS = (
    "id", "name", "unit", "unit_type", "state", "form", "digital", "affair", "initiator", "maturity",
    "trial_start", "implementation_start", "launch_date", "decree", "beneficiaries", "design", "objectives",
    "benefits", "expected_results", "results", "evidence_count", "score", "reviews",
)  # fmt: skip
WIDTHS = {"id": 15, "name": 28, "unit": 30, "design": 60, "objectives": 40, "benefits": 40, "results": 40,
          "expected_results": 40, "decree": 30, "affair": 24}  # fmt: skip


def columns(ws: Workspace) -> list[str]:
    return [*BASE_COLUMNS, *(f"score_{c}" for c in ws.settings.rubric)]


def rows(ws: Workspace, session: Session, cohort: Cohort) -> Iterator[dict[str, Any]]:
    """Export rows in proposal order."""
    lang = ws.settings.lang
    board = scoreboard(ws, session, cohort)  # one small dict per reviewed proposal
    for p in profiles(session, cohort):
        d, v, s = p.design, p.deliver, board.get(p.id)
        kind = d.get("kind")
        row = {
            "id": p.code, "name": d.get("title") or p.title, "unit": p.unit, "unit_type": p.unit_type, "state": p.state,
            "form": option_label("form", d.get("form"), lang), "digital": {"digital": "yes", "non_digital": "no"}.get(kind, ""),
            "affair": option_label("affair", d.get("affair"), lang),
            "initiator": option_label("initiator", d.get("initiator"), lang),
            "maturity": option_label("maturity", v.get("maturity"), lang),
            "trial_start": d.get("trial_start") or "", "implementation_start": d.get("implementation_start") or "",
            "launch_date": v.get("launch_date") or "", "decree": v.get("decree") or "",
            "beneficiaries": v.get("beneficiaries", ""), "design": d.get("design") or "",
            "objectives": d.get("objectives") or "", "benefits": d.get("benefits") or "",
            "expected_results": d.get("expected_results") or "", "results": v.get("results") or "",
            "evidence_count": len(p.evidence), "score": s["score"] if s else "", "reviews": s["reviews"] if s else 0,
        }  # fmt: skip
        for c in ws.settings.rubric:
            row[f"score_{c}"] = s["criteria"][c] if s else ""
        yield row


def default_output(ws: Workspace, fmt: str) -> Path:
    return ws.root / "exports" / f"{ws.settings.cohort_id.lower()}-innovations.{fmt}"


def export(
    ws: Workspace, session: Session, cohort: Cohort, fmt: str, output: Path | None = None
) -> tuple[Path, int]:
    """Write the export; returns its path and the number of rows."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose {', '.join(FORMATS)}")
    output = output or default_output(ws, fmt)
    target = Path(os.path.normpath(output.absolute()))
    folder = _output_folder(ws, target)
    tmp = f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    writer = {"csv": _csv, "xlsx": _xlsx, "json": _json}[fmt]
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        with os.fdopen(os.open(tmp, flags, FILE_MODE, dir_fd=folder), "wb") as fh:
            n = writer(fh, columns(ws), rows(ws, session, cohort), ws)
        # the rename replaces whatever entry is there (a link too), it never writes through it
        os.replace(tmp, target.name, src_dir_fd=folder, dst_dir_fd=folder)
    finally:
        try:
            os.unlink(tmp, dir_fd=folder)
        except FileNotFoundError:
            pass
        os.close(folder)
    return output, n


def _output_folder(ws: Workspace, output: Path) -> int:
    """A descriptor of the folder to write into. Inside the workspace it is reached through lab.storage.safefs (a
    linked `exports/` is refused, nothing is written outside); elsewhere it is the facilitator's choice."""
    try:
        rel = output.parent.relative_to(os.path.normpath(ws.root))
    except ValueError:
        output = output_file(output, UsageError)
        return os.open(output.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    return safefs.open_dir(ws.root, rel.as_posix(), create=True)


def _csv(fh: BinaryIO, cols: list[str], data: Iterator[dict], ws: Workspace) -> int:
    n = 0
    with io.TextIOWrapper(fh, encoding="utf-8-sig", newline="") as text:  # BOM so that Excel reads UTF-8
        w = csv.DictWriter(text, cols, lineterminator="\r\n")
        w.writeheader()
        for row in data:
            w.writerow({k: _cell(v) for k, v in row.items()})
            n += 1
    return n


def _xlsx(fh: BinaryIO, cols: list[str], data: Iterator[dict], ws: Workspace) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(ws.settings.cohort_id)
    sheet.freeze_panes = "A2"
    for i, c in enumerate(cols, 1):
        sheet.column_dimensions[get_column_letter(i)].width = WIDTHS.get(c, 14)
    bold = Font(bold=True)
    header = []
    for c in cols:
        cell = WriteOnlyCell(sheet, value=c)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    n = 0
    for row in data:
        sheet.append([_xlsx_cell(sheet, row[c]) for c in cols])
        n += 1
    book.save(fh)
    return n


def _cell(value: Any) -> Any:
    """A CSV cell: text never a formula (numbers, written by us, stay as they are)."""
    return neutral(value) if isinstance(value, str) else value


_XLSX_ERRORS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


def _xlsx_cell(sheet, value: Any) -> Any:
    """An XLSX cell: text stays text (openpyxl would make `=…` a formula and `#N/A` an error value)."""
    if not isinstance(value, str):
        return value
    value = printable(value)  # XLSX cannot hold control characters
    if not formula_like(value) and value not in _XLSX_ERRORS:
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True  # Excel's apostrophe: editing the cell keeps it text
    return cell


def _json(fh: BinaryIO, cols: list[str], data: Iterator[dict], ws: Workspace) -> int:
    n = 0
    with io.TextIOWrapper(fh, encoding="utf-8") as text:
        head = {"cohort": ws.settings.cohort_id, "region": ws.settings.region, "rubric": ws.settings.rubric}
        text.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "proposals": [\n')
        for row in data:
            text.write((",\n" if n else "") + json.dumps(row, ensure_ascii=False))
            n += 1
        text.write("\n]}\n")
    return n
