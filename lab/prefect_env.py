"""Prefect's environment, set before Prefect is imported: telemetry off, quiet defaults."""

from __future__ import annotations

import os


def configure() -> None:
    """Turn Prefect's telemetry off unless the user chose otherwise."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
