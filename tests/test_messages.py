"""A worksheet's problems in the cohort's language, naming the field by its label (a record's field by its record
and number), at their line; the same words in `lab status`, and in the fixes file the team finds beside the
worksheet (`.perbaikan.md`, English `.fixes.md`) until the worksheet is valid."""

from __future__ import annotations

import json
import string

import pytest

from lab.cli import app
from lab.stages import get_stage
from lab.worksheets.markdown import parse_text, validate
from lab.worksheets.messages import MESSAGES
from lab.workspace.cohort import init_workspace
from tests import factories
from tests.helpers import answer, enrol, run_once, sheet, sheet_path, teams

TEAM = "unit-uji-001"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_is_said_in_both_languages_with_the_same_blanks():
    for key, texts in MESSAGES.items():
        assert set(texts) == {"id", "en"} and all(texts.values()), key
        assert _fields(texts["id"]) == _fields(texts["en"]), key


def _date_line(text: str, value: str) -> int:
    heading = next(n for n, line in enumerate(text.split("\n"), 1) if "{#commitment_date}" in line)
    assert value in text
    return heading


def test_an_indonesian_cohort_reads_its_problem_in_indonesian_and_gets_a_fixes_file(two_teams, runner):
    ws = two_teams
    path = sheet_path(ws, "drum-up", TEAM)
    text = path.read_text().replace("2026-03-10", "kemarin")
    path.write_text(text)
    run_once(ws)
    line = _date_line(text, "kemarin")
    reason = (
        'Tanggal penandatanganan komitmen: "kemarin" belum terbaca sebagai tanggal; tulis TTTT-BB-HH, '
        "misalnya 2026-10-12"
    )
    row = sheet(ws, "drum-up", TEAM)
    assert row.status == "invalid"
    assert row.errors == [{"line": line, "reason": reason, "field": "commitment_date"}]
    fixes = path.with_name("1-drum-up.perbaikan.md")
    body = fixes.read_text()
    assert f"- Baris {line} · {reason}\n" in body
    assert "# Yang perlu diperbaiki pada 1-drum-up.md" in body
    status = runner.invoke(app, ["status", str(ws.root), "--json"])
    assert {
        "path": f"teams/{TEAM}/1-drum-up.md",
        "line": line,
        "reason": reason,
        "field": "commitment_date",
    } in (json.loads(status.stdout)["invalid"])
    human = runner.invoke(app, ["status", str(ws.root)])
    assert f"teams/{TEAM}/1-drum-up.md:{line}: {reason}" in " ".join(human.output.split())
    run_once(ws)  # nothing changed: the same words, the fixes file kept
    assert fixes.read_text() == body
    path.write_text(text.replace("kemarin", "10 Maret 2026"))  # fixed, the Indonesian way
    run_once(ws)
    assert sheet(ws, "drum-up", TEAM).status == "valid" and teams(ws)[TEAM] == "committed"
    assert not fixes.exists()
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "1-drum-up.md",
        "2-diagnose.md",
    ]  # no fixes file is
    # ever taken for a worksheet: the next stage's worksheet is the only new file


def test_an_english_cohort_reads_its_problems_in_english(tmp_path):
    ws = init_workspace(tmp_path / "en", "Kabupaten Purbalingga", 2026, "PBG", lang="en")
    enrol(ws, 1)
    run_once(ws)
    answer(ws, "drum-up", TEAM, factories.drum_up() | {"committed": False})
    run_once(ws)
    path = sheet_path(ws, "drum-up", TEAM)
    line = next(n for n, ln in enumerate(path.read_text().split("\n"), 1) if "{#committed}" in ln)
    reason = (
        "The unit commits to all stages of the innovation lab: the team can only continue once the unit head "
        "has committed; tick Yes"
    )
    assert sheet(ws, "drum-up", TEAM).errors == [{"line": line, "reason": reason, "field": "committed"}]
    assert f"- Line {line} · {reason}\n" in path.with_name("1-drum-up.fixes.md").read_text()
    assert not path.with_name("1-drum-up.perbaikan.md").exists()


def test_a_participants_own_file_at_the_fixes_name_is_never_replaced_nor_removed(two_teams):
    ws = two_teams
    path = sheet_path(ws, "drum-up", TEAM)
    own = path.with_name("1-drum-up.perbaikan.md")
    own.write_text("catatan saya sendiri\n")
    good = path.read_text()
    path.write_text(good.replace("2026-03-10", "kemarin"))
    run_once(ws)
    assert sheet(ws, "drum-up", TEAM).status == "invalid" and own.read_text() == "catatan saya sendiri\n"
    path.write_text(good)
    run_once(ws)
    assert teams(ws)[TEAM] == "committed" and own.read_text() == "catatan saya sendiri\n"


def _problems(slug: str, values: dict, lang: str, edit=lambda t: t) -> list[str]:
    from types import SimpleNamespace

    from lab.worksheets.render import render_worksheet

    stage = get_stage(slug)
    meta = {"cohort": "PBG-2026", "stage": slug, "team": "dinkes", "schema": 1, "lang": lang}
    context = {"team": SimpleNamespace(unit="Dinkes", slug="dinkes"),
               "proposal": SimpleNamespace(code="PBG-2026-001", title="Ide 1"), "note": ""}  # fmt: skip
    parsed = parse_text(edit(render_worksheet(stage, lang, meta, values, context)), stage.schema, lang)
    validate(parsed, stage.schema)
    return [p.reason for p in parsed.problems]


@pytest.mark.parametrize(
    "lang,expected",
    [("id", ["Masalah ke-1 · Data yang menunjukkan masalah: wajib diisi"]),
     ("en", ["Problem 1 · Data that shows the problem: required; please fill it in"])],
)  # fmt: skip
def test_a_records_field_is_named_by_its_record_and_number(lang, expected):
    values = factories.diagnose()
    values["problems"][0]["data"] = None
    assert _problems("diagnose", values, lang) == expected


@pytest.mark.parametrize(
    "lang,expected",
    [("id", ["Ringkasan satu paragraf: tulis dalam satu paragraf (tanpa baris kosong)"]),
     ("en", ["One-paragraph summary: must be one paragraph (no blank lines)"])],
)  # fmt: skip
def test_a_stages_own_rule_is_said_in_the_cohorts_language(lang, expected):
    values = factories.display() | {"summary": "Satu.\n\nDua."}
    assert _problems("display", values, lang) == expected


def test_a_structural_problem_names_the_heading_to_restore():
    reasons = _problems(
        "drum-up", factories.drum_up(), "id", lambda t: t.replace("## Jabatan {#signatory_position}\n", "")
    )
    assert reasons == ["Jabatan: judul isian ini hilang; kembalikan baris '## Jabatan {#signatory_position}'"]


def test_the_facilitator_page_speaks_the_cohorts_language(ws):
    """States, waiting reasons and a worksheet's problems on the facilitator's page are in Bahasa Indonesia."""
    from tests.web_support import FACILITATOR, designed, signed_in

    ws = designed(ws, 1)
    path = sheet_path(ws, "drum-up", TEAM)
    page = signed_in(ws, FACILITATOR).get("/").text
    assert "desain sudah lengkap: menunggu keputusan fasilitator" in page
    assert "selesai diagnosis" in page and "desain selesai" in page
    assert "waiting for a facilitator" not in page and ">diagnosed<" not in page
    assert path.exists()
