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
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, BinaryIO

from sqlmodel import Session

from lab.domain.errors import UsageError
from lab.domain.models import Cohort
from lab.outputs.export_profiles import PROFILES, profile_columns, profile_rows
from lab.outputs.export_profiles import WIDTHS as PROFILE_WIDTHS
from lab.outputs.profiles import Profile, profiles
from lab.outputs.scores import scoreboard
from lab.outputs.showcase_text import option_label
from lab.stages import get_stage
from lab.storage import safefs
from lab.storage.files import file_mode, output_file
from lab.storage.tables import formula_like, neutral, printable
from lab.worksheets.spec import FieldSpec, describe
from lab.workspace.settings import Workspace

FORMATS = ("csv", "xlsx", "json")
PROFILE_FIELDS = (
    ("design", "form"), ("design", "kind"), ("design", "affair"), ("design", "initiator"), ("deliver", "maturity"),
    ("design", "trial_start"), ("design", "trial_end"), ("design", "implementation_start"), ("deliver", "launch_date"),
    ("deliver", "decree_level"), ("deliver", "decree"), ("deliver", "decree_date"), ("deliver", "beneficiaries"),
    ("design", "design"), ("design", "objectives"), ("design", "benefits"), ("design", "expected_results"),
    ("deliver", "results"), ("display", "video"),
)  # fmt: skip
"""The worksheet fields of the national innovation profile as (stage, field id), in its column order. The order
mixes two stages, so it is declared here; each field is looked up in its stage's schema when this module is
imported, and one that is not there stops the import (a renamed field never exports an empty column)."""
YES_NO = {("design", "kind"): ("digital", {"digital": "yes", "non_digital": "no"})}
"""Choices the profile asks as a yes/no question: (column, the answer for each of the choice's values)."""


@dataclass(frozen=True)
class ProfileColumn:
    """One export column answered by a worksheet field; its name is the field id unless YES_NO renames it."""

    name: str
    stage: str
    spec: FieldSpec
    yes_no: dict[str, str] | None = None

    def value(self, answers: dict[str, Any], lang: str) -> Any:
        """The cell for a proposal's answers to this column's stage ('' when unanswered, numbers stay numbers)."""
        fid = self.spec.id
        if self.yes_no is not None:
            return self.yes_no.get(answers.get(fid), "")
        if self.spec.kind == "choice":
            return option_label(fid, answers.get(fid), lang)
        if self.spec.python is int:
            return answers.get(fid, "")  # 0 is an answer
        return answers.get(fid) or ""


def _profile_columns() -> tuple[ProfileColumn, ...]:
    """PROFILE_FIELDS read from the stage schemas; LookupError for a field or stage that is not there."""
    answered = {f.name for f in fields(Profile)}  # the stages whose answers a Profile carries
    out = []
    for slug, fid in PROFILE_FIELDS:
        if slug not in answered:
            raise LookupError(f"export column ({slug!r}, {fid!r}): a profile carries no answers of {slug!r}")
        spec = next((s for s in describe(get_stage(slug).schema) if s.id == fid), None)
        if spec is None:
            raise LookupError(f"export column ({slug!r}, {fid!r}): the {slug} worksheet has no field {fid!r}")
        name, yes_no = YES_NO.get((slug, fid), (fid, None))
        if yes_no is not None and set(yes_no) != set(spec.options):
            raise LookupError(f"export column {name!r}: say yes or no for each of {', '.join(spec.options)}")
        out.append(ProfileColumn(name, slug, spec, yes_no))
    return tuple(out)


PROFILE_COLUMNS = _profile_columns()
BASE_COLUMNS = (
    "id", "name", "unit", "unit_type", "state", *(c.name for c in PROFILE_COLUMNS),
    "evidence_count", "score", "reviews",
)  # fmt: skip
WIDTHS = {"id": 15, "name": 28, "unit": 30, "design": 60, "objectives": 40, "benefits": 40, "results": 40,
          "expected_results": 40, "decree": 30, "affair": 24, "decree_level": 30, "video": 40}  # fmt: skip


def columns(ws: Workspace) -> list[str]:
    return [*BASE_COLUMNS, *(f"score_{c}" for c in ws.settings.rubric)]


def rows(ws: Workspace, session: Session, cohort: Cohort) -> Iterator[dict[str, Any]]:
    """Export rows in proposal order."""
    lang = ws.settings.lang
    board = scoreboard(ws, session, cohort)  # one small dict per reviewed proposal
    for p in profiles(session, cohort):
        s = board.get(p.id)
        row = {"id": p.code, "name": p.design.get("title") or p.title, "unit": p.unit, "unit_type": p.unit_type,
               "state": p.state}  # fmt: skip
        for col in PROFILE_COLUMNS:
            row[col.name] = col.value(getattr(p, col.stage), lang)
        row |= {
            "evidence_count": len(p.evidence),
            "score": s["score"] if s else "",
            "reviews": s["reviews"] if s else 0,
        }
        for c in ws.settings.rubric:
            row[f"score_{c}"] = s["criteria"][c] if s else ""
        yield row


def default_output(ws: Workspace, fmt: str, profile: str | None = None) -> Path:
    """exports/<cohort>-innovations.<fmt>, or exports/<cohort>-<profile>.<fmt> for a portal's profile."""
    return ws.root / "exports" / f"{ws.settings.cohort_id.lower()}-{profile or 'innovations'}.{fmt}"


def export(
    ws: Workspace, session: Session, cohort: Cohort, fmt: str, output: Path | None = None,
    profile: str | None = None,
) -> tuple[Path, int]:  # fmt: skip
    """Write the export (the plain one, or a portal's `profile`); returns its path and the number of rows."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose {', '.join(FORMATS)}")
    if profile is not None and profile not in PROFILES:
        raise UsageError(f"unknown profile {profile!r}; choose {', '.join(PROFILES)}")
    output = output or default_output(ws, fmt, profile)
    target = Path(os.path.normpath(output.absolute()))
    folder = _output_folder(ws, target)
    tmp = f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    writer = {"csv": _csv, "xlsx": _xlsx, "json": _json}[fmt]
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        with os.fdopen(os.open(tmp, flags, file_mode(), dir_fd=folder), "wb") as fh:
            if profile is None:
                n = writer(fh, columns(ws), rows(ws, session, cohort), ws)
            else:
                n = writer(fh, profile_columns(ws, profile), profile_rows(ws, session, cohort, profile), ws)
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
        sheet.column_dimensions[get_column_letter(i)].width = WIDTHS.get(c, PROFILE_WIDTHS.get(c, 14))
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
