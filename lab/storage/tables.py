"""Spreadsheets in and out: one CSV reader for every import, one cell rule for every sheet we write.

Reading (`Table`): the first line names the columns; `,` or `;` (what Excel writes in an Indonesian locale)
is told from it; a BOM is dropped. A cell longer than MAX_CELL, a quote left open, a column named twice, a
row with more or fewer cells than the header, more than `max_rows` rows or a control character is one error
naming the file and the line the row starts on. Rows whose cells are all blank are skipped.

Writing (`neutral`): a cell of user text that Excel or LibreOffice would take for a formula -- it starts with
`=`, `+`, `-`, `@` (or their full-width forms, perhaps after spaces), a tab or a line break -- gets one
apostrophe in front, as OWASP advises for CSV. Text already starting with apostrophes before such a character
gets one more, so `unneutral` (which takes one off) gives back exactly what was written: a sheet we wrote
reads back to the values we put in it (control characters, which no import accepts, excepted). In XLSX, where
a cell has a type, text is written as a text cell with Excel's quote-prefix style instead (lab.outputs.export).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

MAX_CELL = 131_072  # 128 KB: the csv module's own default, checked here whatever it is set to
MAX_ROWS = 1_000_000
DELIMITERS = (",", ";")

# a formula trigger, perhaps after apostrophes we (or a person) put in front; whitespace before `=` and the
# other signs is skipped by some spreadsheet imports, so it does not make the text safe
_FORMULA = re.compile(r"'*(?:[\t\r\n]|\s*[=+\-@\uff1d\uff0b\uff0d\uff20])")
# characters no cell of an import may hold (tab, line feed and carriage return are text)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# what a name may not hold: every control character, line and paragraph separators, and the invisible marks
# that change the direction text is shown in
_NAME_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FIRST_LINE = re.compile(r"[^\r\n]*")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(value: str) -> str:
    """`value` with any control character (no part of honest text, and not allowed in XLSX) shown as U+FFFD;
    tab and line breaks stay."""
    return value if value.isprintable() else _CONTROL.sub("\ufffd", value)  # the test first: it is cheaper


def formula_like(value: str) -> bool:
    """Whether a spreadsheet could take `value` for a formula (or it starts with apostrophes before one)."""
    return _FORMULA.match(value) is not None


def neutral(value: str) -> str:
    """`value` as a CSV cell that is never a formula: printable(), with an apostrophe in front where needed."""
    value = printable(value)
    return "'" + value if _FORMULA.match(value) else value


def unneutral(value: str) -> str:
    """The inverse of neutral(): the text a cell of a sheet we wrote stands for."""
    return value[1:] if value.startswith("'") and _FORMULA.match(value) else value


def neutral_row(values: Iterable[object]) -> list[object]:
    """A row for csv.writer with every text cell neutralised; numbers and empty cells stay as they are."""
    return [neutral(v) if isinstance(v, str) else v for v in values]


def clip(value: str, limit: int = 40) -> str:
    """`value` cut to `limit` characters for a message (a cell may hold 128 KB)."""
    return value if len(value) <= limit else value[: limit - 1] + "\u2026"


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def unsafe_char(value: str) -> str | None:
    """What is wrong with a control character inside free text (tab and line breaks allowed), or None."""
    found = None if value.isprintable() else _CONTROL.search(value)
    return None if found is None else f"contains a control character ({_code(found.group())}): remove it"


def unsafe_name(value: str) -> str | None:
    """What is wrong with a name (one line, no control or direction characters), or None."""
    found = _NAME_CONTROL.search(value)
    if found is not None:
        ch = found.group()
        if ch in "\n\r\x0b\x0c\x85\u2028\u2029":
            return f"must be one line: remove the line break ({_code(ch)})"
        return f"contains a control character ({_code(ch)}): remove it"
    found = _BIDI.search(value)
    if found is not None:
        return f"contains an invisible direction mark ({_code(found.group())}): remove it"
    return None


def _sniff(first_line: str) -> str:
    """`;` when the header line splits into more columns on `;` than on `,`."""
    counts = {}
    for d in DELIMITERS:
        try:
            counts[d] = len(next(csv.reader([first_line], delimiter=d), []))
        except csv.Error:
            counts[d] = 0
    return max(DELIMITERS, key=lambda d: counts[d])  # ties go to `,`, the first


class Table:
    """A CSV text read row by row; the header is read (and checked) when the table is made.

    `error` is the LabError subclass raised, with messages like `roster.csv:7: reason`; header names are
    stripped, and lower-cased when `fold_case`."""

    def __init__(
        self,
        text: str,
        source: str,
        error: type[Exception],
        fold_case: bool = False,
        max_rows: int = MAX_ROWS,
    ) -> None:
        self.source, self.error, self.max_rows = source, error, max_rows
        text = text.removeprefix("\ufeff")
        self.delimiter = _sniff(_FIRST_LINE.match(text).group())  # type: ignore[union-attr]
        self._reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, strict=True)
        self._line = 0  # the last line read
        first = self._next()
        names = [h.strip() for h in first or []]
        self.header = [h.lower() for h in names] if fold_case else names
        seen: dict[str, int] = {}
        for i, name in enumerate(self.header, 1):
            self._check(name, 1, "a column name")
            if name and name in seen:
                raise error(f"{source}:1: column {clip(name)!r} appears twice (columns {seen[name]} and {i}); "
                            "keep one")  # fmt: skip
            seen.setdefault(name, i)

    def missing(self, columns: Iterable[str]) -> list[str]:
        """The columns of `columns` the header lacks, in their order."""
        return [c for c in columns if c not in self.header]

    def fail(self, line: int, reason: str) -> Exception:
        return self.error(f"{self.source}:{line}: {reason}")

    def _next(self) -> list[str] | None:
        start = self._line + 1
        try:
            row = next(self._reader, None)
        except csv.Error as exc:
            raise self.fail(start, _csv_reason(str(exc))) from None
        self._line = self._reader.line_num
        return row

    def _check(self, cell: str, line: int, what: str) -> None:
        if len(cell) > MAX_CELL:
            raise self.fail(line, f"a cell is longer than {MAX_CELL // 1024} KB; shorten it")
        reason = unsafe_char(cell)
        if reason:
            raise self.fail(line, f"{what} {reason}")

    def _width_reason(self, cells: int, width: int) -> str:
        what = f"this row has {_n(cells, 'cell')} where the header has {_n(width, 'column')}"
        if cells < width:
            return f"{what}; give every column a cell, even an empty one"
        return f"{what}; put a cell that contains {self.delimiter!r} in double quotes"

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line, {column: cell}) for every row that is not blank; every column of the header is present."""
        width, n = len(self.header), 0
        while True:
            line = self._line + 1
            row = self._next()
            if row is None:
                return
            for i, cell in enumerate(row):
                self._check(cell, line, self.header[i] if i < width and self.header[i] else "a cell")
            if not any(c.strip() for c in row):
                continue
            n += 1
            if n > self.max_rows:
                raise self.fail(line, f"more than {self.max_rows:,} rows; split the file")
            if len(row) != width:  # Excel gives every row the header's width, so a difference is a mistake
                raise self.fail(line, self._width_reason(len(row), width))
            yield line, dict(zip(self.header, row, strict=True))


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _csv_reason(message: str) -> str:
    if "field larger than field limit" in message:
        return f"a cell is longer than {MAX_CELL // 1024} KB; shorten it"
    if "unexpected end of data" in message:
        return 'a double quote (") opens a cell that is never closed; close it or remove it'
    if "expected after" in message:
        return 'text after the closing double quote of a cell; write a quote inside a quoted cell as ""'
    return f"not a valid CSV row ({message}); save the sheet as CSV again"
