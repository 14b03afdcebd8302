"""`lab serve` attacked in a real browser (Chromium against a real server on loopback): a page of another
origin posts a form to the lab with the facilitator's cookie and even a leaked CSRF token; hostile team text
on the facilitator's page runs nothing."""

from __future__ import annotations

import html
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlmodel import select

from lab.domain.models import Proposal, Team
from lab.workspace.cohort import workspace_session
from tests.browser_support import serving
from tests.helpers import proposals
from tests.test_web_browser import _watch
from tests.web_support import FACILITATOR, designed, designs, urls


@contextmanager
def hostile_site(page: str):
    """Another web server on loopback that answers every GET with `page`: yields its port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = page.encode()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def served(ws):
    ws = designed(ws)
    with serving(ws.root) as base:
        yield ws, base


def test_a_form_on_another_site_cannot_decide_for_the_signed_in_facilitator(served, browser):  # noqa: F811
    ws, base = served
    code = designs(ws)[0]
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    facilitator = desk.new_page()
    facilitator.goto(base + urls(ws)[FACILITATOR])
    token = facilitator.locator("input[name=csrf]").first.get_attribute("value")  # say it leaked
    form = (
        f'<form method="post" action="{html.escape(base)}/keputusan"><input name="csrf" value="{token}">'
        f'<input name="proposal" value="{code}"><input name="decision" value="drop">'
        '<input name="note" value="dibatalkan"><button id="go">Hadiah!</button></form>'
    )
    with hostile_site(form) as port:
        for origin in (f"http://127.0.0.1:{port}", f"http://localhost:{port}"):  # same site, then another
            evil = desk.new_page()
            evil.goto(f"{origin}/hadiah")
            with evil.expect_navigation():
                evil.click("#go")
            text = evil.locator("body").inner_text()
            assert "kedaluwarsa" in text or "Buka tautan pribadi Anda" in text, text
            evil.close()
    assert proposals(ws)[code] == "designed"
    facilitator.reload()
    assert facilitator.locator(f"#q-{code}").count() == 1  # still signed in, the design still waits
    desk.close()


def test_hostile_team_text_runs_nothing_on_the_facilitators_page(served, browser):  # noqa: F811
    ws, base = served
    code = designs(ws)[0]
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>\u202eexe.gpj <a href="javascript:alert(3)">x</a>'
    with workspace_session(ws) as (session, cohort):
        proposal = session.exec(select(Proposal).where(Proposal.code == code)).one()
        proposal.title = evil
        team = session.get(Team, proposal.team_id)
        team.unit = evil
        session.add_all([proposal, team])
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    trouble = _watch(page)
    page.goto(base + urls(ws)[FACILITATOR])
    card = page.locator(f"#q-{code}")
    assert "<script>alert(2)</script>" in card.inner_text()  # shown as the text it is
    assert "\u202e" not in card.inner_text()
    assert page.locator("script, img").count() == 0 and page.locator("a[href^=javascript]").count() == 0
    assert trouble == []
    desk.close()


def test_the_content_security_policy_blocks_what_escaping_might_miss(served, browser):  # noqa: F811
    """Markup slipped into the page past the escaping (here by rewriting the real response, its headers kept)
    runs nothing: no script, no event handler, no style, no image from elsewhere."""
    ws, base = served
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    trouble = _watch(page)
    page.goto(base + urls(ws)[FACILITATOR])
    injected = (
        """<script>alert("script")</script><img src="https://evil.example/x.png" onerror="alert('img')">"""
        """<svg onload="alert('svg')"></svg><a id="js" href="javascript:alert('js')">x</a>"""
        '<style>body{display:none}</style><p id="styled" style="display:none">hidden?</p>'
    )

    def rewrite(route):
        real = route.fetch()
        route.fulfill(response=real, body=real.text().replace("<main>", "<main>" + injected, 1))

    page.route(f"{base}/", rewrite)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.reload()
    page.click("#js")
    assert page.locator("#styled").is_visible() and page.locator("h1").is_visible()
    assert not [t for t in trouble if t.startswith(("dialog", "page error"))]
    assert blocked  # the browser says what the policy refused
    desk.close()
