"""Fixtures: a fresh workspace per test, a CLI runner, and one session-scoped Prefect harness."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(autouse=True)
def _own_database(monkeypatch):
    """Each test uses its workspace's own SQLite file unless the suite was pointed at another database;
    engines are closed after every test."""
    if not os.environ.get("LAB_TEST_DATABASE_URL"):
        monkeypatch.delenv("LAB_DATABASE_URL", raising=False)
    yield
    from lab.db import dispose_all

    dispose_all()


@pytest.fixture
def ws(tmp_path: Path):
    """An initialised workspace of Kabupaten Purbalingga 2026 (code PBG)."""
    from lab.cohort import init_workspace

    return init_workspace(tmp_path / "pbg", "Kabupaten Purbalingga", 2026, "PBG")


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
