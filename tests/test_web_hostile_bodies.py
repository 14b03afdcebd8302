"""`lab serve` and request bodies that never end: a form dripped and then stalled gets the 408 page once it has
sent nothing for deps.IDLE seconds (here made short), and nothing it carried is acted on."""

from __future__ import annotations

import asyncio

import pytest

from lab.web import deps
from tests.helpers import proposals
from tests.web_support import FACILITATOR, csrf, designed, designs, signed_in


@pytest.fixture
def cohort(ws):
    return designed(ws)


def _stalled_post(app, path: str, cookie: str, first: bytes) -> tuple[int, bytes]:
    """POST `first` to `path` as the start of a body that then never comes (no Content-Length)."""
    sent: list[dict] = []
    forever = asyncio.Event()
    given = False

    async def receive():
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": first, "more_body": True}
        await forever.wait()  # the client goes quiet and never finishes
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
        "server": ("testserver", 80), "client": ("192.0.2.9", 5000),
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode()),
                    (b"content-type", b"application/x-www-form-urlencoded"), (b"transfer-encoding", b"chunked")],
    }  # fmt: skip
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 30))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_a_form_body_that_stalls_gets_the_408_page_and_decides_nothing(cohort, monkeypatch):
    monkeypatch.setattr(deps, "IDLE", 0.2)
    code = designs(cohort)[0]
    c = signed_in(cohort, FACILITATOR)
    cookie = f"lab_session={c.cookies['lab_session']}"
    first = f"csrf={csrf(c)}&proposal={code}&decision=approve&note=".encode()
    status, body = _stalled_post(c.app, "/keputusan", cookie, first)
    assert status == 408 and "Kiriman terhenti di tengah jalan" in body.decode()
    assert proposals(cohort)[code] == "designed"
