"""What keeps `lab serve` fast under a burst of teams (docs/performance.md, "Web"): the signed-in check is one
query, writers of one SQLite database take turns in the process instead of polling SQLite's lock, and every
request thread keeps its own connection."""

from __future__ import annotations

import threading

from sqlalchemy import event, text

from lab.storage import db
from lab.workflow import links
from lab.workspace.cohort import database_session, workspace_session
from tests.helpers import enrol, run_once
from tests.web_support import client, urls


def test_the_signed_in_check_of_a_page_is_one_query_and_still_refuses_a_session_that_ended(ws):
    enrol(ws, 2)
    run_once(ws)
    c = client(ws)
    paths = urls(ws)
    assert c.get(paths["unit-uji-001"]).status_code == 303
    sid = c.cookies["lab_session"]
    engine = db.engine_for(ws.database_url, writer=False)
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with database_session(ws, writer=False) as session:
            who, csrf, _ = links.signed_in(ws, session, sid)
        assert (who.role, who.id, who.name) == ("team", "unit-uji-001", "Unit Uji 001")
        assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1
        assert csrf in c.get("/lembar/drum-up/unit-uji-001").text  # the page itself signs the team in
    finally:
        event.remove(engine, "before_cursor_execute", count)
    with workspace_session(ws) as (session, cohort):
        links.end_session(ws, session, cohort, sid)
        assert links.signed_in(ws, session, sid) is None
    assert c.get("/").status_code == 401


def test_writers_of_one_database_take_turns_and_a_thread_never_waits_for_itself(tmp_path):
    url = f"sqlite:///{tmp_path / 'lab.db'}"
    writer, other = db.make_engine(url, writer=True), db.make_engine(url, writer=True)
    try:
        with db.session_scope(writer) as s:
            s.connection().execute(text("CREATE TABLE t (n INTEGER)"))
        turn = db._TURNS[writer]
        assert db._TURNS[other] is turn  # two engines on one file share the turn
        inside, go, done = threading.Event(), threading.Event(), []

        def first():
            with db.session_scope(writer) as s:
                s.connection().execute(text("INSERT INTO t VALUES (1)"))
                inside.set()
                go.wait()
            done.append(1)

        def second():
            with db.session_scope(other) as s:
                s.connection().execute(text("INSERT INTO t VALUES (2)"))
            done.append(2)

        a = threading.Thread(target=first)
        a.start()
        inside.wait()
        assert not turn.acquire(blocking=False)  # held by the first writer until it commits
        b = threading.Thread(target=second)
        b.start()
        go.set()
        a.join()
        b.join()
        assert done == [1, 2]
        with db.session_scope(writer) as s, db.session_scope(other) as nested:  # same thread: no deadlock
            assert s.connection().execute(text("SELECT count(*) FROM t")).scalar() == 2
            assert nested is not s
        assert turn.acquire(blocking=False)
        turn.release()
    finally:
        writer.dispose()
        other.dispose()


def test_a_database_file_keeps_a_connection_for_each_request_thread(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'lab.db'}")
    try:
        assert engine.pool.size() == db.POOL_SIZE >= 40  # anyio's default thread limiter
    finally:
        engine.dispose()
