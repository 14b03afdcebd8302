"""Engine factory and sessions. SQLite in the workspace by default; LAB_DATABASE_URL selects another.

Writers (stage tasks, decisions, imports) use `writer=True`: on SQLite their transactions start with
BEGIN IMMEDIATE, so a writer waits for another instead of failing half-way when both try to upgrade a
read to a write. Readers (`lab status`) never block a run.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from lab.domain import models  # noqa: F401 - registers the tables
from lab.storage.migrations import upgrade

BUSY_TIMEOUT_MS = 60_000
POOL_SIZE = 40  # connections kept per engine: anyio's default thread limiter, the web's request threads


def _sqlite_connect(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


def make_engine(url: str, writer: bool = False, **kwargs) -> Engine:
    """An engine with the project's settings, its schema brought to the current version."""
    sqlite = url.startswith("sqlite")
    if sqlite:
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
        if "poolclass" not in kwargs and ":memory:" not in url and url.rstrip("/") != "sqlite:":
            # a database file: every thread of the web server's pool (40) keeps a connection of its own, so
            # none waits for one or opens a new one (and reads the schema again) under load
            kwargs.setdefault("pool_size", POOL_SIZE)
            kwargs.setdefault("max_overflow", 10)
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if sqlite:
        event.listen(engine, "connect", _sqlite_connect)
        begin = "BEGIN IMMEDIATE" if writer else "BEGIN"
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
        if writer:
            with _TURNS_LOCK:
                _TURNS[engine] = _TURN_BY_URL.setdefault(url, threading.RLock())
    upgrade(engine)
    return engine


# Writers of one SQLite database in this process take turns here before BEGIN IMMEDIATE: a waiting writer
# wakes as soon as the one before it commits, instead of polling through SQLite's busy handler, which sleeps
# up to 100 ms between tries (under a burst of sign-ins and saves those sleeps were the web's latency tail).
# Other processes (a `lab run`) still meet in SQLite's own lock. Reentrant: a thread never waits for itself.
_TURN_BY_URL: dict[str, threading.RLock] = {}
_TURNS_LOCK = threading.Lock()
_TURNS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


_ENGINES: dict[tuple[str, bool], Engine] = {}
_ENGINES_LOCK = threading.Lock()  # the web server's threads ask at once: one engine, one migration check


def engine_for(url: str, writer: bool = False) -> Engine:
    """One engine per database URL and role per process, made once even when threads ask together."""
    key = (url, writer)
    engine = _ENGINES.get(key)
    if engine is None:
        with _ENGINES_LOCK:
            engine = _ENGINES.get(key)
            if engine is None:
                engine = _ENGINES[key] = make_engine(url, writer=writer)
    return engine


def dispose_all() -> None:
    """Close every cached engine (tests, and before a backup copies the database)."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed together, or not at all (a SQLite writer's after its turn)."""
    turn = _TURNS.get(engine)
    mine = turn is not None and turn.acquire(timeout=BUSY_TIMEOUT_MS / 1000)  # else SQLite's lock decides
    try:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        if mine:
            turn.release()
