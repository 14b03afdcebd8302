"""The jury workbook: written with locked columns, 1-10 validation and a guide; filled the way Excel saves it and
imported; bad cells refused with their row and column; hostile archives refused before they are opened; a
rewrite keeps what a coordinator typed. And a `;` CSV from Indonesian Excel imports too."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from lab.cli.app import app
from lab.domain.models import Review
from lab.workflow.review import write_review_sheets
from lab.workflow.review_books import write_book
from lab.workspace.cohort import workspace_session
from lab.workspace.settings import open_workspace
from tests.helpers import drive_to_display, proposals

COORDINATORS = ["Ir. Bambang Hermanto", "Dra. Sri Rahayu"]
HEADER = ["Kode", "Nama inovasi", "Unit", "Kebaruan (30%)", "Kemanfaatan (25%)",
          "Kewenangan dan kolaborasi (15%)", "Replikasi (20%)", "Penguasaan materi (10%)", "Catatan"]  # fmt: skip


def _with_coordinators(ws):
    path = ws.root / "cohort.toml"
    path.write_text(
        path.read_text().replace("coordinators = []", f"coordinators = {json.dumps(COORDINATORS)}")
    )
    return open_workspace(ws.root)


@pytest.fixture
def jury_ws(ws):
    ws = _with_coordinators(ws)
    drive_to_display(ws, 2)  # PBG-2026-001 and PBG-2026-003 are showcased
    return ws


def _book(ws, who=COORDINATORS[0]):
    return (
        ws.root
        / "reviews"
        / ("ir-bambang-hermanto.xlsx" if who == COORDINATORS[0] else "dra-sri-rahayu.xlsx")
    )


def _fill(path, rows: dict[int, list], out=None):
    """Type values into rows (Excel row number -> values from column D on) and save, as Excel would."""
    book = load_workbook(path)
    sheet = book["Penilaian"]
    for row, values in rows.items():
        for col, value in enumerate(values, 4):
            sheet.cell(row, col).value = value
    book.save(out or path)
    return out or path


def _import(runner, ws, path):
    return runner.invoke(app, ["review", "import", str(ws.root), str(path)])


def _reviews(ws):
    with workspace_session(ws) as (session, cohort):
        return {
            (r.reviewer, r.proposal_id): (r.scores, r.note)
            for r in session.exec(select(Review).where(Review.cohort_id == cohort.id))
        }


def test_each_coordinator_gets_a_protected_validated_workbook_with_a_guide(jury_ws):
    for who in COORDINATORS:
        book = load_workbook(_book(jury_ws, who))
        assert book.sheetnames == ["Penilaian", "Petunjuk"]
        sheet = book["Penilaian"]
        assert sheet["A2"].value == "Penilai" and sheet["B2"].value == who
        assert [c.value for c in sheet[4]] == HEADER
        assert [sheet.cell(r, 1).value for r in (5, 6)] == ["PBG-2026-001", "PBG-2026-003"]
        assert sheet.protection.sheet is True
        assert all(sheet.cell(5, c).protection.locked for c in (1, 2, 3))  # code, name, unit locked
        assert not any(sheet.cell(r, c).protection.locked for r in (5, 6) for c in range(4, 10))
        [check] = sheet.data_validations.dataValidation
        assert (check.type, check.operator, check.formula1, check.formula2) == ("whole", "between", "1", "10")
        assert str(check.sqref) == "D5:H6" and check.showErrorMessage
        assert check.error == "Isi bilangan bulat dari 1 sampai 10, tanpa koma atau huruf."
    guide = {r[0]: r for r in book["Petunjuk"].iter_rows(values_only=True) if r[0]}
    assert guide["Kriteria"] == ("Kriteria", "Bobot", "Artinya", "Nilai 1", "Nilai 5", "Nilai 10")
    novelty = guide["Kebaruan"]
    assert novelty[1] == "30%" and "PP 38/2017" in novelty[2] and "nama baru" in novelty[3]
    assert "Sudah direplikasi" in guide["Replikasi"][5]
    assert all(
        len(guide[name]) == 6 and all(guide[name][2:]) for name in ("Kemanfaatan", "Penguasaan materi")
    )


def test_a_workbook_filled_excel_style_imports(jury_ws, runner):
    ws = jury_ws
    # Excel saves a typed 8 as a number (read back as 8.0 when written as a float); text "9" is taken too
    path = _fill(_book(ws), {5: [8.0, 9, "9", 7.0, 8, "Paparan jelas"], 6: [6, 7.0, 8, 7, 7, None]})
    result = _import(runner, ws, path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("review: 2 score row(s) from Ir. Bambang Hermanto; 0 not scored yet")
    scores = sorted(_reviews(ws).values(), key=lambda v: v[1])
    assert scores[1] == ({"novelty": 8.0, "benefit": 9.0, "collaboration": 9.0, "replicability": 7.0,
                          "mastery": 8.0}, "Paparan jelas")  # fmt: skip
    # the second coordinator scores one innovation: that one is reviewed, the other waits
    _fill(_book(ws, COORDINATORS[1]), {5: [9, 9, 9, 9, 9, None]})
    assert _import(runner, ws, _book(ws, COORDINATORS[1])).exit_code == 0
    assert proposals(ws)["PBG-2026-001"] == "reviewed" and proposals(ws)["PBG-2026-003"] == "showcased"


def test_a_semicolon_csv_from_indonesian_excel_imports(jury_ws, runner, tmp_path):
    head = "proposal;reviewer;novelty;benefit;collaboration;replicability;mastery;note;title;unit"
    row = 'PBG-2026-003;Dra. Sri Rahayu;8;7;9;8;8;"baik; rapi";Ide 1;Unit Uji 002'
    f = tmp_path / "nilai.csv"
    f.write_bytes(b"\xef\xbb\xbf" + f"{head}\r\n{row}\r\n".encode())
    result = _import(runner, jury_ws, f)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("review: 1 score row(s) from Dra. Sri Rahayu; 0 not scored yet")
    [(scores, note)] = _reviews(jury_ws).values()
    assert scores["collaboration"] == 9.0 and note == "baik; rapi"


BAD_CELLS = [
    ("eleven", {5: [11, 8, 8, 8, 8]},
     "ir-bambang-hermanto.xlsx: baris 5, kolom D: PBG-2026-001: nilai Kebaruan (30%) 11 di luar rentang 1-10; "
     "isi bilangan bulat 1 sampai 10"),
    ("a-half", {5: [8, 7.5, 8, 8, 8]},
     "ir-bambang-hermanto.xlsx: baris 5, kolom E: PBG-2026-001: nilai Kemanfaatan (25%) 7.5 bukan bilangan bulat; "
     "isi bilangan bulat 1 sampai 10"),
    ("a-half-as-text", {6: [8, 8, "7,5", 8, 8]},
     "ir-bambang-hermanto.xlsx: baris 6, kolom F: PBG-2026-003: nilai Kewenangan dan kolaborasi (15%) 7,5 bukan "
     "bilangan bulat; isi bilangan bulat 1 sampai 10"),
    ("a-word", {5: [8, 8, 8, "delapan", 8]},
     "ir-bambang-hermanto.xlsx: baris 5, kolom G: PBG-2026-001: nilai Replikasi (20%) 'delapan' bukan angka; "
     "isi bilangan bulat 1 sampai 10"),
    ("a-formula", {5: [8, 8, 8, 8, "=4+4"]},
     "ir-bambang-hermanto.xlsx: baris 5, kolom H: sel berisi rumus '=4+4'; ketik nilainya saja"),
    ("a-missing-score", {6: [8, None, 8, 8, 8]},
     "ir-bambang-hermanto.xlsx: baris 6, kolom E: PBG-2026-003: nilai Kemanfaatan (25%) belum diisi; isi semua "
     "kriteria atau kosongkan seluruh baris"),
]  # fmt: skip


def test_every_bad_cell_of_a_row_is_named(jury_ws, runner):
    path = _fill(_book(jury_ws), {5: [8.0, 11, 7.5, "delapan", 8.0, "catatan"], 6: [7, 7, 7, 7, 7]})
    result = _import(runner, jury_ws, path)
    assert result.exit_code == 2
    where = "error: ir-bambang-hermanto.xlsx: baris 5, kolom"
    assert [line.split(": ", 3)[2] for line in result.output.splitlines() if line.startswith(where)] == [
        "baris 5, kolom E",
        "baris 5, kolom F",
        "baris 5, kolom G",
    ]
    assert result.output.endswith("error: 1 row(s) not imported; the others were kept\n")
    assert len(_reviews(jury_ws)) == 1  # the good row is kept


def test_a_note_longer_than_a_csv_cell_is_refused(jury_ws, runner):
    """Excel stops a cell at 32,767 characters; a workbook made by hand may not, and is held to the CSV limit."""
    path = _fill(_book(jury_ws), {5: [8, 8, 8, 8, 8, "CATATAN"]})
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert sheet.count(b"CATATAN") == 1
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"CATATAN", b"x" * 200_000)
    path.write_bytes(_zip(parts))
    result = _import(runner, jury_ws, path)
    assert result.exit_code == 2
    assert "error: ir-bambang-hermanto.xlsx: baris 5, kolom I: isi sel lebih dari 128 KB; persingkat\n" in (
        result.output
    )


@pytest.mark.parametrize("case,rows,expected", BAD_CELLS, ids=[c[0] for c in BAD_CELLS])
def test_a_bad_cell_is_refused_with_its_row_and_column(jury_ws, runner, case, rows, expected):
    path = _fill(_book(jury_ws), rows)
    result = _import(runner, jury_ws, path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"error: {expected}\n" in result.output
    assert result.output.endswith("error: 1 row(s) not imported; the others were kept\n")


def test_an_unknown_code_and_a_wrong_reviewer_are_refused_in_place(jury_ws, runner):
    path = _book(jury_ws)
    book = load_workbook(path)
    sheet = book["Penilaian"]
    sheet["A6"].value = "PBG-2026-999"
    sheet["B2"].value = "Orang Lain"
    for col in range(4, 9):
        sheet.cell(6, col).value = 8
    book.save(path)
    result = _import(runner, jury_ws, path)
    assert (
        "error: ir-bambang-hermanto.xlsx: baris 2, kolom B: 'Orang Lain' bukan koordinator penilai cohort ini"
        in (result.output)
    )
    sheet["B2"].value = COORDINATORS[0]
    book.save(path)
    result = _import(runner, jury_ws, path)
    assert (
        "error: ir-bambang-hermanto.xlsx: baris 6, kolom A: PBG-2026-999 bukan inovasi yang dipamerkan di "
        in (result.output)
    )


def _workbook(build) -> bytes:
    book = Workbook()
    build(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _refused(runner, ws, tmp_path, data: bytes, name="juri.xlsx"):
    f = tmp_path / name
    f.write_bytes(data)
    result = _import(runner, ws, f)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    return result.output


def test_a_workbook_that_is_not_a_jury_sheet_is_refused(jury_ws, runner, tmp_path):
    other = _workbook(lambda b: b.active.append(["Nama", "Nilai"]))
    assert _refused(runner, jury_ws, tmp_path, other) == (
        'error: juri.xlsx: bukan lembar penilaian juri: tidak ada lembar "Penilaian"; gunakan berkas '
        "reviews/<nama>.xlsx yang dibuat lab\n"
    )

    def no_mastery(book):
        book.active.title = "Penilaian"
        book.active.append(["Kode", "Nama inovasi", "Unit", "Kebaruan (30%)", "Catatan"])

    assert "error: juri.xlsx: lembar Penilaian tidak memiliki kolom 'Kemanfaatan (25%)'" in _refused(
        runner, jury_ws, tmp_path, _workbook(no_mastery)
    )
    assert _refused(runner, jury_ws, tmp_path, b"PK\x03\x04 not really a zip") == (
        "error: juri.xlsx: bukan berkas Excel .xlsx yang dapat dibaca; simpan ulang sebagai Excel Workbook "
        "(.xlsx)\n"
    )


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _real_parts() -> dict[str, bytes]:
    data = _workbook(lambda b: None)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_hostile_archives_are_refused_before_they_are_opened(jury_ws, runner, tmp_path):
    big = b"PK\x03\x04" + b"\0" * 6_000_000
    assert _refused(runner, jury_ws, tmp_path, big) == "error: juri.xlsx: file is larger than 5 MB\n"
    bomb = _zip({**_real_parts(), "xl/media/bomb.bin": b"\0" * 50_000_000})
    assert len(bomb) < 200_000
    assert _refused(runner, jury_ws, tmp_path, bomb) == (
        "error: juri.xlsx: bila dibuka berukuran lebih dari 10 MB (arsip bom); berkas ditolak\n"
    )
    parts = _real_parts()
    parts["xl/sharedStrings.xml"] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><sst/>'
    assert "memuat DTD (<!DOCTYPE)" in _refused(runner, jury_ws, tmp_path, _zip(parts))
    parts = _real_parts()
    sheet = parts["xl/worksheets/sheet1.xml"]
    row = b'<row r="1">' + b'<c r="A1"/>' * 250_000 + b"</row>"
    assert b"<sheetData></sheetData>" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        b"<sheetData></sheetData>", b"<sheetData>" + row + b"</sheetData>"
    )
    assert "berisi lebih dari 200,000 sel" in _refused(runner, jury_ws, tmp_path, _zip(parts))


def test_a_rewrite_keeps_what_the_coordinator_typed(jury_ws):
    ws = jury_ws
    path = _book(ws)
    with workspace_session(ws) as (session, cohort):
        rows = [("PBG-2026-001", "Ide 1", "Unit Uji 001"), ("PBG-2026-003", "Ide 1", "Unit Uji 002")]
        path.unlink()
        assert write_book(ws, COORDINATORS[0], rows[:1]) == ["reviews/ir-bambang-hermanto.xlsx"]
        assert write_book(ws, COORDINATORS[0], rows) == ["reviews/ir-bambang-hermanto.xlsx"]  # a new row
        path.unlink()
        write_book(ws, COORDINATORS[0], rows[:1])
        _fill(path, {5: [8, 9, "7", 11, None, "belum lengkap"]})  # typed, even wrongly: kept as typed
        assert write_review_sheets(ws, session, cohort) == ["reviews/ir-bambang-hermanto.xlsx"]
        sheet = load_workbook(path)["Penilaian"]
        assert [c.value for c in sheet[5]] == ["PBG-2026-001", "Ide 1", "Unit Uji 001", 8, 9, "7", 11, None,
                                               "belum lengkap"]  # fmt: skip
        assert [c.value for c in sheet[6]][:4] == ["PBG-2026-003", "Ide 1", "Unit Uji 002", None]
        assert str(sheet.data_validations.dataValidation[0].sqref) == "D5:H6"
        assert write_review_sheets(ws, session, cohort) == []  # nothing new: left as it is
        _fill(path, {6: ["=1+1"]})  # a formula a rewrite could lose: the sheet is left alone
        before = path.read_bytes()
        assert write_book(ws, COORDINATORS[0], [*rows, ("PBG-2026-005", "Baru", "Unit")]) == []
        assert path.read_bytes() == before


def test_team_text_in_the_workbook_stays_text(jury_ws):
    ws = jury_ws
    write_book(ws, COORDINATORS[1], [("PBG-2026-001", '=HYPERLINK("http://x","klik")', "@Unit")])
    path = _book(ws, COORDINATORS[1])
    cell = load_workbook(path)["Penilaian"]["B5"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ('=HYPERLINK("http://x","klik")', "s", True)
    with zipfile.ZipFile(path) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_an_english_cohort_gets_an_english_workbook(tmp_path, runner):
    from lab.workspace.cohort import init_workspace

    ws = _with_coordinators(init_workspace(tmp_path / "en", "Kota Pasuruan", 2026, "PSR", "en"))
    drive_to_display(ws, 1)
    book = load_workbook(_book(ws))
    assert book.sheetnames == ["Scores", "Guide"]
    assert [c.value for c in book["Scores"][4]][:4] == ["Code", "Innovation", "Unit", "Novelty (30%)"]
    sheet = book["Scores"]
    for col in range(4, 9):
        sheet.cell(5, col).value = 12 if col == 6 else 8
    book.save(_book(ws))
    result = _import(runner, ws, _book(ws))
    assert (
        "error: ir-bambang-hermanto.xlsx: row 5, column F: PSR-2026-001: Regional authority and collaboration "
        "(15%) score 12 is outside 1-10\n" in result.output
    )


def test_a_linked_workbook_is_refused_and_its_target_untouched(jury_ws, tmp_path):
    from lab.domain.errors import UnsafePath

    target = tmp_path / "secret.xlsx"
    target.write_bytes(b"do not touch")
    path = _book(jury_ws)
    path.unlink()
    path.symlink_to(target)
    with workspace_session(jury_ws) as (session, cohort), pytest.raises(UnsafePath) as err:
        write_review_sheets(jury_ws, session, cohort)
    assert str(err.value) == (
        "reviews/ir-bambang-hermanto.xlsx is a symbolic link; links are not followed: replace it with a real file"
    )
    assert target.read_bytes() == b"do not touch"
