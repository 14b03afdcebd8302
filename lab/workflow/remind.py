"""Reminders to teams (`lab remind`): each team that owes a worksheet gets one reminder per rule, never twice.

The rules come from cohort.toml's `[reminders]` and the due dates from `[schedule]`:

- `before = [3]`: a worksheet due within 3 days (with several, the closest that applies: 7 then 3);
- `on_due = true`: a worksheet due today;
- `after = [1, 7]`: a worksheet 1 (then 7) days late (the largest that applies);
- `returned = true`: a design the facilitator returned (each return earns one).

What a team owes is lab.outputs.overdue's read model. A reminder names the worksheet, its due date
("2 September 2026") and what to do, with the team's personal link (lab.workflow.links), and goes through
Apprise to the team's members' e-mail addresses, or to the URLs tagged with its id (lab.workflow.remind_send).
Each one is recorded (lab.domain.models.Reminder: team, rule, worksheet, occasion, channel, sent_at) under a
unique key, written *before* it is sent: two `lab remind` at once cannot both send it, and a failed send
removes its row, so the next run tries again. A dry run plans the same messages and records nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from lab.domain.errors import ReminderFailed
from lab.domain.models import Cohort, Member, Reminder
from lab.outputs.overdue import Owed, open_work, returned_at
from lab.stages import get_stage
from lab.workflow import links, remind_send
from lab.workflow.remind_words import compose
from lab.workspace.cohort import workspace_session
from lab.workspace.settings import Workspace
from lab.workspace.settings_tables import ReminderPolicy

Channel = remind_send.Mail | remind_send.Tagged


@dataclass(frozen=True)
class Planned:
    """One reminder to send: to whom, under which rule and key, and its words."""

    team_id: int
    team: str
    rule: str  # before-N | on | after-N | returned
    stage: str
    worksheet: str
    due: dt.date | None
    occasion: str
    recipients: tuple[str, ...]
    subject: str
    body: str


@dataclass(frozen=True)
class Outcome:
    """What became of one reminder: sent, would send (dry run), failed, or skipped, and why."""

    result: str
    team: str
    rule: str
    stage: str
    worksheet: str
    due: dt.date | None
    recipients: int
    reason: str = ""
    subject: str = ""
    body: str = ""


def rule_for(policy: ReminderPolicy, due: dt.date, today: dt.date) -> tuple[str, int] | None:
    """The dated rule that applies on `today` to a worksheet due on `due`, and its days left or late."""
    left = (due - today).days
    if left > 0:
        before = [n for n in policy.before if n >= left]
        return (f"before-{min(before)}", left) if before else None
    if left == 0:
        return ("on", 0) if policy.on_due else None
    after = [n for n in policy.after if n <= -left]
    return (f"after-{max(after)}", -left) if after else None


def plan(
    ws: Workspace, session: Session, cohort: Cohort, today: dt.date, channel: Channel
) -> tuple[list[Planned], list[Outcome]]:
    """The reminders due on `today` and not sent yet, and the teams that cannot get theirs (skipped)."""
    policy = ws.settings.reminders
    owed = open_work(ws, session, cohort, today)
    sent = set(session.execute(
        select(Reminder.team_id, Reminder.rule, Reminder.worksheet, Reminder.occasion)
        .where(Reminder.cohort_id == cohort.id)
    ).all())  # fmt: skip
    returns = returned_at(
        session, cohort, [o.proposal_id for o in owed if o.status == "returned" and o.proposal_id]
    )
    wanted: list[tuple[Owed, str, int, str]] = []  # (owed, rule, days, occasion)
    for o in owed:
        if o.status == "returned" and policy.returned and o.proposal_id in returns:
            key = (o.team_id, "returned", o.path, _moment(returns[o.proposal_id]))
            if key not in sent:
                wanted.append((o, "returned", o.days_late, key[3]))
                continue  # one message for this worksheet today: the dated rule waits for the next run
        dated = rule_for(policy, o.due, today) if o.due else None
        if dated and (o.team_id, dated[0], o.path, o.due.isoformat()) not in sent:
            wanted.append((o, dated[0], dated[1], o.due.isoformat()))
    if not wanted:
        return [], []
    urls = {link.id: link.url for link in links.issue(ws, session, cohort, role="team")}
    emails: dict[int, list[str]] = {}
    for team_id, email in session.execute(
        select(Member.team_id, Member.email).where(Member.team_id.in_({o.team_id for o, *_ in wanted}))
        .order_by(Member.id)
    ):  # fmt: skip
        emails.setdefault(team_id, []).append(email)
    planned, skipped = [], []
    for o, rule, days, occasion in wanted:
        recipients = channel.recipients(o.team, emails.get(o.team_id, []))
        url = urls.get(o.team)
        why = "" if url else "the team has no personal link (not in roster.csv)"
        why = why or ("" if recipients else channel.missing())
        if why:
            skipped.append(Outcome("skipped", o.team, rule, o.stage, o.path, o.due, 0, why))
            continue
        subject, body = _words(ws, o, rule, days, url or "")
        planned.append(
            Planned(o.team_id, o.team, rule, o.stage, o.path, o.due, occasion, recipients, subject, body)
        )
    return planned, skipped


def _words(ws: Workspace, o: Owed, rule: str, days: int, url: str) -> tuple[str, str]:
    s = ws.settings
    stage = get_stage(o.stage)
    lab = s.title or (
        f"Laboratorium Inovasi {s.region} {s.year}"
        if s.lang != "en"
        else f"Innovation Lab {s.region} {s.year}"
    )
    return compose(s.lang, rule=rule.partition("-")[0], cohort=s.cohort_id, lab=lab, unit=o.unit,
                   stage_number=stage.number, stage_title=stage.title[s.lang], proposal=o.proposal,
                   status=o.status, due=o.due, days=days, note=o.note, url=url)  # fmt: skip


def _moment(at: dt.datetime) -> str:
    """A return's time as the same text from SQLite (naive UTC) and PostgreSQL (aware)."""
    if at.tzinfo:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.isoformat(timespec="seconds")


def remind(ws: Workspace, today: dt.date | None = None, dry_run: bool = False) -> list[Outcome]:
    """Send the reminders due today (or, with `dry_run`, show them and record nothing); every one is tried,
    and what became of each is returned (`failures()` makes the error for those that failed)."""
    today = today or dt.date.today()
    channel = remind_send.channel_for(ws.settings.reminders.via, dry_run)
    with workspace_session(ws) as (session, cohort):
        planned, outcomes = plan(ws, session, cohort, today, channel)
        cohort_id = cohort.id  # the links issued are kept, even in a dry run: the URLs it shows are real
    for p in planned:
        if dry_run:
            outcomes.append(_outcome("would send", p))
            continue
        outcomes.append(_deliver(ws, cohort_id, channel, p))
    return outcomes


def failures(outcomes: list[Outcome]) -> ReminderFailed | None:
    """The error to raise when some reminders could not be sent, naming the first."""
    failed = [o for o in outcomes if o.result == "failed"]
    if not failed:
        return None
    first = failed[0]
    return ReminderFailed(f"{len(failed)} reminder(s) could not be sent (first: {first.team} {first.rule}: "
                          f"{first.reason}); they are not recorded, the next `lab remind` tries them again")  # fmt: skip


def _outcome(result: str, p: Planned, reason: str = "") -> Outcome:
    return Outcome(
        result, p.team, p.rule, p.stage, p.worksheet, p.due, len(p.recipients), reason, p.subject, p.body
    )


def _deliver(ws: Workspace, cohort_id: int, channel: Channel, p: Planned) -> Outcome:
    """Record, then send; a failed send takes its record back."""
    row = Reminder(cohort_id=cohort_id, team_id=p.team_id, rule=p.rule, stage=p.stage, worksheet=p.worksheet,
                   due=p.due, occasion=p.occasion, channel=channel.name)  # fmt: skip
    try:
        with workspace_session(ws) as (session, _cohort):
            session.add(row)
            session.flush()
            row_id = row.id
    except IntegrityError:  # another `lab remind` recorded it meanwhile: it sends it
        return _outcome("skipped", p, "already sent")
    reason = channel.send(p.team, p.recipients, p.subject, p.body)
    if reason is None:
        return _outcome("sent", p)
    with workspace_session(ws) as (session, _cohort):
        session.exec(delete(Reminder).where(Reminder.id == row_id))
    return _outcome("failed", p, reason)
