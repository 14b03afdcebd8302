"""A cohort as a Prefect deployment on a real stack (scripts/stack: PostgreSQL, Prefect server, process worker).

`lab deploy` registers the cohort with its parameters and schedule, `lab run` with PREFECT_API_URL set goes
through the worker and the cohort moves on in the lab database, two cohorts run at once on one PostgreSQL,
the web app's "run now" takes the same way, and `lab undeploy` removes the deployment.
"""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from lab.workspace.cohort import init_workspace
from tests import factories
from tests.helpers import answer, enrol, teams

LAB = [sys.executable, "-m", "lab"]


@pytest.fixture
def on_stack(stack, monkeypatch):
    """This test's lab database is the stack's (the worker's), and its subprocesses talk to the stack."""
    monkeypatch.setenv("LAB_DATABASE_URL", stack["LAB_DATABASE_URL"])
    return stack


def lab(env, *args, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([*LAB, *map(str, args)], env=env, capture_output=True, text=True, timeout=600)
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def cohort(tmp_path, name: str, code: str, units: int = 2):
    ws = init_workspace(tmp_path / name, f"Kabupaten {name.title()}", 2026, code)
    enrol(ws, units)
    return ws


def deployment(env, ws) -> dict | None:
    from lab.runtime.prefect_deploy import full_name

    answer_ = httpx.get(f"{env['PREFECT_API_URL']}/deployments/name/{full_name(ws)}", timeout=30)
    if answer_.status_code == 404:
        return None
    answer_.raise_for_status()
    return answer_.json()


def test_deploy_registers_the_cohort_with_its_workspace_and_schedule_in_jakarta_time(on_stack, tmp_path):
    ws = cohort(tmp_path, "purbalingga", "PBG")
    out = lab(on_stack, "deploy", ws.root).stdout
    assert f"deployed labinov-cohort/PBG-2026-{ws.settings.uid[:8]} on work pool lab" in out
    assert "schedule: cron '0 7 * * 1-5' in Asia/Jakarta" in out
    lab_db = on_stack["LAB_DATABASE_URL"].replace("postgres@", "")  # shown without its user
    assert f"lab database: {lab_db} (a worker needs the same LAB_DATABASE_URL)" in out

    found = deployment(on_stack, ws)
    ui = httpx.get(on_stack["PREFECT_API_URL"].removesuffix("/api") + "/ui-settings", timeout=30).json()
    assert ui["api_url"] == on_stack["PREFECT_API_URL"]  # the UI (where its runs show) asks this server
    assert found["parameters"] == {"workspace": str(ws.root)}
    assert found["description"].endswith(f"; its workers need the lab database {lab_db}")
    assert found["entrypoint"] == "flows.cohort.cohort_flow"  # the installed package is the code
    assert found["work_pool_name"] == "lab" and found["pull_steps"] in (None, [])
    assert [(s["schedule"]["cron"], s["schedule"]["timezone"], s["active"]) for s in found["schedules"]] == [
        ("0 7 * * 1-5", "Asia/Jakarta", True)
    ]

    # deployed again with another schedule: the same deployment, the old schedule replaced
    out = lab(on_stack, "deploy", ws.root, "--schedule", "30 6 * * 1").stdout
    assert "updated labinov-cohort/PBG-2026-" in out
    again = deployment(on_stack, ws)
    assert again["id"] == found["id"]
    assert [(s["schedule"]["cron"], s["schedule"]["timezone"]) for s in again["schedules"]] == [
        ("30 6 * * 1", "Asia/Jakarta")
    ]
    assert lab(on_stack, "deploy", ws.root, "--schedule", "").stdout.count("runs on demand only") == 1
    assert deployment(on_stack, ws)["schedules"] == []


def test_a_bad_schedule_or_pool_is_refused_before_anything_is_registered(on_stack, tmp_path):
    ws = cohort(tmp_path, "banjarnegara", "BNA")
    done = lab(on_stack, "deploy", ws.root, "--schedule", "0 25 * * *", ok=False)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: --schedule: cron field hour '25': '25' is outside 0-23; e.g. \"0 7 * * 1-5\" (07:00 Monday to Friday)"
    )
    done = lab(on_stack, "deploy", ws.root, "--pool", "../lab", ok=False)
    assert done.returncode == 2 and "--pool: '../lab' is not a work pool name" in done.stderr
    assert deployment(on_stack, ws) is None


def test_lab_run_goes_through_the_worker_for_two_cohorts_at_once_and_they_move_on(on_stack, tmp_path):
    """Two deployed cohorts on one PostgreSQL: each `lab run` makes a flow run that the worker runs; the teams
    whose drum-up worksheets were filled in are committed in the lab database afterwards."""
    both = [cohort(tmp_path, "purbalingga", "PBG"), cohort(tmp_path, "kebumen", "KBM", units=3)]
    for ws in both:
        lab(on_stack, "deploy", ws.root, "--schedule", "")
    first = [subprocess.Popen([*LAB, "run", str(ws.root)], env=on_stack, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for ws in both]  # fmt: skip
    for ws, proc in zip(both, first, strict=True):
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, out + err
        assert f"of deployment {ws.settings.cohort_id}-{ws.settings.uid[:8]} (pool lab)" in out
        assert "Completed" in out and "│ drum-up" in out
        assert set(teams(ws).values()) == {"enrolled"}
    ws = both[1]
    for slug in teams(ws):
        answer(ws, "drum-up", slug, factories.drum_up())
    out = lab(on_stack, "run", ws.root).stdout
    assert "of deployment" in out
    drum_up = next(line for line in out.splitlines() if line.startswith("│ drum-up"))
    assert drum_up.split("│")[2].strip() == "3"  # ingested
    assert set(teams(ws).values()) == {"committed"}  # read from the lab database the worker wrote
    status = json.loads(lab(on_stack, "status", ws.root, "--json").stdout)
    assert status["states"]["teams"].get("committed") == 3

    runs = httpx.post(f"{on_stack['PREFECT_API_URL']}/flow_runs/filter", timeout=30,
                      json={"deployments": {"id": {"any_": [deployment(on_stack, ws)["id"]]}}}).json()  # fmt: skip
    assert len(runs) == 2 and {r["state"]["type"] for r in runs} == {"COMPLETED"}


def test_run_now_in_the_web_app_takes_the_deployment_too(on_stack, tmp_path, monkeypatch):
    from lab.web.runs import Runs

    ws = cohort(tmp_path, "cilacap", "CLP")
    lab(on_stack, "deploy", ws.root, "--schedule", "")
    for name in ("PREFECT_API_URL", "PREFECT_HOME", "PREFECT_LOGGING_LEVEL"):
        monkeypatch.setenv(name, on_stack[name])
    runs = Runs(ws)
    runs.start()
    runs.wait()
    last = runs.last()
    assert last["exit_code"] == 0, last["tail"]
    assert any("of deployment CLP-2026-" in line for line in last["tail"])
    assert set(teams(ws).values()) == {"enrolled"}


def test_undeploy_removes_it_and_lab_run_runs_in_its_own_process_again(on_stack, tmp_path):
    ws = cohort(tmp_path, "wonosobo", "WSB")
    lab(on_stack, "deploy", ws.root)
    out = lab(on_stack, "undeploy", ws.root).stdout
    assert out.startswith(f"removed labinov-cohort/WSB-2026-{ws.settings.uid[:8]}")
    assert deployment(on_stack, ws) is None
    assert "is not deployed; nothing to remove" in lab(on_stack, "undeploy", ws.root).stdout
    out = lab(on_stack, "run", ws.root, "--until", "drum-up").stdout
    assert "of deployment" not in out and "│ drum-up" in out
    assert set(teams(ws).values()) == {"enrolled"}


def test_a_scheduled_run_comes_by_itself_through_the_worker(on_stack, tmp_path):
    """Deployed with a cron of every minute, the cohort's first worksheets appear without anyone running it."""
    import time

    ws = cohort(tmp_path, "temanggung", "TMG")
    lab(on_stack, "deploy", ws.root, "--schedule", "* * * * *")
    try:
        found, runs = deployment(on_stack, ws), []
        deadline = (
            time.monotonic() + 300
        )  # the next minute, the worker's poll and a new process, on a busy machine
        while time.monotonic() < deadline and not any(r["state"]["type"] == "COMPLETED" for r in runs):
            time.sleep(2)
            runs = httpx.post(f"{on_stack['PREFECT_API_URL']}/flow_runs/filter", timeout=30,
                              json={"deployments": {"id": {"any_": [found["id"]]}}}).json()  # fmt: skip
        done = [r for r in runs if r["state"]["type"] == "COMPLETED"]
        assert done, [r["state"]["type"] for r in runs]
        assert done[0]["auto_scheduled"] is True and "lab-run" not in done[0]["tags"]
        assert sorted(p.name for p in ws.teams_dir.glob("*/1-drum-up.md")) == ["1-drum-up.md"] * 2
    finally:
        lab(on_stack, "undeploy", ws.root)


def test_with_no_worker_on_its_pool_lab_run_says_so_and_ctrl_c_leaves_the_run_queued(on_stack, tmp_path):
    import signal

    ws = cohort(tmp_path, "kendal", "KDL")
    lab(on_stack, "deploy", ws.root, "--schedule", "", "--pool", "nobody-polls-this")
    proc = subprocess.Popen([*LAB, "run", str(ws.root)], env=on_stack, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        seen = []
        for line in proc.stdout:  # ends when lab run ends; the hint comes after 15 s of waiting
            seen.append(line)
            if "no worker polls" in line:
                break
        assert seen[-1].strip() == (
            "no worker polls the work pool 'nobody-polls-this'; start one (`lab worker --pool nobody-polls-this`), "
            "the run starts when it does"
        ), seen
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        lab(on_stack, "undeploy", ws.root)
    assert proc.returncode == 130
    assert f"goes on in its worker; `lab status {ws.root}` shows where the cohort stands" in out
    assert err.strip() == "interrupted"
    assert set(teams(ws).values()) == {"enrolled"} and not list(ws.teams_dir.glob("*/1-drum-up.md"))
