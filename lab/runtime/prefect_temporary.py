"""Prefect's temporary API server, started by `lab run` as its own child when PREFECT_API_URL is unset.

Prefect's own (`SubprocessASGIServer`) waits 20 s, then raises a `RuntimeError` carrying the server's
output, and is stopped only by an `atexit` hook, so a `lab run` killed with SIGKILL leaves it running and
listening. Ours runs the same app in a child (`lab.runtime.prefect_child`) that cannot outlive the run:
its listening socket is bound here (port 0: no port race) and handed over, and this process closes its own
copy at once, so nothing keeps the port once the child is gone; the child is in its own session, so a
Ctrl-C at the terminal reaches `lab run` only, which reports the interruption to the server and then stops
it (SIGTERM, SIGKILL after 10 s); the child itself dies with its parent (see lab.runtime.prefect_child).

It gets 120 s to start (Prefect's `PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`, when the user set it,
wins); if it exits or does not answer in time, `PrefectUnavailable` says so in one line.
"""

from __future__ import annotations

import os
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from lab.domain.errors import PrefectUnavailable
from lab.runtime.prefect_check import clean

STARTUP_TIMEOUT = 120  # seconds the temporary server gets to answer, unless the user set Prefect's own
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL when the temporary server is stopped
CHILD = "lab.runtime.prefect_child"  # the module the child runs (`python -m`)


def startup_timeout() -> int:
    """120 s, or Prefect's PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS when the user set it."""
    from prefect.settings import get_current_settings

    ephemeral = get_current_settings().server.ephemeral
    if "startup_timeout_seconds" in ephemeral.model_fields_set:
        return ephemeral.startup_timeout_seconds
    return STARTUP_TIMEOUT


@contextmanager
def temporary_server(timeout: float | None = None) -> Iterator[str]:
    """Prefect's temporary API server as our own child for the block's duration; yields its API URL."""
    import subprocess
    import tempfile

    from prefect.settings import get_current_settings

    timeout = startup_timeout() if timeout is None else timeout
    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
        **get_current_settings().to_environment_variables(exclude_unset=True),
    }
    env.pop("PREFECT_API_URL", None)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with listener, tempfile.TemporaryFile() as log:
        listener.bind(("127.0.0.1", 0))
        listener.listen(2048)
        port = listener.getsockname()[1]
        args = [sys.executable, "-m", CHILD, str(os.getpid()), str(listener.fileno())]
        if threading.current_thread() is threading.main_thread():
            args.append("--pdeathsig")
        process = subprocess.Popen(args, env=env, pass_fds=(listener.fileno(),), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)  # fmt: skip
        listener.close()  # the child holds the port now; once it is gone, nothing does
        url = f"http://127.0.0.1:{port}/api"
        try:
            _wait_until_up(process, url, timeout, log)
        except BaseException:
            _stop(process, grace=0)  # a server that did not start has nothing to finish
            raise
        try:
            yield url
        finally:
            _stop(process)


def _wait_until_up(process, url: str, timeout: float, log) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    with httpx.Client(trust_env=False) as client:
        while True:
            code = process.poll()
            if code is not None:
                raise PrefectUnavailable(
                    f"Prefect's temporary server stopped while starting ({_last_line(log, code)}); "
                    "fix what it reports and try again, or set PREFECT_API_URL to a running Prefect server"
                )
            left = deadline - time.monotonic()
            try:
                answer = client.get(f"{url}/health", timeout=max(0.1, min(2.0, left)))
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() >= deadline:
                raise PrefectUnavailable(
                    f"Prefect's temporary server did not start within {timeout:g} s; try again "
                    "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS gives it longer), "
                    "or set PREFECT_API_URL to a running Prefect server"
                )
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))


def _last_line(log, code: int) -> str:
    """`exit code N: <what it said last>`, bounded: the last exception line it wrote if any, else its last
    line, without the log record's time and level."""
    try:
        size = os.fstat(log.fileno()).st_size
        log.seek(max(0, size - 16384))
        lines = [line.strip() for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    errors = [line for line in lines if _EXCEPTION_LINE.match(line)]
    last = (errors or lines or [""])[-1]
    last = _LOG_PREFIX.sub("", last)
    return f"exit code {code}: {clean(last, 200)}" if last else f"exit code {code}"


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Failure)\b[^|]*$")
_LOG_PREFIX = re.compile(r"^\d\d:\d\d:\d\d[.,]\d+ \| \w+ +\| [\w.]+ - ")


def _stop(process, grace: float = STOP_TIMEOUT) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds (at once when 0); the process is reaped."""
    import subprocess

    if process.poll() is None and grace > 0:
        process.terminate()
        try:
            process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            pass
    if process.poll() is None:
        process.kill()
    process.wait()
