"""Fixtures: a fresh workspace per test, a CLI runner, and one session-scoped Prefect harness."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


ADMIN_URL = os.environ.get("LAB_TEST_DATABASE_URL")  # a PostgreSQL server: the suite runs there instead


@pytest.fixture(scope="session")
def _admin():
    from sqlalchemy import create_engine

    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _own_database(monkeypatch, request):
    """Each test gets its own database: the workspace's SQLite file, or a fresh PostgreSQL database when
    LAB_TEST_DATABASE_URL names a server. Engines are closed and the database dropped after the test."""
    from sqlalchemy import text

    from lab.storage.db import dispose_all

    name = None
    if ADMIN_URL:
        admin = request.getfixturevalue("_admin")
        name = f"lab_t_{uuid.uuid4().hex[:16]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        monkeypatch.setenv("LAB_DATABASE_URL", ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
    else:
        monkeypatch.delenv("LAB_DATABASE_URL", raising=False)
    yield
    dispose_all()
    if name:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture
def ws(tmp_path: Path):
    """An initialised workspace of Kabupaten Purbalingga 2026 (code PBG)."""
    from lab.workspace.cohort import init_workspace

    return init_workspace(tmp_path / "pbg", "Kabupaten Purbalingga", 2026, "PBG")


@pytest.fixture
def two_teams(ws):
    """Two enrolled units whose drum-up worksheets are filled in (not yet read by a run)."""
    from tests import factories
    from tests.helpers import answer, enrol, run_once, teams

    enrol(ws, 2)
    run_once(ws)
    for slug in teams(ws):
        answer(ws, "drum-up", slug, factories.drum_up())
    return ws


@pytest.fixture
def runner():
    from typer.testing import CliRunner

    return CliRunner()


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One Prefect test server for every flow test of the session."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect-home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module that asks for it."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM, FLAGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()
