"""Creating a workspace and opening its database: the entry points every command starts from."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session, select

from lab import safefs
from lab.db import engine_for, session_scope
from lab.errors import UsageError, WorkspaceError
from lab.files import write_atomic
from lab.models import Cohort, Proposal
from lab.settings import SETTINGS_FILE, Workspace, default_code, open_workspace, render_settings


def init_workspace(
    path: Path, region: str, year: int, code: str | None = None, lang: str = "id"
) -> Workspace:
    """Create a cohort workspace: cohort.toml, folders and an empty database."""
    region = " ".join(region.split())
    if len(region) < 2:
        raise UsageError('--region must name the region, e.g. "Kabupaten Purbalingga"')
    if lang not in ("id", "en"):
        raise UsageError("--lang must be id or en")
    code = (code or default_code(region)).upper()
    if os.path.lexists(path / SETTINGS_FILE):  # a link counts: it is never written through
        raise WorkspaceError(f"{path} already holds a cohort ({SETTINGS_FILE}); choose another folder")
    if path.exists() and not path.is_dir():
        raise WorkspaceError(f"{path} exists and is not a folder")
    path.mkdir(parents=True, exist_ok=True)
    for sub in ("teams", "reviews", "exports"):
        safefs.ensure_dir(path, sub)  # a link already there is refused, not used
    write_atomic(path / SETTINGS_FILE, render_settings(region, year, code, lang).encode(), path)
    ws = open_workspace(path)
    with workspace_session(ws):
        pass
    return ws


@contextmanager
def workspace_session(ws: Workspace, writer: bool = True) -> Iterator[tuple[Session, Cohort]]:
    """A transaction on the workspace's database with its cohort row (created on first use).

    Readers (`writer=False`) never wait for a run that is writing.
    """
    from lab.engine import get_cohort

    engine = engine_for(ws.database_url, writer)
    with session_scope(engine) as session:
        yield session, get_cohort(session, ws)


def find_proposal(session: Session, cohort: Cohort, code: str) -> Proposal:
    """A proposal of the cohort by its id, or a clear error."""
    proposal = session.exec(
        select(Proposal).where(Proposal.cohort_id == cohort.id, Proposal.code == code.strip().upper())
    ).first()
    if proposal is None:
        raise UsageError(f"no proposal {code!r} in this cohort; `lab status PATH` lists them")
    return proposal
