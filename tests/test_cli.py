"""The `lab` command's contracts: exit codes, one-line errors, JSON shapes, help everywhere, no Prefect."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lab.cli import app
from lab.stages import SLUGS
from tests import factories
from tests.helpers import run_once


def lab(runner, *args):
    return runner.invoke(app, [str(a) for a in args])


def _init(runner, tmp_path, *extra):
    path = tmp_path / "pbg"
    extra = extra or ("--code", "PBG")
    result = lab(runner, "init", path, "--region", "Kabupaten Purbalingga", "--year", 2026, *extra)
    assert result.exit_code == 0, result.output
    return path


def test_init_makes_a_workspace_with_a_derived_code(runner, tmp_path):
    path = tmp_path / "pbg"
    result = lab(runner, "init", path, "--region", "Kabupaten Purbalingga", "--year", 2026)
    assert result.output.splitlines()[0] == f"created cohort PRB-2026 (Kabupaten Purbalingga) in {path}"
    assert (path / "cohort.toml").is_file()
    assert (path / "lab.db").is_file() == (
        "LAB_DATABASE_URL" not in os.environ
    )  # SQLite unless told otherwise
    assert json.loads(lab(runner, "status", path, "--json").output)["cohort"]["id"] == "PRB-2026"


def test_init_refuses_an_existing_cohort(runner, tmp_path):
    path = _init(runner, tmp_path)
    result = lab(runner, "init", path, "--region", "Kota Pasuruan", "--year", 2026)
    assert result.exit_code == 3
    assert result.output.strip().splitlines() == [
        f"error: {path} already holds a cohort (cohort.toml); choose another folder"
    ]


def test_english_cohort_gets_english_worksheets(runner, tmp_path):
    path = _init(runner, tmp_path, "--lang", "en", "--code", "pbg")
    factories.write_roster(tmp_path / "r.csv", 1)
    lab(runner, "roster", "import", path, tmp_path / "r.csv")
    from lab.workspace.settings import open_workspace

    run_once(open_workspace(path))
    text = (path / "teams/unit-uji-001/1-drum-up.md").read_text()
    assert "## Unit head who signs the commitment {#signatory}" in text and "lang: en" in text


@pytest.mark.parametrize(
    "content,message",
    [
        ("unit,member\nA,B\n", "{f}:1: missing column(s) unit_type, role, email; expected unit,unit_type,member,role,email"),
        ("unit,unit_type,member,role,email\nDinas X,dinas,A,Ketua,\n",
         "{f}:2: unit_type 'dinas' is not one of opd, kecamatan, kelurahan, desa, puskesmas, rsud, upt, bumd, other"),
        ("unit,unit_type,member,role,email\nDinas Kesehatan,opd,A,,\nDinas  KESEHATAN!,opd,B,,\n",
         "{f}:3: unit 'Dinas KESEHATAN!' has the same id 'dinas-kesehatan' as 'Dinas Kesehatan' (line 2); rename one"),
        ("unit,unit_type,member,role,email\n../../etc,opd,A,,\n", None),
        ("unit,unit_type,member,role,email\n/// ...,opd,A,,\n",
         "{f}:2: unit name '/// ...' has no letters or digits to name its folder"),
    ],
)  # fmt: skip
def test_roster_problems_are_one_line_with_file_and_line(runner, tmp_path, content, message):
    path = _init(runner, tmp_path)
    roster = tmp_path / "r.csv"
    roster.write_text(content)
    result = lab(runner, "roster", "import", path, roster)
    if message is None:  # a path trick in a name becomes a harmless slug
        assert result.exit_code == 0
        assert json.loads(lab(runner, "status", path, "--json").output)["teams"][0]["id"] == "etc"
        return
    assert result.exit_code == 4
    assert result.output.strip() == "error: " + message.format(f=roster)


def test_status_json_has_the_documented_shape(runner, tmp_path):
    path = _init(runner, tmp_path)
    factories.write_roster(tmp_path / "r.csv", 2)
    assert lab(runner, "roster", "import", path, tmp_path / "r.csv").exit_code == 0
    from lab.workspace.settings import open_workspace

    run_once(open_workspace(path))
    data = json.loads(lab(runner, "status", path, "--json").output)
    assert set(data) >= {"cohort", "stages", "teams", "proposals", "invalid"}
    assert list(data["stages"]) == list(SLUGS)
    assert data["stages"]["drum-up"]["waiting"] == 2
    assert data["teams"][0] == {"id": "unit-uji-001", "unit": "Unit Uji 001", "unit_type": "kecamatan",
                                "state": "enrolled", "readiness": None}  # fmt: skip
    assert data["proposals"] == [] and data["invalid"] == []


def test_answers_import_from_csv_and_decide_and_history(runner, tmp_path):
    path = _init(runner, tmp_path)
    factories.write_roster(tmp_path / "r.csv", 1)
    lab(runner, "roster", "import", path, tmp_path / "r.csv")
    from lab.workspace.settings import open_workspace

    ws = open_workspace(path)
    run_once(ws)
    rows = ["stage,team,proposal,field,value", "drum-up,unit-uji-001,,signatory,dr. Hanung",
            "drum-up,unit-uji-001,,signatory_position,Kepala Dinas", "drum-up,unit-uji-001,,commitment_date,2026-03-10",
            "drum-up,unit-uji-001,,committed,ya", 'drum-up,unit-uji-001,,service_areas,"Imunisasi\nPosyandu"',
            "drum-up,unit-uji-001,,members.1.name,Siti", "drum-up,unit-uji-001,,members.1.role,Ketua"]  # fmt: skip
    (tmp_path / "a.csv").write_text("\n".join(rows) + "\n")
    result = lab(runner, "answers", "import", path, tmp_path / "a.csv")
    assert result.exit_code == 0, result.output
    run_once(ws)
    data = json.loads(lab(runner, "status", path, "--json").output)
    assert data["teams"][0]["state"] == "committed"

    answers = {"worksheets": [{"team": "unit-uji-001", "stage": "diagnose", "answers": factories.diagnose()}]}
    (tmp_path / "d.json").write_text(json.dumps(answers))
    assert lab(runner, "answers", "import", path, tmp_path / "d.json").exit_code == 0
    run_once(ws)
    answers = {"worksheets": [{"proposal": "PBG-2026-001", "stage": "design", "answers": factories.design()}]}
    (tmp_path / "g.json").write_text(json.dumps(answers))
    result = lab(runner, "answers", "import", path, tmp_path / "g.json")
    assert result.exit_code == 0, result.output
    run_once(ws)

    result = lab(runner, "decide", path, "PBG-2026-001", "--return", "--by", "Fasilitator")
    assert result.exit_code == 6 and "a note (--note) is required" in result.output
    result = lab(
        runner,
        "decide",
        path,
        "pbg-2026-001",
        "--approve",
        "--by",
        "Fasilitator",
        "--note",
        "Bagus",
    )
    assert (
        result.exit_code == 0
        and result.output.strip() == "PBG-2026-001: designed -> approved (approve by Fasilitator)"
    )
    result = lab(runner, "decide", path, "PBG-2026-001", "--approve", "--drop", "--by", "X")
    assert result.exit_code == 2
    history = json.loads(lab(runner, "history", path, "PBG-2026-001", "--json").output)
    assert [(h["from"], h["to"], h["actor"]) for h in history] == [
        ("", "idea", "unit-uji-001"), ("idea", "shortlisted", "unit-uji-001"),
        ("shortlisted", "designed", "unit-uji-001"), ("designed", "approved", "Fasilitator"),
    ]  # fmt: skip
    assert history[-1]["note"] == "Bagus"


def test_answers_naming_unknown_things_are_refused_each_with_a_reason(runner, tmp_path):
    path = _init(runner, tmp_path)
    factories.write_roster(tmp_path / "r.csv", 1)
    lab(runner, "roster", "import", path, tmp_path / "r.csv")
    doc = {"worksheets": [
        {"team": "tidak-ada", "stage": "drum-up", "answers": {}},
        {"proposal": "PBG-2026-999", "stage": "design", "answers": {}},
        {"team": "unit-uji-001", "stage": "diagnosa", "answers": {}},
    ]}  # fmt: skip
    (tmp_path / "x.json").write_text(json.dumps(doc))
    result = lab(runner, "answers", "import", path, tmp_path / "x.json")
    assert result.exit_code == 5
    assert "unknown stage 'diagnosa'" in result.output
    assert "no team 'tidak-ada' in this cohort" in result.output
    assert "no proposal 'PBG-2026-999' in this cohort" in result.output


def test_schema_json_is_the_json_schema_of_each_stage(runner):
    from lab.stages import get_stage
    from lab.worksheets.spec import describe

    every = json.loads(lab(runner, "schema", "--json").output)
    assert list(every) == list(SLUGS)
    for slug in SLUGS:
        result = lab(runner, "schema", slug, "--json")
        doc = json.loads(result.output)
        specs = describe(get_stage(slug).schema)
        assert doc == every[slug] and doc["type"] == "object" and doc["additionalProperties"] is False
        assert list(doc["properties"]) == [s.id for s in specs]
        assert doc["required"] == [s.id for s in specs if s.required]
        assert [r["id"] for r in doc["x-rules"]] == [r.id for r in get_stage(slug).schema.rules()]
    design = json.loads(lab(runner, "schema", "design", "--json").output)
    assert design["properties"]["trial_start"]["format"] == "date"
    assert (
        design["properties"]["principles"]["minItems"] == 8
        and design["properties"]["principles"]["uniqueItems"]
    )


def test_schema_lists_the_rules_json_schema_cannot_express(runner):
    out = lab(runner, "schema", "diagnose").output
    lines = out.splitlines()
    at = lines.index('rules the engine also checks, beyond the JSON Schema ("x-rules" in --json):')
    assert lines[at + 1 : at + 3] == [
        "  idea-problem-exists: Each idea's problem number is the number of a listed problem (1 to the number of problems).",
        "                       Nomor masalah pada setiap ide adalah nomor masalah yang tercantum (1 sampai jumlah masalah).",
    ]  # fmt: skip
    assert "  idea-names-unique: Each idea has its own name (ignoring upper and lower case)." in lines


def test_states_mermaid_prints_the_table(runner):
    from lab.workflow.states import mermaid

    assert lab(runner, "states", "--mermaid").output.strip() == mermaid()


def _commands(group, prefix=()):
    import typer.main

    cmd = typer.main.get_command(group) if not hasattr(group, "commands") else group
    for name, sub in cmd.commands.items():
        if hasattr(sub, "commands"):
            yield from _commands(sub, (*prefix, name))
        else:
            yield (*prefix, name)


@pytest.mark.parametrize("command", list(_commands(app)), ids=" ".join)
def test_every_command_has_help(runner, command):
    result = lab(runner, *command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_errors_on_a_missing_workspace_are_one_line(runner, tmp_path):
    result = lab(runner, "status", tmp_path / "nothing")
    assert result.exit_code == 3
    assert (
        result.output.strip()
        == f"error: {tmp_path / 'nothing'} is not a cohort workspace (no cohort.toml); run `lab init` first"
    )


@pytest.mark.parametrize("args", [["--help"], ["status", "{ws}"], ["schema", "design"], ["states"]])
def test_commands_that_do_not_run_the_flow_never_import_prefect(tmp_path, args):
    from lab.workspace.cohort import init_workspace

    init_workspace(tmp_path / "ws", "Kota Pasuruan", 2026)
    code = (
        "import sys\nfrom lab.cli import app\n"
        "try:\n    app(%r)\nexcept SystemExit:\n    pass\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'flows'))\n"
        "print('IMPORTED', bad)\n"
    ) % [a.format(ws=tmp_path / "ws") for a in args]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("IMPORTED []")


def test_an_os_error_is_one_line_not_a_traceback(runner, tmp_path):
    (tmp_path / "berkas.txt").write_text("bukan folder")
    result = lab(runner, "init", tmp_path / "berkas.txt" / "pbg", "--region", "Kota Pasuruan", "--year", 2026)
    assert result.exit_code == 1
    assert result.output.strip() == f"error: Not a directory ({tmp_path / 'berkas.txt' / 'pbg'})"
