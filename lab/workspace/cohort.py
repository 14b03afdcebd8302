"""Creating a workspace and opening its database: the entry points every command starts from."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import bindparam
from sqlmodel import Session, select

from lab.domain.errors import UsageError, WorkspaceError
from lab.domain.models import Cohort, Proposal
from lab.domain.text import one_line
from lab.storage import safefs
from lab.storage.db import engine_for, session_scope
from lab.storage.files import write_atomic
from lab.workspace.settings import (
    CODE,
    CODE_RULE,
    SETTINGS_FILE,
    Workspace,
    default_code,
    open_workspace,
    render_settings,
)


def init_workspace(
    path: Path, region: str, year: int, code: str | None = None, lang: str = "id"
) -> Workspace:
    """Create a cohort workspace: cohort.toml, folders and an empty database.

    Every input is checked before anything is written, and a failed init removes what it created.
    """
    region = " ".join(one_line(region, "--region").split())
    if len(region) < 2:
        raise UsageError('--region must name the region, e.g. "Kabupaten Purbalingga"')
    if len(region) > MAX_REGION:
        raise UsageError(f"--region is longer than {MAX_REGION} characters; shorten it")
    if lang not in ("id", "en"):
        raise UsageError("--lang must be id or en")
    if not 2015 <= year <= 2100:
        raise UsageError("--year must be between 2015 and 2100")
    code = default_code(region) if code is None else code.strip().upper()
    if not CODE.fullmatch(code):
        raise UsageError(f"--code must be {CODE_RULE}")
    if os.path.lexists(path / SETTINGS_FILE):  # a link counts: it is never written through
        raise WorkspaceError(f"{path} already holds a cohort ({SETTINGS_FILE}); choose another folder")
    if path.exists() and not path.is_dir():
        raise WorkspaceError(f"{path} exists and is not a folder")
    created = _first_missing(path)
    # entries of an existing folder that a failed init removes again (never ones that were there before)
    made = [
        n for n in ("lab.db", "lab.db-journal", "lab.db-wal", "lab.db-shm") if not os.path.lexists(path / n)
    ]
    try:
        path.mkdir(parents=True, exist_ok=True)
        for sub in ("teams", "reviews", "exports"):
            if not os.path.lexists(path / sub):
                made.append(sub)
            safefs.ensure_dir(path, sub)  # a link already there is refused, not used
        made.append(SETTINGS_FILE)
        write_atomic(path / SETTINGS_FILE, render_settings(region, year, code, lang).encode(), path)
        ws = open_workspace(path)
        with workspace_session(ws):
            pass
    except BaseException:
        _undo(path, created, made)
        raise
    return ws


MAX_REGION = 200


def _first_missing(path: Path) -> Path | None:
    """The outermost folder of `path` that does not exist yet (what mkdir(parents=True) would create)."""
    missing = None
    for folder in (path, *path.parents):
        if os.path.lexists(folder):
            break
        missing = folder
    return missing


def _undo(path: Path, created: Path | None, made: list[str]) -> None:
    """Remove what a failed init made: the folders it created, or its entries in a folder that existed."""
    try:
        if created is not None:
            shutil.rmtree(created)
            return
        for name in made:
            target = path / name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif os.path.lexists(target):
                target.unlink()
    except OSError:
        pass  # the original error is the one to report


@contextmanager
def workspace_session(ws: Workspace, writer: bool = True) -> Iterator[tuple[Session, Cohort]]:
    """A transaction on the workspace's database with its cohort row (created on first use).

    Readers (`writer=False`) never wait for a run that is writing.
    """
    with database_session(ws, writer) as session:
        yield session, get_cohort(session, ws)


@contextmanager
def database_session(ws: Workspace, writer: bool = True) -> Iterator[Session]:
    """A transaction on the workspace's database without its cohort row, for a lookup that names the cohort
    itself (the web's signed-in check: one query in all)."""
    with session_scope(engine_for(ws.database_url, writer)) as session:
        yield session


def find_proposal(session: Session, cohort: Cohort, code: str) -> Proposal:
    """A proposal of the cohort by its id, or a clear error."""
    proposal = session.exec(
        select(Proposal).where(Proposal.cohort_id == cohort.id, Proposal.code == code.strip().upper())
    ).first()
    if proposal is None:
        raise UsageError(f"no proposal {code!r} in this cohort; `lab status PATH` lists them")
    return proposal


_BY_UID = select(Cohort).where(Cohort.uid == bindparam("uid"))  # built once: every web request runs it


def get_cohort(session: Session, ws: Workspace) -> Cohort:
    """The cohort row of a workspace, created on first use."""
    s = ws.settings
    cohort = session.exec(_BY_UID, params={"uid": s.uid}).first()
    if cohort is None:
        if not os.environ.get("LAB_DATABASE_URL"):  # the workspace's own lab.db holds one cohort: this one
            other = session.exec(select(Cohort).limit(1)).first()
            if other is not None:
                raise WorkspaceError(
                    f"cohort.toml says uid {s.uid!r}, but this workspace's lab.db holds cohort {other.uid!r} "
                    f"({other.code}-{other.year}); put back the uid `lab init` wrote (it must not change)"
                )
        cohort = Cohort(uid=s.uid, code=s.code, year=s.year, region=s.region)
        session.add(cohort)
        session.flush()
    return cohort
