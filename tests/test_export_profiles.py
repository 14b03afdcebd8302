"""`lab export --profile iid|kipp`: rows in the shapes the national portals ask for; the plain export stays."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from lab.cli import app
from lab.outputs.documents_words import KIPP_SECTIONS
from lab.outputs.export import BASE_COLUMNS
from lab.outputs.export_profiles import months_since
from tests import factories, helpers

runner = CliRunner()


def lab(*args):
    return runner.invoke(app, [str(a) for a in args])


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_kipp_profile_has_a_row_per_launched_innovation_with_each_section_and_its_word_count(ws):
    answers = {
        "design": lambda: factories.design() | {"main_changes": factories.words(250)},
        "display": lambda: factories.display() | {"summary": '=HYPERLINK("http://x") warga antre dari rumah'},
    }
    helpers.drive_to_display(ws, 2, answers=answers)
    result = lab("export", ws.root, "--profile", "kipp")
    assert result.exit_code == 0, result.output
    assert "export: 2 innovation(s) →" in result.output and "pbg-2026-kipp.csv" in result.output
    path = ws.root / "exports" / "pbg-2026-kipp.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    sections = [c for s in KIPP_SECTIONS for c in (s.id, f"{s.id}_words", f"{s.id}_max_words")]
    assert header == ["id", "name", "unit", "unit_type", "state", "launch_date", "months_running", "decree",
                      *sections, "over_limit", "empty", "media", "contact"]  # fmt: skip
    rows = read_csv(path)
    showcased = sorted(c for c, s in helpers.proposals(ws).items() if s == "showcased")
    assert [r["id"] for r in rows] == showcased  # ideas that were never launched have no row
    row = rows[0]
    assert row["novelty_words"] == "250" and row["novelty_max_words"] == "200"
    assert row["over_limit"] == "novelty" and row["empty"] == "replicated"
    assert row["summary"] == '\'=HYPERLINK("http://x") warga antre dari rumah'  # never a formula
    assert "Waktu tunggu: sebelum 60 menit, sesudah 15 menit." in row["significance"]
    assert row["decree"] == "800/1/2026" and row["launch_date"] == "2026-09-01"

    assert lab("export", ws.root, "--profile", "kipp", "--format", "json").exit_code == 0
    data = json.loads((ws.root / "exports" / "pbg-2026-kipp.json").read_text(encoding="utf-8"))
    assert data["proposals"][0]["novelty_words"] == 250


def test_the_iid_profile_gives_each_indicator_its_level_and_evidence_files(ws):
    def deliver():
        return factories.deliver() | {"evidence": [
            {"file": "sk.pdf", "proves": "Penetapan", "indicator": "regulation", "level": "2"},
            {"file": "sk.pdf", "proves": "Tim", "indicator": "staff", "level": "1"},
        ]}  # fmt: skip

    helpers.drive_to_display(ws, 1, answers={"deliver": deliver})
    result = lab("export", ws.root, "--profile", "iid")
    assert result.exit_code == 0, result.output
    rows = read_csv(ws.root / "exports" / "pbg-2026-iid.csv")
    live = [c for c, s in helpers.proposals(ws).items() if s == "showcased"]
    assert [r["id"] for r in rows] == live
    row = rows[0]
    columns = list(row)
    assert columns[:6] == ["id", "name", "unit", "unit_type", "state", "assessment_year"]
    assert columns[-60:-57] == ["i16_regulation_level", "i16_regulation_evidence", "i16_regulation_score"]
    assert columns[-3:] == ["i35_video_level", "i35_video_evidence", "i35_video_score"]
    assert row["assessment_year"] == "2023" and row["digital"] == "yes" and row["stage"] == "Uji coba"
    assert row["form"] == "Inovasi pelayanan publik" and row["beneficiaries"] == "420"
    assert (row["decree_level"], row["decree"]) == ("Keputusan Kepala Perangkat Daerah", "800/1/2026")
    assert (row["i16_regulation_level"], row["i16_regulation_evidence"], row["i16_regulation_score"]) == (
        "2", "sk.pdf", "6")  # fmt: skip
    assert (row["i17_staff_level"], row["i17_staff_score"]) == ("1", "2")
    assert (row["i35_video_level"], row["i35_video_evidence"], row["i35_video_score"]) == ("", "", "0")
    assert (
        row["estimated_score"] == "8" and row["at_risk"] == "yes"
    )  # mandatory video, speed, benefit unbacked


def test_the_plain_export_stays_as_it_was(ws):
    helpers.drive_to_display(ws, 1)
    result = lab("export", ws.root)
    assert result.exit_code == 0 and "proposal(s) →" in result.output
    rows = read_csv(ws.root / "exports" / "pbg-2026-innovations.csv")
    assert list(rows[0])[: len(BASE_COLUMNS)] == list(BASE_COLUMNS)
    assert lab("export", ws.root, "--profile", "nope").exit_code == 2


def test_months_running_counts_whole_months_to_today():
    import datetime as dt

    assert months_since("2025-09-01", dt.date(2026, 9, 1)) == 12
    assert months_since("2025-09-02", dt.date(2026, 9, 1)) == 11
    assert months_since("", dt.date(2026, 9, 1)) == ""
