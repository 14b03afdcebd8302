"""The lab as a service for the deployment tests only: one stack per session, started by `scripts/stack`.

`stack` starts PostgreSQL (a throwaway cluster), a Prefect server on it with its own PREFECT_HOME, a process
worker polling every second, health-polled by the script itself, and stops all of it at the end of the
session. Other tests never start it: this conftest applies to tests/service/ alone.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from lab.runtime.stack_env import read_env

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "scripts" / "stack"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The running stack's environment (PREFECT_API_URL, PREFECT_HOME, LAB_DATABASE_URL, …)."""
    state = tmp_path_factory.mktemp("stack")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "LAB_DATABASE_URL"}
    env.update(LAB_STACK_PYTHON=sys.executable, LAB_STACK_PREFECT_PORT=str(_free_port()),
               LAB_STACK_WORKER_POLL="1")  # fmt: skip
    up = subprocess.run(["bash", str(STACK), "up", str(state)], env=env, capture_output=True, text=True,
                        timeout=600)  # fmt: skip
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        yield {**env, **read_env(state / "stack.env"), "PREFECT_LOGGING_LEVEL": "WARNING"}
    finally:
        subprocess.run(["bash", str(STACK), "down", str(state)], env=env, capture_output=True, timeout=120)
