"""The IID pre-check: indicator tables as data per year, evidence per indicator, `lab iid`."""

from __future__ import annotations

import json
import tomllib

import pytest

from lab.cli import app
from lab.domain.errors import UsageError
from lab.domain.iid import packaged_table, packaged_years, parse_table
from lab.outputs.iid import Claim, estimate, score_innovation
from lab.stages.deliver import INDICATOR, LEVEL
from tests import factories
from tests.helpers import drive_to_display, proposals, sheet, sheet_path

T2023 = packaged_table(2023)
MANDATORY = {"regulation", "staff", "speed", "benefit", "video"}


def test_every_year_is_a_valid_table_with_the_indicators_the_deliver_worksheet_offers():
    assert {2023, 2024, 2025} <= set(packaged_years())
    for year in packaged_years():
        table = packaged_table(year)
        assert table.year == year and table.sources
        assert [i.number for i in table.indicators] == list(range(16, 36))
        assert (
            tuple(i.key for i in table.indicators) == INDICATOR.values
        )  # the worksheet's choice fits every year
        assert {i.key for i in table.indicators if i.mandatory} == MANDATORY
        assert table.innovation_max == 111 and sum(i.weight for i in table.indicators) == 37
    assert INDICATOR.labels["regulation"] == {
        "id": "16. Regulasi inovasi daerah (wajib)",
        "en": "16. Innovation regulation (mandatory)",
    }
    assert LEVEL.values == ("1", "2", "3")


def _with(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


RAW = (T2023_PATH := __import__("lab.domain.iid", fromlist=["PACKAGED"]).PACKAGED / "2023.toml").read_text(
    "utf-8"
)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            ("weight = 3\nmandatory = true", "weight = 3\nmandatory = true\nbonus = 1"),
            "indicators.0.bonus: Extra inputs",
        ),
        (
            ('  { id = "Peraturan daerah (Perda)", en = "Regional bylaw (Perda)" },\n', ""),
            "indicators.0.levels",
        ),
        (("number = 17", "number = 16"), "indicator number 16 is listed twice"),
        (("weight = 4", "weight = 5"), "scoring.total_max is 250 but"),
        (("min = 35.0", "min = 70.0"), "bands must go from the highest"),
        (("year = 2023", "year = 2024"), "says year = 2024, but it is the table of 2023"),
        (("[scoring]", "[scoring"), "not valid TOML"),
    ],
)
def test_a_bad_table_file_is_one_clear_error_naming_the_file(change, said):
    with pytest.raises(UsageError) as exc:
        parse_table(_with(RAW, *change), "iid/2023.toml", 2023)
    assert str(exc.value).startswith("iid/2023.toml: ") and said in str(exc.value)


def test_a_hand_worked_innovation():
    claims = [
        Claim("sk.pdf", "regulation", 2, True),  # 3 x 2 = 6
        Claim("tim.pdf", "staff", 1, True),  # 2 x 1 = 2
        Claim("linimasa.pdf", "speed", 3, True),  # 2 x 3 = 6
        Claim("penerima.pdf", "benefit", 3, False),  # file missing: 0
        Claim("video.txt", "video", 2, True),  # 4 x 2 = 8
        Claim("monev.pdf", "monitoring", None, True),  # no level: 0
        Claim("dpa-2026.pdf", "budget", 3, False),  # level 3 unbacked ...
        Claim("dpa-2025.pdf", "budget", 1, True),  # ... level 1 backed: 2 x 1 = 2
    ]
    checks = {c.key: c for c in score_innovation(T2023, claims, "id")}
    assert sum(c.score for c in checks.values()) == 24
    assert (checks["budget"].level, checks["budget"].score, checks["budget"].backed) == (3, 2, True)
    assert checks["budget"].missing == "diklaim tingkat 3, yang berkasnya ada hanya tingkat 1"
    assert (checks["benefit"].score, checks["benefit"].backed) == (0, False)
    assert checks["benefit"].missing == "berkas bukti tidak ada di folder evidence/: penerima.pdf"
    assert checks["monitoring"].missing.startswith("tingkat belum dipilih")
    assert checks["replication"].missing == "belum ada bukti: Surat dari daerah yang mereplikasi"


@pytest.mark.parametrize(
    ("scores", "regional", "index", "band"),
    [
        # 12 innovations at the maximum: 1332 / MAX(10, 12) = 111, count 12 x 0.38 = 4.56; (50 + 115.56) / 2.5
        ([111] * 12, 50, 66.22, "Sangat Inovatif"),
        # 10 innovations at 60: 600 / 10 = 60, count 3.8; (30 + 63.8) / 2.5
        ([60] * 10, 30, 37.52, "Inovatif"),
        # one innovation at 24: 24 / MAX(10, 1) = 2.4, count 0.38; (0 + 2.78) / 2.5
        ([24], 0, 1.11, "Kurang Inovatif"),
        ([], 0, 0, "Tidak Dapat Dinilai (disclaimer)"),
    ],
)
def test_the_cohort_estimate_per_band(scores, regional, index, band):
    got = estimate(T2023, scores, regional)
    assert got["index"] == {"low": index, "high": index}
    assert got["band"] == {"low": band, "high": band}


def test_without_the_regional_score_the_estimate_is_a_range():
    got = estimate(T2023, [24], None)  # regional part 0 .. 63: (2.78 .. 65.78) / 2.5
    assert got["index"] == {"low": 1.11, "high": 26.31}
    assert got["regional_part"] is None and got["band"]["high"] == "Kurang Inovatif"


def test_the_year_decides_the_band():
    # (40 + 111 + 4.56) / 2.5 = 62.22: very innovative by the 2023 bands, innovative once 2025 raised them to 65.01
    assert estimate(packaged_table(2023), [111] * 12, 40)["band"]["low"] == "Sangat Inovatif"
    assert estimate(packaged_table(2025), [111] * 12, 40)["band"]["low"] == "Inovatif"


def _deliver_with_indicators(ws, files: dict[str, tuple[str, str]]):
    """Deliver answers listing each file with the indicator and level it backs (the files saved first in the
    evidence folder drive_to_display made)."""

    def make():
        for folder in ws.root.glob("teams/*/*/evidence"):
            for name in files:
                (folder / name).write_bytes(b"%PDF-1.4 test\n")
        answers = factories.deliver(tuple(files))
        answers["evidence"] = [{"file": f, "proves": "Bukti", "indicator": i, "level": lv}
                               for f, (i, lv) in files.items()]  # fmt: skip
        return answers

    return make


def _live(ws) -> list[str]:
    return [code for code, state in proposals(ws).items() if state == "showcased"]


def _iid(runner, ws, *args):
    result = runner.invoke(
        app, ["iid", str(ws.root), *args], env={"COLUMNS": "400"}
    )  # a table row on one line
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def test_an_old_deliver_worksheet_without_indicators_still_launches_and_scores_zero(ws, runner):
    drive_to_display(ws, 1)  # the factories' deliver answers: evidence without indicator or level
    (code,) = _live(ws)
    data = _iid(runner, ws, "--json")
    (item,) = data["innovations"]
    assert item["score"] == 0 and item["at_risk"] and all(not c["backed"] for c in item["indicators"])
    assert item["missing"][0].startswith("16. Regulasi inovasi daerah (wajib): belum ada bukti")
    assert [r["id"] for r in data["at_risk"]] == [code]
    assert data["estimate"] is True and data["year"] == 2023 and data["sources"][0]["key"] == "S34"


def test_evidence_per_indicator_round_trips_through_the_worksheet_and_scores(ws, runner):
    files = {"sk.pdf": ("regulation", "2"), "video.txt": ("video", "3"), "tim.pdf": ("staff", "1")}
    drive_to_display(ws, 1, answers={"deliver": _deliver_with_indicators(ws, files)})
    (code,) = _live(ws)
    text = sheet_path(ws, "deliver", code).read_text(encoding="utf-8")
    assert "16. Regulasi inovasi daerah (wajib)" in text and "Tingkat 2" in text
    assert sheet(ws, "deliver", code).answers["evidence"][0] | {} == {
        "file": "sk.pdf", "proves": "Bukti", "indicator": "regulation", "level": "2"}  # fmt: skip
    (item,) = _iid(runner, ws, "--json")["innovations"]
    assert item["score"] == 3 * 2 + 4 * 3 + 2 * 1
    # regulation, staff and video are backed; speed and benefit (mandatory) keep it at risk
    assert [m.split(":")[0] for m in item["missing"][:2]] == [
        "32. Kecepatan penciptaan inovasi (wajib)", "33. Kemanfaatan inovasi (wajib)"]  # fmt: skip
    # a file taken away since the run: the pre-check reads the disk now and scores it 0
    (next(ws.root.glob(f"teams/*/{code}/evidence")) / "video.txt").unlink()
    (item,) = _iid(runner, ws, "--json")["innovations"]
    assert item["score"] == 3 * 2 + 2 * 1
    out = _iid(runner, ws, code)
    assert "an ESTIMATE" in out and f"{code}" in out and "Regulasi inovasi daerah" in out and "S34" in out


def test_a_year_change_rescores_from_the_other_file(ws, runner):
    files = {"sk.pdf": ("regulation", "3"), "tim.pdf": ("staff", "3")}
    drive_to_display(ws, 1, answers={"deliver": _deliver_with_indicators(ws, files)})
    assert _iid(runner, ws, "--json")["innovations"][0]["score"] == 3 * 3 + 2 * 3
    # the cohort keeps its own corrected table for 2024, with another weight for regulation, and picks that year
    own = _with(
        RAW.replace("year = 2023", "year = 2024"),
        "weight = 3\nmandatory = true",
        "weight = 4\nmandatory = true",
    )
    own = _with(own, "total_max = 250", "total_max = 253")
    (ws.root / "iid").mkdir()
    (ws.root / "iid" / "2024.toml").write_text(own, encoding="utf-8")
    toml = ws.root / "cohort.toml"
    toml.write_text(_with(toml.read_text("utf-8"), "year = 2023 ", "year = 2024 "), encoding="utf-8")
    data = _iid(runner, ws, "--json")
    assert data["year"] == 2024 and data["innovations"][0]["score"] == 4 * 3 + 2 * 3
    assert tomllib.loads(own)["year"] == 2024


def test_a_bad_cohort_table_or_an_unknown_year_stops_lab_iid_with_one_line(ws, runner):
    (ws.root / "iid").mkdir()
    (ws.root / "iid" / "2023.toml").write_text(RAW.replace("weight = 4", "weight = 5"), encoding="utf-8")
    result = runner.invoke(app, ["iid", str(ws.root)])
    assert result.exit_code == 2
    assert "iid/2023.toml: scoring.total_max is 250 but" in result.output
    toml = ws.root / "cohort.toml"
    toml.write_text(_with(toml.read_text("utf-8"), "year = 2023 ", "year = 2019 "), encoding="utf-8")
    result = runner.invoke(app, ["iid", str(ws.root)])
    assert (
        result.exit_code == 2
        and "no IID indicator table for 2019 (the lab has 2023, 2024, 2025" in result.output
    )


def test_lab_iid_indicators_prints_the_table_and_refuses_an_unknown_innovation(ws, runner):
    out = _iid(runner, ws, "--indicators")
    assert "Kualitas inovasi daerah (video) (wajib)" in out and "Sangat Inovatif ≥ 60.01" in out
    result = runner.invoke(app, ["iid", str(ws.root), "PBG-2026-999"])
    assert result.exit_code == 2 and "PBG-2026-999: not a live innovation" in result.output


def test_the_showcase_shows_coverage_publicly_and_the_precheck_on_the_scoreboard(ws, runner):
    files = {"sk.pdf": ("regulation", "2"), "video.txt": ("video", "3")}
    drive_to_display(ws, 1, answers={"deliver": _deliver_with_indicators(ws, files)})
    (code,) = _live(ws)
    index = (ws.root / "showcase" / "index.html").read_text(encoding="utf-8")
    assert "Cakupan “1 OPD 1 Inovasi”" in index and "<strong>1 dari 1</strong> unit memenuhi target" in index
    assert "Pra-penilaian" not in index  # the estimate is for coordinators, not the public site
    board = (ws.root / "scoreboard" / "index.html").read_text(encoding="utf-8")
    assert "Pra-penilaian Indeks Inovasi Daerah (perkiraan)" in board and "bukan nilai resmi" in board
    assert f"{code} · Unit Uji 001" in board and "<strong>18</strong> / 111" in board  # 3 x 2 + 4 x 3
    assert "32. Kecepatan penciptaan inovasi (wajib): belum ada bukti" in board
    # a broken cohort table leaves the pre-check out with its reason; the site is still built
    (ws.root / "iid").mkdir()
    (ws.root / "iid" / "2023.toml").write_text("year = 2023\n", encoding="utf-8")
    result = runner.invoke(app, ["showcase", str(ws.root)])
    assert result.exit_code == 0, result.output
    board = (ws.root / "scoreboard" / "index.html").read_text(encoding="utf-8")
    assert "Pra-penilaian tidak dapat dibaca: iid/2023.toml: title: Field required" in board


def test_the_facilitators_page_shows_coverage_and_the_innovations_at_risk(ws):
    from tests.web_support import FACILITATOR, people, signed_in

    drive_to_display(ws, 2)  # evidence without indicators: both innovations are at risk of scoring zero
    ws = people(ws)
    page = signed_in(ws, FACILITATOR).get("/").text
    assert "Kesiapan penilaian nasional" in page
    assert "<strong>2 dari 2</strong> unit memenuhi target" in page
    assert "Perkiraan Indeks Inovasi Daerah (bukan nilai resmi)" in page and "Kurang Inovatif" in page
    for code in _live(ws):
        assert f"{code} · Unit Uji" in page and "perkiraan nilai 0/111" in page
    assert "indikator wajib 16 (Regulasi inovasi daerah) belum didukung bukti" in page


@pytest.mark.parametrize(
    "args", [["iid", "{ws}"], ["iid", "{ws}", "--indicators"], ["coverage", "{ws}", "--json"]]
)
def test_lab_iid_and_lab_coverage_never_import_prefect(ws, args):
    import subprocess
    import sys

    code = (
        "import sys\nfrom lab.cli import app\n"
        "try:\n    app(%r)\nexcept SystemExit:\n    pass\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'flows'))\n"
        "print('IMPORTED', bad)\n"
    ) % [a.format(ws=ws.root) for a in args]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("IMPORTED []")


def test_an_english_cohort_reads_the_precheck_in_english():
    (reg, *_) = score_innovation(T2023, [], "en")
    assert (reg.name, reg.score) == ("Innovation regulation", 0)
    assert reg.missing == "no evidence: The signed decree or regulation naming the innovation"
    assert estimate(T2023, [], 0, "en")["band"]["low"] == "Cannot be assessed (disclaimer)"
