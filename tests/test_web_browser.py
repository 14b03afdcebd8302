"""`lab serve` in a real browser (Debian's Chromium through Playwright) against a real server process on a
loopback port: a team on a phone opens its personal link and sees its home; the facilitator returns a design
with a note and the team sees the note. No console error (a CSP violation is one) and no page wider than the
phone."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest

from lab.domain.models import Team
from lab.workspace.cohort import find_proposal, workspace_session
from tests.helpers import enrol
from tests.test_browser import CHROMIUM, FLAGS
from tests.web_support import FACILITATOR, designed, designs, people, urls

STARTUP = 60  # seconds a cold server may take to answer its first request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(ws):
    """`lab serve` of this cohort on a free loopback port: yields its base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab", "serve", str(ws.root), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=os.environ | {"NO_COLOR": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP
    while True:
        try:
            httpx.get(f"{base}/static/app.css", timeout=2)
            break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"lab serve did not start: {proc.stdout.read().decode(errors='replace')}")
            time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stdout.close()


@pytest.fixture
def served(ws):
    """A cohort whose designs wait for the facilitator, served."""
    ws = designed(ws)
    with serving(ws) as base:
        yield ws, base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def _watch(page) -> list[str]:
    trouble: list[str] = []
    page.on("dialog", lambda d: (trouble.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: trouble.append(f"page error: {e}"))
    page.on("console", lambda m: trouble.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    return trouble


def test_a_team_on_a_phone_sees_the_note_the_facilitator_returned_its_design_with(served, browser):
    ws, base = served
    code = designs(ws)[0]
    links = urls(ws)
    with workspace_session(ws) as (session, cohort):
        owner = session.get(Team, find_proposal(session, cohort, code).team_id).slug

    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    team = phone.new_page()
    trouble = _watch(team)
    team.goto(base + links[owner])
    assert team.url == f"{base}/"  # the token left the address bar
    assert team.locator("h1").inner_text() == "Lembar kerja tim"
    assert team.locator(f"#ws-design-{code}").is_visible()
    assert team.evaluate("document.documentElement.scrollWidth") <= 360
    button = team.locator(f"#ws-design-{code} a.button")
    assert button.bounding_box()["height"] >= 44  # a thumb can hit it

    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    facilitator = desk.new_page()
    trouble += _watch(facilitator)
    facilitator.goto(base + links[FACILITATOR])
    form = facilitator.locator(f"#q-{code}")
    form.locator("textarea").fill("Target bulanan belum ada; tambahkan di rencana aksi.")
    form.locator("button[value=return]").click()
    assert "Keputusan tercatat" in facilitator.locator(".notice").inner_text()
    assert facilitator.locator(f"#q-{code}").count() == 0  # left the queue

    team.reload()
    card = team.locator(f"#ws-design-{code}")
    assert "dikembalikan" in card.inner_text()
    assert card.locator(".note").inner_text() == "Target bulanan belum ada; tambahkan di rencana aksi."
    assert trouble == []
    phone.close()
    desk.close()


def test_the_facilitator_runs_the_cohort_from_a_phone_and_the_team_gets_its_first_worksheet(ws, browser):
    ws = people(ws)
    enrol(ws, 1)
    links = urls(ws)
    (team_id,) = [who for who in links if who.startswith("unit-uji")]
    with serving(ws) as base:
        phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
        team = phone.new_page()
        trouble = _watch(team)
        team.goto(base + links[team_id])
        assert "Belum ada lembar kerja" in team.locator("main").inner_text()

        other = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
        facilitator = other.new_page()  # its own context: its own cookie
        trouble += _watch(facilitator)
        facilitator.goto(base + links[FACILITATOR])
        facilitator.locator("#run button").click()
        assert "Lab sedang dijalankan" in facilitator.locator(".notice").inner_text()
        # the page reloads itself while the run goes (no JavaScript); a cold `lab run` starts Prefect first
        facilitator.locator("#run .meta", has_text="kode keluar 0").wait_for(timeout=180_000)
        assert "drum-up" in facilitator.locator("#run pre.log").inner_text()

        team.reload()
        assert team.locator("#ws-drum-up-" + team_id).is_visible()
        assert trouble == []
        phone.close()
        other.close()
