"""Hostile text the facilitator writes back (a return note) and hostile unit names, on the team's pages: shown
as the text it is, nothing active, nothing that reads backwards."""

from __future__ import annotations

from sqlmodel import select

from lab.domain.models import Proposal, Team
from lab.workspace.cohort import workspace_session
from tests.helpers import proposals
from tests.web_support import FACILITATOR, active, csrf, designed, designs, signed_in

NOTE = "<script>alert(1)</script> [klik](javascript:alert(2)) <img src=x onerror=alert(3)>"


def test_a_hostile_return_note_and_unit_name_stay_text_on_the_teams_pages(ws):
    ws = designed(ws)
    code = designs(ws)[0]
    with workspace_session(ws) as (session, cohort):
        proposal = session.exec(select(Proposal).where(Proposal.code == code)).one()
        team = session.get(Team, proposal.team_id)
        team.unit = '"><svg onload=alert(4)> \u202eexe.fdp'
        session.add(team)
        slug = team.slug
    c = signed_in(ws, FACILITATOR)
    form = {"csrf": csrf(c), "proposal": code, "decision": "return"}
    r = c.post("/keputusan", data=form | {"note": "Baca \u202eexe.fdp"})
    assert r.status_code == 400 and "invisible direction mark" in r.text  # refused, as `lab decide --note`
    assert proposals(ws)[code] == "designed"
    r = c.post("/keputusan", data=form | {"note": NOTE})
    assert r.status_code == 303 and proposals(ws)[code] == "shortlisted"
    mine = signed_in(ws, slug)
    for page in (mine.get("/"), mine.get(f"/lembar/design/{code}")):
        assert page.status_code == 200 and active(page.text) == []
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "\u202e" not in page.text
        assert "&#34;&gt;&lt;svg onload=alert(4)&gt;" in page.text  # the unit, in the header and the heading
