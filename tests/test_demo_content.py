"""The demo cohort's content convinces a reader of the field: each innovation has its own figures, its ideas
answer the problem they name, acronyms stay as written, and every answer the demo gives is valid for its
worksheet (checked here without running the flow; `lab demo` runs it end to end)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lab.runtime import demo
from lab.runtime.demo_data import PRESENTATION, UNITS
from lab.runtime.demo_innovations import INNOVATIONS, long_date, lower_first
from lab.stages import get_stage
from lab.stages.deliver import DECREE_LEVEL

SHOWCASED = ["Puspita", "Gemah Ripah", "Laskar Fast Track", "Si Purba", "Puspa Ungu"]
ACRONYMS = ("RSUD", "IGD", "UMKM", "DPMPTSP", "TTD", "SMP", "MTs", "PKK", "K1", "BLUD", "PSC")


def _code(name: str) -> str:
    return f"PBG-2026-{SHOWCASED.index(name) + 1:03d}"


def _prefilled(name: str, answers: dict) -> dict:
    """The design answers with what the run prefills from diagnose (name and problem)."""
    _, _, problem = demo._idea(name)
    return {"title": name, "problem": f"{problem[0]}\n\n{problem[1]}"} | answers


@pytest.fixture
def answers(tmp_path: Path, monkeypatch) -> dict[str, dict[str, dict]]:
    """Every answer the demo imports, per innovation and stage (evidence files go to a scratch folder)."""
    for name in SHOWCASED:
        (tmp_path / "teams" / "unit" / _code(name)).mkdir(parents=True)
    ws = type("Ws", (), {"root": tmp_path})()
    out: dict[str, dict[str, dict]] = {}
    for name in SHOWCASED:
        code = _code(name)
        out[name] = {
            "design": _prefilled(name, demo._design(name, code).answers),
            "deliver": demo._deliver(ws, code, name).answers,
            "display": demo._display(code, name).answers,
        }
    return out


def test_every_demo_answer_is_valid_for_its_worksheet(answers):
    for u in UNITS:
        get_stage("drum-up").schema.model_validate(demo._drum_up(u).answers)
        get_stage("diagnose").schema.model_validate(demo._diagnose(u).answers)
    for name, stages in answers.items():
        for slug, values in stages.items():
            get_stage(slug).schema.model_validate(values), (name, slug)
    get_stage("design").schema.model_validate(
        _prefilled("Kutasari Sigap", demo._design("Kutasari Sigap", "").answers)
    )


def test_each_innovation_has_its_own_results_and_measures(answers):
    measures = {name: [tuple(m.values()) for m in a["deliver"]["measures"]] for name, a in answers.items()}
    indicators = [m[0] for ms in measures.values() for m in ms]
    assert len(indicators) == len(set(indicators)), "two innovations share a measure"
    assert len({a["deliver"]["results"] for a in answers.values()}) == len(SHOWCASED)
    assert len({a["deliver"]["beneficiaries"] for a in answers.values()}) == len(SHOWCASED)
    assert len({tuple(a["display"]["highlights"]) for a in answers.values()}) == len(SHOWCASED)
    # the old shared line is only the emergency department's own figure now
    waits = [n for n, ms in measures.items() if any("47 menit" in m[1] for m in ms)]
    assert waits == ["Laskar Fast Track"]
    assert ("Pemohon yang datang lebih dari dua kali", "38%", "7%") in measures["Si Purba"]


def test_figures_agree_across_problem_measures_highlights_and_evidence(answers):
    for name, a in answers.items():
        u, idea, problem = demo._idea(name)
        before = [m["before"] for m in a["deliver"]["measures"]]
        # the problem's figure is the first measure's starting point ("71%", "47 menit", "9 hari kerja", ...)
        first = re.match(r"[0-9]+", before[0]).group()
        assert first in problem[1], (name, before[0], problem[1])
        beneficiaries = f"{a['deliver']['beneficiaries']:,}".replace(",", ".")
        said = " ".join([*a["display"]["highlights"], a["deliver"]["results"]])
        assert beneficiaries in said, (name, beneficiaries)
        benefit = [e for e in a["deliver"]["evidence"] if e["indicator"] == "benefit"]
        n = a["deliver"]["beneficiaries"]
        level = "1" if n <= 200 else "2" if n <= 500 else "3"
        assert [e["level"] for e in benefit] == [level], name
        regulation = [e for e in a["deliver"]["evidence"] if e["indicator"] == "regulation"]
        expected = {"agency_head": "1", "regional_head": "1", "regional_regulation": "2", "bylaw": "3"}
        assert [e["level"] for e in regulation] == [expected[a["deliver"]["decree_level"]]], name
        design, deliver = a["design"], a["deliver"]
        assert design["trial_start"] < deliver["launch_date"] <= PRESENTATION
        if (
            deliver["maturity"] == "implementation"
        ):  # the trial is over before the launch, which starts the use
            assert design["trial_end"] < deliver["launch_date"] == design["implementation_start"], name
        else:
            assert design["implementation_start"] is None, name
        for r in a["display"]["replications"]:  # what is under way or done has started by the presentation
            assert (r["date"] <= PRESENTATION) == (r["status"] != "planned"), (name, r)


def test_ideas_answer_the_problem_they_name():
    for u in UNITS:
        entry = demo._diagnose(u).answers
        for idea in entry["ideas"]:
            assert 1 <= idea["problem"] <= len(entry["problems"])
        by_title = {i["title"]: entry["problems"][i["problem"] - 1]["title"] for i in entry["ideas"]}
        if "Kelas Gizi Balita" in by_title:
            assert by_title["Kelas Gizi Balita"] == "Balita gizi kurang"
            assert by_title["Puspita"] == "Pemeriksaan kehamilan pertama terlambat"


def test_acronyms_are_kept_as_written(answers):
    texts = [demo.design_text(n) for n in SHOWCASED]
    # every text a reader sees (file names and links are slugs, in lower case)
    for stages in answers.values():
        for values in stages.values():
            texts += [str(v) for k, v in values.items() if k not in ("evidence", "video")]
        texts += [e["proves"] for e in stages["deliver"]["evidence"]]
    text = " ".join(texts)
    for word in ACRONYMS:
        assert not re.search(rf"\b{word.lower()}\b", text), word
    assert "pelaku UMKM" in demo.design_text("Si Purba") and "IGD" in demo.design_text("Laskar Fast Track")
    assert lower_first("Pelaku UMKM") == "pelaku UMKM" and lower_first("IGD penuh") == "IGD penuh"
    assert long_date("2026-09-02") == "2 September 2026"


def test_legal_bases_and_stages_vary_like_a_real_cohort(answers):
    levels = {a["deliver"]["decree_level"] for a in answers.values()}
    assert {"agency_head", "regional_head", "regional_regulation"} <= levels <= set(DECREE_LEVEL.values)
    assert {a["deliver"]["maturity"] for a in answers.values()} == {"trial", "implementation"}
    for name, a in answers.items():
        shown = a["display"]
        assert shown["partners"] and shown["sustainability"] and shown["replications"], name
        assert shown["video"].startswith("https://") and name in INNOVATIONS
