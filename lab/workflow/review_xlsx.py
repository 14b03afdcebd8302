"""Reading a coordinator's jury sheet (XLSX, lab.outputs.jury_sheet) back: for `lab review import`, and to keep
what a coordinator typed when the sheet is rewritten with new innovations.

The file is hostile (lab.storage.xlsx checks the archive first). It is a jury sheet when it has a sheet
"Penilaian" (or "Scores"), a header row starting with "Kode" (or "Code") in its first rows, and a column per
criterion of the cohort's rubric, named by the criterion's label or id; the weight in brackets is ignored, so a
changed weight does not make an old sheet unreadable. Scores typed as numbers (Excel saves 8 as 8 or 8.0) or as
text ("8") are read; 7.5, 11, a word, a date or a formula is refused with its row and column, in the cohort's
language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lab.domain.errors import UsageError
from lab.outputs.jury_sheet import SHEET, JuryRow, criterion_label, headers
from lab.storage.tables import MAX_CELL, clip, unsafe_char
from lab.storage.xlsx import Cell, read_sheets
from lab.workflow.review_rows import RowProblem

MAX_XLSX_BYTES = 5_000_000  # a jury sheet of 200 innovations is about 20 KB
MAX_ROWS, MAX_COLS = 5_000, 60
_HEAD_ROWS = 20  # the header row is looked for in this many first rows
_WEIGHT = re.compile(r"\s*\(\s*\d+(?:[.,]\d+)?\s*%\s*\)\s*$")
_WHOLE = re.compile(r"[0-9]{1,3}(?:[.,]0+)?")
_DECIMAL = re.compile(r"[0-9]{1,3}[.,][0-9]+")
FIXED = {"kode": "proposal", "code": "proposal", "nama inovasi": "title", "innovation": "title", "unit": "unit",
         "catatan": "note", "note": "note"}  # fmt: skip
REVIEWER = ("penilai", "reviewer")

WORDS = {
    "id": {
        "not_jury": 'bukan lembar penilaian juri: tidak ada lembar "Penilaian"; gunakan berkas reviews/<nama>.xlsx '
        "yang dibuat lab",
        "no_header": 'lembar {sheet} tidak memuat baris judul kolom yang diawali "Kode"; gunakan berkas yang '
        "dibuat lab",
        "no_column": "lembar {sheet} tidak memiliki kolom {name}; gunakan lembar terbaru dari folder reviews/",
        "twice_col": "kolom {name} muncul dua kali (kolom {a} dan {b}); hapus salah satu",
        "reviewer_formula": 'sel "Penilai" (B2) berisi rumus; ketik nama koordinator penilai',
        "where": "baris {row}, kolom {col}",
        "formula": "sel berisi rumus {text}; ketik nilainya saja",
        "long": "isi sel lebih dari {kb} KB; persingkat",
        "control": "sel memuat karakter kendali ({code}); hapus karakter itu",
        "twice": "{code} dinilai dua kali oleh {reviewer}; baris ini yang dihitung",
    },
    "en": {
        "not_jury": 'not a jury score sheet: it has no sheet "Scores"; use the reviews/<name>.xlsx file lab wrote',
        "no_header": 'sheet {sheet} has no header row starting with "Code"; use the file lab wrote',
        "no_column": "sheet {sheet} has no column {name}; use the latest sheet from the reviews/ folder",
        "twice_col": "column {name} appears twice (columns {a} and {b}); delete one",
        "reviewer_formula": 'the "Reviewer" cell (B2) holds a formula; type the coordinator\'s name',
        "where": "row {row}, column {col}",
        "formula": "the cell holds a formula {text}; type the value only",
        "long": "the cell is longer than {kb} KB; shorten it",
        "control": "the cell holds a control character ({code}); remove it",
        "twice": "{reviewer} scored {code} twice; this later row counts",
    },
}


@dataclass
class JuryBook:
    """A jury sheet as read: the reviewer cell, where each known column is, and the rows under the header."""

    lang: str
    source: str
    sheet: str
    reviewer: Cell
    reviewer_at: tuple[int, int]
    header: list[str]
    columns: dict[str, int]  # proposal, title, unit, note, <criterion id> -> 0-based column
    rows: list[tuple[int, list[Cell]]]  # (Excel row number, cells)

    def cell(self, cells: list[Cell], column: str) -> Cell:
        at = self.columns.get(column)
        return cells[at] if at is not None and at < len(cells) else Cell(None)

    def say(self, key: str, **params: Any) -> str:
        return WORDS[self.lang][key].format(**params)

    def at(self, row: int, column: str) -> str:
        """'baris 7, kolom D' for a column of a row (the reviewer cell for the reviewer)."""
        if column == "reviewer":
            row, col = self.reviewer_at
        else:
            col = self.columns.get(column, 0)
        return self.say("where", row=row, col=letter(col + 1))

    def explain(self, row: int, problem: RowProblem) -> str:
        """A row problem as one line naming the file, the row and the column, in the cohort's language."""
        label = self.header[self.columns[problem.column]] if problem.column in self.columns else None
        return f"{self.source}: {self.at(row, problem.column)}: {problem.text(self.lang, clip(label or '', 60) or None)}"

    def twice(self, row: int, reviewer: str, code: str) -> str:
        return f"{self.source}: {self.at(row, 'proposal')}: {self.say('twice', code=code, reviewer=reviewer)}"


def letter(n: int) -> str:
    """A 1-based column number as Excel's letters (1 -> A, 28 -> AB)."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def read_book(data: bytes, source: str, lang: str, rubric: dict[str, int]) -> JuryBook:
    """A jury sheet, or UsageError saying (in `lang`) why the file is not one."""
    lang = lang if lang in WORDS else "en"
    if len(data) > MAX_XLSX_BYTES:
        raise UsageError(f"{source}: file is larger than {MAX_XLSX_BYTES // 1_000_000} MB")
    sheets = read_sheets(data, source, UsageError, lang, MAX_ROWS, MAX_COLS)
    words = WORDS[lang]
    name = next((n for n in sheets if n.strip().casefold() in {s.casefold() for s in SHEET.values()}), None)
    if name is None:
        raise UsageError(f"{source}: {words['not_jury']}")
    rows = sheets[name]
    head = next((i for i, r in enumerate(rows[:_HEAD_ROWS]) if r and _text(r[0]).casefold() in FIXED
                 and FIXED[_text(r[0]).casefold()] == "proposal"), None)  # fmt: skip
    if head is None:
        raise UsageError(f"{source}: {words['no_header'].format(sheet=name)}")
    header = [_text(c) for c in rows[head]]
    columns = _columns(header, rubric, source, words)
    wanted = dict(
        zip(("proposal", *rubric), headers(rubric, lang)[:1] + headers(rubric, lang)[3:-1], strict=True)
    )
    for column, shown in wanted.items():
        if column not in columns:
            raise UsageError(f"{source}: {words['no_column'].format(sheet=name, name=repr(shown))}")
    reviewer, at = Cell(None), (2, 1)
    for i, r in enumerate(rows[:head]):
        if r and _text(r[0]).casefold() in REVIEWER:
            reviewer, at = (r[1] if len(r) > 1 else Cell(None)), (i + 1, 1)
    book = JuryBook(lang, source, name, reviewer, at, header, columns, [])
    book.rows = [(i, r) for i, r in enumerate(rows[head + 1 :], head + 2) if r]
    return book


def _columns(header: list[str], rubric: dict[str, int], source: str, words: dict) -> dict[str, int]:
    names = dict(FIXED)
    for c in rubric:
        for name in (c, criterion_label(c, "id"), criterion_label(c, "en")):
            names[name.casefold()] = c
    columns: dict[str, int] = {}
    for i, text in enumerate(header):
        column = names.get(_WEIGHT.sub("", text).strip().casefold())
        if column is None:
            continue
        if column in columns:
            shown = repr(clip(text, 60))
            a, b = letter(columns[column] + 1), letter(i + 1)
            raise UsageError(f"{source}: {words['twice_col'].format(name=shown, a=a, b=b)}")
        columns[column] = i
    return columns


def entries(book: JuryBook, rubric: dict[str, int]) -> Iterator[tuple[int, dict | list[str]]]:
    """(row, fields) for every row under the header, as the review service checks a CSV row; (row, messages)
    for a row with cells that cannot be taken (a formula, 7.5, 11, a word), one message per cell."""
    if book.reviewer.formula:
        raise UsageError(f"{book.source}: {book.say('reviewer_formula')}")
    reviewer = _text(book.reviewer)
    for row, cells in book.rows:
        fields = {"proposal": _text(book.cell(cells, "proposal")), "reviewer": reviewer}
        problems = []
        for column in ("proposal", "note", *rubric):
            cell = book.cell(cells, column)
            if cell.formula:
                problems.append(_formula(book, row, column, cell))
            elif column in rubric:
                text, key = score_text(cell.value)
                if key:
                    shown = {"code": clip(fields["proposal"].upper()), "criterion": column, "cell": text}
                    problems.append(book.explain(row, RowProblem(column, key, **shown)))
                fields[column] = "" if key else text
            else:
                fields[column] = _text(cell)
                if problem := _unsafe(fields[column]):
                    problems.append(
                        f"{book.source}: {book.at(row, column)}: {book.say(problem[0], **problem[1])}"
                    )
        yield row, problems or fields


def _unsafe(text: str) -> tuple[str, dict] | None:
    """Why a text cell is refused, as CSV cells are: longer than MAX_CELL, or a control character."""
    if len(text) > MAX_CELL:
        return "long", {"kb": MAX_CELL // 1024}
    found = re.search(r"U\+[0-9A-F]{4,6}", unsafe_char(text) or "")
    return ("control", {"code": found.group()}) if found else None


def _formula(book: JuryBook, row: int, column: str, cell: Cell) -> str:
    shown = repr(clip(str(cell.value), 40))
    return f"{book.source}: {book.at(row, column)}: {book.say('formula', text=shown)}"


def score_text(value: Any) -> tuple[str, str | None]:
    """A score cell as the text of a whole number 1-10 ('8' from 8, 8.0 or ' 8 '), '' when blank, or the cell
    as shown and why it is refused (not_whole, not_number, outside)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "", None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return clip(str(value)), "not_number"
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value), "not_number"
        return _ranged(int(value), f"{value:g}") if float(value).is_integer() else (f"{value:g}", "not_whole")
    text = value.strip()
    if _WHOLE.fullmatch(text):
        return _ranged(int(re.split(r"[.,]", text)[0]), text)
    if _DECIMAL.fullmatch(text):
        return text, "not_whole"
    return clip(text), "not_number"


def _ranged(value: int, shown: str) -> tuple[str, str | None]:
    return (str(value), None) if 1 <= value <= 10 else (shown, "outside")


def _text(cell: Cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def typed(book: JuryBook, rubric: dict[str, int]) -> list[JuryRow] | None:
    """The rows as the coordinator left them (scores and notes as typed), to write them again; None when the
    sheet holds something a rewrite could lose: a formula, a value in a row without a code or in a column that
    is not the rubric's."""
    known = set(book.columns.values())
    out = []
    for _, cells in book.rows:
        if any(c.formula for c in cells) or any(
            c.value is not None for i, c in enumerate(cells) if i not in known
        ):
            return None
        code = _text(book.cell(cells, "proposal")).upper()
        if not code:
            return None
        scores = {c: book.cell(cells, c).value for c in rubric if book.cell(cells, c).value is not None}
        title, unit = _text(book.cell(cells, "title")), _text(book.cell(cells, "unit"))
        out.append(JuryRow(code, title, unit, scores, book.cell(cells, "note").value))
    return out
