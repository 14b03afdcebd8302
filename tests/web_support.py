"""What the web tests share: a cohort with people in cohort.toml, its personal links, a signed-in TestClient,
the CSRF token of a page, and the checks every page must pass."""

from __future__ import annotations

import asyncio
import json
import warnings
from urllib.parse import urlsplit

from lab.workflow import links
from lab.workspace.cohort import workspace_session
from lab.workspace.settings import open_workspace
from tests import factories
from tests.helpers import answer, diagnosed, proposals, run_once

with warnings.catch_warnings():  # Starlette 1.x asks for `httpx2`; httpx is what is installed and works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FACILITATOR = "Dr. Ratna Sari"
COORDINATORS = ["Dra. Sri Rahayu", "Ir. Bambang"]
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


def people(ws, lang: str = "id", facilitator: str = FACILITATOR):
    """The cohort with a facilitator and two coordinators in cohort.toml."""
    path = ws.root / "cohort.toml"
    text = path.read_text()
    text = text.replace("facilitators = []", f"facilitators = {json.dumps([facilitator])}")
    text = text.replace("coordinators = []", f"coordinators = {json.dumps(COORDINATORS)}")
    path.write_text(text.replace('lang = "id"', f'lang = "{lang}"'))
    return open_workspace(ws.root)


def designed(ws, n: int = 2):
    """n teams, each with one proposal whose design waits for the facilitator."""
    ws = people(ws)
    diagnosed(ws, n, ideas=2)
    for code, state in proposals(ws).items():
        if state == "shortlisted":
            answer(ws, "design", code, factories.design())
    run_once(ws)
    return ws


def designs(ws) -> list[str]:
    return sorted(code for code, state in proposals(ws).items() if state == "designed")


def urls(ws) -> dict[str, str]:
    """Each team slug or person's name -> the path of their personal link."""
    with workspace_session(ws) as (session, cohort):
        return {link.id: urlsplit(link.url).path for link in links.issue(ws, session, cohort)}


def client(ws, https: bool = False) -> TestClient:
    from lab.web.app import create_app

    base = "https://testserver" if https else "http://testserver"
    return TestClient(create_app(ws.root), base_url=base, follow_redirects=False)


def signed_in(ws, who: str) -> TestClient:
    c = client(ws)
    r = c.get(urls(ws)[who], follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def csrf(c: TestClient, path: str = "/") -> str:
    html = c.get(path).text
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def assert_safe(r) -> None:
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"


def active(html: str) -> list[str]:
    """Whatever in a page could run: script or other active elements, on* attributes, javascript: links."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Scan(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("script", "iframe", "object", "embed", "img", "style"):
                found.append(tag)
            for name, value in attrs:
                if (
                    name.startswith("on")
                    or name == "style"
                    or (value or "").strip().lower().startswith("javascript:")
                ):
                    found.append(f"{tag} {name}={value}")

    Scan().feed(html)
    return found


def stalled_post(app, path: str, first: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """POST `first` to the ASGI `app` as the start of a body that then never comes (chunked, no length): the
    response's status and body."""
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
        "headers": [(b"host", b"testserver"), (b"transfer-encoding", b"chunked"), *headers],
    }  # fmt: skip
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 30))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
