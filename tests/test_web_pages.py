"""The pages of `lab serve` for each role: the facilitator's decisions (audit trail via web), run now and the
links page; the coordinators' scores (others' means hidden until scored); due and overdue worksheets; hostile
team text shown as text everywhere."""

from __future__ import annotations

import sys

import pytest
from sqlmodel import select

from lab.domain.models import Review, Transition
from lab.workspace.cohort import find_proposal, workspace_session
from lab.workspace.settings import open_workspace
from tests.helpers import drive_to_display, proposals, teams
from tests.web_support import (
    COORDINATORS,
    FACILITATOR,
    active,
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
    assert "Kebaruan <span" in form and 'name="novelty"' in form  # the criterion's name, its id as the input
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


def test_the_links_page_shows_a_hundred_links_at_a_time_and_one_role_at_a_time(ws, monkeypatch):
    from lab.web import facilitator
    from tests.helpers import enrol

    ws = people(ws)
    enrol(ws, 7)
    monkeypatch.setattr(facilitator, "LINKS_PER_PAGE", 3)  # 7 teams, 2 coordinators, 1 facilitator: 4 pages
    c = signed_in(ws, FACILITATOR)
    every = urls(ws)
    seen = []
    for n in (1, 2, 3, 4):
        page = c.get(f"/tautan?halaman={n}").text
        assert f"Halaman {n} dari 4" in page
        seen += [path for path in every.values() if path in page]
    assert sorted(seen) == sorted(every.values())  # each link on exactly one page
    assert "Halaman 4 dari 4" in c.get("/tautan?halaman=99").text  # past the end: the last page
    assert "Halaman 1 dari 4" in c.get("/tautan?halaman=x").text
    coordinators = c.get("/tautan?peran=coordinator").text
    assert all(every[name] in coordinators for name in COORDINATORS)
    assert not any(every[t] in coordinators for t in teams(ws)) and "Halaman" not in coordinators
    team_pages = c.get("/tautan?peran=team").text  # 7 teams: 3 pages, paged within the role
    assert "Halaman 1 dari 3" in team_pages and "/tautan?peran=team&amp;halaman=2" in team_pages


def test_hostile_team_text_on_every_coordinator_and_facilitator_page_stays_text(ws):
    from tests import hostile

    ws = people(ws, facilitator="Fasilitator")
    drive_to_display(ws, 2, hostile.ANSWERS)
    c = signed_in(ws, COORDINATORS[0])
    pages = [c.get("/")] + [c.get(f"/nilai/{code}") for code, s in proposals(ws).items() if s == "showcased"]
    pages.append(signed_in(ws, "Fasilitator").get("/"))
    for r in pages:
        assert r.status_code == 200
        assert active(r.text) == []
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
