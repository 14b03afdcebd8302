"""'Run now' from the facilitator's page: `python -m lab run PATH` in a background process, one at a time.

The run is a subprocess so Prefect stays out of the web process; it takes the cohort lock itself, so a run
started elsewhere makes this one stop with the busy message, which then shows as its result. The last run's
result (exit code, times, the last lines of its output) is kept in the workspace (RESULT_FILE), so it
survives a restart of `lab serve`. The run inherits `lab serve`'s environment: with PREFECT_API_URL set and the
cohort deployed (`lab deploy`), `lab run` hands it to a Prefect worker and waits, so the page shows it running
until the worker is done (docs/service.md).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
import threading
from typing import Any

from lab.domain.errors import CohortBusy, UnsafePath
from lab.domain.text import visible
from lab.storage import safefs
from lab.storage.files import write_atomic
from lab.workspace.lock import cohort_lock
from lab.workspace.settings import Workspace

LOG_FILE = ".lab-web-run.log"
RESULT_FILE = ".lab-web-run.json"
TAIL = 30  # lines of output shown
MAX_LOG = 2_000_000  # bytes of the log read back for its tail


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class Runs:
    """The background runs of one cohort: at most one at a time from this web process."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.command = [sys.executable, "-m", "lab", "run", str(ws.root)]
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._thread: threading.Thread | None = None

    def running(self) -> bool:
        """Whether a run started here is still going."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start a run in the background, or CohortBusy when one is going."""
        with self._lock:
            if self.running() or (self._thread is not None and self._thread.is_alive()):
                raise CohortBusy("busy")
            with cohort_lock(self.ws):  # a run started elsewhere: say so now rather than in its result
                pass
            started = _now()
            log = _open_log(self.ws)
            try:
                self._proc = subprocess.Popen(
                    self.command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.ws.root,
                    env=os.environ | {"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "72"},
                    start_new_session=True,  # a Ctrl-C to `lab serve` does not cut the run in half
                )
            finally:
                os.close(log)
            self._record({"started": started, "finished": None, "exit_code": None})
            self._thread = threading.Thread(target=self._wait, args=(self._proc, started), daemon=True)
            self._thread.start()

    def wait(self) -> None:
        """Wait for the current run to finish and its result to be kept (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join()

    def _wait(self, proc: subprocess.Popen, started: str) -> None:
        code = proc.wait()
        self._record({"started": started, "finished": _now(), "exit_code": code})

    def _record(self, result: dict[str, Any]) -> None:
        write_atomic(safefs.writable(self.ws.root, RESULT_FILE), json.dumps(result).encode(), self.ws.root)

    def last(self) -> dict[str, Any] | None:
        """The last run's result with the last lines of its output, or None if none was started here."""
        try:
            result = json.loads(safefs.read_bytes(self.ws.root, RESULT_FILE, 10_000))
            if not isinstance(result, dict):
                return None
        except (ValueError, OSError, UnsafePath):
            return None
        result["running"] = self.running() or result.get("exit_code") is None and self._proc is not None
        result["tail"] = _tail(self.ws)
        return result


def _open_log(ws: Workspace) -> int:
    """The log file, truncated, never through a link."""
    safefs.writable(ws.root, LOG_FILE)  # refuses a linked or special file
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    return os.open(ws.root / LOG_FILE, flags, 0o600)


def _tail(ws: Workspace) -> list[str]:
    """The last lines of the log: read as a regular file, never through a link, at most MAX_LOG bytes."""
    try:
        fd = os.open(ws.root / LOG_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return []
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return []
        size = os.fstat(fd).st_size
        os.lseek(fd, max(0, size - MAX_LOG), os.SEEK_SET)
        data = os.read(fd, MAX_LOG)
    finally:
        os.close(fd)
    lines = data.decode("utf-8", "replace").splitlines()[-TAIL:]
    return [visible(line) for line in lines]
