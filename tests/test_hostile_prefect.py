"""Prefect trouble is one clear line (issue 9, hole 10).

A PREFECT_API_URL that cannot be used, whatever the server at the other end answers, is checked before the
flow starts: one line naming the URL (never its password) and what to do, exit 10, nothing in the cohort
changed and its lock free. These cases run `lab run` in this process with the URL as a Prefect setting;
tests/test_prefect_trouble.py runs the real command.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading

import pytest

from lab.cli import app
from lab.workspace.lock import cohort_lock
from tests.helpers import enrol, snapshot, snapshot_diff

REACH = "start it or correct PREFECT_API_URL, or unset PREFECT_API_URL to use a temporary local server"
ENDS = (
    "check PREFECT_API_URL (a Prefect server's API URL ends in /api), "
    "or unset PREFECT_API_URL to use a temporary local server"
)
INVALID = "is not a valid http:// or https:// URL; correct it, or unset PREFECT_API_URL to use a temporary local server"


def _json(value) -> tuple[int, dict, bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps(value).encode()


HTML = {"Content-Type": "text/html; charset=utf-8"}

# What a server answers to any request: (status, headers, body).
ANSWERS = {
    "html-404": lambda path: (404, HTML, b"<h1>Not Found</h1>"),
    "html-200": lambda path: (200, HTML, b"<!doctype html><title>Prefect</title><div id=app></div>"),
    "error-500": lambda path: (500, {"Content-Type": "application/json"}, b'{"detail": "boom"}'),
    "login-401": lambda path: (401, {"WWW-Authenticate": "Basic"}, b"unauthorized"),
    "forbidden-403": lambda path: (403, HTML, b"forbidden"),
    "prefect-2": lambda path: _json("2.20.2"),
    "json-not-a-version": lambda path: _json({"status": "ok"}),
    "version-a-word": lambda path: _json("latest"),
    "version-as-text": lambda path: (200, {"Content-Type": "text/plain"}, b"3.8.8"),
    "version-huge": lambda path: _json("3" * 300_000),
    "version-not-utf8": lambda path: (200, {"Content-Type": "application/json"}, b'"\xff\xfe3.8.8"'),
    "redirect-loop": lambda path: (302, {"Location": path}, b""),
}


def _http(answer) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def _any(self):
            status, headers, body = answer(self.path)
            self.send_response(status)
            for key, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _Raw:
    """A TCP server that never answers in HTTP: it hangs up, talks another protocol, or stays silent."""

    def __init__(self, behaviour: str):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.behaviour = behaviour
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.behaviour == "silent":
                self.held.append(conn)
                continue
            conn.settimeout(5)
            try:
                conn.recv(65536)  # the request, so the hang-up is not a reset while it is being sent
                if self.behaviour == "garbage":
                    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff")
            except OSError:
                pass
            conn.close()

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


@pytest.fixture
def servers():
    """Start fake servers by name; yields a function name -> port."""
    started: list = []

    def start(name: str) -> int:
        if name in ANSWERS:
            server = _http(ANSWERS[name])
            started.append(server)
            return server.server_address[1]
        raw = _Raw(name)
        started.append(raw)
        return raw.port

    yield start
    for server in started:
        if isinstance(server, _Raw):
            server.close()
        else:
            server.shutdown()
            server.server_close()


# (id, URL with {port} for the named fake server or {closed} for a port nobody listens on, the message
# after "error: " with {url} standing for the URL as shown)
CASES = [
    ("connection-refused", "http://127.0.0.1:{closed}/api", None,
     "cannot reach the Prefect server at {url} (connection refused); " + REACH),
    ("password-never-shown", "http://admin:hunter2@127.0.0.1:{closed}/api", None,
     "cannot reach the Prefect server at http://127.0.0.1:{closed}/api (connection refused); " + REACH),
    ("query-token-never-shown", "http://127.0.0.1:{closed}/api?token=s3cret", None,
     "cannot reach the Prefect server at http://127.0.0.1:{closed}/api (connection refused); " + REACH),
    ("hangs-up", "http://127.0.0.1:{port}/api", "hangup",
     "cannot reach the Prefect server at {url} (no HTTP answer); " + REACH),
    ("speaks-another-protocol", "http://127.0.0.1:{port}/api", "garbage",
     "cannot reach the Prefect server at {url} (no HTTP answer); " + REACH),
    ("never-answers", "http://127.0.0.1:{port}/api", "silent",
     "cannot reach the Prefect server at {url} (no answer within 1 s); " + REACH),
    ("https-to-plain-http", "https://127.0.0.1:{port}/api", "html-404",
     "cannot reach the Prefect server at {url} (the TLS handshake failed); " + REACH),
    ("redirect-loop", "http://127.0.0.1:{port}/api", "redirect-loop",
     "cannot reach the Prefect server at {url} (too many redirects); " + REACH),
    ("not-found-html", "http://127.0.0.1:{port}/api", "html-404",
     "the Prefect server at {url} answered HTTP 404 to /admin/version; " + ENDS),
    ("server-error", "http://127.0.0.1:{port}/api", "error-500",
     "the Prefect server at {url} answered HTTP 500 to /admin/version; " + ENDS),
    ("ui-url-without-api", "http://127.0.0.1:{port}", "html-200",
     "{url} does not answer like a Prefect server (/admin/version gave no version); " + ENDS),
    ("json-but-no-version", "http://127.0.0.1:{port}/api", "json-not-a-version",
     "{url} does not answer like a Prefect server (/admin/version gave no version); " + ENDS),
    ("version-a-word", "http://127.0.0.1:{port}/api", "version-a-word",
     "{url} does not answer like a Prefect server (/admin/version gave no version); " + ENDS),
    ("version-as-plain-text", "http://127.0.0.1:{port}/api", "version-as-text",
     "{url} does not answer like a Prefect server (/admin/version gave no version); " + ENDS),
    ("version-300-kb-long", "http://127.0.0.1:{port}/api", "version-huge",
     "{url} does not answer like a Prefect server (/admin/version gave no version); " + ENDS),
    ("version-not-utf8", "http://127.0.0.1:{port}/api", "version-not-utf8",
     "{url} does not answer like a Prefect server (/admin/version gave no version); " + ENDS),
    ("needs-credentials", "http://127.0.0.1:{port}/api", "login-401",
     "the Prefect server at {url} refused the credentials (HTTP 401); check PREFECT_API_KEY or PREFECT_API_AUTH_STRING"),
    ("forbidden", "http://127.0.0.1:{port}/api", "forbidden-403",
     "the Prefect server at {url} refused the credentials (HTTP 403); check PREFECT_API_KEY or PREFECT_API_AUTH_STRING"),
    ("prefect-2-server", "http://127.0.0.1:{port}/api", "prefect-2",
     "the Prefect server at {url} runs Prefect 2.20.2, this lab needs Prefect 3.x; point PREFECT_API_URL at a "
     "Prefect 3 server, or unset PREFECT_API_URL to use a temporary local server"),
    ("ftp-scheme", "ftp://127.0.0.1:{closed}/api", None, "PREFECT_API_URL {url} " + INVALID),
    ("no-scheme", "127.0.0.1:{closed}/api", None, "PREFECT_API_URL {url} " + INVALID),
    ("no-host", "http:///api", None, "PREFECT_API_URL {url} " + INVALID),
    ("port-out-of-range", "http://127.0.0.1:99999/api", None, "PREFECT_API_URL {url} " + INVALID),
    ("port-zero", "http://127.0.0.1:0/api", None, "PREFECT_API_URL {url} " + INVALID),
    ("space-in-url", "http://127.0.0.1:{closed}/a pi", None, "PREFECT_API_URL {url} " + INVALID),
    ("newline-in-url", "http://127.0.0.1:{closed}/api\nerror: all good", None,
     "PREFECT_API_URL http://127.0.0.1:{closed}/api\\x0aerror: all good " + INVALID),
    ("escape-codes-in-url", "http://127.0.0.1:{closed}/api\x1b[2J", None,
     "PREFECT_API_URL http://127.0.0.1:{closed}/api\\x1b[2J " + INVALID),
]  # fmt: skip


@pytest.mark.parametrize("url, server, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_unusable_prefect_api_url_is_one_line(ws, runner, servers, monkeypatch, url, server, expected):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from lab.runtime import prefect_check

    monkeypatch.setattr(prefect_check, "CHECK_TIMEOUT", 1.0)
    enrol(ws, 2)
    before = snapshot(ws)
    closed = _closed_port()
    url = url.format(port=servers(server) if server else None, closed=closed)
    with temporary_settings({PREFECT_API_URL: url}):
        result = runner.invoke(app, ["run", str(ws.root)])
    message = expected.format(url=url, closed=closed)
    assert (result.exit_code, result.output) == (10, f"error: {message}\n")
    assert (
        "Traceback" not in result.output and "hunter2" not in result.output and "s3cret" not in result.output
    )
    assert snapshot_diff(before, snapshot(ws)) == {}
    with cohort_lock(ws):  # released: taken again at once
        pass


@pytest.mark.flow
def test_a_reachable_prefect_server_keeps_working(prefect_harness, ws, runner):
    enrol(ws, 2)
    result = runner.invoke(app, ["run", str(ws.root), "--until", "drum-up"])
    assert result.exit_code == 0, result.output
    assert "teams: enrolled 2" in result.output


def test_the_temporary_server_gets_120_s_unless_the_user_chose_otherwise():
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings

    from lab.runtime.prefect_temporary import startup_timeout

    assert PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value() == 20  # Prefect's own default
    assert startup_timeout() == 120
    with temporary_settings({PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 7}):
        assert startup_timeout() == 7
