"""Prefect trouble is one clear line, through the real `lab run` command (issue 9, hole 10).

Each case runs `lab` in a subprocess with its own PREFECT_HOME: an unreachable or foreign PREFECT_API_URL,
Prefect settings that cannot be read, and a temporary server that does not start each end in one line and
exit 10, nothing changed, the lock free, no server left. A `lab run` killed (SIGKILL, SIGTERM, Ctrl-C)
while its temporary server runs leaves no server process and no listening socket behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lab.workspace.lock import cohort_lock
from tests.helpers import enrol, snapshot, snapshot_diff
from tests.test_hostile_prefect import _closed_port, _http, _json, _Raw

LAB = [sys.executable, "-m", "lab"]
OR_URL = "or set PREFECT_API_URL to a running Prefect server"


@pytest.fixture
def lab_env(tmp_path):
    """The environment of a `lab` subprocess: no Prefect setting from outside, a PREFECT_HOME of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_LOGGING_LEVEL="WARNING",
               DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")  # fmt: skip
    return env


def _servers_of(home: str) -> list[int]:
    """Live processes (not zombies) started with this PREFECT_HOME (call it once `lab` has exited)."""
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if f"PREFECT_HOME={home}".encode() in environ and state != "Z" and cmdline:
            found.append(int(pid))
    return found


def _wait_gone(home: str, seconds: float = 30) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := _servers_of(home)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def _proxy_prefect_3_then_404(path: str):
    from prefect import __version__

    return (
        _json(__version__) if path.endswith("/admin/version") else (404, {"Content-Type": "text/html"}, b"no")
    )


def _setup(case: str, tmp_path: Path, env: dict, keep: list) -> str:
    """Prepares `env` for a case; returns the text standing for {url} in its message."""
    if case == "closed-port":
        url = f"http://127.0.0.1:{_closed_port()}/api"
    elif case == "answers-html-404":
        keep.append(server := _http(lambda path: (404, {"Content-Type": "text/html"}, b"<h1>404</h1>")))
        url = f"http://127.0.0.1:{server.server_address[1]}/api"
    elif case == "prefect-3-failing-during-the-run":
        keep.append(server := _http(_proxy_prefect_3_then_404))
        url = f"http://127.0.0.1:{server.server_address[1]}/api"
    else:
        if case == "setting-not-a-number":
            env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "soon"
        elif case == "profiles-not-toml":
            Path(env["PREFECT_HOME"]).mkdir(parents=True)
            (Path(env["PREFECT_HOME"]) / "profiles.toml").write_text('active = "x"\n[profiles.x\n')
        elif case == "temporary-server-turned-off":
            env["PREFECT_SERVER_EPHEMERAL_ENABLED"] = "false"
        elif case == "temporary-server-too-slow":  # its database never answers, so it cannot start
            keep.append(silent := _Raw("silent"))
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = (
                f"postgresql+asyncpg://u:p@127.0.0.1:{silent.port}/db"
            )
            env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "2"
        elif case == "temporary-server-crashes":
            missing = tmp_path / "no-such-folder" / "prefect.db"
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{missing}"
        return ""
    env["PREFECT_API_URL"] = url
    return url


CANNOT_READ = (
    "correct the PREFECT_… environment variable or the Prefect profile (profiles.toml in PREFECT_HOME)"
)
# (id, message after "error: " with {url}); cases that start a temporary server are marked `flow`
CASES = [
    pytest.param("closed-port",
     "cannot reach the Prefect server at {url} (connection refused); start it or correct PREFECT_API_URL, "
     "or unset PREFECT_API_URL to use a temporary local server", id="closed-port"),
    pytest.param("answers-html-404",
     "the Prefect server at {url} answered HTTP 404 to /admin/version; check PREFECT_API_URL (a Prefect "
     "server's API URL ends in /api), or unset PREFECT_API_URL to use a temporary local server",
     id="answers-html-404"),
    pytest.param("prefect-3-failing-during-the-run",
     "the Prefect server at {url} failed during the run (HTTP 404); check it and run `lab run` again",
     id="prefect-3-failing-during-the-run"),
    pytest.param("setting-not-a-number",
     "Prefect's settings cannot be read (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: Input should be a "
     "valid integer, unable to parse string as an integer); " + CANNOT_READ, id="setting-not-a-number"),
    pytest.param("profiles-not-toml",
     "Prefect's settings cannot be read (Expected ']' at the end of a table declaration (at line 2, column 12)); "
     + CANNOT_READ, id="profiles-not-toml"),
    pytest.param("temporary-server-turned-off",
     "PREFECT_API_URL is not set and Prefect's temporary server is turned off "
     "(PREFECT_SERVER_EPHEMERAL_ENABLED); set PREFECT_API_URL to a running Prefect server",
     id="temporary-server-turned-off"),
    pytest.param("temporary-server-too-slow",
                 "Prefect's temporary server did not start within 2 s; try again "
                 "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS gives it longer), " + OR_URL,
                 marks=pytest.mark.flow, id="temporary-server-too-slow"),
    pytest.param("temporary-server-crashes",
                 "Prefect's temporary server stopped while starting (exit code 3: sqlalchemy.exc.OperationalError: "
                 "(sqlite3.OperationalError) unable to open database file); fix what it reports and try again, "
                 + OR_URL,
                 marks=pytest.mark.flow, id="temporary-server-crashes"),
]  # fmt: skip


@pytest.mark.parametrize("case, expected", CASES)
def test_prefect_trouble_is_one_line(ws, tmp_path, lab_env, case, expected):
    enrol(ws, 2)
    before = snapshot(ws)
    keep: list = []
    try:
        url = _setup(case, tmp_path, lab_env, keep)
        started = time.monotonic()
        done = subprocess.run([*LAB, "run", str(ws.root)], env=lab_env, capture_output=True, text=True,
                              timeout=180)  # fmt: skip
        took = time.monotonic() - started
    finally:
        for server in keep:
            server.close() if isinstance(server, _Raw) else (server.shutdown(), server.server_close())
    assert (done.returncode, done.stderr, done.stdout) == (10, f"error: {expected.format(url=url)}\n", "")
    assert took < 90  # a few seconds of Prefect's import; no retries, no 20-second waits
    assert snapshot_diff(before, snapshot(ws)) == {}
    with cohort_lock(ws):
        pass
    assert _wait_gone(lab_env["PREFECT_HOME"]) == []


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for t in os.listdir(f"/proc/{pid}/task")
                for c in Path(f"/proc/{pid}/task/{t}/children").read_text().split()]  # fmt: skip
    except OSError:
        return []


def _listening(pid: int) -> dict[int, int]:
    """The TCP ports `pid` listens on (IPv4), as {socket inode: port}."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(int(link[8:-1]))
    except OSError:
        return {}
    return {inode: port for inode, port in _listen_table().items() if inode in inodes}


def _listen_table() -> dict[int, int]:
    table = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A":  # LISTEN
            table[int(fields[9])] = int(fields[1].split(":")[1], 16)
    return table


def _health(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.settimeout(2)
            conn.sendall(b"GET /api/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return conn.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


@pytest.mark.flow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_killed_run_leaves_no_temporary_server(ws, tmp_path, lab_env, sig):
    enrol(ws, 2)
    out = (tmp_path / "lab.out").open("w+")
    lab = subprocess.Popen([*LAB, "run", str(ws.root)], env=lab_env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        server, ports = None, {}
        while time.monotonic() < deadline and lab.poll() is None:
            server = server or next(iter(_children(lab.pid)), None)
            ports = _listening(server) if server else {}
            if ports and all(_health(p) for p in ports.values()):
                break
            time.sleep(0.1)
        assert server and ports and lab.poll() is None, "the temporary server did not come up"
        lab.send_signal(sig)
        code = lab.wait(60)
    finally:
        if lab.poll() is None:
            lab.kill()
            lab.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        _servers_of(lab_env["PREFECT_HOME"]) or set(ports) & set(_listen_table())
    ):
        time.sleep(0.2)
    left = _servers_of(lab_env["PREFECT_HOME"])
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "the temporary server outlived `lab run`"
    assert set(ports) & set(_listen_table()) == set(), "its port is still listening"
    out.seek(0)
    output = out.read()
    assert "Traceback" not in output
    if sig == signal.SIGINT:
        assert code == 130 and output.endswith("interrupted\n"), output
    else:
        assert code in (-sig, 128 + sig), output
    with cohort_lock(ws):
        pass


@pytest.mark.flow
def test_the_temporary_server_runs_the_flow_and_goes_away(ws, lab_env):
    enrol(ws, 2)
    done = subprocess.run([*LAB, "run", str(ws.root), "--until", "drum-up"], env=lab_env, capture_output=True,
                          text=True, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "teams: enrolled 2" in done.stdout and "Traceback" not in done.stdout + done.stderr
    assert "View at" not in done.stdout + done.stderr  # no link to a UI that is gone
    assert _wait_gone(lab_env["PREFECT_HOME"], seconds=5) == []


CHILD = """
import os, sys, time
from lab.runtime.prefect_child import _follow_parent
_follow_parent(int(sys.argv[1]), sys.argv[2] == "pdeathsig")
print("ready", flush=True)
time.sleep(120)
"""
PARENT = """
import os, subprocess, sys, threading
def start():
    child = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid()), sys.argv[2]])
    print(child.pid, flush=True)
    child.wait()
threading.Thread(target=start).start()
"""


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("how", ["pdeathsig", "watchdog"])
def test_the_server_child_dies_with_its_parent(how):
    """Each guard on its own: the kernel's parent-death signal, and the watchdog thread (used where there
    is no such signal, or when the server is started from a thread that is not the main one)."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT, CHILD, how], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        assert parent.stdout.readline() == "ready\n" and _alive(child), "the child did not start"
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the child outlived its parent"
