"""Personal links (`lab links`): issued, listed again, revoked, rotated, expiring, exchanged for a session, and
never stored or backed up in a form that opens anyone's lab."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import stat
import tarfile

import pytest
from sqlmodel import select

from lab.cli import app
from lab.domain.errors import LinkRefused, UsageError, WorkspaceError
from lab.domain.models import Link, Team
from lab.workflow import links
from lab.workflow.link_secret import SECRET_FILE
from lab.workspace.cohort import workspace_session
from lab.workspace.settings import open_workspace
from tests.helpers import enrol

DAY = dt.timedelta(days=1)


def _people(ws, coordinators=("Ir. Sari", "Dodi"), facilitators=("Dodi Fasilitator",), **web):
    """The workspace with these coordinators and facilitators and [web] settings in cohort.toml, reopened."""
    toml = ws.root / "cohort.toml"
    text = toml.read_text()
    web |= {"coordinators": list(coordinators), "facilitators": list(facilitators)}
    for key, value in web.items():
        text = re.sub(rf"^{key} = .*$", f"{key} = {json.dumps(value)}", text, flags=re.M)
    toml.write_text(text)
    return open_workspace(ws.root)


@pytest.fixture
def lab(ws):
    enrol(ws, 2)
    return _people(ws)


def issue(ws, role=None, now=None):
    with workspace_session(ws) as (session, cohort):
        return links.issue(ws, session, cohort, role, now=now)


def call(ws, name, *args, **kwargs):
    with workspace_session(ws) as (session, cohort):
        return getattr(links, name)(ws, session, cohort, *args, **kwargs)


def token(link) -> str:
    return link.url.rsplit("/l/", 1)[1]


def test_every_team_coordinator_and_facilitator_gets_one_link_listed_again_the_same(lab):
    first = issue(lab)
    assert [(x.role, x.id, x.name) for x in first] == [
        ("team", "unit-uji-001", "Unit Uji 001"),
        ("team", "unit-uji-002", "Unit Uji 002"),
        ("coordinator", "Ir. Sari", "Ir. Sari"),
        ("coordinator", "Dodi", "Dodi"),
        ("facilitator", "Dodi Fasilitator", "Dodi Fasilitator"),
    ]
    assert all(x.url.startswith("http://127.0.0.1:8000/l/") and len(token(x)) == 43 for x in first)
    assert len({x.url for x in first}) == 5
    assert issue(lab) == first  # listed again: the same URLs, nothing new made
    assert issue(lab, "coordinator") == first[2:4]
    expires = (dt.datetime.now(dt.UTC) + 30 * DAY).date().isoformat()
    assert {x.expires for x in first} == {expires}


def test_the_base_url_and_link_days_come_from_cohort_toml(ws):
    ws = _people(ws, base_url="https://lab.example.go.id/pbg/", link_days=7)
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    (coordinator, _, facilitator) = issue(ws, now=now)
    assert coordinator.url.startswith("https://lab.example.go.id/pbg/l/")
    assert coordinator.expires == "2026-11-08"


def test_tokens_are_not_in_the_database_only_their_hashes(lab):
    import hashlib

    issued = issue(lab)
    if "LAB_DATABASE_URL" not in os.environ:  # SQLite: the file's bytes, and its write-ahead log's
        data = b"".join(
            (lab.root / n).read_bytes() for n in ("lab.db", "lab.db-wal") if (lab.root / n).exists()
        )
        assert data and not any(token(x).encode() in data for x in issued)
    with workspace_session(lab) as (session, _):
        rows = list(session.exec(select(Link)))
    assert not any(token(x) in str(row.model_dump()) for row in rows for x in issued)
    assert {row.token_hash for row in rows} == {hashlib.sha256(token(x).encode()).hexdigest() for x in issued}


def test_the_secret_is_private_and_never_read_through_a_link(lab, tmp_path):
    issue(lab)
    secret = lab.root / SECRET_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    secret.chmod(0o644)
    with pytest.raises(WorkspaceError, match="may be read by others"):
        issue(lab)
    elsewhere = tmp_path / "planted"
    elsewhere.write_text("00" * 32)
    elsewhere.chmod(0o600)
    secret.unlink()
    secret.symlink_to(elsewhere)
    with pytest.raises(WorkspaceError, match="symbolic link"):
        issue(lab)


def test_a_new_secret_ends_the_old_urls_and_lists_new_ones(lab):
    old = issue(lab)
    (lab.root / SECRET_FILE).unlink()
    new = issue(lab)
    assert {x.url for x in new}.isdisjoint({x.url for x in old})
    with pytest.raises(LinkRefused):
        call(lab, "redeem", token(old[0]), "10.0.0.1")
    assert call(lab, "redeem", token(new[0]), "10.0.0.1")[0].id == "unit-uji-001"


def test_a_redeemed_link_gives_a_session_whose_principal_is_its_own_team(lab):
    first, second, coordinator, *_ = issue(lab)
    who, sid, csrf = call(lab, "redeem", token(second), "10.0.0.7")
    with workspace_session(lab) as (session, cohort):
        team = session.exec(select(Team).where(Team.slug == "unit-uji-002")).one()
    assert (who.role, who.id, who.name, who.team_id) == ("team", "unit-uji-002", "Unit Uji 002", team.id)
    assert len(sid) == 43 and len(csrf) >= 32 and sid != token(second)
    assert call(lab, "principal", sid) == (who, csrf)
    person, psid, _ = call(lab, "redeem", token(coordinator), "10.0.0.8")
    assert (person.role, person.id, person.team_id) == ("coordinator", "Ir. Sari", None)
    assert call(lab, "principal", psid)[0] == person
    assert call(lab, "principal", "x" * 43) is None and call(lab, "principal", "") is None
    call(lab, "end_session", sid)
    assert call(lab, "principal", sid) is None and call(lab, "principal", psid)[0] == person


def test_a_wrong_token_is_refused_with_one_message(lab):
    (good, *_) = issue(lab)
    messages = set()
    for bad in ("", "abc", token(good)[:-1] + ("A" if token(good)[-1] != "A" else "B"), "../../etc/passwd",
                token(good) + "x", "é" * 43):  # fmt: skip
        with pytest.raises(LinkRefused) as caught:
            call(lab, "redeem", bad, "10.0.0.1")
        messages.add(str(caught.value))
    assert len(messages) == 1


def test_revoking_ends_the_link_and_its_sessions_and_the_next_listing_issues_a_new_one(lab):
    first, second, *_ = issue(lab)
    _, sid, _ = call(lab, "redeem", token(first), "10.0.0.1")
    _, other, _ = call(lab, "redeem", token(second), "10.0.0.2")
    revoked = call(lab, "revoke", "unit-uji-001")
    assert (revoked.role, revoked.id, revoked.url) == ("team", "unit-uji-001", "")
    with pytest.raises(LinkRefused):
        call(lab, "redeem", token(first), "10.0.0.1")
    assert call(lab, "principal", sid) is None
    assert call(lab, "principal", other) is not None  # another team's session goes on
    again = issue(lab)
    assert again[0].url != first.url and again[1] == second
    assert call(lab, "redeem", token(again[0]), "10.0.0.1")[0].id == "unit-uji-001"


def test_revoke_finds_a_person_by_name_and_asks_when_two_links_share_it(ws):
    enrol(ws, 1)
    ws = _people(ws, coordinators=["Dodi"], facilitators=["Dodi"])
    issue(ws)
    with pytest.raises(UsageError, match="'coordinator:Dodi' or 'facilitator:Dodi'"):
        call(ws, "revoke", "dodi")
    assert call(ws, "revoke", "facilitator: dodi").role == "facilitator"
    with pytest.raises(UsageError, match="no team or person 'nobody'"):
        call(ws, "revoke", "nobody")


def test_rotating_ends_every_url_and_session(lab):
    old = issue(lab)
    sessions = [call(lab, "redeem", token(x), "10.0.0.1")[1] for x in old]
    new = call(lab, "rotate")
    assert [(x.role, x.id) for x in new] == [(x.role, x.id) for x in old]
    assert {x.url for x in new}.isdisjoint({x.url for x in old})
    for x in old:
        with pytest.raises(LinkRefused):
            call(lab, "redeem", token(x), "10.0.0.1")
    assert all(call(lab, "principal", sid) is None for sid in sessions)
    assert issue(lab) == new
    assert call(lab, "redeem", token(new[4]), "10.0.0.1")[0].role == "facilitator"


def test_links_and_sessions_expire(lab):
    now = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
    first, *_ = issue(lab, now=now)
    who, sid, _ = call(lab, "redeem", token(first), "10.0.0.1", now=now)
    assert call(lab, "principal", sid, now=now + dt.timedelta(hours=11)) is not None
    assert call(lab, "principal", sid, now=now + dt.timedelta(hours=12)) is None  # session_hours = 12
    late = now + 30 * DAY
    with pytest.raises(LinkRefused):
        call(lab, "redeem", token(first), "10.0.0.1", now=late)
    renewed = issue(lab, now=late)[0]
    assert renewed.url != first.url and renewed.expires == (late + 30 * DAY).date().isoformat()
    # a session never outlives its link
    _, sid, _ = call(lab, "redeem", token(renewed), "10.0.0.1", now=late + 30 * DAY - dt.timedelta(hours=1))
    assert call(lab, "principal", sid, now=late + 30 * DAY) is None


def test_a_person_or_team_no_longer_in_the_cohort_is_refused(lab):
    first, second, sari, dodi, facilitator = issue(lab)
    _, sid, _ = call(lab, "redeem", token(dodi), "10.0.0.1")
    _, team_sid, _ = call(lab, "redeem", token(second), "10.0.0.1")
    lab = _people(lab, coordinators=["Ir. Sari"], facilitators=["Dodi Fasilitator"])
    with pytest.raises(LinkRefused):
        call(lab, "redeem", token(dodi), "10.0.0.1")
    assert call(lab, "principal", sid) is None
    assert [x.id for x in issue(lab)] == ["unit-uji-001", "unit-uji-002", "Ir. Sari", "Dodi Fasilitator"]
    roster = lab.root / "roster.csv"
    roster.write_text(
        "\n".join(ln for ln in roster.read_text().splitlines() if "Unit Uji 002" not in ln) + "\n"
    )
    with pytest.raises(LinkRefused):
        call(lab, "redeem", token(second), "10.0.0.1")
    assert call(lab, "principal", team_sid) is None
    assert [x.id for x in issue(lab, "team")] == ["unit-uji-001"]


def test_lab_links_prints_json_and_writes_a_csv_for_a_mail_merge(ws, runner, tmp_path):
    enrol(ws, 1)
    _people(ws, coordinators=['=HYPERLINK("http://evil")'], facilitators=["Bu Ani"])
    result = runner.invoke(app, ["links", str(ws.root), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [list(d) for d in data] == [["role", "id", "name", "url", "expires"]] * 3
    assert [d["role"] for d in data] == ["team", "coordinator", "facilitator"]
    out = tmp_path / "links.csv"
    result = runner.invoke(app, ["links", str(ws.root), "--csv", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["url"] for r in rows] == [d["url"] for d in data]  # the same links, listed again
    assert rows[1]["name"] == '\'=HYPERLINK("http://evil")'  # never a formula
    assert (
        rows[2]["message"].startswith("Yth. Bu Ani, berikut tautan pribadi Anda")
        and data[2]["url"] in rows[2]["message"]
    )
    result = runner.invoke(app, ["links", "list", str(ws.root), "--role", "facilitator"])
    assert result.exit_code == 0 and "Bu Ani" in result.stdout and data[2]["url"] in result.stdout
    assert "unit-uji-001" not in result.stdout


def test_the_links_sheet_is_never_written_inside_the_workspace_or_over_a_device(lab, runner):
    result = runner.invoke(app, ["links", str(lab.root), "--csv", str(lab.root / "exports/links.csv")])
    assert result.exit_code == 2 and "outside the workspace" in result.output
    assert not (lab.root / "exports/links.csv").exists()
    result = runner.invoke(app, ["links", str(lab.root), "--csv", "/dev/null"])
    assert result.exit_code == 2 and "a device" in result.output


def test_lab_links_says_how_to_add_coordinators_and_facilitators(ws, runner):
    enrol(ws, 1)
    result = runner.invoke(app, ["links", str(ws.root)])
    assert result.exit_code == 0, result.output
    (note,) = [ln for ln in result.stderr.splitlines() if "cohort.toml" in ln]
    assert "no coordinators and no facilitators" in note and 'facilitators = ["Name"]' in note


def test_revoke_and_rotate_from_the_command_line(lab, runner):
    first, *_ = issue(lab)
    result = runner.invoke(app, ["links", "revoke", str(lab.root), "unit-uji-001"])
    assert result.exit_code == 0 and "revoked" in result.stdout
    with pytest.raises(LinkRefused):
        call(lab, "redeem", token(first), "10.0.0.1")
    result = runner.invoke(app, ["links", "revoke", str(lab.root), "nobody"])
    assert result.exit_code == 2 and "no team or person" in result.output
    listed = issue(lab)
    result = runner.invoke(app, ["links", "rotate", str(lab.root)])
    assert result.exit_code == 0 and "5 new link(s)" in result.stdout
    assert {x.url for x in issue(lab)}.isdisjoint({x.url for x in listed})


def test_web_settings_are_strict_and_optional(ws):
    toml = ws.root / "cohort.toml"
    original = toml.read_text()
    for old, new, message in (
        ("link_days = 30", "link_days = 400", "web.link_days"),
        ("session_hours = 12", "sesion_hours = 12", "did you mean 'session_hours'"),
        (
            'base_url = "http://127.0.0.1:8000"',
            'base_url = "javascript:alert(1)"',
            "not the address of the lab",
        ),
    ):
        toml.write_text(original.replace(old, new))
        with pytest.raises(WorkspaceError, match=message):
            open_workspace(ws.root)
    toml.write_text(original.split("[web]")[0] + "[rubric]" + original.split("[rubric]")[1])
    assert "[web]" not in toml.read_text()
    web = open_workspace(ws.root).settings.web  # a cohort.toml from before [web]: the defaults
    assert (web.base_url, web.link_days, web.session_hours) == ("http://127.0.0.1:8000", 30, 12)


def test_a_backup_carries_neither_the_secret_nor_working_links(lab, tmp_path):
    from lab.workflow.restore import restore_workspace
    from lab.workspace.backup import backup

    original = issue(lab)
    _, sid, _ = call(lab, "redeem", token(original[0]), "10.0.0.1")
    backup(lab, tmp_path / "b.tar.gz")
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        names = tar.getnames()
        assert not any(SECRET_FILE in n for n in names)
        assert not any(token(x).encode() in tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()
                       for x in original)  # fmt: skip
    copy, _ = restore_workspace(tmp_path / "b.tar.gz", tmp_path / "copy", copy=True)
    assert not (copy.root / SECRET_FILE).exists()
    for x in original:
        with pytest.raises(LinkRefused):
            call(copy, "redeem", token(x), "10.0.0.1")
    assert call(copy, "principal", sid) is None
    fresh = issue(copy)
    assert [(x.role, x.id) for x in fresh] == [(x.role, x.id) for x in original]
    assert {x.url for x in fresh}.isdisjoint({x.url for x in original})
    assert call(copy, "redeem", token(fresh[0]), "10.0.0.1")[0].id == "unit-uji-001"
    assert call(lab, "redeem", token(original[0]), "10.0.0.1")[0].id == "unit-uji-001"  # the original goes on
