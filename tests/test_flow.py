"""The cohort flow under Prefect: five task runs per flow run whatever the cohort size, an artifact with
the funnel, and an ~85-unit cohort driven only through `lab` commands from roster to display."""

from __future__ import annotations

import json

import pytest

from lab.cli import app
from tests import factories

pytestmark = pytest.mark.flow


def _task_runs(flow_run_id) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        return client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))


def _artifact(key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))


def test_task_runs_per_flow_run_do_not_grow_with_the_cohort(prefect_harness, tmp_path):
    from flows.cohort import cohort_flow
    from lab.workspace.cohort import init_workspace
    from tests.helpers import enrol

    counts, runs = [], []
    for n in (1, 25):
        ws = init_workspace(tmp_path / f"c{n}", "Kabupaten Purbalingga", 2026, "PBG")
        enrol(ws, n)
        state = cohort_flow(workspace=str(ws.root), return_state=True)
        assert state.is_completed()
        assert state.result()["stages"][0]["generated"] == n
        counts.append(len(_task_runs(state.state_details.flow_run_id)))
        runs.append(state.state_details.flow_run_id)
    assert counts == [5, 5]
    artifact = next(a for a in _artifact("funnel-pbg-2026") if a.flow_run_id == runs[-1])
    assert "| drum-up | 0 | 0 | 0 | 0 | 25 |" in artifact.data and "| enrolled | 25 |" in artifact.data


def test_until_stops_after_a_stage(prefect_harness, tmp_path):
    from flows.cohort import cohort_flow
    from lab.workspace.cohort import init_workspace

    ws = init_workspace(tmp_path / "c", "Kota Pasuruan", 2026, "PSR")
    result = cohort_flow(workspace=str(ws.root), until="diagnose")
    assert [r["stage"] for r in result["stages"]] == ["drum-up", "diagnose"]


def _lab(runner, *args) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def _status(runner, path) -> dict:
    return json.loads(_lab(runner, "status", path, "--json"))


def _audit_rows(path) -> int:
    from sqlalchemy import func
    from sqlmodel import select

    from lab.domain.models import Transition
    from lab.workspace.cohort import workspace_session
    from lab.workspace.settings import open_workspace

    with workspace_session(open_workspace(path)) as (session, cohort):
        return session.exec(select(func.count()).where(Transition.cohort_id == cohort.id)).one()


def _import(runner, tmp_path, path, name, worksheets) -> None:
    file = tmp_path / f"{name}.json"
    file.write_text(json.dumps({"worksheets": worksheets}, ensure_ascii=False))
    _lab(runner, "answers", "import", path, file)


def test_an_85_unit_cohort_reaches_display_through_the_commands(prefect_harness, runner, tmp_path):
    units = 85
    path = tmp_path / "pbg"
    _lab(runner, "init", path, "--region", "Kabupaten Purbalingga", "--year", 2026, "--code", "PBG")
    factories.write_roster(tmp_path / "roster.csv", units, members=3)
    _lab(runner, "roster", "import", path, tmp_path / "roster.csv")
    first = _lab(runner, "run", path)
    assert f"drum-up: generate {units}/{units}" in first  # progress, as plain lines when not on a terminal
    teams = [t["id"] for t in _status(runner, path)["teams"]]
    assert len(teams) == units

    _import(
        runner,
        tmp_path,
        path,
        "drum-up",
        [{"team": t, "stage": "drum-up", "answers": factories.drum_up(3)} for t in teams],
    )
    _lab(runner, "run", path)
    _import(
        runner,
        tmp_path,
        path,
        "diagnose",
        [{"team": t, "stage": "diagnose", "answers": factories.diagnose(2, 1)} for t in teams],
    )
    _lab(runner, "run", path)
    status = _status(runner, path)
    assert (
        status["states"]["proposals"]["shortlisted"] == units
        and status["states"]["proposals"]["idea"] == units
    )
    shortlisted = [p["id"] for p in status["proposals"] if p["state"] == "shortlisted"]

    _import(
        runner,
        tmp_path,
        path,
        "design",
        [{"proposal": p, "stage": "design", "answers": factories.design()} for p in shortlisted],
    )
    _lab(runner, "run", path)
    dropped, returned = shortlisted[1], shortlisted[2]
    for p in shortlisted:
        if p == dropped:
            _lab(
                runner,
                "decide",
                path,
                p,
                "--drop",
                "--by",
                "Fasilitator",
                "--note",
                "Digabung dengan usulan lain",
            )
        elif p == returned:
            _lab(
                runner,
                "decide",
                path,
                p,
                "--return",
                "--by",
                "Fasilitator",
                "--note",
                "Rinci anggaran",
            )
        else:
            _lab(runner, "decide", path, p, "--approve", "--by", "Fasilitator")
    _import(
        runner,
        tmp_path,
        path,
        "design-fix",
        [
            {
                "proposal": returned,
                "stage": "design",
                "answers": factories.design() | {"budget": 18500000},
            }
        ],
    )
    _lab(runner, "run", path)
    _lab(runner, "decide", path, returned, "--approve", "--by", "Fasilitator")
    _lab(runner, "run", path)

    live = [p for p in shortlisted if p != dropped]
    for p in live:
        folder = next(path.glob(f"teams/*/{p}")) / "evidence"
        (folder / "sk.pdf").write_bytes(b"%PDF-1.4\n")
    _import(
        runner,
        tmp_path,
        path,
        "deliver",
        [{"proposal": p, "stage": "deliver", "answers": factories.deliver()} for p in live],
    )
    _lab(runner, "run", path)
    _import(
        runner,
        tmp_path,
        path,
        "display",
        [{"proposal": p, "stage": "display", "answers": factories.display()} for p in live],
    )
    _lab(runner, "run", path)

    status = _status(runner, path)
    assert {k: v for k, v in status["states"]["proposals"].items() if v} == {
        "idea": units,
        "showcased": units - 1,
        "dropped": 1,
    }
    assert status["states"]["teams"] == {"enrolled": 0, "committed": 0, "diagnosed": units}
    assert status["stages"]["display"]["passed"] == units - 1 and status["invalid"] == []
    assert [s["passed"] for s in status["stages"].values()] == [
        units,
        units,
        units - 1,
        units - 1,
        units - 1,
    ]

    files = sorted((p, p.stat().st_mtime_ns) for p in path.rglob("*.md"))
    before = _status(runner, path), _audit_rows(path)
    _lab(runner, "run", path)
    assert (_status(runner, path), _audit_rows(path)) == before
    assert sorted((p, p.stat().st_mtime_ns) for p in path.rglob("*.md")) == files
    history = json.loads(_lab(runner, "history", path, returned, "--json"))
    assert [h["event"] for h in history] == [
        "create",
        "shortlist",
        "design_complete",
        "return",
        "design_complete",
        "approve",
        "deliver_complete",
        "display_complete",
    ]


def test_a_cohort_that_enables_reminders_gets_a_reminders_task_after_its_stages(
    prefect_harness, tmp_path, monkeypatch
):
    from flows.cohort import cohort_flow
    from lab.workflow import pipeline
    from lab.workspace.cohort import init_workspace

    sent = []
    monkeypatch.setattr(pipeline, "remind", lambda workspace: sent.append(workspace) or {"sent": 3})
    ws = init_workspace(tmp_path / "c", "Kota Pasuruan", 2026, "PSR")
    cohort_flow(workspace=str(ws.root))
    assert sent == []  # off by default: the run sends nothing
    (ws.root / "cohort.toml").write_text(
        (ws.root / "cohort.toml").read_text() + "\n[reminders]\nenabled = true\n"
    )
    state = cohort_flow(workspace=str(ws.root), return_state=True)
    assert state.is_completed() and sent == [str(ws.root)]
    names = [t.name for t in _task_runs(state.state_details.flow_run_id)]
    assert len(names) == 6 and any(n.startswith("reminders") for n in names)
