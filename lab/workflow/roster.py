"""The roster of units and team members (`roster.csv`): validated, copied into the workspace, synced.

Columns: unit,unit_type,member,role,email — one row per member. A unit's team id is the slug of its
name; two units whose names give the same slug, unit types not in lab.domain.units, missing columns and
names holding control characters or direction marks are refused with the file and line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from lab.domain.errors import RosterError, UnsafePath
from lab.domain.models import Cohort, Member, Team
from lab.domain.slug import slugify
from lab.domain.units import UNIT_TYPES
from lab.storage import safefs
from lab.storage.files import decode_text, read_limited, write_atomic
from lab.storage.tables import Table, clip, unsafe_name
from lab.workspace.settings import Workspace

COLUMNS = ("unit", "unit_type", "member", "role", "email")
MAX_ROSTER_BYTES = 20_000_000
ROSTER = "roster.csv"  # in the workspace
MAX_NAME = 255  # characters of a unit, member, role or email


@dataclass
class Unit:
    name: str
    unit_type: str
    slug: str
    line: int
    members: list[tuple[str, str, str]] = field(default_factory=list)


def parse_roster(data: bytes, source: str) -> list[Unit]:
    """Units in file order, or RosterError naming the file and line of the first problem."""
    text = decode_text(data, source, MAX_ROSTER_BYTES, RosterError, "; save the roster as UTF-8 CSV")
    table = Table(text, source, RosterError, fold_case=True)
    missing = table.missing(COLUMNS)
    if missing:
        raise RosterError(f"{source}:1: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}")
    units: dict[str, Unit] = {}
    for line, row in table:
        for column in ("unit", "member", "role", "email"):
            reason = unsafe_name(row[column])
            if reason is None and len(row[column]) > MAX_NAME:
                reason = f"is longer than {MAX_NAME} characters; shorten it"
            if reason:
                raise RosterError(f"{source}:{line}: {column} {reason}")
        name = " ".join(row["unit"].split())
        kind = row["unit_type"].strip().lower()
        if not name:
            raise RosterError(f"{source}:{line}: unit is empty")
        if kind not in UNIT_TYPES:
            raise RosterError(
                f"{source}:{line}: unit_type {clip(kind)!r} is not one of {', '.join(UNIT_TYPES)}"
            )
        slug = slugify(name)
        if not slug:
            raise RosterError(
                f"{source}:{line}: unit name {name!r} has no letters or digits to name its folder"
            )
        unit = units.get(slug)
        if unit is None:
            unit = units[slug] = Unit(name, kind, slug, line)
        elif unit.name != name:
            raise RosterError(
                f"{source}:{line}: unit {name!r} has the same id {slug!r} as {unit.name!r} (line {unit.line}); rename one"
            )
        elif unit.unit_type != kind:
            raise RosterError(
                f"{source}:{line}: unit {name!r} is {kind!r} here but {unit.unit_type!r} on line {unit.line}"
            )
        member = " ".join(row["member"].split())
        if member:
            unit.members.append((member, row["role"].strip(), row["email"].strip()))
    if not units:
        raise RosterError(f"{source}: no units in the roster")
    return list(units.values())


def import_roster(ws: Workspace, source: Path, session: Session, cohort: Cohort) -> dict[str, int]:
    """Validate a roster file, make it the workspace's roster.csv, and sync it into the database."""
    source, root = Path(os.path.normpath(source.absolute())), Path(os.path.normpath(ws.root))
    data = read_limited(source, MAX_ROSTER_BYTES, RosterError, root)
    parse_roster(data, str(source))
    if source != root / ROSTER:
        write_atomic(ws.roster_file, data, ws.root)  # replaces a link there, never writes through it
    return sync(ws, session, cohort)


def sync(ws: Workspace, session: Session, cohort: Cohort) -> dict[str, int]:
    """Make teams and members match roster.csv; units no longer listed are kept (their work is not lost)."""
    try:
        if safefs.check(ws.root, ROSTER) is None:
            return {"teams_added": 0, "members": 0}
    except UnsafePath as exc:
        raise RosterError(str(exc)) from None
    units = parse_roster(read_limited(ws.roster_file, MAX_ROSTER_BYTES, RosterError, ws.root), ROSTER)
    teams = {t.slug: t for t in session.exec(select(Team).where(Team.cohort_id == cohort.id))}
    added = 0
    for unit in units:
        team = teams.get(unit.slug)
        if team is None:
            team = teams[unit.slug] = Team(
                cohort_id=cohort.id, slug=unit.slug, unit=unit.name, unit_type=unit.unit_type
            )
            session.add(team)
            added += 1
        elif (team.unit, team.unit_type) != (unit.name, unit.unit_type):
            team.unit, team.unit_type = unit.name, unit.unit_type
            session.add(team)
    session.flush()
    current = {}
    for m in session.exec(select(Member).join(Team).where(Team.cohort_id == cohort.id)):
        current.setdefault(m.team_id, []).append(m)
    members = 0
    for unit in units:
        team = teams[unit.slug]
        have = [(m.name, m.role, m.email) for m in current.get(team.id, [])]
        members += len(unit.members)
        if have != unit.members:
            for m in current.get(team.id, []):
                session.delete(m)
            session.add_all(Member(team_id=team.id, name=n, role=r, email=e) for n, r, e in unit.members)
    session.flush()
    return {"teams_added": added, "teams": len(units), "members": members}
