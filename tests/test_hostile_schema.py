"""Answers the JSON Schema of `lab schema STAGE --json` used to allow although the engine refuses them, and
characters that no worksheet, file or database can hold: the printed schema refuses each (or lists the rule in
"x-rules" where JSON Schema cannot say it), and `lab answers import` refuses each with one clear line."""

from __future__ import annotations

import json

import jsonschema
import pytest

from lab.cli import app
from lab.workflow.decisions import decide
from lab.workspace.cohort import find_proposal, workspace_session
from tests import factories
from tests.helpers import answer, enrol, evidence, proposals, run_once, sheet, sheet_path, teams

WORDS = factories.words
NOT_INSIDE = "must be a file inside the evidence/ folder (no '..' and no absolute path)"


def put(field: str, value):
    return lambda a: a.__setitem__(field, value)


def put_evidence(file: str):
    return lambda a: a.__setitem__("evidence", [{"file": file, "proves": "Penetapan"}])


# (id, stage, change to the factory's valid answers, what refuses it in the printed schema: "schema" or the id
#  of a rule in "x-rules", the reason `lab answers import` gives)
CASES = [
    ("blank-line", "drum-up", put("signatory", "   "), "schema", "Unit head who signs the commitment: required; please fill it in"),
    ("ideographic-space-only", "drum-up", put("signatory_position", "\u3000\u2003"), "schema",
     "Position: required; please fill it in"),
    ("name-on-two-lines", "drum-up", put("signatory", "dr. Hanung\nKepala Dinas"), "schema",
     "Unit head who signs the commitment: write it on a single line"),
    ("name-with-lone-surrogate", "drum-up", put("signatory", "dr. \ud800Hanung"), "unicode",
     "Unit head who signs the commitment: contains a character that cannot be stored (U+D800); remove it"),
    ("blank-list-item", "drum-up", put("service_areas", ["Imunisasi", "\u2028"]), "schema",
     "Services the team owns (2): required; please fill it in (at service_areas.2)"),
    ("blank-problem-data", "diagnose",
     lambda a: a["problems"][0].__setitem__("data", "\n \t\n"), "schema",
     "Problem 1 · Data that shows the problem: required; please fill it in (at problems.1.data)"),
    ("idea-answers-no-problem", "diagnose",
     lambda a: a["ideas"][0].__setitem__("problem", 2), "idea-problem-exists",
     "Worksheet: idea 1 (Ide 1) answers problem 2, but only 1 problem(s) are listed"),
    ("idea-names-differ-in-case", "diagnose",
     lambda a: a["ideas"][1].__setitem__("title", "IDE 1"), "idea-names-unique",
     "Worksheet: two ideas have the same name; give each idea its own name"),
    ("seven-principles", "design", put("principles", factories.design()["principles"][:7]), "schema",
     "Principles of regional innovation (PP 38/2017 Art. 3): all eight principles must be met; not ticked: Results are accountable, not for self-interest"),
    ("a-principle-twice", "design", put("principles", [*factories.design()["principles"], "openness"]), "schema",
     "Principles of regional innovation (PP 38/2017 Art. 3): a principle is listed twice; list each principle once"),
    ("design-299-words", "design", put("design", WORDS(299)), "schema",
     "Design: has 299 words; at least 300 are required"),
    ("design-300-words-padded", "design", put("design", "\u2003" + "\n".join(WORDS(1, k) for k in range(299))),
     "schema", "Design: has 299 words; at least 300 are required"),
    ("budget-beyond-any-region", "design", put("budget", 10**15), "schema",
     "Budget (IDR, optional): at most 100000000000000"),
    ("evidence-dot-dot", "deliver", put_evidence("sub/../../cohort.toml"), "schema", f"Evidence 1 · File (in the evidence/ folder): {NOT_INSIDE} (at evidence.1.file)"),
    ("evidence-backslash-dot-dot", "deliver", put_evidence(" ..\\..\\lab.db"), "schema",
     f"Evidence 1 · File (in the evidence/ folder): {NOT_INSIDE} (at evidence.1.file)"),
    ("evidence-absolute", "deliver", put_evidence("\t/etc/shadow"), "schema", f"Evidence 1 · File (in the evidence/ folder): {NOT_INSIDE} (at evidence.1.file)"),
    ("evidence-drive", "deliver", put_evidence("c:boot.ini"), "schema", f"Evidence 1 · File (in the evidence/ folder): {NOT_INSIDE} (at evidence.1.file)"),
    ("beneficiaries-beyond-indonesia", "deliver", put("beneficiaries", 10**10), "schema",
     "Number of beneficiaries: at most 1000000000"),
    ("summary-201-words", "display", put("summary", WORDS(201)), "schema",
     "One-paragraph summary: has 201 words; at most 200 are allowed"),
    ("summary-two-paragraphs", "display", put("summary", "Satu.\n\nDua."), "schema",
     "One-paragraph summary: must be one paragraph (no blank lines)"),
    ("summary-paragraphs-split-by-spaces", "display", put("summary", "Satu.\n \u00a0\t\nDua."), "schema",
     "One-paragraph summary: must be one paragraph (no blank lines)"),
    ("summary-paragraphs-old-mac-line-ends", "display", put("summary", "Satu.\r\rDua."), "schema",
     "One-paragraph summary: must be one paragraph (no blank lines)"),
    ("highlight-blank", "display", put("highlights", ["Antrean turun", "\u00a0"]), "schema",
     "Impact highlights (2): required; please fill it in (at highlights.2)"),
]  # fmt: skip


def _ready(ws, stage: str) -> str:
    """Take one unit to where `stage`'s worksheet takes answers; the team or proposal it belongs to."""
    enrol(ws, 1)
    run_once(ws)
    if stage == "drum-up":
        return "unit-uji-001"
    answer(ws, "drum-up", "unit-uji-001", factories.drum_up())
    run_once(ws)
    if stage == "diagnose":
        return "unit-uji-001"
    answer(ws, "diagnose", "unit-uji-001", factories.diagnose(ideas=1))
    run_once(ws)
    code = "PBG-2026-001"
    if stage == "design":
        return code
    answer(ws, "design", code, factories.design())
    run_once(ws)
    with workspace_session(ws) as (session, cohort):
        decide(ws, session, cohort, find_proposal(session, cohort, code), "approve", "Fasilitator")
    run_once(ws)
    if stage == "deliver":
        return code
    evidence(ws, code, "sk.pdf")
    answer(ws, "deliver", code, factories.deliver())
    run_once(ws)
    assert proposals(ws)[code] == "launched"
    return code


@pytest.mark.parametrize("case,stage,change,refused_by,reason", CASES, ids=[c[0] for c in CASES])
def test_hostile_answers_are_refused_by_the_schema_and_the_engine(ws, runner, tmp_path, case, stage, change,
                                                                   refused_by, reason):  # fmt: skip
    answers = factories.ANSWERS[stage]()
    change(answers)
    printed = runner.invoke(app, ["schema", stage, "--json"])
    schema = json.loads(printed.output)
    fits = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).is_valid(
        answers
    )
    if refused_by == "schema":
        assert not fits, "the printed JSON Schema allows answers the engine refuses"
    else:  # JSON Schema cannot say it: the rule is listed in words
        assert fits and refused_by in [r["id"] for r in schema["x-rules"]]

    ident = _ready(ws, stage)
    key = "team" if stage in ("drum-up", "diagnose") else "proposal"
    f = tmp_path / "a.json"
    f.write_text(json.dumps({"worksheets": [{key: ident, "stage": stage, "answers": answers}]}))
    before = sheet_path(ws, stage, ident).read_bytes()
    result = runner.invoke(app, ["answers", "import", str(ws.root), str(f)])
    assert "Traceback" not in result.output and result.exit_code == 5, (result.output, result.exception)
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: a.json: worksheets[0]: {ident} {stage}: {reason}",
        "error: 1 entry not imported",
    ]
    assert sheet_path(ws, stage, ident).read_bytes() == before


# A NUL typed into a worksheet file (answers files holding one are refused by their reader): PostgreSQL cannot
# store it, and an idea title holding one stopped the diagnose stage for every team. (id, stage, the valid
# line it replaces, the line written instead, the field's id, the change to the answers the schema must refuse)
NULS = [
    ("signatory", "drum-up", "dr. Hanung Wikantono", "dr. Hanung\x00", "signatory",
     put("signatory", "dr. Hanung\x00")),
    ("service-area", "drum-up", "- Posyandu", "- Pos\x00yandu", "service_areas",
     put("service_areas", ["Pos\x00yandu"])),
    ("idea-title", "diagnose", "Ide 1", "Ide\x00 1", "title",
     lambda a: a["ideas"][0].__setitem__("title", "Ide\x00 1")),
    ("problem-data", "diagnose", "63 pengunjung per hari (2025).", "63\x00 pengunjung", "data",
     lambda a: a["problems"][0].__setitem__("data", "63\x00 pengunjung")),
]  # fmt: skip


NAMED = {
    "signatory": ("Kepala unit yang menandatangani komitmen", "signatory"),
    "service-area": ("Layanan yang menjadi tanggung jawab tim (2)", "service_areas.2"),
    "idea-title": ("Ide ke-1 · Nama inovasi (dan akronimnya)", "ideas.1.title"),
    "problem-data": ("Masalah ke-1 · Data yang menunjukkan masalah", "problems.1.data"),
}


@pytest.mark.parametrize("case,stage,valid,typed,field,change", NULS, ids=[c[0] for c in NULS])
def test_a_nul_typed_in_a_worksheet_is_that_worksheets_problem(
    ws, runner, case, stage, valid, typed, field, change
):
    answers = factories.ANSWERS[stage]()
    change(answers)
    schema = json.loads(runner.invoke(app, ["schema", stage, "--json"]).output)
    assert not jsonschema.Draft202012Validator(schema).is_valid(answers)

    enrol(ws, 2)
    run_once(ws)
    if stage == "diagnose":
        for slug in teams(ws):
            answer(ws, "drum-up", slug, factories.drum_up())
        run_once(ws)
    for slug in teams(ws):
        answer(ws, stage, slug, factories.ANSWERS[stage]())
    path = sheet_path(ws, stage, "unit-uji-001")
    text = path.read_text().replace(f"\n{valid}\n", f"\n{typed}\n", 1)
    path.write_text(text)
    run_once(ws)
    before, after = {"drum-up": ("enrolled", "committed"), "diagnose": ("committed", "diagnosed")}[stage]
    assert teams(ws) == {"unit-uji-001": before, "unit-uji-002": after}  # the other team carries on
    lines = text.split("\n")
    heading = max(n for n in range(lines.index(typed)) if lines[n].endswith(f"{{#{field}}}")) + 1
    where, path = NAMED[case]  # the field by its label, in the cohort's language; its id path beside
    assert sheet(ws, stage, "unit-uji-001").errors == [
        {
            "line": heading,
            "reason": f"{where}: berisi karakter yang tidak dapat disimpan (U+0000); hapus karakter itu",
            "field": path,
        }
    ]
