"""A coordinator's jury sheet as an Excel workbook (`reviews/<coordinator>.xlsx`), in the cohort's language.

Sheet "Penilaian" ("Scores"): a title, the reviewer's name (row 2), a one-line hint, then the table from row 4:
Kode, Nama inovasi, Unit, one column per rubric criterion with its weight ("Kebaruan (30%)", the showcase's
names), Catatan. The sheet is protected with only the score and note cells of the innovations unlocked, and
the score cells take whole numbers 1-10 only (Excel's data validation, with the message in the cohort's
language). Sheet "Petunjuk" ("Guide") says how to fill it in and, per criterion, what it means and what a 1, a
5 and a 10 look like (lab.outputs.jury_guide).

Team text is written as text cells: a title such as `=HYPERLINK(...)` gets Excel's quote prefix and never
becomes a formula. Reading a sheet back is lab.workflow.review_xlsx, with the names and places defined here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from lab.outputs.jury_guide import COLUMNS, HOW, describe
from lab.outputs.showcase_text import LABELS
from lab.storage.tables import formula_like, printable

SHEET = {"id": "Penilaian", "en": "Scores"}
GUIDE = {"id": "Petunjuk", "en": "Guide"}
FIXED = {"id": ("Kode", "Nama inovasi", "Unit"), "en": ("Code", "Innovation", "Unit")}
NOTE = {"id": "Catatan", "en": "Note"}
REVIEWER = {"id": "Penilai", "en": "Reviewer"}
TITLE = {"id": "Lembar Penilaian Juri", "en": "Jury score sheet"}
HINT = {
    "id": "Isi bilangan bulat 1 sampai 10 pada kolom kriteria; baca lembar Petunjuk. Kolom abu-abu dikunci.",
    "en": "Type a whole number from 1 to 10 under each criterion; see the Guide sheet. Grey columns are locked.",
}
INVALID = {
    "id": ("Nilai tidak sah", "Isi bilangan bulat dari 1 sampai 10, tanpa koma atau huruf."),
    "en": ("Invalid score", "Type a whole number from 1 to 10, without decimals or letters."),
}
PROMPT = {"id": ("Nilai 1-10", "Bilangan bulat 1 sampai 10"), "en": ("Score 1-10", "A whole number 1 to 10")}
REVIEWER_ROW, HEADER_ROW = 2, 4  # the table starts below the header row
_XLSX_ERRORS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


@dataclass
class JuryRow:
    """One innovation on a jury sheet, with what the coordinator typed (kept as typed: number or text)."""

    code: str
    title: str
    unit: str
    scores: dict[str, Any] = field(default_factory=dict)
    note: Any = None


def criterion_label(criterion: str, lang: str) -> str:
    """A criterion's name as the showcase shows it ('Kebaruan'); its id for a criterion the showcase lacks."""
    return LABELS.get(lang, LABELS["en"]).get(f"crit_{criterion}", criterion)


def percents(rubric: dict[str, int]) -> dict[str, int]:
    """Each criterion's weight as a whole percentage of all weights."""
    total = sum(rubric.values())
    return {c: round(100 * w / total) for c, w in rubric.items()}


def headers(rubric: dict[str, int], lang: str) -> list[str]:
    """The table's column names: Kode, Nama inovasi, Unit, 'Kebaruan (30%)' ..., Catatan."""
    shares = percents(rubric)
    crits = [f"{criterion_label(c, lang)} ({shares[c]}%)" for c in rubric]
    return [*FIXED[lang], *crits, NOTE[lang]]


def build_book(title: str, coordinator: str, rubric: dict[str, int], rows: list[JuryRow], lang: str) -> bytes:
    """The workbook's bytes."""
    from openpyxl import Workbook

    lang = lang if lang in SHEET else "en"
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET[lang]
    _scores_sheet(sheet, title, coordinator, rubric, rows, lang)
    _guide_sheet(book.create_sheet(GUIDE[lang]), rubric, lang)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _scores_sheet(sheet, title: str, coordinator: str, rubric: dict, rows: list[JuryRow], lang: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    names = headers(rubric, lang)
    first, last = HEADER_ROW + 1, HEADER_ROW + max(len(rows), 1)
    _text(sheet.cell(1, 1), f"{TITLE[lang]} · {title}").font = Font(bold=True, size=13)
    sheet.cell(REVIEWER_ROW, 1, REVIEWER[lang]).font = Font(bold=True)
    _text(sheet.cell(REVIEWER_ROW, 2), coordinator)
    sheet.cell(3, 1, HINT[lang]).font = Font(italic=True)
    grey = PatternFill("solid", fgColor="E7E6E6")
    for col, name in enumerate(names, 1):
        cell = sheet.cell(HEADER_ROW, col, name)
        cell.font, cell.fill = Font(bold=True), grey
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    open_cell = Protection(locked=False)
    for n, row in enumerate(rows, first):
        for col, value in enumerate((row.code, row.title, row.unit), 1):
            _text(sheet.cell(n, col), value).fill = grey
        for col, criterion in enumerate(rubric, 4):
            _value(sheet.cell(n, col), row.scores.get(criterion)).protection = open_cell
        note = _value(sheet.cell(n, len(names)), row.note)
        note.protection, note.alignment = open_cell, Alignment(wrap_text=True, vertical="top")
    score_cols = f"D{first}:{get_column_letter(3 + len(rubric))}{last}"
    check = DataValidation(type="whole", operator="between", formula1="1", formula2="10", allow_blank=True)
    check.error, check.errorTitle = INVALID[lang][1], INVALID[lang][0]
    check.prompt, check.promptTitle = PROMPT[lang][1], PROMPT[lang][0]
    check.showErrorMessage = check.showInputMessage = True
    check.add(score_cols)
    sheet.add_data_validation(check)
    widths = [16, 42, 30, *[14] * len(rubric), 40]
    for col, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.row_dimensions[HEADER_ROW].height = 32
    sheet.freeze_panes = f"D{first}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    _protect(sheet)


def _protect(sheet) -> None:
    """Lock the sheet but let the coordinator widen columns, resize rows and select any cell; no password:
    protection guards against slips, and a coordinator who must unprotect it can."""
    sheet.protection.sheet = True
    sheet.protection.formatColumns = sheet.protection.formatRows = False


def _guide_sheet(sheet, rubric: dict[str, int], lang: str) -> None:
    from openpyxl.styles import Alignment, Font

    how = HOW[lang]
    sheet.cell(1, 1, how[0]).font = Font(bold=True, size=13)
    for n, line in enumerate(how[1:], 2):
        sheet.cell(n, 1, line)
    top = len(how) + 2
    for col, name in enumerate(COLUMNS[lang], 1):
        sheet.cell(top, col, name).font = Font(bold=True)
    shares = percents(rubric)
    wrap = Alignment(wrap_text=True, vertical="top")
    for n, criterion in enumerate(rubric, top + 1):
        values = (criterion_label(criterion, lang), f"{shares[criterion]}%", *describe(criterion, lang))
        for col, value in enumerate(values, 1):
            sheet.cell(n, col, value).alignment = wrap
    for col, width in zip("ABCDEF", (24, 8, 48, 36, 36, 36), strict=True):
        sheet.column_dimensions[col].width = width
    sheet.protection.sheet = True
    sheet.protection.formatColumns = sheet.protection.formatRows = False


def _text(cell, value: str):
    """Put text in a cell as text: never a formula or an error value, control characters shown as U+FFFD."""
    value = printable(value)
    cell.value = value
    if formula_like(value) or value in _XLSX_ERRORS:
        cell.data_type = "s"
        cell.quotePrefix = True  # Excel's apostrophe: editing the cell keeps it text
    return cell


def _value(cell, value: Any):
    """A value the coordinator typed, written back as it was: a number stays a number, text stays text."""
    if isinstance(value, str):
        return _text(cell, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
    elif value is not None:  # a date Excel made of "8/10", a TRUE: kept, as text, for the coordinator to fix
        _text(cell, str(value))
    return cell
