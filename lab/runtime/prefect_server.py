"""The Prefect API one `lab run` reports to: the server named by PREFECT_API_URL, or a temporary local one.

`prefect_api()` is entered around the flow and makes either case one clear line when it goes wrong:

- `PREFECT_API_URL` set: the server is checked before the flow starts (a few seconds at most). Refused,
  unknown host, timed out, an HTTP error, or an answer that is not Prefect's all raise `PrefectUnavailable`
  naming the URL (without any password in it) and what to do.
- `PREFECT_API_URL` unset: we start Prefect's temporary server ourselves instead of letting Prefect do it.
  Prefect's own (`SubprocessASGIServer`) waits 20 s, then raises a `RuntimeError` carrying the server's
  output, and is stopped only by an `atexit` hook, so a `lab run` killed with SIGKILL leaves it running
  and listening. Ours runs the same app (`prefect.server.api.server:create_app`, UI off, ephemeral
  services) in a child process that cannot outlive the run:

  * the child asks the kernel for SIGKILL when its parent dies (`prctl(PR_SET_PDEATHSIG)` on Linux, when
    started from the main thread, whose exit is the process's), then checks that the parent did not die
    before that;
  * a watchdog thread in the child ends it as soon as its parent process changes (for every other POSIX
    system, and for a parent thread that is not the main one);
  * it is in its own session, so a Ctrl-C at the terminal reaches `lab run` only, which reports the
    interruption to the server and then stops it (SIGTERM, SIGKILL after 10 s);
  * its listening socket is bound by `lab run` (port 0: no port race) and handed over, and `lab run`
    closes its own copy at once, so nothing keeps the port once the child is gone.

  It gets 120 s to start (Prefect's `PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`, when the user set
  it, wins); if it exits or does not answer in time, `PrefectUnavailable` says so in one line.

The check and the start happen after the cohort lock is taken and before the flow starts, so when they
fail nothing has changed. A server that fails while the flow runs (stops, answers an HTTP error) is
`PrefectUnavailable` too; the flow is idempotent, so running it again finishes the pass.
Run as `python -m lab.runtime.prefect_server PARENT_PID FD [--pdeathsig]` this module is the server child.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from lab.domain.errors import PrefectUnavailable

STARTUP_TIMEOUT = 120  # seconds the temporary server gets to answer, unless the user set Prefect's own
CHECK_TIMEOUT = 5.0  # seconds for the whole check of a configured PREFECT_API_URL
ANSWER_LIMIT = 65536  # bytes of the check's answer read at most
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL when the temporary server is stopped
WATCH_INTERVAL = 0.25  # seconds between the child's checks that its parent is still there

APP = "prefect.server.api.server:create_app"
UNSET = "or unset PREFECT_API_URL to use a temporary local server"
ENDS_IN_API = "check PREFECT_API_URL (a Prefect server's API URL ends in /api)"


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
            return _clean(f"{name}: {first.get('msg', '')}" if name else str(first.get("msg", "")), 200)
        except (IndexError, TypeError, AttributeError):
            pass
    lines = str(exc).strip().splitlines()
    return _clean(lines[0] if lines else type(exc).__name__, 200)


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


# --- a configured server -----------------------------------------------------------------------------


def check_api(url: str, timeout: float | None = None) -> None:
    """PrefectUnavailable unless `url` answers as a Prefect API within `timeout` seconds (CHECK_TIMEOUT)."""
    import contextvars

    timeout = CHECK_TIMEOUT if timeout is None else timeout

    result: list[BaseException | None] = []
    context = contextvars.copy_context()  # Prefect's settings live in context variables
    worker = threading.Thread(target=lambda: result.append(context.run(_probe, url, timeout)), daemon=True,
                              name="lab-prefect-check")  # fmt: skip
    worker.start()
    worker.join(timeout + 1)  # httpx bounds each read, not name resolution or a trickle: this bounds all
    if not result:
        raise PrefectUnavailable(
            f"cannot reach the Prefect server at {shown(url)} (no answer within {timeout:g} s); "
            f"start it or correct PREFECT_API_URL, {UNSET}"
        )
    if result[0] is not None:
        raise result[0]


def _probe(url: str, timeout: float) -> BaseException | None:
    try:
        _probe_or_raise(url, timeout)
    except PrefectUnavailable as exc:
        return exc
    except Exception as exc:  # anything else the HTTP stack raises on a hostile answer
        return PrefectUnavailable(
            f"cannot reach the Prefect server at {shown(url)} ({_reason(exc, timeout)}); "
            f"start it or correct PREFECT_API_URL, {UNSET}"
        )
    return None


def _probe_or_raise(url: str, timeout: float) -> None:
    import httpx
    from prefect.settings import PREFECT_CLOUD_API_URL, get_current_settings

    where = shown(url)
    try:
        if not url.isprintable() or any(c.isspace() for c in url):
            raise ValueError("a space or control character")
        parts = urlsplit(url)
        valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a bad port or IPv6 address
        valid = False
    if not valid:
        raise PrefectUnavailable(
            f"PREFECT_API_URL {where} is not a valid http:// or https:// URL; correct it, {UNSET}"
        )
    api = get_current_settings().api
    headers = {"Accept-Encoding": "identity"}  # the answer is read raw, never inflated
    if api.auth_string:
        import base64

        headers["Authorization"] = (
            "Basic " + base64.b64encode(api.auth_string.get_secret_value().encode()).decode()
        )
    elif api.key:
        headers["Authorization"] = f"Bearer {api.key.get_secret_value()}"
    verify: object = True  # as Prefect's client: skip, or the CA file it names
    if parts.scheme.lower() == "https":
        import ssl

        try:
            verify = ssl.create_default_context(cafile=api.ssl_cert_file or None)
        except (OSError, ssl.SSLError) as exc:
            raise PrefectUnavailable(
                f"PREFECT_API_SSL_CERT_FILE {_clean(str(api.ssl_cert_file), 200)} cannot be read as CA "
                f"certificates ({_clean(getattr(exc, 'strerror', None) or str(exc), 80)}); correct it"
            ) from None
        if api.tls_insecure_skip_verify:
            verify.check_hostname = False
            verify.verify_mode = ssl.CERT_NONE
    cloud = url.startswith(PREFECT_CLOUD_API_URL.value() or "\0")
    path = "/health" if cloud else "/admin/version"  # what Prefect's own client checks first
    with httpx.Client(timeout=timeout, headers=headers, verify=verify, follow_redirects=True) as client:
        try:
            with client.stream("GET", url.rstrip("/") + path) as response:
                status, body = response.status_code, b""
                for chunk in response.iter_raw():  # a version is a few bytes; read no more than that
                    body += chunk
                    if len(body) > ANSWER_LIMIT:
                        break
        except httpx.TransportError as exc:
            raise PrefectUnavailable(
                f"cannot reach the Prefect server at {where} ({_reason(exc, timeout)}); "
                f"start it or correct PREFECT_API_URL, {UNSET}"
            ) from None
    if status in (401, 403):
        raise PrefectUnavailable(
            f"the Prefect server at {where} refused the credentials (HTTP {status}); "
            "check PREFECT_API_KEY or PREFECT_API_AUTH_STRING"
        )
    if status >= 400:
        raise PrefectUnavailable(
            f"the Prefect server at {where} answered HTTP {status} to {path}; {ENDS_IN_API}, {UNSET}"
        )
    if cloud:
        return
    version = _json(response.headers.get("content-type", ""), body)
    if not isinstance(version, str) or not version[:1].isdigit():
        raise PrefectUnavailable(
            f"{where} does not answer like a Prefect server ({path} gave no version); {ENDS_IN_API}, {UNSET}"
        )
    from prefect import __version__ as ours

    if version.split(".")[0] != ours.split(".")[0]:  # what Prefect's client itself refuses
        raise PrefectUnavailable(
            f"the Prefect server at {where} runs Prefect {_clean(version, 20)}, this lab needs Prefect "
            f"{ours.split('.')[0]}.x; point PREFECT_API_URL at a Prefect {ours.split('.')[0]} server, {UNSET}"
        )


def _json(content_type: str, body: bytes) -> object:
    if "json" not in content_type.lower() or len(body) > ANSWER_LIMIT:
        return None
    try:
        return json.loads(body)
    except ValueError:  # not JSON, or not UTF-8
        return None


def _reason(exc: BaseException, timeout: float | None = None) -> str:
    """A few plain words for why a connection failed."""
    import httpx

    text = str(exc).lower()
    if isinstance(exc, httpx.TimeoutException) or "timed out" in text:
        return f"no answer within {timeout:g} s" if timeout else "no answer in time"
    if "refused" in text:
        return "connection refused"
    if any(
        k in text for k in ("name or service", "nodename", "name resolution", "getaddrinfo", "no address")
    ):
        return "unknown host"
    if "certificate" in text:
        return "its TLS certificate is not trusted; PREFECT_API_SSL_CERT_FILE can name the CA that signed it"
    if "ssl" in text or "tls" in text:
        return "the TLS handshake failed"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "no HTTP answer"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    return _clean(str(exc), 120) or type(exc).__name__


def shown(url: str) -> str:
    """The URL as messages show it: control characters escaped, no user name or password, bounded."""
    url = _clean(url, 400)
    try:
        parts = urlsplit(url)
        url = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    except ValueError:
        pass
    return _clean(url, 200)


def _clean(text: str, limit: int) -> str:
    """One bounded line: control and other unprintable characters escaped as \\xNN."""
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
            reason = _reason(exc)
        elif str(exc).startswith("Failed to reach API"):  # Prefect's own words when its first call fails
            reason = "no answer"
        else:
            raise
        who = "Prefect's temporary server" if temporary else f"the Prefect server at {shown(url)}"
        raise PrefectUnavailable(
            f"{who} failed during the run ({reason}); check it and run `lab run` again"
        ) from None


# --- the temporary server ----------------------------------------------------------------------------


def startup_timeout() -> int:
    """120 s, or Prefect's PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS when the user set it."""
    from prefect.settings import get_current_settings

    ephemeral = get_current_settings().server.ephemeral
    if "startup_timeout_seconds" in ephemeral.model_fields_set:
        return ephemeral.startup_timeout_seconds
    return STARTUP_TIMEOUT


@contextmanager
def temporary_server(timeout: float | None = None) -> Iterator[str]:
    """Prefect's temporary API server as our own child for the block's duration; yields its API URL."""
    import subprocess
    import tempfile

    from prefect.settings import get_current_settings

    timeout = startup_timeout() if timeout is None else timeout
    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
        **get_current_settings().to_environment_variables(exclude_unset=True),
    }
    env.pop("PREFECT_API_URL", None)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with listener, tempfile.TemporaryFile() as log:
        listener.bind(("127.0.0.1", 0))
        listener.listen(2048)
        port = listener.getsockname()[1]
        args = [sys.executable, "-m", "lab.runtime.prefect_server", str(os.getpid()), str(listener.fileno())]
        if threading.current_thread() is threading.main_thread():
            args.append("--pdeathsig")
        process = subprocess.Popen(args, env=env, pass_fds=(listener.fileno(),), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)  # fmt: skip
        listener.close()  # the child holds the port now; once it is gone, nothing does
        url = f"http://127.0.0.1:{port}/api"
        try:
            _wait_until_up(process, url, timeout, log)
        except BaseException:
            _stop(process, grace=0)  # a server that did not start has nothing to finish
            raise
        try:
            yield url
        finally:
            _stop(process)


def _wait_until_up(process, url: str, timeout: float, log) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    with httpx.Client(trust_env=False) as client:
        while True:
            code = process.poll()
            if code is not None:
                raise PrefectUnavailable(
                    f"Prefect's temporary server stopped while starting ({_last_line(log, code)}); "
                    "fix what it reports and try again, or set PREFECT_API_URL to a running Prefect server"
                )
            left = deadline - time.monotonic()
            try:
                answer = client.get(f"{url}/health", timeout=max(0.1, min(2.0, left)))
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() >= deadline:
                raise PrefectUnavailable(
                    f"Prefect's temporary server did not start within {timeout:g} s; try again "
                    "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS gives it longer), "
                    "or set PREFECT_API_URL to a running Prefect server"
                )
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))


def _last_line(log, code: int) -> str:
    """`exit code N: <what it said last>`, bounded: the last exception line it wrote if any, else its last
    line, without the log record's time and level."""
    try:
        size = os.fstat(log.fileno()).st_size
        log.seek(max(0, size - 16384))
        lines = [line.strip() for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()]
    except OSError:
        lines = []
    errors = [line for line in lines if _EXCEPTION_LINE.match(line)]
    last = (errors or lines or [""])[-1]
    last = _LOG_PREFIX.sub("", last)
    return f"exit code {code}: {_clean(last, 200)}" if last else f"exit code {code}"


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Failure)\b[^|]*$")
_LOG_PREFIX = re.compile(r"^\d\d:\d\d:\d\d[.,]\d+ \| \w+ +\| [\w.]+ - ")


def _stop(process, grace: float = STOP_TIMEOUT) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds (at once when 0); the process is reaped."""
    import subprocess

    if process.poll() is None and grace > 0:
        process.terminate()
        try:
            process.wait(grace)
            return
        except subprocess.TimeoutExpired:
            pass
    if process.poll() is None:
        process.kill()
    process.wait()


# --- the server child --------------------------------------------------------------------------------


def _follow_parent(parent: int, pdeathsig: bool) -> None:
    """Die with `parent`: the kernel's parent-death signal where there is one, and a watchdog thread."""
    if pdeathsig and sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="lab-parent-watch").start()


def _serve(argv: list[str]) -> int:
    parent, fd = int(argv[0]), int(argv[1])
    _follow_parent(parent, "--pdeathsig" in argv[2:])
    import uvicorn

    listener = socket.socket(fileno=fd)
    server = uvicorn.Server(uvicorn.Config(APP, factory=True, log_level="error", lifespan="on"))
    server.run(sockets=[listener])
    return 0 if server.started else 3


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1:]))
