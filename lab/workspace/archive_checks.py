"""Checking what a backup archive unpacked to (`lab restore`): its manifest and its database.

The manifest is checked field by field; the database must open as SQLite with Labinov's tables and nothing
else that runs by itself (views, triggers), and the cohort's rows may name only folders and paths Labinov
makes (a team folder `../..` would write outside the workspace on the next run). Every refusal is
lab.workspace.archive's `refuse()` line: the archive's path first, "nothing restored" last.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path, PurePosixPath

from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel

from lab.domain.errors import UsageError, WorkspaceError
from lab.domain.lifecycle import PROPOSAL_STATES, TEAM_STATES
from lab.stages import STAGES
from lab.storage.db import make_engine
from lab.storage.migrations import REVISIONS
from lab.workspace.archive import DATABASE, FORMAT, MANIFEST, ROOT, refuse
from lab.workspace.settings import CohortSettings

# the manifest -------------------------------------------------------------------------------------------

_UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_COHORT = re.compile(r"[A-Z0-9]{2,10}-\d{4}")


def shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _when(value: object) -> bool:
    try:
        dt.datetime.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return len(value) <= 40  # type: ignore[arg-type]


def _counts(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and type(v) is int and v >= 0 for k, v in value.items()
    )


FIELDS = (
    ("schema", "a schema revision like '0001'", lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}", v)),
    ("cohort", "a cohort id like 'PBG-2026'", lambda v: isinstance(v, str) and _COHORT.fullmatch(v)),
    ("uid", "a cohort uid like '0b6b5f0e-…'", lambda v: isinstance(v, str) and _UID.fullmatch(v)),
    ("created", "a date and time like '2026-10-12T08:00:00+00:00'", _when),
    ("rows", "a table of row counts", _counts),
)


def check_manifest(archive: Path, data: bytes | None) -> dict:
    """The manifest, checked field by field."""
    try:
        manifest = json.loads(data or b"")
    except (ValueError, RecursionError):
        raise refuse(archive, f"its {MANIFEST} is not JSON") from None
    if not isinstance(manifest, dict):
        raise refuse(archive, f"its {MANIFEST} is not a JSON object")
    fmt = manifest.get("format")
    if type(fmt) is not int or fmt != FORMAT:
        raise UsageError(f"{archive}: backup format {shown(fmt)} is not supported by this release")
    for key, kind, valid in FIELDS:
        if key not in manifest:
            raise refuse(archive, f"its {MANIFEST} has no {key!r}")
        if not valid(manifest[key]):
            raise refuse(archive, f"in its {MANIFEST}, {key!r} must be {kind}, not {shown(manifest[key])}")
    if manifest["schema"] not in REVISIONS:
        raise refuse(archive, f"it was made by a newer Labinov (schema {manifest['schema']}); upgrade Labinov "
                              "to restore it")  # fmt: skip
    return manifest


# the database -------------------------------------------------------------------------------------------


def open_database(archive: Path, file: Path) -> Engine:
    """An engine on the saved database, once it is known to be SQLite with Labinov's tables and nothing
    that runs by itself (views, triggers); an older schema is upgraded."""
    with open(file, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise refuse(archive, f"its {DATABASE} is not an SQLite database")
    try:
        con = sqlite3.connect(file)
        try:
            extra = con.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'trigger') ORDER BY name"
            ).fetchone()
            check = con.execute("PRAGMA quick_check").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise refuse(archive, f"its {DATABASE} is damaged ({_first_line(exc)})") from None
    if extra:
        raise refuse(
            archive, f"its {DATABASE} holds a {extra[0]} ({extra[1]!r}), which lab backup never writes"
        )
    if not check or check[0] != "ok":
        raise refuse(archive, f"its {DATABASE} is damaged ({_first_line(check[0] if check else '')})")
    try:
        engine = make_engine(f"sqlite:///{file}")
        _check_tables(archive, engine)
    except WorkspaceError as exc:
        raise refuse(archive, f"its {DATABASE}: {exc}") from None
    except SQLAlchemyError as exc:
        raise refuse(
            archive, f"its {DATABASE} is damaged ({_first_line(getattr(exc, 'orig', exc))})"
        ) from None
    return engine


def _first_line(exc: object) -> str:
    return (str(exc).splitlines() or [""])[0][:200]


def _check_tables(archive: Path, engine: Engine) -> None:
    found = inspect(engine)
    for name, table in SQLModel.metadata.tables.items():
        have = {c["name"] for c in found.get_columns(name)} if found.has_table(name) else set()
        missing = [c.name for c in table.columns if c.name not in have]
        if missing:
            engine.dispose()
            what = f"{name}.{missing[0]}" if have else f"a {name} table"
            raise refuse(archive, f"its {DATABASE} lacks {what}, so it is not a Labinov database")


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SHEET = re.compile(r"reviews/[a-z0-9]+(?:-[a-z0-9]+)*\.csv")


def check_rows(archive: Path, conn: Connection, uid: str, settings: CohortSettings) -> None:
    """The saved cohort is the settings' cohort, and its rows name only folders and paths Labinov makes
    (a team folder `../..` would write outside the workspace on the next run)."""
    try:
        _check_rows(archive, conn, uid, settings)
    except SQLAlchemyError as exc:
        raise refuse(
            archive, f"its {DATABASE} is damaged ({_first_line(getattr(exc, 'orig', exc))})"
        ) from None


def _check_rows(archive: Path, conn: Connection, uid: str, settings: CohortSettings) -> None:
    t = SQLModel.metadata.tables
    cohort = conn.execute(
        select(t["cohort"].c.id, t["cohort"].c.code, t["cohort"].c.year).where(t["cohort"].c.uid == uid)
    ).first()
    if cohort is None:
        raise refuse(archive, f"its {DATABASE} holds no cohort with uid {uid!r}")
    if f"{cohort.code}-{cohort.year}" != settings.cohort_id:
        raise refuse(archive, f"its {DATABASE} holds cohort {cohort.code}-{cohort.year!s} but "
                              f"{ROOT}/cohort.toml is for {settings.cohort_id}")  # fmt: skip

    def bad(what: str) -> UsageError:
        return refuse(archive, f"its {DATABASE} has {what}, which Labinov never makes")

    teams = {}
    team = t["team"]
    for tid, slug, state in conn.execute(select(team.c.id, team.c.slug, team.c.state).where(team.c.cohort_id == cohort.id)):  # fmt: skip
        if not isinstance(slug, str) or len(slug) > 80 or not _SLUG.fullmatch(slug):
            raise bad(f"a team folder named {shown(slug)}")
        if state not in TEAM_STATES:
            raise bad(f"team {slug} in state {shown(state)}")
        teams[tid] = slug
    codes = {}
    prop = t["proposal"]
    code_re = re.compile(rf"{re.escape(settings.code)}-{settings.year}-\d{{3,9}}")
    for pid, team_id, code, state in conn.execute(
        select(prop.c.id, prop.c.team_id, prop.c.code, prop.c.state).where(prop.c.cohort_id == cohort.id)
    ):
        if not isinstance(code, str) or not code_re.fullmatch(code) or team_id not in teams:
            raise bad(f"a proposal folder named {shown(code)}")
        if state not in PROPOSAL_STATES:
            raise bad(f"proposal {code} in state {shown(state)}")
        codes[pid] = (team_id, code)
    files = {s.slug: s.filename for s in STAGES}
    sheet = t["worksheet"]
    query = select(sheet.c.team_id, sheet.c.proposal_id, sheet.c.stage, sheet.c.path)
    for team_id, proposal_id, stage, path in conn.execute(query.where(sheet.c.cohort_id == cohort.id)):
        folder = f"teams/{teams.get(team_id)}"
        if proposal_id is not None:
            folder += f"/{codes.get(proposal_id, (0, None))[1]}"
        if stage not in files or path != f"{folder}/{files[stage]}":
            raise bad(f"a worksheet at {shown(path)}")
    sheetfile = t["sheetfile"]
    for (path,) in conn.execute(select(sheetfile.c.path).where(sheetfile.c.cohort_id == cohort.id)):
        if not isinstance(path, str) or not _SHEET.fullmatch(path):
            raise bad(f"a review sheet at {shown(path)}")
    evidence = t["evidence"]
    for (file,) in conn.execute(
        select(evidence.c.file).where(
            evidence.c.proposal_id.in_(select(prop.c.id).where(prop.c.cohort_id == cohort.id))
        )
    ):
        path = PurePosixPath(file) if isinstance(file, str) else None
        if path is None or not file or path.is_absolute() or ".." in path.parts or "\x00" in file:
            raise bad(f"an evidence file at {shown(file)}")
