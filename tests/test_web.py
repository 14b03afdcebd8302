"""`lab serve` through FastAPI's TestClient, its safety: headers on every page, no traceback in a browser,
personal links exchanged for a session cookie, refused and rate-limited links, CSRF, teams kept apart, one
cohort per prefix, English cohorts, settings read again when they change."""

from __future__ import annotations

import pytest

from lab.workflow import links
from lab.workspace.cohort import workspace_session
from lab.workspace.settings import open_workspace
from tests.helpers import enrol, proposals, run_once, teams
from tests.web_support import (
    COORDINATORS,
    FACILITATOR,
    TestClient,
    assert_safe,
    client,
    csrf,
    designed,
    designs,
    people,
    signed_in,
    urls,
)


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


def test_every_file_a_page_links_under_static_is_served_and_nothing_else(ws):
    import re

    from lab.web.app import STATIC
    from lab.worksheets.render import templates_dir

    linked = set()
    for template in (templates_dir() / "web").glob("*.j2"):
        linked |= set(re.findall(r"\{\{ base \}\}/static/([\w.-]+)", template.read_text()))
    assert linked and linked <= set(STATIC)
    c = client(ws)
    for name, kind in STATIC.items():
        r = c.get(f"/static/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind)
        assert_safe(r)
    for other in ("/static/..%2Fcohort.toml", "/static/base.html.j2", "/static/%2e%2e/lab.db", "/static/"):
        assert c.get(other).status_code == 404
