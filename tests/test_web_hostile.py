"""`lab serve` attacked as a hostile team would: forged, expired and planted session cookies, forms posted
from another site or with another session's token, other teams' pages by id, case and path tricks, header
injection through path parameters, oversized requests, spoofed client addresses against the link rate limit,
hostile text (bidirectional overrides) on every page that shows it, error pages, and the links listing after
a revocation. Each case asserts the page the attacker gets and that nothing changed or leaked."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import select

from lab.domain.models import Team, WebSession
from lab.workflow import links
from lab.workspace.cohort import workspace_session
from tests.helpers import proposals, teams
from tests.web_support import (
    COORDINATORS,
    FACILITATOR,
    TestClient,
    assert_safe,
    client,
    csrf,
    designed,
    designs,
    signed_in,
    urls,
)

SIGN_IN = "Buka tautan pribadi Anda"


@pytest.fixture
def cohort(ws):
    return designed(ws)


def _sid(c: TestClient) -> str:
    return c.cookies["lab_session"]


# --- session cookies ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forged",
    ["A" * 43, "A" * 42, "A" * 5000, "' OR 1=1 --", "ÿ" * 43, "../" * 14 + "a", "%00" * 15, "a\x00" * 22],
)
def test_a_forged_or_guessed_session_cookie_opens_nothing(cohort, forged):
    r = client(cohort).get("/", headers={"cookie": b"lab_session=" + forged.encode("utf-8")})
    assert r.status_code == 401 and SIGN_IN in r.text
    assert_safe(r)


def test_an_expired_session_is_refused_and_a_fresh_link_signs_in_again(cohort):
    team = next(iter(teams(cohort)))
    c = signed_in(cohort, team)
    with workspace_session(cohort) as (session, _):
        for row in session.exec(select(WebSession)):
            row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            session.add(row)
    r = c.get("/")
    assert r.status_code == 401 and SIGN_IN in r.text
    assert c.get(urls(cohort)[team]).status_code == 303 and c.get("/").status_code == 200


def test_opening_a_link_ends_the_session_the_browser_already_held(cohort):
    """A session planted in a victim's browser (fixation) ends when the victim opens their own link."""
    mine, theirs = list(teams(cohort))
    attacker = signed_in(cohort, theirs)
    planted = _sid(attacker)
    victim = client(cohort)
    r = victim.get(urls(cohort)[mine], headers={"cookie": f"lab_session={planted}"})
    assert r.status_code == 303 and r.cookies["lab_session"] != planted
    assert f"/lembar/drum-up/{mine}" in victim.get("/").text
    assert attacker.get("/").status_code == 401  # the planted session is gone, for the attacker too


def test_a_session_of_a_revoked_link_is_refused_on_every_route(cohort):
    team = next(iter(teams(cohort)))
    c = signed_in(cohort, team)
    token = csrf(c)
    with workspace_session(cohort) as (session, row):
        links.revoke(cohort, session, row, team)
    for r in (
        c.get("/"),
        c.get(f"/lembar/drum-up/{team}"),
        c.post(f"/lembar/drum-up/{team}", data={"csrf": token}),
        c.post("/keluar", data={"csrf": token}),
    ):
        assert r.status_code == 401 and SIGN_IN in r.text


# --- CSRF ----------------------------------------------------------------------------------------------------


def test_a_csrf_token_of_another_session_of_the_same_person_is_refused(cohort):
    code = designs(cohort)[0]
    first, second = signed_in(cohort, FACILITATOR), signed_in(cohort, FACILITATOR)
    r = second.post("/keputusan", data={"csrf": csrf(first), "proposal": code, "decision": "approve"})
    assert r.status_code == 403 and "kedaluwarsa" in r.text
    assert proposals(cohort)[code] == "designed"


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null", "sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"origin": "http://testserver.evil.example"},
    ],
)
def test_a_form_posted_from_another_site_is_refused_even_with_a_good_token(cohort, headers):
    code = designs(cohort)[0]
    c = signed_in(cohort, FACILITATOR)
    form = {"csrf": csrf(c), "proposal": code, "decision": "approve"}
    r = c.post("/keputusan", data=form, headers=headers)
    assert r.status_code == 403 and "kedaluwarsa" in r.text
    assert c.post("/keluar", data={"csrf": csrf(c)}, headers=headers).status_code == 403
    assert proposals(cohort)[code] == "designed" and c.get("/").status_code == 200  # still signed in
    # what Chromium sends with our form under Referrer-Policy no-referrer: Origin null, same-origin
    same = {"origin": "null", "sec-fetch-site": "same-origin"}
    assert c.post("/keputusan", data=form, headers=same).status_code == 303
    assert proposals(cohort)[code] == "approved"


def test_a_form_from_the_https_address_of_the_cohort_behind_a_proxy_is_accepted(cohort):
    path = cohort.root / "cohort.toml"
    path.write_text(path.read_text().replace("http://127.0.0.1:8000", "https://lab.example.go.id"))
    code = designs(cohort)[0]
    c = client(cohort, https=True)  # the cookie is Secure now: the test client speaks https as the proxy does
    assert c.get(urls(cohort)[FACILITATOR]).status_code == 303
    form = {"csrf": csrf(c), "proposal": code, "decision": "approve"}
    assert c.post("/keputusan", data=form, headers={"origin": "https://lab.example.go.id"}).status_code == 303


# --- IDOR and path tricks --------------------------------------------------------------------------------------


def test_other_teams_pages_by_id_case_or_path_trick_are_not_found(cohort):
    mine, other = list(teams(cohort))
    theirs = next(code for code in designs(cohort) if code not in _codes_of(cohort, mine))
    c = signed_in(cohort, mine)
    unknown = c.get("/tidak-ada").text
    for path in (
        f"/lembar/drum-up/{other}",
        f"/lembar/drum-up/{other.upper()}",
        f"/lembar/design/{theirs}",
        f"/lembar/design/{theirs.lower()}",
        f"/lembar/drum-up/{mine}%2F..%2F{other}",
        f"/lembar/drum-up/..%2F{other}",
        "/lembar/drum-up/..%2F..%2Fcohort.toml",
        "/lembar/..%2Fdrum-up/" + mine,
        f"/lembar/drum-up/{mine}%00",
        f"/lembar/drum-up/%20{mine}",
        f"/lembar/DRUM-UP/{mine}",
        f"/nilai/{theirs}",
    ):
        r = c.get(path)
        assert r.status_code == 404 and r.text == unknown, path
    r = c.post(f"/lembar/design/{theirs}", data={"csrf": csrf(c), "title": "diambil alih"})
    assert r.status_code == 404
    assert not [p for p in (cohort.root / "teams").rglob("*.md") if "diambil alih" in p.read_text()]


def _codes_of(ws, slug: str) -> set[str]:
    from lab.domain.models import Proposal

    with workspace_session(ws) as (session, cohort):
        team = session.exec(select(Team).where(Team.cohort_id == cohort.id, Team.slug == slug)).one()
        return {p.code for p in session.exec(select(Proposal).where(Proposal.team_id == team.id))}


def test_a_coordinator_cannot_score_an_innovation_that_is_not_showcased(cohort):
    code = designs(cohort)[0]
    c = signed_in(cohort, COORDINATORS[0])
    scores = {"novelty": "9", "benefit": "9", "collaboration": "9", "replicability": "9", "mastery": "9"}
    assert c.get(f"/nilai/{code}").status_code == 404
    assert c.post(f"/nilai/{code}", data=scores | {"csrf": csrf(c)}).status_code == 404
    assert c.post(f"/nilai/{code.lower()}", data=scores | {"csrf": csrf(c)}).status_code == 404
    from lab.domain.models import Review

    with workspace_session(cohort) as (session, _):
        assert session.exec(select(Review)).all() == []


# --- header injection, redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize("tail", ["%0d%0aSet-Cookie:%20x=1", "%0aLocation:%20https://evil.example", "\u0130"])
def test_line_breaks_in_a_path_never_reach_a_header(cohort, tail):
    mine = next(iter(teams(cohort)))
    c = signed_in(cohort, FACILITATOR)
    for path in (f"/lembar/drum-up/{mine}{tail}", f"/nilai/X{tail}", f"/l/{'A' * 43}{tail}"):
        r = c.get(path)
        assert r.status_code in (403, 404), path
        assert "x=1" not in r.headers.get("set-cookie", "") and "evil" not in r.headers.get("location", "")


def test_a_redeemed_link_goes_home_on_this_site_whatever_the_host_header(cohort):
    team = next(iter(teams(cohort)))
    c = client(cohort)
    r = c.get(urls(cohort)[team], headers={"host": "evil.example", "x-forwarded-host": "evil.example"})
    assert r.status_code == 303 and r.headers["location"] == "/"
    r = c.get("/?pesan=%0d%0aSet-Cookie:x=1")
    assert (
        r.status_code == 200 and "x=1" not in r.headers.get("set-cookie", "") and "Set-Cookie" not in r.text
    )


# --- sizes ---------------------------------------------------------------------------------------------------


def test_oversized_or_malformed_forms_get_one_clear_page(cohort):
    code = designs(cohort)[0]
    c = signed_in(cohort, FACILITATOR)
    token = csrf(c)
    big = c.post("/keputusan", content=b"csrf=" + token.encode() + b"&note=" + b"a" * 6_100_000,
                 headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert big.status_code == 413 and "terlalu besar" in big.text.lower()
    many = "&".join(f"f{i}=1" for i in range(2_100)) + f"&csrf={token}"
    r = c.post("/keputusan", content=many, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    r = c.post("/keputusan", json={"csrf": token, "proposal": code, "decision": "approve"})
    assert r.status_code == 415
    r = c.post(
        "/keputusan", content=b"csrf=%ff%fe", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 400
    long_note = c.post("/keputusan", data={"csrf": token, "proposal": code, "decision": "return",
                                           "note": "n" * 2_001})  # fmt: skip
    assert long_note.status_code == 400 and "max 2000" in long_note.text
    assert proposals(cohort)[code] == "designed"


# --- the link rate limit ------------------------------------------------------------------------------------


def test_spoofed_forwarded_for_headers_do_not_reset_the_link_rate_limit(cohort):
    team = next(iter(teams(cohort)))
    c = client(cohort)
    for i in range(10):
        spoof = {"x-forwarded-for": f"10.0.0.{i}", "x-real-ip": f"10.0.1.{i}", "forwarded": f"for=10.0.2.{i}"}
        assert c.get(f"/l/{'A' * 43}{i}", headers=spoof).status_code == 403
    r = c.get(urls(cohort)[team], headers={"x-forwarded-for": "192.0.2.77"})
    assert r.status_code == 429


def test_an_ipv6_client_cannot_dodge_the_limit_by_moving_within_its_network(cohort):
    from lab.web.app import create_app

    app = create_app(cohort.root)
    for i in range(10):
        c = TestClient(app, client=(f"2001:db8:1:2::{i + 1:x}", 5000), follow_redirects=False)
        assert c.get(f"/l/{'A' * 43}{i}").status_code == 403
    other = TestClient(app, client=("2001:db8:1:2:ffff::9", 5000), follow_redirects=False)
    assert other.get(f"/l/{'B' * 43}").status_code == 429
    elsewhere = TestClient(app, client=("2001:db8:9:9::1", 5000), follow_redirects=False)
    assert elsewhere.get(urls(cohort)[next(iter(teams(cohort)))]).status_code == 303


# --- hostile text --------------------------------------------------------------------------------------------


def test_direction_overrides_in_team_text_never_reach_a_page(cohort):
    mine = next(iter(teams(cohort)))
    with workspace_session(cohort) as (session, row):
        team = session.exec(select(Team).where(Team.cohort_id == row.id, Team.slug == mine)).one()
        team.unit = "Dinas \u202egpj.exe\u202c <b>Kominfo</b>"
        session.add(team)
    pages = [signed_in(cohort, FACILITATOR).get("/"), signed_in(cohort, mine).get(f"/lembar/drum-up/{mine}")]
    for r in pages:
        assert r.status_code == 200
        for ch in ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"):
            assert ch not in r.text
        assert "gpj.exe" in r.text and "&lt;b&gt;Kominfo&lt;/b&gt;" in r.text


# --- error pages ---------------------------------------------------------------------------------------------


def test_error_pages_show_no_path_trace_or_setting(cohort):
    c = signed_in(cohort, FACILITATOR)
    secret = (
        (cohort.root / ".lab-web-secret").read_text().strip()
        if (cohort.root / ".lab-web-secret").exists()
        else "x" * 64
    )
    responses = [
        c.get("/" + "x" * 5000),
        c.put("/"),
        c.delete("/keputusan"),
        c.get("/nilai/" + "%ff" * 50),
        c.get("/static/../../cohort.toml"),
        c.post(
            "/keputusan", content=b"\x00" * 100, headers={"content-type": "application/x-www-form-urlencoded"}
        ),
        c.get("/openapi.json"),
        c.get("/docs"),
    ]
    for r in responses:
        assert 400 <= r.status_code < 500, r.request.url
        assert_safe(r)
        for leak in (str(cohort.root), "Traceback", "sqlite", "cohort.toml", secret, "lab/web"):
            assert leak not in r.text, (r.request.url, leak)


# --- links listing -------------------------------------------------------------------------------------------


def test_the_json_and_csv_of_links_never_carry_a_revoked_token(cohort, runner, tmp_path):
    from lab.cli import app as cli

    team = next(iter(teams(cohort)))
    old = urls(cohort)[team].rsplit("/", 1)[1]
    assert runner.invoke(cli, ["links", "revoke", str(cohort.root), team]).exit_code == 0
    listed = runner.invoke(cli, ["links", str(cohort.root), "--json"])
    assert listed.exit_code == 0 and old not in listed.stdout
    fresh = {link["id"]: link["url"] for link in json.loads(listed.stdout)}
    assert fresh[team] and old not in fresh[team]
    sheet = tmp_path / "tautan.csv"
    assert runner.invoke(cli, ["links", str(cohort.root), "--csv", str(sheet)]).exit_code == 0
    assert old not in sheet.read_text(encoding="utf-8-sig")


def test_a_link_opened_again_and_again_keeps_only_its_newest_sessions(cohort):
    team = next(iter(teams(cohort)))
    link = urls(cohort)[team]
    first = signed_in(cohort, team)
    browsers = [signed_in(cohort, team) for _ in range(links.MAX_SESSIONS)]
    with workspace_session(cohort) as (session, _):
        assert len(session.exec(select(WebSession)).all()) == links.MAX_SESSIONS
    assert first.get("/").status_code == 401  # the oldest ended
    assert all(b.get("/").status_code == 200 for b in browsers)
    assert client(cohort).get(link).status_code == 303  # the link itself still works


def test_a_coordinator_scores_under_their_own_name_whatever_the_form_says(ws):
    from lab.domain.models import Review
    from tests.helpers import drive_to_display
    from tests.web_support import people

    ws = people(ws, facilitator="Fasilitator")
    drive_to_display(ws, 1)
    code = next(c for c, state in proposals(ws).items() if state == "showcased")
    c = signed_in(ws, COORDINATORS[0])
    scores = {"novelty": "9", "benefit": "8", "collaboration": "7", "replicability": "8", "mastery": "9"}
    forged = {"reviewer": COORDINATORS[1], "coordinator": COORDINATORS[1], "actor": "Fasilitator"}
    assert c.post(f"/nilai/{code}", data=scores | forged | {"csrf": csrf(c)}).status_code == 303
    with workspace_session(ws) as (session, _):
        assert session.exec(select(Review.reviewer, Review.source)).all() == [(COORDINATORS[0], "web")]


def test_run_now_pressed_many_times_at_once_starts_one_run(cohort, tmp_path):
    import sys
    from concurrent.futures import ThreadPoolExecutor

    c = signed_in(cohort, FACILITATOR)
    runs = c.app.state.runs
    gate = tmp_path / "go"
    runs.command = [
        sys.executable,
        "-c",
        f"import os, time\nwhile not os.path.exists({str(gate)!r}): time.sleep(0.02)",
    ]
    presses = [TestClient(c.app, follow_redirects=False) for _ in range(8)]  # eight browsers, one server
    for p in presses:
        assert p.get(urls(cohort)[FACILITATOR]).status_code == 303
    pressed = [(p, csrf(p)) for p in presses]

    def press(pair) -> int:
        browser, token = pair
        return browser.post("/jalankan", data={"csrf": token}).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(press, pressed))
    assert codes == [303] + [409] * 7
    gate.touch()
    runs.wait()
    assert "kode keluar 0" in c.get("/").text
    assert c.post("/jalankan", data={"csrf": csrf(c)}).status_code == 303  # the next run once it ended
    gate.touch()
    runs.wait()
