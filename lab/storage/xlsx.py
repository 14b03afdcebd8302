"""Reading an XLSX someone sent us, treated as hostile: the one workbook reader of every import.

An XLSX is a zip of XML parts. Before openpyxl opens it, the archive is checked: a bounded number of parts,
their declared sizes summed against MAX_UNPACKED (zipfile never inflates a part past its declared size, so a
zip bomb is refused before anything is inflated), and no XML part with a DTD (`<!DOCTYPE`/`<!ENTITY`: no
workbook Excel writes has one; it is how entity-expansion attacks start). openpyxl then reads it read-only,
and no more than MAX_CELLS cell elements (openpyxl builds a whole row before cutting it, so a row of a million
cells would cost gigabytes). openpyxl then reads it read-only, formulas are never evaluated (a formula cell is
reported as such: `Cell.formula`), and only the first `max_rows` x `max_cols` cells are read; a value in the
row or column just past them is an error.

Messages are in the cohort's language (`lang`, "id" or "en").
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

MAX_MEMBERS = 300  # parts of the archive; an Excel workbook of one or two sheets has about 15
MAX_UNPACKED = 10_000_000  # bytes of all parts inflated; a jury sheet of 200 innovations unpacks to ~0.2 MB
MAX_CELLS = 200_000  # cell elements in all worksheets: openpyxl parses a whole row before cutting it to size
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
_SCAN = 1 << 20

WORDS = {
    "id": {
        "not_xlsx": "bukan berkas Excel .xlsx yang dapat dibaca; simpan ulang sebagai Excel Workbook (.xlsx)",
        "members": "berisi lebih dari {n} bagian; ini bukan lembar kerja biasa",
        "unpacked": "bila dibuka berukuran lebih dari {mb} MB (arsip bom); berkas ditolak",
        "dtd": "bagian {part} memuat DTD (<!DOCTYPE); Excel tidak pernah menulisnya, berkas ditolak",
        "cells": "berisi lebih dari {n} sel; ini bukan lembar penilaian biasa",
        "rows": "lembar {sheet} berisi lebih dari {n} baris; hapus baris yang tidak dipakai",
        "cols": "lembar {sheet} berisi lebih dari {n} kolom; hapus kolom yang tidak dipakai",
    },
    "en": {
        "not_xlsx": "not a readable Excel .xlsx file; save it again as an Excel Workbook (.xlsx)",
        "members": "holds more than {n} parts; this is not an ordinary workbook",
        "unpacked": "would unpack to more than {mb} MB (a zip bomb); refused",
        "dtd": "part {part} holds a DTD (<!DOCTYPE); Excel never writes one, so the file is refused",
        "cells": "holds more than {n} cells; this is not an ordinary score sheet",
        "rows": "sheet {sheet} has more than {n} rows; delete the rows not in use",
        "cols": "sheet {sheet} has more than {n} columns; delete the columns not in use",
    },
}


@dataclass(frozen=True)
class Cell:
    """A cell as read: its value (str, int, float, bool, datetime or None) and whether it holds a formula (whose
    text is then the value, never its result)."""

    value: Any
    formula: bool = False


def is_xlsx(data: bytes) -> bool:
    """Whether `data` starts like a zip archive (an XLSX is one)."""
    return data[:4] == b"PK\x03\x04"


def read_sheets(
    data: bytes, source: str, error: type[Exception], lang: str, max_rows: int, max_cols: int
) -> dict[str, list[list[Cell]]]:
    """Every worksheet of an XLSX as rows of cells (row 1 first, trailing empty rows dropped); problems are
    one `error` naming `source`."""
    words = WORDS.get(lang, WORDS["en"])

    def fail(key: str, **params: Any) -> Exception:
        return error(f"{source}: {words[key].format(**params)}")

    _check_archive(data, fail)
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():  # Excel's extensions (e.g. its own data validation) only warn
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # noqa: BLE001 - a hostile archive may break openpyxl in any way; one message for all
        raise fail("not_xlsx") from None
    try:
        return {ws.title: _rows(ws, max_rows, max_cols, fail) for ws in book.worksheets}
    except error:
        raise
    except Exception:  # noqa: BLE001 - as above, for parts read lazily (the sheet XML)
        raise fail("not_xlsx") from None
    finally:
        book.close()


def _check_archive(data: bytes, fail) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_MEMBERS:
                raise fail("members", n=MAX_MEMBERS)
            if sum(p.file_size for p in parts) > MAX_UNPACKED:
                raise fail("unpacked", mb=MAX_UNPACKED // 1_000_000)
            names = {p.filename for p in parts}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise fail("not_xlsx")
            cells = 0
            for part in parts:
                if part.filename.endswith((".xml", ".rels", ".vml")):
                    dtd, found = _scan(archive, part)
                    if dtd:
                        raise fail("dtd", part=part.filename[:80])
                    cells += found  # every part: a worksheet may live anywhere its relationship points
                    if cells > MAX_CELLS:
                        raise fail("cells", n=f"{MAX_CELLS:,}")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, EOFError, OSError):
        raise fail("not_xlsx") from None


def _scan(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> tuple[bool, int]:
    """Whether a part holds a DTD, and how many cell elements it has."""
    tail, cells = b"", 0
    with archive.open(part) as fh:  # inflates at most the declared size, checked above
        while chunk := fh.read(_SCAN):
            buf = tail + chunk
            if _DTD.search(buf):
                return True, cells
            cells += sum(
                1 for m in _CELL.finditer(buf) if m.end() > len(tail)
            )  # not counted with the last chunk
            tail = buf[-16:]
    return False, cells


def _rows(ws, max_rows: int, max_cols: int, fail) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    # explicit bounds: without them openpyxl sizes every row by the sheet's own (attacker's) dimension tag
    for index, row in enumerate(ws.iter_rows(min_row=1, max_row=max_rows + 1, max_col=max_cols + 1), 1):
        line = [Cell(c.value, c.data_type == "f") for c in row]
        while line and line[-1].value is None:
            line.pop()
        if line and index > max_rows:
            raise fail("rows", sheet=ws.title[:40], n=max_rows)
        if len(line) > max_cols:
            raise fail("cols", sheet=ws.title[:40], n=max_cols)
        rows.append(line)
    while rows and not rows[-1]:
        rows.pop()
    return rows
