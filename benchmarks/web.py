"""Web load benchmark: N teams at once sign in, open their drum-up form and save it, against a real `lab serve`.

    python benchmarks/web.py --teams 200

Builds a cohort (`lab init`, a roster of N units and one more, one `lab run --until drum-up` so the drum-up
worksheets exist), issues the personal links (lab.workflow.links.issue) and starts `lab serve` in its own
process on a free loopback port, as a facilitator runs it. The extra team goes through first, untimed, to warm
the server up (its engines and connections). Then N simulated teams start together, each with its own async
HTTP client and cookie jar: redeem the link (303 and a cookie), open the home page, open the drum-up form, read
its CSRF token and file hash, post a filled, valid form (303 "tersimpan"), open the form again. Every response
that is not 2xx/3xx, or a page without what it should show, counts as an error. Afterwards every team's
teams/<slug>/1-drum-up.md is parsed and compared with what it posted (a difference is a lost save) and
`lab run` must find every drum-up valid. The last line is
`teams N, requests R, rps X, p95 Y ms, errors E, lost saves L`.

`--think S` makes each team pause 0 to 2xS seconds before each step (default: no pause). `--serial` sends the
teams one after another instead: the server's CPU per request without a queue or threads contending, a
steadier figure to compare changes by on a machine that others share. The exit code is 1
if any request failed, any save was lost or `lab run` did not find every drum-up valid.

`--profile FILE` runs the server under cProfile (every thread, the request threadpool included), timing each
thread's own CPU time (waits for locks and SQLite count for nothing), and writes its statistics to FILE when
the server stops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.pop("LAB_DATABASE_URL", None)

import httpx  # noqa: E402

from lab.stages import get_stage  # noqa: E402
from lab.workflow import links  # noqa: E402
from lab.workflow.roster import import_roster  # noqa: E402
from lab.worksheets.markdown import parse_text, validate  # noqa: E402
from lab.workspace.cohort import init_workspace, workspace_session  # noqa: E402

FORM = {"content-type": "application/x-www-form-urlencoded"}
KINDS = ("redeem", "home", "form", "save", "form again")
SERVER = """
import cProfile, pstats, sys, threading, time
# each thread's own CPU time (time.thread_time), not wall time: waiting for a lock, the GIL or SQLite counts for
# nothing, so the profile shows where the server's CPU goes
profiles = [cProfile.Profile(time.thread_time)]
def start(*_):  # every new thread (the request threadpool included) gets its own Profile on its first call
    p = cProfile.Profile(time.thread_time)
    profiles.append(p)
    p.enable()
threading.setprofile(start)
out, sys.argv = sys.argv[1], ["lab", *sys.argv[2:]]
profiles[0].enable()
try:
    from lab.cli import main
    main()
finally:
    stats = pstats.Stats(profiles[0])
    for p in profiles[1:]:
        stats.add(p)
    stats.dump_stats(out)
"""


class Form(HTMLParser):
    """The inputs of a page's worksheet form: (name, value) of text inputs, textareas and hidden fields."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._area: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") in ("text", "hidden") and a.get("name"):
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self._area, self._text = a.get("name"), []

    def handle_data(self, data):
        if self._area is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._area is not None:
            self.fields.append((self._area, "".join(self._text)))
            self._area = None


def filled(i: int) -> dict[str, str]:
    """What team i types into its drum-up form (valid; different per team, so a crossed save shows)."""
    return {
        "signatory": f"dr. Kepala Unit {i}, M.Kes",
        "signatory_position": f"Kepala Dinas Sintetis {i}",
        "commitment_date": f"2026-03-{1 + i % 28:02d}",
        "service_areas": f"Imunisasi\nPosyandu {i}\nKesehatan ibu & anak <{i}>",
    }


def expected(i: int, slug_unit: str) -> dict:
    """The answers team i's file must hold after its save."""
    f = filled(i)
    answers = {
        "signatory": f["signatory"], "signatory_position": f["signatory_position"],
        "commitment_date": f["commitment_date"], "committed": True,
        "service_areas": f["service_areas"].split("\n"),
        "members": [{"name": f"Ketua {i}", "role": "Ketua", "email": f"k{i}@example.go.id"},
                    {"name": f"Anggota {i}", "role": "Anggota", "email": f"a{i}@example.go.id"}],
    }  # fmt: skip
    return get_stage("drum-up").schema.model_validate(answers).model_dump()


class Record:
    """Latencies and errors per request kind."""

    def __init__(self):
        self.times: dict[str, list[float]] = {k: [] for k in KINDS}
        self.errors: dict[str, list[str]] = {k: [] for k in KINDS}
        self.retried = 0  # requests sent again on a fresh connection after the server closed an idle one

    def add(self, kind: str, seconds: float, problem: str = "") -> None:
        self.times[kind].append(seconds)
        if problem:
            self.errors[kind].append(problem)


async def request(rec: Record, kind: str, call, check) -> httpx.Response | None:
    """One request, timed; `check(response)` says what is wrong with it ('' when nothing)."""
    start = time.perf_counter()
    try:
        try:
            r = await call()
        except (
            httpx.RemoteProtocolError
        ):  # an idle kept-alive connection the server closed: a browser retries
            rec.retried += 1
            r = await call()
    except httpx.HTTPError as exc:
        rec.add(kind, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
        return None
    took = time.perf_counter() - start
    problem = f"HTTP {r.status_code}" if not 200 <= r.status_code < 400 else check(r)
    rec.add(kind, took, problem)
    return None if problem else r


async def team(
    base: str, i: int, slug: str, link: str, rec: Record, start: asyncio.Event, think: float
) -> None:
    """One team: sign in, home, form, save, form again (with a pause of 0 to 2x`think` s before each step)."""
    form_url = f"{base}/lembar/drum-up/{slug}"
    limits = httpx.Limits(max_connections=1)
    pause = random.Random(i)

    async def timed(kind, call, check):
        if think:
            await asyncio.sleep(pause.uniform(0, 2 * think))
        return await request(rec, kind, call, check)

    async with httpx.AsyncClient(timeout=120, follow_redirects=False, limits=limits) as c:
        await start.wait()
        r = await timed("redeem", lambda: c.get(base + link),
                        lambda r: "" if r.status_code == 303 and c.cookies.get("lab_session") else "no session")  # fmt: skip
        if r is None:
            return
        r = await timed("home", lambda: c.get(base + "/"),
                        lambda r: "" if f"/lembar/drum-up/{slug}" in r.text else "no drum-up link")  # fmt: skip
        if r is None:
            return
        r = await timed("form", lambda: c.get(form_url),
                        lambda r: "" if 'name="_hash"' in r.text and 'name="csrf"' in r.text else "no form")  # fmt: skip
        if r is None:
            return
        page = Form()
        page.feed(r.text)
        fields = dict(page.fields)  # first csrf (the sign-out form's) equals the worksheet form's
        fields.update(filled(i))
        body = urlencode([*fields.items(), ("committed", "yes")])
        r = await timed("save", lambda: c.post(form_url, content=body, headers=FORM),
                        lambda r: "" if r.status_code == 303 and "pesan=tersimpan" in r.headers.get("location", "")
                        else f"not saved ({r.status_code})")  # fmt: skip
        if r is None:
            return
        want, where = filled(i)["signatory"], r.headers["location"]
        await timed("form again", lambda: c.get(base + where if where.startswith("/") else where),
                    lambda r: "" if want in r.text and "Tersimpan." in r.text else "save not shown")  # fmt: skip


async def load(
    base: str, people: list[tuple[int, str, str]], rec: Record, think: float = 0.0, serial: bool = False
) -> float:
    """All teams at once (or, `serial`, one after another); the wall time from the start to the last answer."""
    start = asyncio.Event()
    if serial:
        start.set()
        t0 = time.perf_counter()
        for i, slug, link in people:
            await team(base, i, slug, link, rec, start, think)
        return time.perf_counter() - t0
    tasks = [asyncio.create_task(team(base, i, slug, link, rec, start, think)) for i, slug, link in people]
    await asyncio.sleep(0.5)  # every client made and waiting
    t0 = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    return time.perf_counter() - t0


def cohort(base: Path, n: int, env: dict) -> tuple[Path, list[tuple[int, str, str]]]:
    """The cohort with its drum-up worksheets, and (i, team slug, link path) per team; team n (one more than
    asked) warms the server up before the load."""
    ws = init_workspace(base / "cohort", "Kabupaten Sintetis", 2026, "WEB")
    roster = base / "roster.csv"
    with roster.open("w") as fh:
        fh.write("unit,unit_type,member,role,email\n")
        for i in range(n + 1):
            fh.write(f"Unit Sintetis {i:05d},opd,Ketua {i},Ketua,k{i}@example.go.id\n")
            fh.write(f"Unit Sintetis {i:05d},opd,Anggota {i},Anggota,a{i}@example.go.id\n")
    with workspace_session(ws) as (session, c):
        import_roster(ws, roster, session, c)
    lab(env, "run", str(ws.root), "--until", "drum-up")
    with workspace_session(ws) as (session, c):
        issued = [link for link in links.issue(ws, session, c) if link.role == "team"]
    index = {f"Unit Sintetis {i:05d}": i for i in range(n + 1)}
    return ws.root, sorted((index[link.name], link.id, urlsplit(link.url).path) for link in issued)


def lab(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "lab", *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"lab {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(root: Path, port: int, env: dict, profile: Path | None, log: Path) -> subprocess.Popen:
    """`lab serve` in its own process, once it answers."""
    args = ["serve", str(root), "--port", str(port)]
    cmd = (
        [sys.executable, "-c", SERVER, str(profile), *args]
        if profile
        else [sys.executable, "-m", "lab", *args]
    )
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"lab serve stopped ({proc.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/static/app.css", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    sys.exit("lab serve did not answer within 60 s")


def lost(root: Path, people: list[tuple[int, str, str]]) -> list[str]:
    """Teams whose drum-up file does not hold what they posted."""
    schema = get_stage("drum-up").schema
    out = []
    for i, slug, _ in people:
        parsed = parse_text((root / "teams" / slug / "1-drum-up.md").read_text(encoding="utf-8"), schema)
        model = validate(parsed, schema)
        if model is None or model.model_dump() != expected(i, slug):
            out.append(slug)
    return out


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))] if s else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument(
        "--dir", type=Path, default=None, help="where to build the cohort (default: a temp folder)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the cohort afterwards")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds a team pauses before each step (default 0: no pause)",
    )
    parser.add_argument("--profile", type=Path, default=None, help="cProfile the server into this file")
    parser.add_argument(
        "--serial",
        action="store_true",
        help="one team after another: the server's CPU per request without a queue (a steadier figure on a "
        "busy machine)",
    )
    args = parser.parse_args()
    base = args.dir or Path(tempfile.mkdtemp(prefix="labinov-web-"))
    env = {**os.environ, "PREFECT_HOME": os.environ.get("PREFECT_HOME", str(base / "prefect"))}
    t = time.perf_counter()
    root, people = cohort(base, args.teams, env)
    print(
        f"cohort: {args.teams} teams, drum-up worksheets and links in {time.perf_counter() - t:.0f} s ({root})"
    )
    port = free_port()
    server = serve(root, port, env, args.profile, base / "serve.log")
    together = "one after another" if args.serial else "start together"
    print(f"lab serve on 127.0.0.1:{port} (pid {server.pid}); {args.teams} teams {together}", flush=True)
    rec = Record()
    try:
        url = f"http://127.0.0.1:{port}"
        warm = Record()
        asyncio.run(load(url, people[-1:], warm))  # the first requests of a fresh server open its engines
        print("warm-up team (not counted): " + ", ".join(f"{k} {warm.times[k][0] * 1000:.0f} ms" for k in KINDS
                                                         if warm.times[k]) + f"; errors {sum(map(len, warm.errors.values()))}")  # fmt: skip
        cpu, mine = cpu_seconds(server.pid), time.process_time()
        wall = asyncio.run(load(url, people[:-1], rec, args.think, args.serial))
        cpu, mine = cpu_seconds(server.pid) - cpu, time.process_time() - mine
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
    gone = lost(root, people)
    lab(env, "run", str(root), "--until", "drum-up")
    status = json.loads(lab(env, "status", str(root), "--json"))
    drum = status["stages"]["drum-up"]
    committed = status["states"]["teams"].get("committed", 0)

    print()
    print(f"{'request':<11} {'count':>6} {'rps':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}")
    every = [x for k in KINDS for x in rec.times[k]]
    for kind in (*KINDS, "all"):
        times = every if kind == "all" else rec.times[kind]
        errs = sum(len(e) for e in rec.errors.values()) if kind == "all" else len(rec.errors[kind])
        print(f"{kind:<11} {len(times):>6} {len(times) / wall:>7.1f} {pct(times, 50) * 1000:>8.0f} "
              f"{pct(times, 95) * 1000:>8.0f} {max(times, default=0) * 1000:>8.0f} {errs:>7}")  # fmt: skip
    errors = sum(len(e) for e in rec.errors.values())
    for kind in KINDS:
        for problem in sorted(set(rec.errors[kind]))[:5]:
            print(f"  {kind}: {problem} (x{rec.errors[kind].count(problem)})")
    print(f"\nwall {wall:.1f} s; after the load `lab run`: drum-up valid {drum['valid']}, invalid {drum['invalid']}, "
          f"waiting {drum['waiting']}, passed {drum['passed']}; teams committed {committed} of {len(people)}")  # fmt: skip
    print(f"server CPU {cpu:.1f} s in {wall:.1f} s ({cpu / wall:.2f} of {os.cpu_count()} cores), "
          f"{cpu * 1000 / max(1, len(every)):.1f} ms per request; the simulated teams' own CPU {mine:.1f} s; "
          f"requests sent again after an idle connection closed: {rec.retried}")  # fmt: skip
    if gone:
        print(f"lost saves: {', '.join(gone[:10])}{' ...' if len(gone) > 10 else ''}")
    if args.profile:
        print(f"server profile: {args.profile} (python -m pstats {args.profile})")
    print(f"teams {args.teams}, requests {len(every)}, rps {len(every) / wall:.1f}, "
          f"p95 {pct(every, 95) * 1000:.0f} ms, errors {errors}, lost saves {len(gone)}")  # fmt: skip
    if not args.keep and not args.dir:
        shutil.rmtree(base, ignore_errors=True)
    sys.exit(1 if errors or gone or committed < len(people) else 0)


if __name__ == "__main__":
    main()
