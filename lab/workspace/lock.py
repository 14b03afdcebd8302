"""One run per cohort at a time.

On SQLite the lock is an OS file lock (`flock`) on `<workspace>/.lab-run.lock`; on PostgreSQL it is a
session advisory lock keyed by the cohort's uid. Both are released by the operating system or the server
when the holding process dies, so a killed run never leaves a stale lock behind. Who holds the lock (PID,
host, since) is written beside it for the "busy" message. Re-entrant within one process.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import socket
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager

from lab.domain.errors import CohortBusy, UnsafePath
from lab.storage import safefs
from lab.storage.files import write_atomic
from lab.workspace.settings import Workspace

LOCK_FILE = ".lab-run.lock"
HOLDER_FILE = ".lab-run.holder"
_HELD: dict[str, int] = {}


def _holder() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "since": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")}  # fmt: skip


def describe_holder(ws: Workspace) -> str:
    """Who holds the lock, from the holder file (read as a small regular file only: never a link or a pipe)."""
    try:
        h = json.loads(safefs.read_bytes(ws.root, HOLDER_FILE, 4096))
        return f"run by PID {int(h['pid'])} on {str(h['host'])[:100]} since {str(h['since'])[:40]}"
    except (OSError, ValueError, KeyError, TypeError, UnsafePath):
        return "run by another process"


@contextmanager
def cohort_lock(ws: Workspace, wait: float = 0.0) -> Iterator[None]:
    """Hold the cohort's run lock; CohortBusy if another process keeps it longer than `wait` seconds."""
    key = ws.settings.uid
    if _HELD.get(key):
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    acquire = _postgres_lock if ws.database_url.startswith("postgresql") else _file_lock
    with acquire(ws, wait):
        write_atomic(ws.root / HOLDER_FILE, json.dumps(_holder()).encode(), ws.root)
        _HELD[key] = 1
        try:
            yield
        finally:
            _HELD.pop(key, None)
            (ws.root / HOLDER_FILE).unlink(missing_ok=True)


def _busy(ws: Workspace, wait: float) -> CohortBusy:
    waited = f" (waited {wait:g} s)" if wait else ""
    return CohortBusy(
        f"cohort {ws.settings.cohort_id} busy, {describe_holder(ws)}{waited}; "
        "try again when it ends, or use --wait SECONDS"
    )


def _poll(try_once, ws: Workspace, wait: float) -> None:
    deadline = time.monotonic() + wait
    while not try_once():
        if time.monotonic() >= deadline:
            raise _busy(ws, wait)
        time.sleep(0.2)


def _open_lock_file(ws: Workspace) -> int:
    """The lock file, opened in the workspace's real folder: created if absent, never through a link, never
    a pipe or a device (nothing outside the workspace is created, opened or truncated)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    root = safefs.open_dir(ws.root, ".")
    try:
        st = os.stat(LOCK_FILE, dir_fd=root, follow_symlinks=False)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UnsafePath(LOCK_FILE, f"cannot be used: {exc.strerror}") from None
    try:
        if st is not None and not stat.S_ISREG(st.st_mode):  # refused before opening
            raise UnsafePath(
                LOCK_FILE, f"is {safefs.kind(st)}, not the lock file: delete it (`lab run` makes it again)"
            )
        try:
            fd = os.open(LOCK_FILE, flags, 0o644, dir_fd=root)
        except OSError as exc:  # ELOOP: made a link since the stat
            raise UnsafePath(
                LOCK_FILE, f"cannot be used: {exc.strerror}; delete it (`lab run` makes it again)"
            ) from None
    finally:
        os.close(root)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafePath(LOCK_FILE, "is not a regular file: delete it (`lab run` makes it again)")
    return fd


@contextmanager
def _file_lock(ws: Workspace, wait: float) -> Iterator[None]:
    fd = _open_lock_file(ws)
    try:

        def try_once() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                return False

        _poll(try_once, ws, wait)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextmanager
def _postgres_lock(ws: Workspace, wait: float) -> Iterator[None]:
    from sqlalchemy import text

    from lab.storage.db import engine_for

    key = int.from_bytes(hashlib.sha256(ws.settings.uid.encode()).digest()[:8], "big", signed=True)
    with engine_for(ws.database_url).connect() as conn:  # a session lock lives as long as this connection

        def try_once() -> bool:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()
            return bool(got)

        _poll(try_once, ws, wait)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()


def sweep_orphans(ws: Workspace) -> int:
    """Remove temporary files and folders left by processes that died while writing; returns how many."""
    from lab.storage.files import orphaned

    removed = 0
    for path in orphaned(ws.root):
        if path.is_dir() and not path.is_symlink():  # a link is removed itself, never what it points to
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed
