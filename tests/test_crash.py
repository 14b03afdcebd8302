"""Nothing lost: real `lab run` processes killed at random points converge to the undisturbed result,
two runs on one cohort never interleave, and decisions taken during a run stay correct."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from lab.domain.errors import TransitionNotAllowed
from lab.domain.models import Transition
from lab.storage.files import orphaned
from lab.workspace.cohort import init_workspace, workspace_session
from lab.workspace.lock import HOLDER_FILE
from tests import factories
from tests.helpers import answer, enrol, proposals, run_once, snapshot, snapshot_diff, teams

pytestmark = pytest.mark.flow
LAB = [sys.executable, "-m", "lab"]
UNITS = 150


@pytest.fixture
def lab_env(prefect_harness, tmp_path):
    """Environment for `lab` subprocesses: report to the session's Prefect test server."""
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value(), PREFECT_LOGGING_LEVEL="WARNING",
               DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")  # fmt: skip
    env.pop("PREFECT_HOME", None)
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    return env


def _prepared(path: Path):
    """A cohort whose next run has real work in several stages: diagnose ingest, proposals, design worksheets."""
    ws = init_workspace(path, "Kabupaten Purbalingga", 2026, "PBG")
    enrol(ws, UNITS)
    run_once(ws)
    for slug in teams(ws):
        answer(ws, "drum-up", slug, factories.drum_up())
    run_once(ws)
    for n, slug in enumerate(teams(ws)):
        if n % 3:
            answer(ws, "diagnose", slug, factories.diagnose(ideas=2, forward=2))
    return ws


def _spawn(ws, env, *args):
    return subprocess.Popen([*LAB, "run", str(ws.root), *args], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def _wait_for_lock(ws, proc, timeout=120.0) -> float:
    start = time.monotonic()
    while not (ws.root / HOLDER_FILE).exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - start < timeout
        time.sleep(0.01)
    return time.monotonic()


def test_runs_killed_at_random_points_converge_to_the_undisturbed_result(lab_env, tmp_path):
    calm = _prepared(tmp_path / "calm")
    proc = _spawn(calm, lab_env)
    locked_at = _wait_for_lock(calm, proc)
    assert proc.wait(timeout=300) == 0, proc.communicate()
    work = time.monotonic() - locked_at  # the window in which a kill can hurt
    expected = snapshot(calm)
    assert len(expected["proposals"]) > UNITS  # the run had real work to do

    hurt = _prepared(tmp_path / "hurt")
    rng = random.Random(int(os.environ.get("LAB_KILL_SEED", "2026")))
    kills, partial = 0, []
    for slot in range(6):
        proc = _spawn(hurt, lab_env)
        _wait_for_lock(hurt, proc)
        time.sleep(work * (slot + rng.random()) / 6)  # stratified: every part of the work gets a kill
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.communicate()
        partial.append(len(snapshot(hurt)["proposals"]))
    final = subprocess.run([*LAB, "run", str(hurt.root)], env=lab_env, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr  # a killed run's lock never blocks the next one
    print(f"\nkills: {kills}, proposals after each attempt: {partial}, work window {work:.2f} s")
    assert kills >= 3 and partial[-1] > 0  # killed runs made progress that the next ones kept
    assert snapshot_diff(snapshot(hurt), expected) == {}
    assert list(orphaned(hurt.root)) == [] and not list(hurt.root.rglob("*.tmp"))
    again = subprocess.run([*LAB, "run", str(hurt.root)], env=lab_env, capture_output=True, text=True)
    assert again.returncode == 0 and snapshot(hurt) == expected  # and nothing changes after that


def test_a_second_run_on_the_same_cohort_is_refused_then_waits(lab_env, tmp_path):
    ws = _prepared(tmp_path / "ws")
    first = _spawn(ws, lab_env)
    _wait_for_lock(ws, first)
    second = subprocess.run([*LAB, "run", str(ws.root)], env=lab_env, capture_output=True, text=True)
    assert second.returncode == 8
    line = second.stderr.strip()
    assert line.startswith(f"error: cohort PBG-2026 busy, run by PID {first.pid} on ") and "since" in line, (
        line
    )
    assert "Traceback" not in second.stderr and len(second.stderr.strip().splitlines()) == 1
    third = _spawn(ws, lab_env, "--wait", "300")
    assert first.wait(timeout=300) == 0
    out, err = third.communicate(timeout=300)
    assert third.returncode == 0, err
    expected = snapshot(ws)
    assert list(orphaned(ws.root)) == []
    run_once(ws)
    assert snapshot(ws) == expected


def test_decisions_taken_during_a_run_stay_correct(lab_env, tmp_path):
    from lab.workflow.decisions import decide
    from lab.workspace.cohort import find_proposal

    ws = _prepared(tmp_path / "ws")
    run_once(ws)  # the first teams' proposals exist now
    designed = [c for c, s in proposals(ws).items() if s == "shortlisted"][:5]
    for code in designed:
        answer(ws, "design", code, factories.design())
    run_once(ws)
    later = [slug for slug, state in teams(ws).items() if state == "committed"][: UNITS // 3]
    assert len(later) == UNITS // 3  # every third team has not answered diagnose yet
    for slug in later:
        answer(ws, "diagnose", slug, factories.diagnose(ideas=2, forward=1))  # more work for the next run
    waiting = [c for c, st in proposals(ws).items() if st == "shortlisted" and c not in designed][:3]
    doc = {"worksheets": [{"proposal": c, "stage": "design", "answers": factories.design()} for c in waiting]}
    (tmp_path / "answers.json").write_text(json.dumps(doc))
    proc = _spawn(ws, lab_env)
    _wait_for_lock(ws, proc)
    imported = subprocess.run([*LAB, "answers", "import", str(ws.root), str(tmp_path / "answers.json")],
                              env=lab_env, capture_output=True, text=True)  # fmt: skip
    results = [subprocess.run([*LAB, "decide", str(ws.root), code, "--approve", "--by", "Fasilitator"],
                              env=lab_env, capture_output=True, text=True) for code in designed]  # fmt: skip
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert [r.returncode for r in results] == [0] * len(designed), [r.stderr for r in results]
    states = proposals(ws)
    assert all(states[c] == "approved" for c in designed)
    assert {teams(ws)[slug] for slug in later} == {"diagnosed"}  # the run did its own work meanwhile
    assert imported.returncode == 0, imported.stderr
    run_once(ws)  # the answers written during the run are read by the next one
    assert all(proposals(ws)[c] == "designed" for c in waiting)
    with workspace_session(ws) as (session, cohort):
        for code in designed:
            p = find_proposal(session, cohort, code)
            approvals = session.exec(select(Transition).where(Transition.subject_id == p.id, Transition.kind == "proposal",
                                                              Transition.event == "approve")).all()  # fmt: skip
            assert len(approvals) == 1
        with pytest.raises(TransitionNotAllowed, match="^cannot approve"):
            decide(ws, session, cohort, find_proposal(session, cohort, designed[0]), "approve", "Fasilitator")
