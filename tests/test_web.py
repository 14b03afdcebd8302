"""`lab serve` through FastAPI's TestClient: safe headers on every page, no traceback in a browser, personal links
exchanged for a session cookie, refused and rate-limited links, CSRF, teams kept apart, the facilitator's
decisions and the coordinators' scores through the same services and audit trail as the command."""

from __future__ import annotations

import json
import sys
import warnings
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from lab.domain.models import Review, Transition
from lab.workflow import links
from lab.workspace.cohort import find_proposal, workspace_session
from lab.workspace.settings import open_workspace
from tests import factories
from tests.helpers import answer, drive_to_display, enrol, proposals, run_once, teams

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
    enrol(ws, n)
    run_once(ws)
    for slug in teams(ws):
        answer(ws, "drum-up", slug, factories.drum_up())
    run_once(ws)
    for slug in teams(ws):
        answer(ws, "diagnose", slug, factories.diagnose())
    run_once(ws)
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


@pytest.fixture
def cohort(ws):
    return designed(ws)


def test_every_page_carries_the_safety_headers_and_pages_are_never_cached(cohort):
    team = next(iter(teams(cohort)))
    anonymous = client(cohort)
    responses = [anonymous.get("/"), anonymous.get("/l/not-a-token"), anonymous.get("/tidak-ada"),
                 anonymous.post("/keluar")]  # fmt: skip
    for who in (team, FACILITATOR, COORDINATORS[0]):
        responses.append(signed_in(cohort, who).get("/"))
    assert [r.status_code for r in responses] == [401, 403, 404, 401, 200, 200, 200]
    for r in responses:
        assert_safe(r)
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["content-type"].startswith("text/html")
        assert "<script" not in r.text and "style=" not in r.text
        assert len(r.content) < 150_000
    css = anonymous.get("/static/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert_safe(css)
    assert "Buka tautan pribadi Anda" in responses[0].text  # Bahasa Indonesia by default


def test_an_unexpected_error_is_a_plain_500_page_without_traceback(cohort, monkeypatch, capsys):
    from lab.web import home

    def boom(*args, **kwargs):
        raise RuntimeError("rahasia-server /etc/passwd")

    monkeypatch.setattr(home, "team_home", boom)
    c = signed_in(cohort, next(iter(teams(cohort))))
    r = c.get("/")
    assert r.status_code == 500
    assert_safe(r)
    assert "rahasia" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
    assert "rahasia-server" in capsys.readouterr().err  # logged for the operator


def test_a_link_becomes_a_session_cookie_and_leaves_the_address_bar(cohort):
    team = next(iter(teams(cohort)))
    c = client(cohort)
    r = c.get(urls(cohort)[team], follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("lab_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Path=/" in cookie and "Secure" not in cookie
    home = c.get("/")
    assert home.status_code == 200 and "Unit Uji" in home.text
    secure = client(cohort, https=True).get(urls(cohort)[team], follow_redirects=False)
    assert "Secure" in secure.headers["set-cookie"]
    path = cohort.root / "cohort.toml"  # behind a proxy that ends TLS: the links say https
    path.write_text(path.read_text().replace("http://127.0.0.1:8000", "https://lab.example.go.id"))
    proxied = client(cohort).get(urls(open_workspace(cohort.root))[team], follow_redirects=False)
    assert "Secure" in proxied.headers["set-cookie"]


def test_a_revoked_link_and_its_sessions_are_refused_with_the_ask_for_a_new_link_page(cohort):
    team = next(iter(teams(cohort)))
    old = urls(cohort)[team]
    c = signed_in(cohort, team)
    with workspace_session(cohort) as (session, cohort_row):
        links.revoke(cohort, session, cohort_row, team)
    assert c.get("/").status_code == 401  # its session ended with it
    r = client(cohort).get(old, follow_redirects=False)
    assert r.status_code == 403 and "Minta tautan baru kepada fasilitator" in r.text
    assert "lab_session" not in r.headers.get("set-cookie", "")


def test_link_guessing_is_rate_limited_per_address(cohort):
    team = next(iter(teams(cohort)))
    c = client(cohort)
    for i in range(10):
        assert c.get(f"/l/{'A' * 43}{i}").status_code == 403
    r = c.get(urls(cohort)[team], follow_redirects=False)  # even a good link waits now
    assert r.status_code == 429 and "Tunggu satu menit" in r.text


def test_a_form_without_its_csrf_token_or_with_a_wrong_one_is_refused(cohort):
    c = signed_in(cohort, FACILITATOR)
    code = designs(cohort)[0]
    form = {"proposal": code, "decision": "approve", "note": ""}
    assert c.post("/keputusan", data=form).status_code == 403
    r = c.post("/keputusan", data=form | {"csrf": "x" * 43})
    assert r.status_code == 403 and "kedaluwarsa" in r.text
    assert c.post("/keluar", data={"csrf": "salah"}).status_code == 403
    assert proposals(cohort)[code] == "designed"
    assert c.post("/keluar", data={"csrf": csrf(c)}).status_code == 200
    assert c.get("/").status_code == 401


def test_a_team_sees_only_its_own_worksheets_and_no_other_role_page(cohort):
    mine, other = list(teams(cohort))
    c = signed_in(cohort, mine)
    home = c.get("/").text
    assert f"/lembar/drum-up/{mine}" in home and f"/lembar/drum-up/{other}" not in home
    codes = designs(cohort)
    unknown = c.get("/tidak-ada")
    for r in (c.get(f"/nilai/{codes[0]}"), c.post("/keputusan", data={"csrf": csrf(c), "proposal": codes[0],
              "decision": "approve"}), c.post("/jalankan", data={"csrf": csrf(c)})):  # fmt: skip
        assert r.status_code == 404 and r.text == unknown.text
    assert designs(cohort) == codes


def test_a_team_cannot_open_another_teams_worksheet(cohort):
    pytest.importorskip("lab.web.worksheet_pages")
    mine, other = list(teams(cohort))
    c = signed_in(cohort, mine)
    assert c.get(f"/lembar/drum-up/{mine}").status_code == 200
    assert c.get(f"/lembar/drum-up/{other}").status_code == 404
    assert c.get("/lembar/drum-up/tidak-ada").status_code == 404


def _history(ws, code: str) -> list[Transition]:
    with workspace_session(ws) as (session, cohort):
        p = find_proposal(session, cohort, code)
        return list(
            session.exec(
                select(Transition).where(Transition.subject_id == p.id, Transition.kind == "proposal")
            )
        )


def test_the_facilitator_returns_and_approves_through_the_page_and_the_audit_says_web(cohort):
    back, ok = designs(cohort)
    c = signed_in(cohort, FACILITATOR)
    page = c.get("/").text
    assert f'id="q-{back}"' in page and f'id="q-{ok}"' in page
    refused = c.post(
        "/keputusan", data={"csrf": csrf(c), "proposal": back, "decision": "return", "note": " "}
    )
    assert (
        refused.status_code in (400, 409)
        and "note" in refused.text
        and 'class="notice problem"' in refused.text
    )
    note = "Indikator <b>belum</b> terukur; tambahkan target bulanan."
    r = c.post("/keputusan", data={"csrf": csrf(c), "proposal": back, "decision": "return", "note": note})
    assert r.status_code == 303
    r = c.post("/keputusan", data={"csrf": csrf(c), "proposal": ok, "decision": "approve", "note": ""})
    assert r.status_code == 303 and "Keputusan tercatat" in c.get(r.headers["location"]).text
    assert (proposals(cohort)[back], proposals(cohort)[ok]) == ("shortlisted", "approved")
    for code, event in ((back, "return"), (ok, "approve")):
        last = _history(cohort, code)[-1]
        assert (last.event, last.actor, last.source) == (event, FACILITATOR, "web")
    owner = next(
        slug for slug in teams(cohort) if f"/lembar/design/{back}" in signed_in(cohort, slug).get("/").text
    )
    home = signed_in(cohort, owner).get("/").text
    assert "Indikator &lt;b&gt;belum&lt;/b&gt; terukur" in home and "dikembalikan" in home


def test_run_now_runs_in_the_background_one_at_a_time_and_shows_its_result(cohort, tmp_path):
    c = signed_in(cohort, FACILITATOR)
    runs = c.app.state.runs
    gate = tmp_path / "go"  # the stand-in run waits for it, so the second press meets a running one
    wait = (
        f"import os, time\nwhile not os.path.exists({str(gate)!r}): time.sleep(0.02)\nprint('selesai <ok>')"
    )
    runs.command = [sys.executable, "-c", wait]
    assert "Belum pernah dijalankan" in c.get("/").text
    r = c.post("/jalankan", data={"csrf": csrf(c)})
    assert r.status_code == 303
    assert 'http-equiv="refresh"' in c.get("/").text  # the page follows the run without JavaScript
    busy = c.post("/jalankan", data={"csrf": csrf(c)})
    assert busy.status_code == 409 and "sedang berjalan" in busy.text
    gate.touch()
    runs.wait()
    page = c.get("/").text
    assert "kode keluar 0" in page and "selesai &lt;ok&gt;" in page and 'http-equiv="refresh"' not in page


def test_coordinators_score_and_see_the_others_means_only_after_scoring(ws):
    ws = people(ws, facilitator="Fasilitator")  # the name tests.helpers decides with
    drive_to_display(ws, 2)
    code = sorted(c for c, state in proposals(ws).items() if state == "showcased")[0]
    first, second = (signed_in(ws, name) for name in COORDINATORS)
    scores = {"novelty": "9", "benefit": "8", "collaboration": "7", "replicability": "8", "mastery": "9"}
    r = first.post(f"/nilai/{code}", data=scores | {"csrf": csrf(first), "note": "Bagus"})
    assert r.status_code == 303 and "Nilai tersimpan" in first.get(r.headers["location"]).text
    form = second.get(f"/nilai/{code}").text
    assert 'id="means"' not in form and "setelah Anda menilai" in form
    assert 'id="scoreboard"' not in second.get("/").text
    bad = second.post(f"/nilai/{code}", data=scores | {"csrf": csrf(second), "novelty": "11"})
    assert bad.status_code == 400 and "outside 1-10" in bad.text
    r = second.post(f"/nilai/{code}", data=scores | {"csrf": csrf(second), "novelty": "5"})
    assert r.status_code == 303
    form = second.get(f"/nilai/{code}").text
    assert 'id="means"' in form and "7.00" in form  # novelty: (9 + 5) / 2
    assert 'id="scoreboard"' in second.get("/").text
    with workspace_session(ws) as (session, cohort):
        rows = session.exec(select(Review.reviewer, Review.source)).all()
    assert sorted(rows) == sorted((name, "web") for name in COORDINATORS)
    assert proposals(ws)[code] == "reviewed"


def test_an_english_cohort_gets_english_pages(ws):
    ws = people(ws, lang="en")
    enrol(ws, 1)
    run_once(ws)
    (team,) = teams(ws)
    anonymous = client(ws)
    assert "Open your personal link" in anonymous.get("/").text
    assert "Ask the facilitator for a new link" in anonymous.get(f"/l/{'A' * 43}").text
    home = signed_in(ws, team).get("/").text
    assert '<html lang="en">' in home and "The team&#39;s worksheets" in home and "Sign out" in home


def test_a_folder_of_cohorts_is_served_one_per_prefix_with_cookies_kept_apart(tmp_path):
    from lab.workspace.cohort import init_workspace

    cohorts = {}
    for folder, region, code in (
        ("pbg-2026", "Kabupaten Purbalingga", "PBG"),
        ("bms-2026", "Kabupaten Banyumas", "BMS"),
    ):
        ws = init_workspace(tmp_path / "all" / folder, region, 2026, code)
        path = ws.root / "cohort.toml"
        path.write_text(path.read_text().replace("http://127.0.0.1:8000", f"http://127.0.0.1:8000/{folder}"))
        ws = open_workspace(ws.root)
        enrol(ws, 1)
        run_once(ws)
        cohorts[folder] = ws
    (tmp_path / "all" / "not-a-cohort").mkdir()
    from lab.web.app import create_app

    c = TestClient(create_app(tmp_path / "all"), follow_redirects=False)
    assert c.get("/").status_code == 404 and c.get("/not-a-cohort/").status_code == 404
    pbg = cohorts["pbg-2026"]
    link = urls(pbg)[next(iter(teams(pbg)))]
    assert link.startswith("/pbg-2026/l/")
    r = c.get(link)
    assert r.status_code == 303 and r.headers["location"] == "/pbg-2026/"
    assert "Path=/pbg-2026/" in r.headers["set-cookie"]
    home = c.get("/pbg-2026/")
    assert home.status_code == 200 and 'href="/pbg-2026/static/app.css"' in home.text
    assert_safe(home)
    assert c.get("/bms-2026/").status_code == 401  # the cookie opens its own cohort only
    assert c.get(f"/bms-2026{link.removeprefix('/pbg-2026')}").status_code == 403


def test_the_facilitator_revokes_a_link_from_the_links_page(cohort):
    team = next(iter(teams(cohort)))
    old = urls(cohort)[team]
    session = signed_in(cohort, team)
    c = signed_in(cohort, FACILITATOR)
    page = c.get("/tautan").text
    assert f'value="team:{team}"' in page and old in page
    r = c.post("/cabut", data={"csrf": csrf(c, "/tautan"), "id": f"team:{team}"})
    assert r.status_code == 303 and "Tautan dicabut" in c.get(r.headers["location"]).text
    assert session.get("/").status_code == 401
    assert client(cohort).get(old).status_code == 403
    fresh = urls(cohort)[team]
    assert fresh != old and client(cohort).get(fresh).status_code == 303
    assert signed_in(cohort, team).get("/tautan").status_code == 404


def _active(html: str) -> list[str]:
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


def test_hostile_team_text_on_every_coordinator_and_facilitator_page_stays_text(ws):
    from tests import hostile

    ws = people(ws, facilitator="Fasilitator")
    drive_to_display(ws, 2, hostile.ANSWERS)
    c = signed_in(ws, COORDINATORS[0])
    pages = [c.get("/")] + [c.get(f"/nilai/{code}") for code, s in proposals(ws).items() if s == "showcased"]
    pages.append(signed_in(ws, "Fasilitator").get("/"))
    for r in pages:
        assert r.status_code == 200
        assert _active(r.text) == []
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in pages[1].text  # a highlight, shown as text


def test_due_dates_from_the_schedule_and_overdue_worksheets_are_marked(cohort):
    path = cohort.root / "cohort.toml"
    path.write_text(
        path.read_text().replace("[schedule]\n", "[schedule]\ndrum-up = 2020-01-10\ndesign = 2099-12-31\n")
    )
    ws = open_workspace(cohort.root)
    team = next(iter(teams(ws)))
    card = signed_in(ws, team).get("/").text
    assert "Tenggat 2099-12-31" in card and "Tenggat 2020-01-10" in card
    assert "lewat tenggat" not in card  # drum-up is done, design is not due yet
    with workspace_session(ws) as (session, cohort_row):
        from lab.domain.models import Worksheet

        for w in session.exec(select(Worksheet).where(Worksheet.stage == "design")):
            w.status = "invalid"
            session.add(w)
    path.write_text(path.read_text().replace("design = 2099-12-31", "design = 2020-02-01"))
    ws = open_workspace(cohort.root)
    assert "lewat tenggat" in signed_in(ws, team).get("/").text
    assert "lewat tenggat" in signed_in(ws, FACILITATOR).get("/").text


def test_a_coordinator_added_to_cohort_toml_signs_in_without_restarting_the_server(cohort, capsys):
    c = client(cohort)
    path = cohort.root / "cohort.toml"
    path.write_text(path.read_text().replace('"Ir. Bambang"]', '"Ir. Bambang", "Drs. Joko"]'))
    ws = open_workspace(cohort.root)
    assert c.get(urls(ws)["Drs. Joko"]).status_code == 303
    assert "Drs. Joko" in c.get("/").text
    path.write_text(path.read_text().replace('region = "', 'regoin = "'))
    broken = c.get("/")
    assert broken.status_code == 500 and "Terjadi kesalahan di server" in broken.text
    assert "region" not in broken.text and str(cohort.root) not in broken.text  # no path for a visitor
    assert "cohort.toml: region: Field required" in capsys.readouterr().err  # the operator reads it
    assert_safe(broken)
