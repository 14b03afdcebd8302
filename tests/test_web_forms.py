"""Worksheet forms: generated from the stage schema, saved through the answers code.

A filled worksheet shown as a form and posted back writes a file that reads back to the same answers, for
every stage; a file changed since the form was opened is never overwritten; problems come back beside their
fields in the words `lab status` shows; a posted form is bounded.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import select

from lab.domain.models import Proposal, Team
from lab.stages import get_stage
from lab.web.forms import FormTooLarge, answers_from_form, changes, form_fields
from lab.workflow.answers import MAX_RECORDS
from lab.workflow.answers_save import find_target, open_sheet, save_worksheet
from lab.workflow.evidence import Upload, folder_of
from lab.worksheets.markdown import MAX_BYTES, parse_text, validate
from lab.workspace.cohort import workspace_session
from tests import factories
from tests.helpers import answer, enrol, proposals, run_once, sheet, sheet_path, teams


def posted(fields) -> list[tuple[str, str]]:
    """What a browser sends for a form as shown: every input's value, ticked boxes and radios only."""
    out = []
    for f in fields:
        for g in [s for r in f.records for s in r.fields] if f.widget == "records" else [f]:
            if g.widget == "multi":
                out += [(g.name, value) for value in g.value]
            elif g.widget in ("choice", "bool"):
                out += [(g.name, g.value)] if g.value else []
            else:
                out.append((g.name, g.value))
    return [("csrf", "token"), ("_hash", "x"), *out]


def team_id(ws, owner: str) -> int:
    with workspace_session(ws) as (session, cohort):
        team = session.exec(select(Team).where(Team.cohort_id == cohort.id, Team.slug == owner)).first()
        if team is None:
            team = session.get(
                Team, session.exec(select(Proposal).where(Proposal.code == owner)).one().team_id
            )
        return team.id


def save(ws, stage: str, owner: str, answers: dict, expected: str | None = None):
    """Save `answers` as the web does, with the hash of the file as it is now unless `expected` is given."""
    tid = team_id(ws, owner)
    with workspace_session(ws, writer=False) as (session, cohort):
        target = find_target(ws, session, cohort, get_stage(stage), owner, tid)
        assert target is not None
        opened = open_sheet(ws, target)
    return save_worksheet(ws, target, answers, opened.hash if expected is None else expected)


def through_form(ws, stage: str, owner: str, values: dict, lang: str = "id"):
    """Show `values` in the form, post it back as a browser would, and save it."""
    schema = get_stage(stage).schema
    answers = answers_from_form(schema, posted(form_fields(schema, values, lang)))
    return save(ws, stage, owner, answers)


def reads_back(ws, stage: str, owner: str) -> dict:
    schema = get_stage(stage).schema
    parsed = parse_text(sheet_path(ws, stage, owner).read_text(encoding="utf-8"), schema)
    model = validate(parsed, schema)
    assert model is not None, parsed.problems
    return model.model_dump()


def expected(stage: str, answers: dict) -> dict:
    return get_stage(stage).schema.model_validate(answers).model_dump()


def test_every_stage_round_trips_through_its_form(ws):
    """A team fills the five worksheets only through forms; each file reads back to the answers, the cohort
    moves from enrolled to showcased, and `lab answers import` sees the web's file as the engine's own."""
    enrol(ws, 1)
    run_once(ws)
    (slug,) = teams(ws)
    for stage in ("drum-up", "diagnose"):
        made = factories.ANSWERS[stage]()
        result = through_form(ws, stage, slug, expected(stage, made))
        assert result.status == "saved", result.problems
        assert reads_back(ws, stage, slug) == expected(stage, made)
        run_once(ws)
    code = next(c for c, s in proposals(ws).items() if s == "shortlisted")
    result = through_form(ws, "design", code, expected("design", factories.design()), lang="en")
    assert result.status == "saved", result.problems
    assert reads_back(ws, "design", code) == expected("design", factories.design())
    run_once(ws)
    from lab.workflow.decisions import decide
    from lab.workspace.cohort import find_proposal

    with workspace_session(ws) as (session, cohort):
        decide(ws, session, cohort, find_proposal(session, cohort, code), "approve", "Fasilitator")
    run_once(ws)
    up = Upload(ws, folder_of(ws, slug, code), ws.settings.evidence)
    assert up.start("SK Inovasi.PDF") == "sk-inovasi.pdf"
    up.write(b"%PDF-1.7\n" + b"x" * 100)
    up.finish()
    made = factories.deliver(("sk-inovasi.pdf",))
    assert through_form(ws, "deliver", code, expected("deliver", made)).status == "saved"
    assert reads_back(ws, "deliver", code) == expected("deliver", made)
    run_once(ws)
    assert through_form(ws, "display", code, expected("display", factories.display())).status == "saved"
    assert reads_back(ws, "display", code) == expected("display", factories.display())
    run_once(ws)
    assert proposals(ws)[code] == "showcased"
    report = answer(ws, "display", code, {"contact": "Ketua (k@example.go.id)"})
    assert (
        report.problems == [] and report.backups == []
    )  # the web's write is the engine's, not a team's edit


def test_a_file_changed_since_the_form_opened_is_not_overwritten(two_teams):
    ws = two_teams
    slug = sorted(teams(ws))[0]
    tid = team_id(ws, slug)
    with workspace_session(ws) as (session, cohort):
        target = find_target(ws, session, cohort, get_stage("drum-up"), slug, tid)
        opened_hash = open_sheet(ws, target).hash
    answer(ws, "drum-up", slug, {"signatory": "Diubah di berkas"}, force=True)  # someone edits meanwhile
    before = sheet_path(ws, "drum-up", slug).read_bytes()
    result = save(
        ws, "drum-up", slug, factories.drum_up() | {"signatory": "Dari formulir"}, expected=opened_hash
    )
    assert result.status == "conflict" and not result.written
    assert sheet_path(ws, "drum-up", slug).read_bytes() == before
    assert result.current["signatory"] == "Diubah di berkas"
    diff = changes(get_stage("drum-up").schema, result.current, {"signatory": "Dari formulir"}, "id")
    assert ("Kepala unit yang menandatangani komitmen", "Diubah di berkas", "Dari formulir") in diff


def test_a_file_edited_by_hand_is_kept_beside_it_when_the_form_saves(two_teams):
    ws = two_teams
    slug = sorted(teams(ws))[0]
    path = sheet_path(ws, "drum-up", slug)
    by_hand = path.read_text(encoding="utf-8").replace("Kepala Dinas", "Kepala Dinas (diketik di berkas)")
    path.write_text(by_hand, encoding="utf-8")
    result = save(ws, "drum-up", slug, {"signatory": "Dari formulir"})  # opened after the edit: no conflict
    assert result.status == "saved" and result.backup.endswith(".bak")
    assert (ws.root / result.backup).read_text(encoding="utf-8") == by_hand
    assert reads_back(ws, "drum-up", slug)["signatory_position"] == "Kepala Dinas (diketik di berkas)"
    again = save(ws, "drum-up", slug, {"signatory": "Lagi"})
    assert again.status == "saved" and again.backup == ""  # the engine's own write is not copied again


def test_markdown_in_answers_reads_back_as_typed(two_teams):
    """Lines a worksheet would read as headings, instructions, checkboxes or front matter stay text."""
    ws = two_teams
    slug = sorted(teams(ws))[0]
    tricky = "## Judul {#signatory}\n> bukan petunjuk\n\\ garis miring\n---\n- [x] Ya {#yes}\n### Anggota 9"
    values = expected("drum-up", factories.drum_up()) | {
        "service_areas": [tricky.split("\n")[0], "> dua", "---"]
    }
    values["members"][0]["role"] = "# Ketua"
    result = through_form(ws, "drum-up", slug, values)
    assert result.status == "saved", result.problems
    assert reads_back(ws, "drum-up", slug) == values
    schema = get_stage("drum-up").schema
    text = answers_from_form(schema, [("signatory_position", tricky)])["signatory_position"]
    assert save(ws, "drum-up", slug, {"signatory_position": text}).problems == {
        "signatory_position": ["Jabatan: tulis dalam satu baris"]
    }
    parsed = parse_text(sheet_path(ws, "drum-up", slug).read_text(encoding="utf-8"), schema)
    assert parsed.values["signatory_position"] == tricky


def test_problems_come_back_beside_their_fields_in_the_words_of_lab_status(ws):
    enrol(ws, 1)
    run_once(ws)
    (slug,) = teams(ws)
    schema = get_stage("drum-up").schema
    values = expected("drum-up", factories.drum_up())
    items = [(k, v) for k, v in posted(form_fields(schema, values, "id")) if k not in ("members.2.name",)]
    items = [(k, "2026-13-45" if k == "commitment_date" else v) for k, v in items]
    result = save(ws, "drum-up", slug, answers_from_form(schema, items))
    assert result.status == "invalid" and result.written  # kept: nothing typed is lost
    assert sheet_path(ws, "drum-up", slug).read_text(encoding="utf-8").count("2026-13-45") == 1
    run_once(ws)
    w = sheet(ws, "drum-up", slug)
    assert w.status == "invalid"
    status_words = sorted(e["reason"] for e in w.errors)
    assert sorted(r for reasons in result.problems.values() for r in reasons) == status_words
    assert result.problems["commitment_date"] == [
        'Tanggal penandatanganan komitmen: "2026-13-45" belum terbaca sebagai tanggal; tulis TTTT-BB-HH, '
        "misalnya 2026-10-12"
    ]
    assert result.problems["members.2.name"] == ["Anggota ke-2 · Nama: wajib diisi"]
    fields = form_fields(schema, answers_from_form(schema, items), "id", result.problems)
    date = next(f for f in fields if f.id == "commitment_date")
    assert date.value == "2026-13-45" and date.errors == result.problems["commitment_date"]
    assert next(f for f in fields if f.id == "members").records[1].fields[0].errors
    uncommitted = [(k, "no" if k == "committed" else v) for k, v in posted(form_fields(schema, values, "id"))]
    result = save(ws, "drum-up", slug, answers_from_form(schema, uncommitted))  # the stage's own check too
    assert result.problems == {
        "committed": [
            "Unit berkomitmen mengikuti seluruh tahap laboratorium inovasi: tim baru dapat melanjutkan setelah "
            "kepala unit menandatangani komitmen; centang Ya"
        ]
    }


def test_the_form_shows_the_templates_labels_choices_and_blank_records():
    schema = get_stage("drum-up").schema
    fields = {f.id: f for f in form_fields(schema, {}, "id")}
    assert fields["signatory"].label == "Kepala unit yang menandatangani komitmen"
    assert fields["signatory"].widget == "line" and fields["commitment_date"].widget == "date"
    assert fields["committed"].widget == "bool" and fields["committed"].options == [
        ("yes", "Ya"),
        ("no", "Tidak"),
    ]
    assert fields["service_areas"].widget == "list"
    assert [r.name for r in fields["members"].records] == ["members.1", "members.2", "members.3"]
    assert fields["members"].records[0].fields[0].name == "members.1.name"
    english = {f.id: f for f in form_fields(schema, {}, "en")}
    assert english["committed"].options == [("yes", "Yes"), ("no", "No")]
    design = {f.id: f for f in form_fields(get_stage("design").schema, {}, "id")}
    assert design["principles"].widget == "multi" and len(design["principles"].options) == 8
    assert ("digital", "Digital") in design["kind"].options and design["design"].widget == "text"
    four = {f.id: f for f in form_fields(schema, {"members": [{"name": str(n)} for n in range(4)]}, "id")}
    assert len(four["members"].records) == 5  # the filled ones, then a blank to add one more


def test_a_posted_form_is_bounded_and_blank_records_are_dropped():
    schema = get_stage("drum-up").schema
    answers = answers_from_form(schema, [("members.7.name", "Sari"), ("members.2.role", " "),
                                         ("service_areas", "A\r\n\r\nB\n"), ("committed", "maybe")])  # fmt: skip
    assert answers["members"] == [{"name": "Sari", "role": None, "email": None}]
    assert answers["service_areas"] == ["A", "B"] and answers["committed"] is None
    assert answers["signatory"] is None  # every field is in the answers: an emptied input clears it
    with pytest.raises(FormTooLarge):
        answers_from_form(schema, [(f"members.{MAX_RECORDS + 1}.name", "x")])
    with pytest.raises(FormTooLarge):
        answers_from_form(schema, [("service_areas", "x\n" * (MAX_RECORDS + 1))])
    with pytest.raises(FormTooLarge):
        answers_from_form(schema, [("signatory", "x" * (MAX_BYTES + 1))])


def test_another_teams_or_a_closed_worksheet_is_not_saved(two_teams):
    ws = two_teams
    mine, other = sorted(teams(ws))
    tid = team_id(ws, mine)
    with workspace_session(ws) as (session, cohort):
        stage = get_stage("drum-up")
        assert find_target(ws, session, cohort, stage, other, tid) is None
        assert find_target(ws, session, cohort, stage, "../" + mine, tid) is None
    run_once(ws)  # both commit: drum-up is behind them
    before = sheet_path(ws, "drum-up", mine).read_bytes()
    assert save(ws, "drum-up", mine, {"signatory": "Terlambat"}).status == "closed"
    assert sheet_path(ws, "drum-up", mine).read_bytes() == before


# the pages, through TestClient with the signed-in team given by a dependency override -----------------------
def client_for(ws, slug: str):
    import warnings

    from fastapi import FastAPI

    with warnings.catch_warnings():  # Starlette 1.x asks for `httpx2`; httpx is what is installed and works
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from lab.web import deps, worksheet_pages

    app = FastAPI()
    app.state.ws = ws
    app.include_router(worksheet_pages.router)
    who = SimpleNamespace(role="team", id=slug, name=slug, link_id=1, team_id=team_id(ws, slug))
    app.dependency_overrides[deps.viewer] = lambda: deps.Viewer(ws, who, "tok", "id")
    return TestClient(app)


def send(client, url: str, items: list[tuple[str, str]], **kw):
    """POST a url-encoded form with repeated names, as a browser does."""
    from urllib.parse import urlencode

    headers = {"content-type": "application/x-www-form-urlencoded"}
    return client.post(url, content=urlencode(items), headers=headers, **kw)


def test_the_pages_show_save_and_refuse(two_teams):
    ws = two_teams
    mine, other = sorted(teams(ws))
    client = client_for(ws, mine)
    page = client.get(f"/lembar/drum-up/{mine}")
    assert page.status_code == 200 and 'name="members.1.name"' in page.text and "Ya" in page.text
    assert client.get(f"/lembar/drum-up/{other}").status_code == 404
    assert client.get("/lembar/nope/x").status_code == 404
    import re

    file_hash = re.search(r'name="_hash" value="([0-9a-f]*)"', page.text).group(1)
    schema = get_stage("drum-up").schema
    items = [(k, v) for k, v in posted(form_fields(schema, expected("drum-up", factories.drum_up()), "id"))
             if k not in ("csrf", "_hash")] + [("_hash", file_hash)]  # fmt: skip
    assert send(client, f"/lembar/drum-up/{mine}", items).status_code == 403  # no CSRF token
    bad = [(k, "2026-02-30" if k == "commitment_date" else v) for k, v in items]
    shown = send(client, f"/lembar/drum-up/{mine}", [("csrf", "tok"), *bad])
    assert (
        shown.status_code == 422
        and "belum terbaca sebagai tanggal" in shown.text
        and "2026-02-30" in shown.text
    )
    stale = send(client, f"/lembar/drum-up/{mine}", [("csrf", "tok"), *items])  # the hash of before
    assert stale.status_code == 409 and "2026-02-30" in stale.text
    new_hash = re.search(r'name="_hash" value="([0-9a-f]*)"', stale.text).group(1)
    fresh = [(k, new_hash if k == "_hash" else v) for k, v in items]
    done = send(client, f"/lembar/drum-up/{mine}", [("csrf", "tok"), *fresh], follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?pesan=tersimpan")
    assert reads_back(ws, "drum-up", mine) == expected("drum-up", factories.drum_up())
    assert "Tersimpan." in client.get(done.headers["location"]).text
    run_once(ws)  # the team commits: its drum-up worksheet is closed, shown read-only, and not saved again
    closed = client.get(f"/lembar/drum-up/{mine}")
    assert "hanya bisa dibaca" in closed.text and '<fieldset class="sheet" disabled>' in closed.text
    before = sheet_path(ws, "drum-up", mine).read_bytes()
    assert send(client, f"/lembar/drum-up/{mine}", [("csrf", "tok"), *fresh]).status_code == 409
    assert sheet_path(ws, "drum-up", mine).read_bytes() == before


def test_a_team_fills_drum_up_through_the_real_app(two_teams):
    """Signed in by its personal link, a team opens its form from the home page and saves it; the page carries
    the app's safety headers and another team's form is not there."""
    import re
    import warnings
    from urllib.parse import urlsplit

    from lab.web.app import create_app
    from lab.workflow import links

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    ws = two_teams
    mine, other = sorted(teams(ws))
    with workspace_session(ws) as (session, cohort):
        url = next(urlsplit(link.url).path for link in links.issue(ws, session, cohort) if link.id == mine)
    client = TestClient(create_app(ws.root), follow_redirects=False)
    assert client.get(url).status_code == 303
    assert f"/lembar/drum-up/{mine}" in client.get("/").text
    page = client.get(f"/lembar/drum-up/{mine}")
    assert page.status_code == 200 and "content-security-policy" in page.headers
    assert client.get(f"/lembar/drum-up/{other}").status_code == 404
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    file_hash = re.search(r'name="_hash" value="([0-9a-f]*)"', page.text).group(1)
    fields = form_fields(get_stage("drum-up").schema, expected("drum-up", factories.drum_up()), "id")
    items = [("csrf", token), ("_hash", file_hash), *posted(fields)[2:]]
    done = send(client, f"/lembar/drum-up/{mine}", items)
    assert done.status_code == 303, done.text
    assert reads_back(ws, "drum-up", mine) == expected("drum-up", factories.drum_up())
    run_once(ws)
    assert teams(ws)[mine] == "committed"
