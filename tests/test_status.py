"""`lab status`: the human view, `--json` and the run's funnel are one read model and agree on every count."""

from __future__ import annotations

import json
import re

from lab.cli import app
from lab.outputs.status import funnel
from lab.stages import SLUGS
from lab.workflow.decisions import decide
from lab.workspace.cohort import find_proposal, workspace_session
from lab.workspace.settings import open_workspace
from tests import factories
from tests.helpers import answer, enrol, proposals, run_once, sheet_path, teams

COUNTED = ("worksheets", "waiting", "invalid", "valid", "returned", "passed")


def _status(runner, ws, *args):
    result = runner.invoke(app, ["status", str(ws.root), *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def _table(output: str) -> tuple[list[str], dict[str, list[str]]]:
    """The header and the rows (by stage) of the stage table rich printed."""
    lines = [line for line in output.splitlines() if line.startswith(("┃", "│"))]
    cells = [[c.strip() for c in line.strip("┃│").split("┃" if line[0] == "┃" else "│")] for line in lines]
    return cells[0], {row[0]: row[1:] for row in cells[1:]}


def _mixed(ws):
    """Five units: three filled in (one of them broken), two left blank; one diagnosed with two proposals,
    whose designs are complete: one returned with a note, one waiting for a decision."""
    enrol(ws, 5)
    run_once(ws)
    slugs = list(teams(ws))
    for slug in slugs[:3]:
        answer(ws, "drum-up", slug, factories.drum_up())
    sheet_path(ws, "drum-up", slugs[2]).write_text("---\nbroken\n", encoding="utf-8")
    run_once(ws)
    answer(ws, "diagnose", slugs[0], factories.diagnose(ideas=2, forward=2))
    run_once(ws)
    first, second = proposals(ws)
    for code in (first, second):
        answer(ws, "design", code, factories.design())
    run_once(ws)
    with workspace_session(ws) as (session, cohort):
        decide(
            ws,
            session,
            cohort,
            find_proposal(session, cohort, first),
            "return",
            "Fasilitator",
            "Rinci anggaran",
        )
    run_once(ws)
    return ws


def test_the_human_view_and_json_agree_on_every_count(ws, runner):
    _mixed(ws)
    data = json.loads(_status(runner, ws, "--json"))
    human = _status(runner, ws)
    header, rows = _table(human)
    assert header == ["stage", *COUNTED]  # no schedule: no due column
    assert list(rows) == list(SLUGS) == list(data["stages"])
    for slug, row in data["stages"].items():
        assert rows[slug] == [str(row[k]) for k in COUNTED], slug
    # the cohort is mixed enough for the comparison to mean something
    drum_up, design = data["stages"]["drum-up"], data["stages"]["design"]
    assert (drum_up["valid"], drum_up["invalid"], drum_up["waiting"]) == (2, 1, 2)
    assert (design["returned"], design["valid"], data["states"]["proposals"]["designed"]) == (1, 1, 1)
    for kind in ("teams", "proposals"):
        shown = ", ".join(f"{k} {v}" for k, v in data["states"][kind].items() if v)
        assert f"{kind}: {shown}\n" in human
    assert f"invalid worksheets ({len(data['invalid'])} problem(s))" in human
    for item in data["invalid"]:  # the team's sentence, then the field id for the facilitator
        tail = f" [{item['field']}]" if item.get("field") else ""
        assert f"  {item['path']}:{item['line']}: {item['reason']}{tail}\n" in human
    # every waiting item counts; the human view lists the worksheets among them, in the same order
    assert f"waiting ({len(data['waiting'])})" in human
    listed = [line for line in human.partition("\nwaiting (")[2].splitlines()[1:] if line.startswith("  ")]
    assert listed == [f"  {w['path']}: {w['reason']}" for w in data["waiting"] if w["path"]]
    assert any(w["path"] is None and w["reason"].startswith("design is complete") for w in data["waiting"])
    assert any(w["reason"] == "returned by a facilitator: Rinci anggaran" for w in data["waiting"])


def test_the_run_funnel_counts_what_status_counts(ws, runner):
    _mixed(ws)
    data = json.loads(_status(runner, ws, "--json"))
    with workspace_session(ws, writer=False) as (session, cohort):
        counted = funnel(session, cohort)
    for kind in ("teams", "proposals"):
        assert counted[kind] == {k: v for k, v in data["states"][kind].items() if v}


def test_a_schedule_gives_each_stage_its_due_date(ws, runner):
    toml = ws.root / "cohort.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("[schedule]", "[schedule]\ndrum-up = 2026-10-12\ndesign = 2026-11-02"))
    ws = open_workspace(ws.root)
    enrol(ws, 2)
    run_once(ws)
    data = json.loads(_status(runner, ws, "--json"))
    due = {slug: row["due"] for slug, row in data["stages"].items()}
    assert due == {"drum-up": "2026-10-12", "diagnose": None, "design": "2026-11-02", "deliver": None,
                   "display": None}  # fmt: skip
    header, rows = _table(_status(runner, ws))
    assert header == ["stage", *COUNTED, "due"]
    assert {slug: row[-1] for slug, row in rows.items()} == {
        **due,
        "diagnose": "",
        "deliver": "",
        "display": "",
    }
    assert rows["drum-up"][:-1] == [str(data["stages"]["drum-up"][k]) for k in COUNTED]


def test_without_a_schedule_no_stage_is_due(ws, runner):
    enrol(ws, 1)
    run_once(ws)
    data = json.loads(_status(runner, ws, "--json"))
    assert [row["due"] for row in data["stages"].values()] == [None] * len(SLUGS)
    assert not re.search(r"\bdue\b", _status(runner, ws))


def test_an_invalid_answer_is_said_in_the_teams_words_and_the_facilitator_also_sees_the_field_id(ws, runner):
    enrol(ws, 1)
    run_once(ws)
    (slug,) = teams(ws)
    answer(ws, "drum-up", slug, factories.drum_up())
    path = sheet_path(ws, "drum-up", slug)
    path.write_text(path.read_text(encoding="utf-8").replace("2026-03-10", "kemarin"), encoding="utf-8")
    run_once(ws)
    (item,) = json.loads(_status(runner, ws, "--json"))["invalid"]
    assert item["field"] == "commitment_date"
    assert item["reason"].startswith('Tanggal penandatanganan komitmen: "kemarin" belum terbaca')
    assert f"{item['line']}: {item['reason']} [commitment_date]\n" in _status(runner, ws)
