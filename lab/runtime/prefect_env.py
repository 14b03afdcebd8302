"""Prefect's environment, set before Prefect is imported: telemetry off, quiet defaults."""

from __future__ import annotations

import os


def configure(quiet: bool = False) -> None:
    """Turn Prefect's telemetry off unless the user chose otherwise; `quiet` keeps its logs to warnings."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if quiet:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
