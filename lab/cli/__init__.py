"""The `lab` command: parses arguments, calls the service layer, prints. No rules live here.

`app` (with the error mapping and the sub-apps) is in `lab.cli.app`; the commands, by theme, in the
modules below. Heavy modules (SQLModel, Jinja, Prefect) are imported inside commands so `lab --help`
stays fast; only `lab run`, `lab demo`, `lab deploy`, `lab undeploy` and `lab worker` import Prefect.
"""

from __future__ import annotations

from lab.cli.app import app, main

# Importing a module registers its commands; `lab --help` lists them in this order.
# isort: off
from lab.cli import cohort, gates, exchange, links, backup, about, serve  # noqa: E402, F401
from lab.cli import remind  # noqa: E402, F401
from lab.cli import assess  # noqa: E402, F401
from lab.cli import documents  # noqa: E402, F401
from lab.cli import deploy  # noqa: E402, F401
# isort: on

__all__ = ["app", "main"]
