"""The "1 OPD 1 Inovasi" coverage: `lab coverage`, and its figure in `lab status`."""

from __future__ import annotations

import json

from lab.cli import app
from tests.helpers import drive_to_display, enrol, proposals


def _run(runner, *args):
    result = runner.invoke(app, [*args], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if "--json" in args else result.output


def test_coverage_counts_live_innovations_per_unit_and_lists_units_without(ws, runner):
    drive_to_display(
        ws, 2
    )  # units 1 and 2 (kecamatan, puskesmas) each showcase one innovation, keep one idea
    enrol(ws, 4)  # the roster grows: units 3 and 4 (rsud, bumd) join with nothing yet
    assert sorted(proposals(ws).values()) == ["idea", "idea", "showcased", "showcased"]
    data = _run(runner, "coverage", str(ws.root), "--json")
    assert data["units"] == {"units": 4, "met": 2, "percent": 50.0, "innovations": 2}  # ideas do not count
    assert [(u["unit"], u["innovations"], u["met"]) for u in data["by_unit"]] == [
        ("Unit Uji 001", 1, True), ("Unit Uji 002", 1, True), ("Unit Uji 003", 0, False), ("Unit Uji 004", 0, False)]  # fmt: skip
    assert [u["unit"] for u in data["without"]] == ["Unit Uji 003", "Unit Uji 004"]
    assert [(t["unit_type"], t["units"], t["met"], t["percent"]) for t in data["by_type"]] == [
        ("kecamatan", 1, 1, 100.0), ("puskesmas", 1, 1, 100.0), ("rsud", 1, 0, 0.0), ("bumd", 1, 0, 0.0)]  # fmt: skip
    out = _run(runner, "coverage", str(ws.root))
    assert 'coverage ("1 OPD 1 Inovasi"): 2 of 4 units (50%) have 1 live innovation(s)' in out
    assert "units without a live innovation (2)" in out and "Unit Uji 004 (bumd)" in out

    # a target per unit type: a Puskesmas should have two
    toml = ws.root / "cohort.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text + "\n[assessment.targets]\npuskesmas = 2\n", encoding="utf-8")
    data = _run(runner, "coverage", str(ws.root), "--json")
    assert data["units"]["met"] == 1 and data["targets"] == {"puskesmas": 2}
    assert [(u["unit"], u["target"], u["met"]) for u in data["by_unit"][:2]] == [
        ("Unit Uji 001", 1, True), ("Unit Uji 002", 2, False)]  # fmt: skip

    status = _run(runner, "status", str(ws.root), "--json")
    assert status["coverage"]["units"] == {"units": 4, "met": 1, "percent": 25.0, "innovations": 2}
    assert status["coverage"]["without"] == 2
    assert 'coverage ("1 OPD 1 Inovasi"): 1 of 4 units (25%) have the target' in _run(
        runner, "status", str(ws.root)
    )


def test_a_bad_assessment_setting_is_refused_with_its_key(ws, runner):
    toml = ws.root / "cohort.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + "\n[assessment.targets]\nsekolah = 1\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["coverage", str(ws.root)])
    assert result.exit_code != 0 and "'sekolah' is not a unit type" in result.output


def test_the_run_artifact_carries_the_coverage_line(ws):
    from lab.workflow import pipeline

    drive_to_display(ws, 1)
    enrol(ws, 3)
    markdown = pipeline.funnel_markdown(pipeline.summary(str(ws.root)), [])
    assert 'coverage ("1 OPD 1 Inovasi"): 1 of 3 units (33.3%) have 1 live innovation(s)' in markdown
    assert "2 unit(s) with none" in markdown


def test_a_regional_score_above_the_tables_maximum_is_refused(ws, runner):
    toml = ws.root / "cohort.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("target = 1 ", "regional_score = 70\ntarget = 1 "), "utf-8"
    )
    result = runner.invoke(app, ["iid", str(ws.root)])
    assert result.exit_code == 2
    assert (
        "[assessment] regional_score in cohort.toml is 70, more than the 2023 table's maximum"
        in result.output
    )
    toml.write_text(toml.read_text("utf-8").replace("regional_score = 70", "regional_score = 40"), "utf-8")
    data = _run(runner, "iid", str(ws.root), "--json")
    assert data["cohort"]["regional_part"] == 40 and data["cohort"]["index"] == {"low": 16.0, "high": 16.0}
