"""The web server's threads ask for the database engine at once: it is made, and the schema checked, once."""

from __future__ import annotations

import threading
import time

from lab.storage import db


def test_threads_asking_together_share_one_engine(monkeypatch, tmp_path):
    made = []

    class Engine:
        def dispose(self) -> None:
            pass

    def slow_make(url, writer=False):  # as slow as a first connection and migration check
        time.sleep(0.05)
        made.append((url, writer))
        return Engine()

    monkeypatch.setattr(db, "make_engine", slow_make)
    monkeypatch.setattr(db, "_ENGINES", {})
    url = f"sqlite:///{tmp_path / 'lab.db'}"
    start, got = threading.Barrier(16), []

    def ask():
        start.wait()
        got.append(db.engine_for(url, writer=True))

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert made == [(url, True)] and len(got) == 16 and len({id(e) for e in got}) == 1
