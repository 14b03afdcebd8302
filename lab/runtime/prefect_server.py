"""The Prefect API one `lab run` reports to: the server named by PREFECT_API_URL, or a temporary local one.

`prefect_api()` is entered around the flow and makes either case one clear line when it goes wrong:

- `PREFECT_API_URL` set: the server is checked before the flow starts (a few seconds at most;
  lab.runtime.prefect_check). Refused, unknown host, timed out, an HTTP error, or an answer that is not
  Prefect's all raise `PrefectUnavailable` naming the URL (without any password in it) and what to do.
- `PREFECT_API_URL` unset: we start Prefect's temporary server ourselves instead of letting Prefect do it
  (lab.runtime.prefect_temporary), as a child process that cannot outlive the run
  (lab.runtime.prefect_child); if it exits or does not answer in time, `PrefectUnavailable` says so.

The check and the start happen after the cohort lock is taken and before the flow starts, so when they
fail nothing has changed. A server that fails while the flow runs (stops, answers an HTTP error) is
`PrefectUnavailable` too; the flow is idempotent, so running it again finishes the pass.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from lab.domain.errors import PrefectUnavailable
from lab.runtime.prefect_check import check_api, clean, failure_reason, shown
from lab.runtime.prefect_temporary import temporary_server


@contextmanager
def prefect_api(quiet: bool = False) -> Iterator[str]:
    """The Prefect API the flow reports to while the block runs; its URL is yielded.

    Configures Prefect's environment (telemetry off) and imports Prefect; call it only where the flow runs.
    """
    from lab.runtime.prefect_env import configure

    configure(quiet)
    settings = prefect_settings()
    url = settings.api.url
    if url:
        check_api(url)
        with _contact(url):
            yield url
        return
    if not settings.server.ephemeral.enabled:
        raise PrefectUnavailable(
            "PREFECT_API_URL is not set and Prefect's temporary server is turned off "
            "(PREFECT_SERVER_EPHEMERAL_ENABLED); set PREFECT_API_URL to a running Prefect server"
        )
    with temporary_server() as url, _pointed_at(url):
        try:
            with _contact(url, temporary=True):
                yield url
        finally:
            _drain()  # logs and events the run still holds go out before the server stops


@contextmanager
def _pointed_at(url: str) -> Iterator[None]:
    """PREFECT_API_URL is `url` for the block, in this context and in the process-wide settings that
    Prefect's log and event workers read from their own threads. PREFECT_UI_URL is empty: the temporary
    server has no UI, so no "View at" link to it is printed."""
    from prefect.context import refresh_global_settings_context
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

    names = {"PREFECT_API_URL": url, "PREFECT_UI_URL": ""}
    before = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    refresh_global_settings_context()
    try:
        with temporary_settings({PREFECT_API_URL: url, PREFECT_UI_URL: ""}):
            yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        refresh_global_settings_context()


def _drain(timeout: float = 10.0) -> None:
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=timeout)
        except Exception:  # a server already gone: what it missed is only logs and events
            pass


def prefect_settings():
    """Import Prefect and read its settings (environment and profile); a mistake there is one line.

    Prefect prints a failure to read them while it is imported, before raising it; that text is held
    back and shown only if the settings are good after all."""
    import io
    import logging
    from contextlib import redirect_stderr

    said = io.StringIO()
    try:
        with redirect_stderr(said):
            from prefect.settings import get_current_settings

            settings = get_current_settings()
    except Exception as exc:  # pydantic's ValidationError, a profiles file that is not TOML, …
        raise PrefectUnavailable(
            f"Prefect's settings cannot be read ({_settings_problem(exc)}); correct the PREFECT_… "
            "environment variable or the Prefect profile (profiles.toml in PREFECT_HOME)"
        ) from None
    finally:
        loggers = [logging.getLogger(), *logging.getLogger().manager.loggerDict.values()]
        for handler in (h for logger in loggers for h in getattr(logger, "handlers", ())):
            if getattr(handler, "stream", None) is said:  # none expected; none may keep it
                handler.setStream(sys.stderr)
    sys.stderr.write(said.getvalue())
    return settings


def _settings_problem(exc: Exception) -> str:
    """Which setting and why, without its value (it may be a key)."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            loc = ".".join(str(part) for part in first.get("loc", ()))
            name = _env_name(getattr(exc, "title", ""), loc)
            return clean(f"{name}: {first.get('msg', '')}" if name else str(first.get("msg", "")), 200)
        except (IndexError, TypeError, AttributeError):
            pass
    lines = str(exc).strip().splitlines()
    return clean(lines[0] if lines else type(exc).__name__, 200)


def _env_name(model: str, field: str) -> str:
    """`PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS` for ServerEphemeralSettings.startup_timeout_seconds."""
    if not field or "." in field:
        return field
    try:
        from prefect.settings.base import PrefectBaseSettings
    except Exception:
        return field
    todo = [PrefectBaseSettings]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__name__ == model and cls.model_config.get("env_prefix"):
            return f"{cls.model_config['env_prefix']}{field}".upper()
    return field


@contextmanager
def _contact(url: str, temporary: bool = False) -> Iterator[None]:
    """Contact with the API lost while the flow runs: one line instead of Prefect's traceback."""
    import httpx

    try:
        yield
    except (httpx.HTTPError, RuntimeError) as exc:
        if isinstance(exc, httpx.HTTPStatusError):
            reason = f"HTTP {exc.response.status_code}"
        elif isinstance(exc, httpx.HTTPError):
            reason = failure_reason(exc)
        elif str(exc).startswith("Failed to reach API"):  # Prefect's own words when its first call fails
            reason = "no answer"
        else:
            raise
        who = "Prefect's temporary server" if temporary else f"the Prefect server at {shown(url)}"
        raise PrefectUnavailable(
            f"{who} failed during the run ({reason}); check it and run `lab run` again"
        ) from None
