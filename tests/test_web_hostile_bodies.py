"""`lab serve` and request bodies that never end: a form dripped and then stalled gets the 408 page once it has
sent nothing for deps.IDLE seconds (here made short), and nothing it carried is acted on."""

from __future__ import annotations

import pytest

from lab.web import deps
from tests.helpers import proposals
from tests.web_support import FACILITATOR, csrf, designed, designs, signed_in, stalled_post


@pytest.fixture
def cohort(ws):
    return designed(ws)


def test_a_form_body_that_stalls_gets_the_408_page_and_decides_nothing(cohort, monkeypatch):
    monkeypatch.setattr(deps, "IDLE", 0.2)
    code = designs(cohort)[0]
    c = signed_in(cohort, FACILITATOR)
    cookie = f"lab_session={c.cookies['lab_session']}"
    first = f"csrf={csrf(c)}&proposal={code}&decision=approve&note=".encode()
    form = [(b"cookie", cookie.encode()), (b"content-type", b"application/x-www-form-urlencoded")]
    status, body = stalled_post(c.app, "/keputusan", first, form)
    assert status == 408 and "Kiriman terhenti di tengah jalan" in body.decode()
    assert proposals(cohort)[code] == "designed"
