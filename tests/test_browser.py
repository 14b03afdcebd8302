"""The showcase in a real browser (Debian's Chromium through Playwright): hostile answers stay harmless text,
filters and search work from file://, every innovation page opens, and no dialog or page error ever appears."""

from __future__ import annotations

import json

import pytest

from lab.workspace.settings import open_workspace
from tests import hostile
from tests.helpers import drive_to_display


@pytest.fixture
def evil_site(ws):
    path = ws.root / "cohort.toml"
    path.write_text(
        path.read_text().replace(
            "coordinators = []", json.dumps(["Dra. Sri Rahayu"]).join(["coordinators = ", ""])
        )
    )
    ws = open_workspace(ws.root)
    drive_to_display(ws, 4, hostile.ANSWERS)
    return ws.root / "showcase"


def _watch(page):
    trouble: list[str] = []
    page.on("dialog", lambda d: (trouble.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: trouble.append(f"page error: {e}"))
    page.on("console", lambda m: trouble.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    return trouble


def test_showcase_filters_search_and_pages_in_chromium(browser, evil_site, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    trouble = _watch(page)
    page.goto((evil_site / "index.html").as_uri())
    cards = page.locator("#cards .card")
    assert cards.count() == 4 and page.locator("#shown").inner_text() == "4"
    assert "{{ 7*7 }}" in cards.first.inner_text()

    # filter by unit type: only matching cards stay visible
    select = page.locator("select[data-facet=unit_type]")
    value = select.locator("option").nth(1).get_attribute("value")
    select.select_option(value)
    visible = page.locator("#cards .card:visible")
    assert 0 < visible.count() < 4
    assert all(visible.nth(i).get_attribute("data-unit_type") == value for i in range(visible.count()))
    assert page.locator("#shown").inner_text() == str(visible.count())
    select.select_option("")

    # search narrows to one innovation by its unit name
    page.fill("#q", "unit uji 003")
    assert page.locator("#cards .card:visible").count() == 1
    page.fill("#q", "tidak ada yang cocok")
    assert page.locator("#cards .card:visible").count() == 0 and page.locator("#shown").inner_text() == "0"
    page.fill("#q", "")

    # every innovation page opens and shows the hostile text as text
    links = [cards.nth(i).locator("h3 a").get_attribute("href") for i in range(cards.count())]
    for href in links:
        page.goto((evil_site / href).as_uri())
        text = page.locator("main").inner_text()
        assert "{{ 7*7 }}" in text and "<script>alert(5)</script>" in text
        assert page.locator("main script, main iframe").count() == 0
    page.goto((evil_site.parent / "scoreboard/index.html").as_uri())
    ranking = page.locator("table.scoreboard:not(.iid) tbody tr")  # the IID pre-check table is below it
    assert ranking.count() == 4
    page.screenshot(path=str(tmp_path / "scoreboard.png"))
    assert trouble == []
