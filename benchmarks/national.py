"""National-scale benchmark: N cohorts as deployments on a real Prefect server, run by two process workers.

    python benchmarks/national.py --cohorts 550 --concurrency 1,2,4

Starts the stack (`scripts/stack up` into a temporary STATE: a throwaway PostgreSQL cluster with the databases
`prefect` and `lab`, a Prefect server on it, a process worker) and a second process worker (`lab worker`) on
the same work pool. Creates the cohorts in process (init_workspace and the roster import, every cohort in the
stack's one `lab` database, workspaces under a temporary folder on this disk), each of 10 to 80 units with a
deterministic random mix of unit types (`--seed`), and deploys each without a schedule
(lab.runtime.prefect_deploy.deploy, as `lab deploy --schedule ""`).

Then, for each work-pool concurrency limit of `--concurrency`, it sets the pool's limit, creates one flow run
per cohort of that point (without waiting), and waits for all of them. The last (highest) limit runs all N
cohorts; the others run `--curve-cohorts` fresh cohorts each (fewer, to keep the curve affordable: said in the
output). Per point: cohort runs per minute (runs / the time from the first trigger to the last run's end),
p50/p95 run time (each flow run's end_time - start_time on the server), failed runs (listed with their state
message), and the peak memory of the Prefect server, the PostgreSQL cluster and the workers with their flow
run processes (sampled every second; proportional set size of each process tree, so PostgreSQL's shared
buffers count once). Afterwards the lab database must hold a drum-up worksheet, with its file on disk, for
every team of every cohort run (the pass did its work).

For comparison, `--serial-sample` fresh cohorts (not deployed) run one after another with `lab run` and
PREFECT_API_URL unset (each starts a temporary Prefect server of its own, as without a stack); the time for N
such runs is that mean times N, an extrapolation, and the output says so (`--serial-sample 0`: not
measured). The stack is stopped (`scripts/stack down`) at the end, on failure and on Ctrl-C. The last line is
`cohorts N, runs/min X at concurrency C, p95 Y s, failed F, missing worksheets M, lab run serial Z min
(extrapolated)`; the exit code is 1 if any run failed or any worksheet is missing.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from uuid import UUID

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
for _name in [n for n in os.environ if n.startswith("PREFECT_API") or n == "LAB_DATABASE_URL"]:
    os.environ.pop(_name)

from lab.domain.units import UNIT_TYPES  # noqa: E402
from lab.runtime.stack_env import read_env  # noqa: E402
from lab.stages import SLUGS  # noqa: E402
from lab.workflow.roster import import_roster  # noqa: E402
from lab.workspace.cohort import init_workspace, workspace_session  # noqa: E402

STACK = ROOT / "scripts" / "stack"
POOL = "national"
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))] if s else 0.0


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def _memory_kb(pid: int) -> int:
    """Proportional set size (shared pages split among their users), or RSS where smaps is not readable."""
    for file, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(file).read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except OSError:
            continue
    return 0


def tree_mb(roots: list[int], kids: dict[int, list[int]]) -> float:
    seen, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo.extend(kids.get(pid, []))
    return sum(_memory_kb(pid) for pid in seen) / 1024


class Sampler(threading.Thread):
    """Peak memory of named process trees, sampled every second."""

    def __init__(self, roots: dict[str, list[int]]):
        super().__init__(daemon=True)
        self.roots, self.peak = roots, dict.fromkeys(roots, 0.0)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(1.0):
            kids = _children()
            for name, roots in self.roots.items():
                self.peak[name] = max(self.peak[name], tree_mb(roots, kids))


def make_cohort(base: Path, i: int, seed: int):
    """Cohort i: 10-80 units of a deterministic random mix of unit types, one member each."""
    rng = random.Random(seed * 100_003 + i)
    ws = init_workspace(base / f"cohort-{i:04d}", f"Kabupaten Sintetis {i}", 2026, f"NB{i:04d}")
    kinds = list(UNIT_TYPES)
    roster = base / f"roster-{i:04d}.csv"
    lines = ["unit,unit_type,member,role,email"]
    for u in range(rng.randint(10, 80)):
        kind = rng.choice(kinds)
        lines.append(
            f"{UNIT_TYPES[kind]['id']} Sintetis {u:03d},{kind},Ketua {u},Ketua,k{i}.{u}@example.go.id"
        )
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with workspace_session(ws) as (session, cohort):
        import_roster(ws, roster, session, cohort)
    roster.unlink()
    return ws


def set_limit(client, limit: int) -> None:
    from prefect.client.schemas.actions import WorkPoolUpdate

    client.update_work_pool(POOL, WorkPoolUpdate(concurrency_limit=limit))


def read_runs(client, ids: list) -> list:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    out = []
    for k in range(0, len(ids), 200):
        chunk = ids[k : k + 200]
        out += client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=chunk)), limit=200)
    return out


def run_point(client, deployments: list, limit: int, timeout: float) -> dict:
    """Trigger one run per deployment with the pool's limit set, wait for all; the point's figures."""
    set_limit(client, limit)
    t0 = time.monotonic()
    ids = [client.create_flow_run_from_deployment(UUID(d)).id for d in deployments]
    runs = []
    while time.monotonic() - t0 < timeout:
        runs = read_runs(client, ids)
        left = [r for r in runs if r.state_type is None or r.state_type.value not in FINAL]
        print(f"  concurrency {limit}: {len(runs) - len(left)}/{len(ids)} done, {time.monotonic() - t0:.0f} s",
              flush=True)  # fmt: skip
        if not left:
            break
        time.sleep(5)
    wall = time.monotonic() - t0
    done = [r for r in runs if r.state_type is not None and r.state_type.value in FINAL]
    times = [(r.end_time - r.start_time).total_seconds() for r in done if r.start_time and r.end_time]
    turns = [(r.end_time - r.created).total_seconds() for r in done if r.created and r.end_time]
    failed = [(r.name, r.state_name, (r.state.message if r.state else "") or "")
              for r in runs if r.state_type is None or r.state_type.value != "COMPLETED"]  # fmt: skip
    return {"concurrency": limit, "runs": len(ids), "wall": wall,
            "per_min": 60 * len(done) / wall, "p50": pct(times, 50), "p95": pct(times, 95),
            "turn50": pct(turns, 50), "turn95": pct(turns, 95),
            "failed": failed}  # fmt: skip


def check_worksheets(url: str, workspaces: list) -> list[str]:
    """Cohorts whose teams do not all have their drum-up worksheet, in the database and on disk."""
    from sqlalchemy import text

    from lab.storage.db import engine_for

    sql = text(
        "SELECT c.uid, (SELECT count(*) FROM team t WHERE t.cohort_id = c.id), w.path FROM cohort c "
        "LEFT JOIN worksheet w ON w.cohort_id = c.id AND w.stage = :stage"
    )
    wanted = {ws.settings.uid: ws.root for ws in workspaces}
    teams: dict[str, int] = {}
    sheets: dict[str, list[str]] = {}
    with engine_for(url).connect() as conn:
        for uid, n, path in conn.execute(sql, {"stage": SLUGS[0]}):
            teams[uid] = n
            if path:
                sheets.setdefault(uid, []).append(path)
    bad = []
    for uid, root in wanted.items():
        have = [p for p in sheets.get(uid, []) if (root / p).is_file()]
        if not teams.get(uid) or len(have) != teams[uid]:
            bad.append(f"{root.name}: {len(have)} of {teams.get(uid, 0)} drum-up worksheets")
    return bad


def serial_lab_run(roots: list[Path], env: dict) -> list[float]:
    """Seconds of each `lab run` one after another with PREFECT_API_URL unset (a temporary server each)."""
    out = []
    for root in roots:
        t = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "lab", "run", str(root)], env=env, capture_output=True,
                              text=True, cwd=ROOT)  # fmt: skip
        out.append(time.monotonic() - t)
        print(f"  lab run {root.name}: {out[-1]:.1f} s (exit {done.returncode})", flush=True)
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-2000:], sep="\n")
            out[-1] = float("nan")
    return out


def stack_up(state: Path, env: dict) -> dict:
    t = time.monotonic()
    up = subprocess.run(["bash", str(STACK), "up", str(state)], env=env, capture_output=True, text=True)
    print(up.stdout.strip())
    if up.returncode != 0:
        sys.exit(f"scripts/stack up failed ({up.returncode}):\n{up.stderr}")
    print(f"stack up in {time.monotonic() - t:.0f} s")
    return {**env, **read_env(state / "stack.env"), "PREFECT_LOGGING_LEVEL": "WARNING"}


def start_worker(stack_env: dict, log: Path) -> subprocess.Popen:
    """The second process worker on the pool (the stack started the first)."""
    env = {**stack_env, "PREFECT_WORKER_QUERY_SECONDS": stack_env["LAB_STACK_WORKER_POLL"]}
    cmd = [sys.executable, "-m", "lab", "worker", "--pool", POOL, "--name", "national-2"]
    return subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=ROOT,
                            start_new_session=True)  # fmt: skip


def pid_in(file: Path) -> list[int]:
    """The process id on the first line of a pid file, if any."""
    try:
        return [int(file.read_text().split()[0])]
    except (OSError, ValueError, IndexError):
        return []


def pids(state: Path) -> dict[str, list[int]]:
    """The roots of the sampled process trees (the stack's throwaway cluster: its postmaster)."""
    pg = Path(state.joinpath("pg-dir").read_text().strip()) if (state / "pg-dir").exists() else None
    return {"prefect server": pid_in(state / "prefect.pid"),
            "postgresql": pid_in(pg / "data" / "postmaster.pid") if pg else []}  # fmt: skip


def figures(points: list[dict], peaks: dict[str, float]) -> None:
    print("\nconcurrency  runs  wall s  runs/min  p50 s  p95 s  queued-to-end p50/p95 s  failed")
    for p in points:
        print(f"{p['concurrency']:>11}  {p['runs']:>4}  {p['wall']:>6.0f}  {p['per_min']:>8.1f}  "
              f"{p['p50']:>5.1f}  {p['p95']:>5.1f}  {p['turn50']:>12.1f} / {p['turn95']:<9.1f}"
              f"  {len(p['failed']):>6}")  # fmt: skip
        for name, state, message in p["failed"]:
            print(f"    failed: {name} {state}: {message[:300]}")
    print("peak memory (PSS of the process tree): "
          + ", ".join(f"{k} {v:.0f} MB" for k, v in peaks.items()))  # fmt: skip


def interrupted(*_) -> None:
    """SIGTERM stops the benchmark as Ctrl-C does: the stack goes down."""
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cohorts", type=int, default=550, help="cohorts of the last (highest) point")
    parser.add_argument("--concurrency", default="1,2,4", help="work-pool concurrency limits, e.g. 1,2,4")
    parser.add_argument("--curve-cohorts", type=int, help="cohorts per other point (min(N, 12))")
    parser.add_argument("--serial-sample", type=int, help="serial `lab run`s timed (min(N, 10))")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds to wait for one point")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, workspaces)")
    args = parser.parse_args()
    limits = sorted({int(c) for c in args.concurrency.split(",")})
    curve_n = min(args.cohorts, 12) if args.curve_cohorts is None else args.curve_cohorts
    sample_n = min(args.cohorts, 10) if args.serial_sample is None else args.serial_sample

    base = Path(tempfile.mkdtemp(prefix="labinov-national-"))
    state = base / "stack"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "LAB_DATABASE_URL"}
    env.update(LAB_STACK_PYTHON=sys.executable, LAB_STACK_PREFECT_PORT=str(free_port()),
               LAB_STACK_POOL=POOL, LAB_STACK_WORKER_POLL="2")  # fmt: skip
    signal.signal(signal.SIGTERM, interrupted)
    worker2 = sampler = None
    ok = False
    try:
        stack_env = stack_up(state, env)
        os.environ.update({k: v for k, v in stack_env.items() if k.startswith(("PREFECT_", "LAB_DATABASE"))})
        worker2 = start_worker(stack_env, state / "worker-2.log")
        roots = pids(state)
        roots["workers and their runs"] = [*pid_in(state / "worker.pid"), worker2.pid]
        sampler = Sampler(roots)
        sampler.start()

        sizes = [curve_n] * (len(limits) - 1) + [args.cohorts]
        t = time.monotonic()
        groups, i = [], 0
        for size in [*sizes, sample_n]:
            groups.append([make_cohort(base / "cohorts", i + k, args.seed) for k in range(size)])
            i += size
        print(
            f"{i} cohorts made in {time.monotonic() - t:.0f} s (one lab database: {stack_env['LAB_DATABASE_URL']})"
        )

        from prefect.client.orchestration import get_client

        from lab.runtime.prefect_deploy import deploy

        t = time.monotonic()
        deployments = [[deploy(ws, schedule="", pool=POOL).id for ws in g] for g in groups[:-1]]
        print(f"{sum(map(len, deployments))} deployments in {time.monotonic() - t:.0f} s (no schedule)")

        points = []
        with get_client(sync_client=True) as client:
            for limit, ids in zip(limits, deployments, strict=True):
                points.append(run_point(client, ids, limit, args.timeout))
        missing = check_worksheets(stack_env["LAB_DATABASE_URL"], [ws for g in groups[:-1] for ws in g])

        if sample_n:
            print(
                f"\n{sample_n} cohorts, not deployed, one after another with `lab run` (no PREFECT_API_URL):"
            )
        serial_env = {k: v for k, v in stack_env.items() if not k.startswith("PREFECT_API")}
        serial_env["PREFECT_HOME"] = str(base / "serial-prefect-home")
        serial = serial_lab_run([ws.root for ws in groups[-1]], serial_env)
        sampler.done.set()
        figures(points, sampler.peak)
        for line in missing[:20]:
            print(f"    missing: {line}")
        good = [s for s in serial if s == s]
        last = points[-1]
        serial_min = sum(good) / len(good) * last["runs"] / 60 if good else float("nan")
        if good:
            print(
                f"lab run one after another: mean {sum(good) / len(good):.1f} s over {len(good)} runs; "
                f"{last['runs']} runs would take {serial_min:.0f} min (extrapolated) against "
                f"{last['wall'] / 60:.1f} min through the workers"
            )
        if len(points) > 1:
            print(f"(points below concurrency {last['concurrency']} ran {curve_n} fresh cohorts each)")
        failed = sum(len(p["failed"]) for p in points) + (len(serial) - len(good))
        serial_text = f"{serial_min:.0f} min (extrapolated)" if good else "not measured"
        print(
            f"cohorts {last['runs']}, runs/min {last['per_min']:.1f} at concurrency {last['concurrency']}, "
            f"p95 {last['p95']:.1f} s, failed {failed}, missing worksheets {len(missing)}, "
            f"lab run serial {serial_text}"
        )
        ok = failed == 0 and not missing
    except KeyboardInterrupt:
        print("interrupted; stopping the stack", file=sys.stderr)
    finally:
        if sampler is not None:
            sampler.done.set()
        if worker2 is not None and worker2.poll() is None:
            os.killpg(worker2.pid, signal.SIGTERM)
            try:
                worker2.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(worker2.pid, signal.SIGKILL)
        down = subprocess.run(
            ["bash", str(STACK), "down", str(state)], env=env, capture_output=True, text=True
        )
        print(down.stdout.strip() or down.stderr.strip())
        if args.keep or not ok:
            print(f"kept: {base} (logs in {state})")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
