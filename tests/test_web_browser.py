"""`lab serve` in a real browser (Debian's Chromium through Playwright) against a real server process on a
loopback port: a team on a phone opens its personal link and sees its home; the facilitator returns a design
with a note and the team sees the note. No console error (a CSP violation is one) and no page wider than the
phone."""

from __future__ import annotations

import pytest

from lab.domain.models import Team
from lab.workspace.cohort import find_proposal, workspace_session
from tests.browser_support import serving
from tests.helpers import enrol
from tests.web_support import FACILITATOR, designed, designs, people, urls


@pytest.fixture
def served(ws):
    """A cohort whose designs wait for the facilitator, served."""
    ws = designed(ws)
    with serving(ws.root) as base:
        yield ws, base


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
    with serving(ws.root) as base:
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
