"""Reminders (`lab remind`) delivered to a real SMTP server on loopback (aiosmtpd): who gets them, what they
say, that none goes twice, that a dry run sends and records nothing, and that a failed send is not recorded."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from sqlmodel import select

from lab.cli import app
from lab.domain.models import Member, Reminder, Team
from lab.workflow import links, remind_send
from lab.workflow.decisions import decide
from lab.workspace.cohort import find_proposal, workspace_session
from lab.workspace.settings import open_workspace
from tests import factories
from tests.helpers import answer, diagnosed, proposals, run_once

DUE = "2026-09-02"
SENDER = "lab@pemda.go.id"


class Inbox:
    """What the loopback SMTP server received: one (envelope recipients, parsed message) per message."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.url = ""

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server on 127.0.0.1 at a free port, and LAB_NOTIFY_URL pointing at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"mailto://127.0.0.1:{port}?from={SENDER}"
    monkeypatch.setenv("LAB_NOTIFY_URL", inbox.url)
    yield inbox
    controller.stop()


def _schedule(ws, text: str = f"design = {DUE}\n", reminders: str = ""):
    path = ws.root / "cohort.toml"
    path.write_text(path.read_text().replace("[schedule]\n", "[schedule]\n" + text) + reminders)
    return open_workspace(ws.root)


def _cohort(ws, n: int = 2, **kw):
    """n teams, each with one shortlisted proposal whose design (due 2 September 2026) waits for the team."""
    diagnosed(ws, n)
    return _schedule(ws, **kw)


def _lab(runner, ws, *args):
    return runner.invoke(app, ["remind", str(ws.root), *args])


def _rows(ws) -> list[tuple[str, str, str, str]]:
    with workspace_session(ws, writer=False) as (session, _):
        rows = session.exec(
            select(Reminder, Team).join(Team, Team.id == Reminder.team_id).order_by(Reminder.id)
        )
        return [(t.slug, r.rule, r.stage, r.channel) for r, t in rows]


def _urls(ws) -> dict[str, str]:
    with workspace_session(ws) as (session, cohort):
        return {link.id: link.url for link in links.issue(ws, session, cohort, role="team")}


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_late_team_gets_one_reminder_per_member_with_its_link_and_a_second_run_sends_nothing(
    ws, runner, smtp
):
    ws = _cohort(ws)
    result = _lab(runner, ws, "--today", "2026-09-03")
    assert result.exit_code == 0, result.output
    assert "reminders: 2 sent, 0 skipped, 0 failed" in result.output
    code = sorted(proposals(ws))[0]
    assert (
        f"sent: unit-uji-001 after-1 design (due {DUE}) teams/unit-uji-001/{code}/3-design.md to 2 recipient(s)"
        in result.output
    )
    assert sorted(a for rcpt, _ in smtp.messages for a in rcpt) == [
        "p1.0@example.go.id", "p1.1@example.go.id", "p2.0@example.go.id", "p2.1@example.go.id",
    ]  # fmt: skip
    message = smtp.to("p1.0@example.go.id")[0]
    assert message["From"] == SENDER
    assert message["Subject"] == "Pengingat PBG-2026: lembar kerja Rencana aksi — tenggat 2 September 2026"
    body = _body(message)
    assert "Yth. Tim Inovasi Unit Uji 001," in body
    assert "telah melewati tenggat 2 September 2026 (1 hari)" in body
    assert f"Lembar kerja: 3. Rencana aksi (usulan {code})" in body
    assert _urls(ws)["unit-uji-001"] in body.split()
    assert _urls(ws)["unit-uji-002"] not in body  # a team's link goes to its own members only
    assert _rows(ws) == [
        ("unit-uji-001", "after-1", "design", "mailto"),
        ("unit-uji-002", "after-1", "design", "mailto"),
    ]

    again = _lab(runner, ws, "--today", "2026-09-05")
    assert again.exit_code == 0 and "reminders: 0 sent, 0 skipped, 0 failed" in again.output
    assert len(smtp.messages) == 4 and len(_rows(ws)) == 2
    week = _lab(runner, ws, "--today", "2026-09-09")  # the next rule: 7 days late
    assert "reminders: 2 sent" in week.output and len(smtp.messages) == 8
    assert "(7 hari)" in _body(smtp.to("p2.1@example.go.id")[-1])
    assert [r[1] for r in _rows(ws)] == ["after-1", "after-1", "after-7", "after-7"]


def test_before_and_on_the_due_date_each_rule_sends_once(ws, runner, smtp):
    ws = _cohort(ws, 1, reminders="\n[reminders]\nbefore = [7, 3]\nafter = []\n")
    assert (
        "reminders: 0 sent" in _lab(runner, ws, "--today", "2026-08-20").output
    )  # 13 days ahead: no rule yet
    assert "1 sent" in _lab(runner, ws, "--today", "2026-08-27").output  # 6 days ahead: before-7
    assert "0 sent" in _lab(runner, ws, "--today", "2026-08-28").output
    assert "1 sent" in _lab(runner, ws, "--today", "2026-08-31").output  # 2 days ahead: before-3
    assert "1 sent" in _lab(runner, ws, "--today", DUE).output  # on the date
    assert "0 sent" in _lab(runner, ws, "--today", "2026-09-20").output  # after = []: no late reminder
    assert [r[1] for r in _rows(ws)] == ["before-7", "before-3", "on"]
    subjects = [m["Subject"] for m in smtp.to("p1.0@example.go.id")]
    assert len(subjects) == 3 and all(s.endswith("tenggat 2 September 2026") for s in subjects)
    bodies = [_body(m) for m in smtp.to("p1.0@example.go.id")]
    assert "jatuh tempo 6 hari lagi, pada 2 September 2026" in bodies[0]
    assert "Hari ini, 2 September 2026, adalah tenggat lembar kerja Rencana aksi tim Anda." in bodies[2]


def test_a_returned_design_gets_its_own_reminder_with_the_note_once_per_return(ws, runner, smtp):
    ws = _cohort(ws, 1, text="")  # no due date at all: only the return counts
    code = sorted(proposals(ws))[0]
    answer(ws, "design", code, factories.design())
    run_once(ws)
    with workspace_session(ws) as (session, cohort):
        decide(
            ws,
            session,
            cohort,
            find_proposal(session, cohort, code),
            "return",
            "Fasilitator",
            "Rinci anggaran per kegiatan",
        )
    result = _lab(runner, ws)
    assert result.exit_code == 0 and "sent: unit-uji-001 returned design" in result.output
    message = smtp.to("p1.1@example.go.id")[0]
    assert message["Subject"] == "PBG-2026: lembar kerja Rencana aksi dikembalikan untuk diperbaiki"
    body = _body(message)
    assert "Catatan fasilitator: Rinci anggaran per kegiatan" in body
    assert "Mohon perbaiki lembar kerja sesuai catatan fasilitator, lalu simpan kembali." in body
    assert "0 sent" in _lab(runner, ws).output and len(smtp.messages) == 2


def test_a_dry_run_shows_the_messages_and_sends_and_records_nothing(ws, runner, smtp):
    ws = _cohort(ws)
    result = _lab(runner, ws, "--dry-run", "--today", "2026-09-03")
    assert result.exit_code == 0, result.output
    assert "would send: unit-uji-002 after-1 design" in result.output
    assert (
        "  subject: Pengingat PBG-2026: lembar kerja Rencana aksi — tenggat 2 September 2026" in result.output
    )
    assert f"  | {_urls(ws)['unit-uji-002']}" in result.output
    assert "reminders: 2 would send, 0 skipped, 0 failed" in result.output
    assert smtp.messages == [] and _rows(ws) == []
    assert "2 sent" in _lab(runner, ws, "--today", "2026-09-03").output  # the real run still sends them


def test_a_closed_smtp_port_records_nothing_and_reports_the_failure(ws, runner, smtp, monkeypatch):
    ws = _cohort(ws)
    monkeypatch.setenv("LAB_NOTIFY_URL", f"mailto://user:s3cret-pw@127.0.0.1:{_free_port()}?from={SENDER}")
    result = _lab(runner, ws, "--today", "2026-09-03")
    assert result.exit_code == 1
    assert "failed: unit-uji-001 after-1 design" in result.output
    assert "reminders: 0 sent, 0 skipped, 2 failed" in result.output
    assert "error: 2 reminder(s) could not be sent (first: unit-uji-001 after-1: " in result.output
    assert "the next `lab remind` tries them again" in result.output
    assert 'Connection error while submitting email to "127.0.0.1"' in result.output
    assert "s3cret-pw" not in result.output
    assert _rows(ws) == [] and smtp.messages == []
    monkeypatch.setenv("LAB_NOTIFY_URL", smtp.url)  # the server is back: they go now
    assert "2 sent" in _lab(runner, ws, "--today", "2026-09-03").output and len(smtp.messages) == 4


def test_an_english_cohort_gets_english_reminders(ws, runner, smtp):
    path = ws.root / "cohort.toml"
    path.write_text(path.read_text().replace('lang = "id"', 'lang = "en"'))
    ws = _cohort(open_workspace(ws.root), 1)
    assert _lab(runner, ws, "--today", "2026-08-31").exit_code == 0
    message = smtp.to("p1.0@example.go.id")[0]
    assert message["Subject"] == "Reminder PBG-2026: worksheet Action plan — due 2 September 2026"
    assert "Your team's worksheet Action plan is due in 2 day(s), on 2 September 2026." in _body(message)


def test_a_team_without_an_e_mail_address_is_skipped_and_not_recorded(ws, runner, smtp):
    ws = _cohort(ws)
    with workspace_session(ws) as (session, cohort):
        team = session.exec(select(Team).where(Team.slug == "unit-uji-002")).one()
        for m in session.exec(select(Member).where(Member.team_id == team.id)):
            m.email = "bukan alamat\r\nBcc: x@evil.example"  # not an address: never a header either
            session.add(m)
    result = _lab(runner, ws, "--today", "2026-09-03")
    assert result.exit_code == 0
    assert "skipped: unit-uji-002 after-1 design" in result.output
    assert "no member of the team has an e-mail address in roster.csv" in result.output
    assert [r[0] for r in _rows(ws)] == ["unit-uji-001"]
    assert all("evil" not in a for rcpt, _ in smtp.messages for a in rcpt)


def test_without_lab_notify_url_lab_remind_says_what_to_set(ws, runner, monkeypatch):
    ws = _cohort(ws, 1)
    monkeypatch.delenv("LAB_NOTIFY_URL", raising=False)
    result = _lab(runner, ws, "--today", "2026-09-03")
    assert result.exit_code == 2
    assert (
        "error: set LAB_NOTIFY_URL to the Apprise URL reminders go through, e.g. mailtos://" in result.output
    )
    monkeypatch.setenv("LAB_NOTIFY_URL", "tgram://123456:abc/987")
    result = _lab(runner, ws, "--today", "2026-09-03")
    assert (
        result.exit_code == 2
        and 'must be a mailto:// or mailtos:// URL for [reminders] via = "mailto"' in result.output
    )
    assert _rows(ws) == []


def test_reminder_days_are_checked_in_cohort_toml(ws, runner):
    path = ws.root / "cohort.toml"
    path.write_text(path.read_text() + "\n[reminders]\nbefore = [0]\n")
    result = runner.invoke(app, ["status", str(ws.root)])
    assert result.exit_code == 3
    assert "reminders.before: 0 is not a number of days from 1 to 365" in result.output


def test_addresses_are_plain_and_distinct():
    assert remind_send.addresses(
        ["A@x.go.id", "a@x.go.id", "", "b@y.id, c@z.id", "d@w.id\nBcc: e@v.id", "f@u.id"]
    ) == (
        "A@x.go.id",
        "f@u.id",
    )


def test_by_tags_each_team_gets_its_reminder_only_through_the_urls_tagged_with_its_id(
    ws, runner, smtp, tmp_path, monkeypatch
):
    ws = _cohort(ws, reminders='\n[reminders]\nvia = "tags"\n')
    config = tmp_path / "notify.yml"
    server = smtp.url.split("?")[0]
    config.write_text(
        "urls:\n"
        f"  - {server}?from={SENDER}&to=grup-001@example.go.id&format=text:\n      tag: unit-uji-001\n"
        f"  - {server}?from={SENDER}&to=semua@example.go.id&format=text:\n      tag: always\n"
    )
    monkeypatch.setenv("LAB_NOTIFY_URL", str(config))
    result = _lab(runner, ws, "--today", "2026-09-03")
    assert result.exit_code == 0, result.output
    assert "sent: unit-uji-001 after-1 design" in result.output and "to 1 recipient(s)" in result.output
    assert "skipped: unit-uji-002 after-1 design" in result.output
    assert "no URL of the LAB_NOTIFY_URL file is tagged with the team's id" in result.output
    assert [rcpt for rcpt, _ in smtp.messages] == [
        ["grup-001@example.go.id"]
    ]  # never the URL tagged "always"
    assert _urls(ws)["unit-uji-001"] in _body(smtp.messages[0][1])
    assert _rows(ws) == [("unit-uji-001", "after-1", "design", "tags")]
    monkeypatch.setenv("LAB_NOTIFY_URL", str(tmp_path / "none.yml"))
    missing = _lab(runner, ws, "--today", "2026-09-03")
    assert missing.exit_code == 2
    assert (
        'for [reminders] via = "tags", LAB_NOTIFY_URL must be the path of an Apprise configuration file'
        in missing.output
    )


def test_a_restored_cohort_keeps_its_reminders_and_sends_none_again(ws, runner, smtp, tmp_path):
    from lab.workflow.restore import restore_workspace
    from lab.workspace.backup import backup

    ws = _cohort(ws)
    assert "2 sent" in _lab(runner, ws, "--today", "2026-09-03").output
    backup(ws, tmp_path / "b.tar.gz")
    copy, manifest = restore_workspace(tmp_path / "b.tar.gz", tmp_path / "copy", copy=True)
    assert manifest["rows"]["reminder"] == 2 and _rows(copy) == _rows(ws)
    assert "0 sent" in _lab(runner, copy, "--today", "2026-09-03").output and len(smtp.messages) == 4


def test_a_hostile_unit_name_stays_plain_text_in_the_reminder_and_out_of_its_subject(ws, runner, smtp):
    ws = _cohort(ws, 1)
    hostile = "Dinas\u202e <b>X</b>\x1b[2J{{ 7*7 }}"
    with workspace_session(ws) as (session, _):
        team = session.exec(select(Team)).one()
        team.unit = hostile
        session.add(team)
    assert "1 sent" in _lab(runner, ws, "--today", "2026-09-03").output
    message = smtp.to("p1.0@example.go.id")[0]
    body = _body(message)
    assert "Yth. Tim Inovasi Dinas\\u202e <b>X</b>\\x1b[2J{{ 7*7 }}," in body  # shown, never obeyed
    assert "\u202e" not in body and "\x1b" not in body and "49" not in body
    assert message.get_content_type() == "text/plain" and "Dinas" not in message["Subject"]


def test_a_reminder_another_lab_remind_recorded_meanwhile_is_not_sent_again(ws, runner, smtp, monkeypatch):
    from lab.workflow import remind

    ws = _cohort(ws)
    planned_by_us = remind.plan

    def plan_then_the_other_process_records_one(ws, session, cohort, today, channel):
        planned, skipped = planned_by_us(ws, session, cohort, today, channel)
        p = planned[0]  # recorded by a second `lab remind` between our plan and our send
        session.add(Reminder(cohort_id=cohort.id, team_id=p.team_id, rule=p.rule, stage=p.stage,
                             worksheet=p.worksheet, due=p.due, occasion=p.occasion, channel="mailto"))  # fmt: skip
        return planned, skipped

    monkeypatch.setattr(remind, "plan", plan_then_the_other_process_records_one)
    result = _lab(runner, ws, "--today", "2026-09-03")
    assert result.exit_code == 0, result.output
    assert (
        "skipped: unit-uji-001 after-1 design (due 2026-09-02)" in result.output
        and "already sent" in result.output
    )
    assert "reminders: 1 sent, 1 skipped, 0 failed" in result.output
    assert sorted(a for rcpt, _ in smtp.messages for a in rcpt) == [
        "p2.0@example.go.id",
        "p2.1@example.go.id",
    ]
