"""The link rate limit behind a proxy that ends TLS on the same machine (README: `lab serve` behind HTTPS): the
client is the address the proxy saw (the last X-Forwarded-For entry), never what the client wrote before it; a
client that is not the local proxy has its X-Forwarded-For ignored."""

from __future__ import annotations

import pytest

from lab.workspace.settings import open_workspace
from tests.helpers import enrol, run_once, teams
from tests.web_support import TestClient, people, urls


@pytest.fixture
def proxied(ws):
    ws = people(ws)
    enrol(ws, 2)
    run_once(ws)
    path = ws.root / "cohort.toml"
    path.write_text(path.read_text().replace("http://127.0.0.1:8000", "https://lab.example.go.id"))
    return open_workspace(ws.root)


def _via(app, peer: str) -> TestClient:
    return TestClient(app, base_url="https://lab.example.go.id", client=(peer, 40000), follow_redirects=False)


def test_behind_the_local_proxy_one_guesser_is_limited_and_the_others_still_sign_in(proxied):
    from lab.web.app import create_app

    app = create_app(proxied.root)
    proxy = _via(app, "127.0.0.1")
    for i in range(10):  # the guesser writes a new address each time; the proxy appends the one it saw
        spoof = {"x-forwarded-for": f"10.9.8.{i}, 203.0.113.5"}
        assert proxy.get(f"/l/{'A' * 43}{i}", headers=spoof).status_code == 403
    guesser = {"x-forwarded-for": "198.51.100.1, 203.0.113.5"}
    assert proxy.get(f"/l/{'B' * 43}", headers=guesser).status_code == 429
    team = next(iter(teams(proxied)))
    other = proxy.get(urls(proxied)[team], headers={"x-forwarded-for": "198.51.100.7"})
    assert other.status_code == 303  # a team behind the same proxy is not locked out


def test_forwarded_for_from_a_client_that_is_not_the_local_proxy_is_ignored(proxied):
    from lab.web.app import create_app

    app = create_app(proxied.root)
    outsider = _via(app, "192.0.2.44")
    for i in range(10):
        assert (
            outsider.get(f"/l/{'A' * 43}{i}", headers={"x-forwarded-for": f"10.0.0.{i}"}).status_code == 403
        )
    team = next(iter(teams(proxied)))
    r = outsider.get(urls(proxied)[team], headers={"x-forwarded-for": "198.51.100.7"})
    assert r.status_code == 429
