"""Personal links to the lab in a browser (`lab links`, `lab serve`): issued, listed again, revoked, rotated,
and exchanged for a session.

Every team of the roster, every coordinator and every facilitator of cohort.toml has one working link. Its
token is never stored. It is derived from the workspace's secret (lab.workflow.link_secret, 32 random bytes
in `.lab-web-secret`, mode 0600, never in a backup):

    token = base64url(HMAC-SHA256(secret, f"{link.id}:{link.generation}"))        43 characters

and the database keeps sha256(token) only, so a copy of the database opens nothing, while `lab links` can
list the same URLs again. Redemption hashes the token it is given and looks the hash up. `rotate` bumps
every generation (every old URL dies, and every session); `revoke` ends one link and its sessions, and the
next listing issues that team or person a new one (to keep someone out, remove them from cohort.toml or the
roster: a link whose subject is gone opens nothing). A redeemed link gives a session: a random id for the
cookie, stored as its hash too, and a CSRF token; a link keeps at most MAX_SESSIONS of them, the newest. No FastAPI here: lab.web calls these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, delete
from sqlalchemy import select as columns
from sqlmodel import Session, col, select

from lab.domain.errors import LinkRefused, RosterError, UnsafePath, UsageError
from lab.domain.models import Cohort, Link, Team, WebSession
from lab.storage import safefs
from lab.storage.files import read_limited
from lab.workflow.link_secret import token_for, workspace_secret
from lab.workflow.roster import MAX_ROSTER_BYTES, ROSTER, parse_roster
from lab.workspace.settings import Workspace

ROLES = ("team", "coordinator", "facilitator")
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # a token, and a session id: 32 bytes in base64url without padding
MAX_IP = 64
MAX_SESSIONS = 20  # signed-in browsers per link (a team's phones); opening it again ends the oldest


@dataclass(frozen=True)
class Principal:
    """Who a session is: role, id (team slug or person's name), name to show, link, and the team's row id."""

    role: str
    id: str
    name: str
    link_id: int
    team_id: int | None


@dataclass(frozen=True)
class IssuedLink:
    """One link as `lab links` lists it; `expires` is an ISO date; `url` is empty for a revoked link."""

    role: str
    id: str
    name: str
    url: str
    expires: str


@dataclass(frozen=True)
class _Subject:
    role: str
    id: str
    name: str
    team_id: int | None


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _aware(when: dt.datetime) -> dt.datetime:
    """A stored time as UTC (SQLite gives it back without its zone, PostgreSQL with it)."""
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _live(link: Link, now: dt.datetime) -> bool:
    return link.revoked_at is None and _aware(link.expires_at) > now


def _check_role(role: str | None) -> None:
    if role is not None and role not in ROLES:
        raise UsageError(f"unknown role {role!r}; choose {', '.join(ROLES)}")


_ROSTERS: dict[str, tuple[tuple[int, int, int], frozenset[str] | None]] = {}


def roster_slugs(ws: Workspace) -> frozenset[str] | None:
    """The team ids roster.csv lists now, or None when there is no readable roster (the database's teams
    count then: a roster half-edited by the facilitator locks nobody out). Read again only when it changes."""
    try:
        st = safefs.check(ws.root, ROSTER)
    except UnsafePath:
        return None
    if st is None:
        return None
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    cached = _ROSTERS.get(str(ws.root))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        units = parse_roster(read_limited(ws.roster_file, MAX_ROSTER_BYTES, RosterError, ws.root), ROSTER)
        slugs: frozenset[str] | None = frozenset(u.slug for u in units)
    except RosterError:
        slugs = None
    _ROSTERS[str(ws.root)] = (stamp, slugs)
    return slugs


def _subjects(ws: Workspace, session: Session, cohort: Cohort, role: str | None = None) -> list[_Subject]:
    """Who gets a link, teams first (in roster order) then coordinators then facilitators."""
    out = []
    if role in (None, "team"):
        listed = roster_slugs(ws)  # None: no readable roster.csv, the database's teams count
        teams = session.exec(select(Team).where(Team.cohort_id == cohort.id).order_by(Team.id))
        out += [_Subject("team", t.slug, t.unit, t.id) for t in teams if listed is None or t.slug in listed]
    settings = ws.settings
    for kind, names in (("coordinator", settings.coordinators), ("facilitator", settings.facilitators)):
        if role in (None, kind):
            out += [_Subject(kind, name, name, None) for name in names]
    return out


def _subject_of(ws: Workspace, session: Session, cohort: Cohort, link: Link) -> _Subject | None:
    """The team or person a link opens the lab for, if still in the roster or cohort.toml."""
    if link.role == "team":
        team = session.exec(
            select(Team).where(Team.cohort_id == cohort.id, Team.slug == link.subject)
        ).first()
        listed = roster_slugs(ws)
        if team is None or (listed is not None and team.slug not in listed):
            return None
        return _Subject("team", team.slug, team.unit, team.id)
    names = {"coordinator": ws.settings.coordinators, "facilitator": ws.settings.facilitators}.get(
        link.role, []
    )
    return _Subject(link.role, link.subject, link.subject, None) if link.subject in names else None


def _live_links(session: Session, cohort: Cohort, now: dt.datetime) -> dict[tuple[str, str], Link]:
    query = select(Link).where(Link.cohort_id == cohort.id, Link.revoked_at.is_(None), Link.expires_at > now)
    return {(link.role, link.subject): link for link in session.exec(query.order_by(Link.id))}


def _issued(ws: Workspace, subject: _Subject, link: Link, token: str) -> IssuedLink:
    url = f"{ws.settings.web.base_url}/l/{token}"
    return IssuedLink(subject.role, subject.id, subject.name, url, _aware(link.expires_at).date().isoformat())


def _end_sessions(session: Session, link_ids: list[int]) -> None:
    if link_ids:
        session.exec(delete(WebSession).where(WebSession.link_id.in_(link_ids)))


def issue(
    ws: Workspace,
    session: Session,
    cohort: Cohort,
    role: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> list[IssuedLink]:
    """One working link per team, coordinator and facilitator (of `role` only, if given), made where
    missing or expired; returns them all, teams first, then coordinators, then facilitators."""
    _check_role(role)
    now = _now(now)
    secret = workspace_secret(ws)
    live = _live_links(session, cohort, now)
    days = dt.timedelta(days=ws.settings.web.link_days)
    pairs: list[tuple[_Subject, Link, bool]] = []
    for subject in _subjects(ws, session, cohort, role):
        link = live.get((subject.role, subject.id))
        if link is None:  # the row's id is part of its token: insert with a placeholder hash, then hash
            link = Link(cohort_id=cohort.id, role=subject.role, subject=subject.id, created_at=now,
                        expires_at=now + days, token_hash=f"pending:{secrets.token_hex(16)}")  # fmt: skip
            session.add(link)
        pairs.append((subject, link, link.id is None))
    session.flush()
    out = []
    for subject, link, new in pairs:
        token = token_for(secret, link.id, link.generation)
        digest = _digest(token)
        if new or not hmac.compare_digest(link.token_hash, digest):
            # new, or the secret was replaced: the URL a person holds cannot be listed again, so it dies
            link.token_hash = digest
            session.add(link)
        out.append(_issued(ws, subject, link, token))
    session.flush()
    return out


def _find(ws: Workspace, session: Session, cohort: Cohort, ident: str, now: dt.datetime) -> _Subject:
    """The team (by slug) or person (by name, case and spacing aside) that `ident` names; `role:ident` picks
    one of two with the same name."""
    wanted_role, _, rest = ident.partition(":")
    role = wanted_role.strip() if rest and wanted_role.strip() in ROLES else None
    ident = rest if role else ident

    def key(text: str) -> str:
        return " ".join(text.split()).casefold()

    known = _subjects(ws, session, cohort, role)
    listed = {(k.role, k.id) for k in known}
    known += [_Subject(r, s, s, None) for (r, s) in _live_links(session, cohort, now)
              if (role is None or r == role) and (r, s) not in listed]  # fmt: skip
    found = [s for s in known if key(s.id) == key(ident)]
    if not found:
        raise UsageError(f"no team or person {ident!r} in this cohort; `lab links PATH` lists them")
    if len(found) > 1:
        choices = " or ".join(f"'{s.role}:{s.id}'" for s in found)
        raise UsageError(f"{ident!r} names more than one link; write {choices}")
    return found[0]


def revoke(
    ws: Workspace, session: Session, cohort: Cohort, ident: str, *, now: dt.datetime | None = None
) -> IssuedLink:
    """End the working link of a team (slug) or person (name) and its sessions at once; the next listing
    issues a new one. Returns the link as it stands now (no URL; `expires` is today)."""
    now = _now(now)
    subject = _find(ws, session, cohort, ident, now)
    query = select(Link).where(Link.cohort_id == cohort.id, Link.role == subject.role,
                               Link.subject == subject.id, Link.revoked_at.is_(None))  # fmt: skip
    links = list(session.exec(query))
    for link in links:
        link.revoked_at = now
        session.add(link)
    _end_sessions(session, [link.id for link in links])
    session.flush()
    return IssuedLink(subject.role, subject.id, subject.name, "", now.date().isoformat())


def rotate(
    ws: Workspace, session: Session, cohort: Cohort, *, now: dt.datetime | None = None
) -> list[IssuedLink]:
    """Re-issue every link: each working one gets a new generation (its old URL dies) and a fresh expiry,
    every session of the cohort ends, and missing links are made. Returns them all, as issue() does."""
    now = _now(now)
    secret = workspace_secret(ws)
    expires = now + dt.timedelta(days=ws.settings.web.link_days)
    for link in _live_links(session, cohort, now).values():
        link.generation += 1
        link.token_hash = _digest(token_for(secret, link.id, link.generation))
        link.expires_at = expires
        session.add(link)
    session.exec(delete(WebSession).where(WebSession.cohort_id == cohort.id))
    session.flush()
    return issue(ws, session, cohort, now=now)


def redeem(
    ws: Workspace, session: Session, cohort: Cohort, token: str, ip: str, *, now: dt.datetime | None = None
) -> tuple[Principal, str, str]:
    """Exchange a link's token for a session: (principal, session id for the cookie, CSRF token).

    LinkRefused, with one message whatever the reason, for an unknown, revoked or expired link and for a
    team or person no longer in the roster or cohort.toml. Needs a writer session (it adds the session's
    row)."""
    now = _now(now)
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        raise LinkRefused()
    digest = _digest(token)
    link = session.exec(select(Link).where(Link.token_hash == digest)).first()
    if link is None or not hmac.compare_digest(link.token_hash, digest):
        raise LinkRefused()
    subject = (
        _subject_of(ws, session, cohort, link) if link.cohort_id == cohort.id and _live(link, now) else None
    )
    if subject is None:
        raise LinkRefused()
    sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    hours = dt.timedelta(hours=ws.settings.web.session_hours)
    session.exec(delete(WebSession).where(WebSession.cohort_id == cohort.id, WebSession.expires_at <= now))
    session.add(WebSession(cohort_id=cohort.id, link_id=link.id, sid_hash=_digest(sid), csrf=csrf,
                           created_at=now, expires_at=min(now + hours, _aware(link.expires_at)),
                           last_ip=str(ip or "")[:MAX_IP]))  # fmt: skip
    link.used_at = now
    session.add(link)
    session.flush()
    _keep_newest(session, link.id)
    return _principal(subject, link), sid, csrf


def _keep_newest(session: Session, link_id: int) -> None:
    """At most MAX_SESSIONS sessions per link: a link opened again and again (a script, a leaked link) cannot
    fill the database; the oldest sessions end first."""
    ids = session.exec(
        select(WebSession.id).where(WebSession.link_id == link_id).order_by(col(WebSession.id).desc())
    ).all()
    if len(ids) > MAX_SESSIONS:
        session.exec(delete(WebSession).where(col(WebSession.id).in_(ids[MAX_SESSIONS:])))
        session.flush()


def _principal(subject: _Subject, link: Link) -> Principal:
    return Principal(subject.role, subject.id, subject.name, link.id, subject.team_id)


def principal(
    ws: Workspace, session: Session, cohort: Cohort, sid: str, *, now: dt.datetime | None = None
) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a session id; None if unknown or expired, if its link was revoked,
    rotated or expired, or if its team or person left the roster or cohort.toml."""
    found = signed_in(ws, session, sid, now=now)
    return found[:2] if found is not None and found[2] == cohort.id else None


# One statement for the check every page makes: the session by its hash, its link, its cohort (the workspace's,
# by uid: no cohort lookup first) and the link's team, as plain columns (no ORM objects built), compiled once.
_SIGNED_IN = (
    columns(
        WebSession.expires_at,
        WebSession.csrf,
        WebSession.cohort_id,
        Link.id,
        Link.role,
        Link.subject,
        Link.expires_at,
        Link.revoked_at,
        Team.id,
        Team.slug,
        Team.unit,
    )
    .join(Link, col(Link.id) == WebSession.link_id)
    .join(Cohort, col(Cohort.id) == WebSession.cohort_id)
    .outerjoin(
        Team,
        (col(Team.cohort_id) == Cohort.id) & (col(Team.slug) == Link.subject) & (col(Link.role) == "team"),
    )
    .where(
        WebSession.sid_hash == bindparam("sid"),
        Link.cohort_id == WebSession.cohort_id,
        Cohort.uid == bindparam("uid"),
    )
)


def signed_in(
    ws: Workspace, session: Session, sid: str, *, now: dt.datetime | None = None
) -> tuple[Principal, str, int] | None:
    """The principal, CSRF token and cohort row id of a session id in this workspace's cohort, in one query;
    None as for `principal`. The session needs no cohort row looked up first."""
    now = _now(now)
    if not isinstance(sid, str) or not TOKEN.fullmatch(sid):
        return None
    row = session.connection().execute(_SIGNED_IN, {"sid": _digest(sid), "uid": ws.settings.uid}).first()
    if row is None:
        return None
    expires, csrf, cohort_id, link_id, role, subject, link_expires, revoked, team_id, slug, unit = row
    if _aware(expires) <= now or revoked is not None or _aware(link_expires) <= now:
        return None
    if role == "team":
        listed = roster_slugs(ws)
        if team_id is None or (listed is not None and slug not in listed):
            return None
        return Principal("team", slug, unit, link_id, team_id), csrf, cohort_id
    names = {"coordinator": ws.settings.coordinators, "facilitator": ws.settings.facilitators}.get(role, [])
    if subject not in names:
        return None
    return Principal(role, subject, subject, link_id, None), csrf, cohort_id


def end_session(ws: Workspace, session: Session, cohort: Cohort, sid: str) -> None:
    """Sign a browser out: its session row goes (an unknown id is no error)."""
    if isinstance(sid, str) and TOKEN.fullmatch(sid):
        session.exec(
            delete(WebSession).where(WebSession.cohort_id == cohort.id, WebSession.sid_hash == _digest(sid))
        )
        session.flush()
