"""Back-up and restore of a whole cohort workspace (`lab backup`, `lab restore`).

The archive (.tar.gz) holds the workspace's files — settings, roster, worksheets, evidence, review sheets —
and `database.sqlite`, a copy of the cohort's rows taken in one read transaction while the cohort lock is
held, so files and rows agree. The copy is made the same way from SQLite and PostgreSQL, and restored into
whatever database the target uses (its own SQLite file, or LAB_DATABASE_URL), with fresh row ids.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from lab.db import dispose_all, engine_for, make_engine
from lab.errors import UsageError, WorkspaceError
from lab.files import write_atomic
from lab.lock import HOLDER_FILE, LOCK_FILE, cohort_lock
from lab.migrations import HEAD
from lab.settings import SETTINGS_FILE, Workspace, open_workspace

FORMAT = 1
MANIFEST = "labinov-backup.json"
DATABASE = "database.sqlite"
SKIP_DIRS = {"showcase", "exports"}  # rebuilt from the rest
SKIP_FILES = {"lab.db", "lab.db-wal", "lab.db-shm", LOCK_FILE, HOLDER_FILE}
BATCH = 1000

# table, {column: table whose new id replaces it}; parents before children
PLAN: tuple[tuple[str, dict[str, str]], ...] = (
    ("cohort", {}),
    ("team", {"cohort_id": "cohort"}),
    ("member", {"team_id": "team"}),
    ("proposal", {"cohort_id": "cohort", "team_id": "team"}),
    ("worksheet", {"cohort_id": "cohort", "team_id": "team", "proposal_id": "proposal"}),
    ("transition", {"cohort_id": "cohort", "subject_id": "<kind>"}),
    ("evidence", {"proposal_id": "proposal"}),
    ("review", {"cohort_id": "cohort", "proposal_id": "proposal"}),
    ("sheetfile", {"cohort_id": "cohort"}),
)


def copy_cohort(src: Connection, dst: Connection, uid: str, new_uid: str | None = None) -> dict[str, int]:
    """Copy every row of the cohort `uid` from src to dst with fresh ids; returns rows copied per table."""
    tables = SQLModel.metadata.tables
    cohort = tables["cohort"]
    cohort_id = src.execute(select(cohort.c.id).where(cohort.c.uid == uid)).scalar()
    if cohort_id is None:
        raise WorkspaceError(f"no cohort {uid} in the source database")
    if dst.execute(select(cohort.c.id).where(cohort.c.uid == (new_uid or uid))).scalar() is not None:
        raise WorkspaceError(
            "this cohort is already in the target database; restore with --copy to make a copy"
        )
    ids: dict[str, dict[int, int]] = {}
    counts = {}
    for name, refs in PLAN:
        table = tables[name]
        ids[name] = {}
        query = select(table).where(_belongs(name, cohort_id)).order_by(table.c.id)
        n = 0
        for chunk in src.execute(query).mappings().partitions(BATCH):
            rows = []
            for row in chunk:
                row = dict(row)
                old = row.pop("id")
                for col, parent in refs.items():
                    if row[col] is not None:
                        parent = row["kind"] if parent == "<kind>" else parent
                        row[col] = ids[parent][row[col]]
                if name == "cohort" and new_uid:
                    row["uid"] = new_uid
                rows.append((old, row))
            new = (
                dst.execute(
                    insert(table).returning(table.c.id, sort_by_parameter_order=True), [r for _, r in rows]
                )
                .scalars()
                .all()
            )
            ids[name].update(zip((o for o, _ in rows), new, strict=True))
            n += len(rows)
        counts[name] = n
    return counts


def _belongs(name: str, cohort_id: int):
    """Rows of table `name` that belong to the cohort."""
    if name == "cohort":
        return text("cohort.id = :c").bindparams(c=cohort_id)
    if name == "member":
        return text("member.team_id IN (SELECT id FROM team WHERE cohort_id = :c)").bindparams(c=cohort_id)
    if name == "evidence":
        return text("evidence.proposal_id IN (SELECT id FROM proposal WHERE cohort_id = :c)").bindparams(
            c=cohort_id
        )
    return text(f"{name}.cohort_id = :c").bindparams(c=cohort_id)


def backup(ws: Workspace, target: Path, wait: float = 30.0) -> dict:
    """Write one archive of the workspace; returns its manifest."""
    target = target.absolute()
    if target.is_relative_to(ws.root):
        raise UsageError("write the backup outside the workspace it saves")
    with cohort_lock(ws, wait), tempfile.TemporaryDirectory() as tmp:
        copy = make_engine(f"sqlite:///{Path(tmp) / DATABASE}")
        source = engine_for(ws.database_url)
        with source.connect() as src, copy.begin() as dst:
            if src.dialect.name == "postgresql":
                src.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            counts = copy_cohort(src, dst, ws.settings.uid)
        copy.dispose()
        manifest = {"format": FORMAT, "schema": HEAD, "cohort": ws.settings.cohort_id, "uid": ws.settings.uid,
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "rows": counts}  # fmt: skip
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode="w:gz") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
            tar.add(Path(tmp) / DATABASE, arcname=DATABASE)
            for path in _workspace_files(ws.root):
                tar.add(path, arcname=f"workspace/{path.relative_to(ws.root).as_posix()}", recursive=False)
        write_atomic(target, data.getvalue())
    manifest["files"] = sum(1 for _ in _workspace_files(ws.root))
    return manifest


def _workspace_files(root: Path):
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in SKIP_DIRS or path.name in SKIP_FILES or path.name.endswith(".tmp"):
            continue
        if path.is_file() and not path.is_symlink():
            yield path


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def restore(archive: Path, path: Path, copy: bool = False) -> tuple[Workspace, dict]:
    """Bring a backup back into a new workspace folder; with `copy`, as a new cohort (new uid)."""
    path = path.absolute()
    if path.exists() and any(path.iterdir()):
        raise WorkspaceError(f"{path} is not empty; restore into a new folder")
    dispose_all()  # an engine cached in this process may still point at a database that was deleted
    try:
        tar = tarfile.open(archive, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise UsageError(f"{archive}: not a Labinov backup ({exc})") from None
    with tar, tempfile.TemporaryDirectory() as tmp:
        try:
            manifest = json.loads(tar.extractfile(MANIFEST).read())
        except (KeyError, AttributeError, ValueError):
            raise UsageError(f"{archive}: not a Labinov backup (no {MANIFEST})") from None
        if manifest.get("format") != FORMAT:
            raise UsageError(
                f"{archive}: backup format {manifest.get('format')} is not supported by this release"
            )
        try:
            tar.extractall(tmp, filter="data")  # refuses absolute paths, '..' and links leaving the folder
        except tarfile.TarError as exc:
            raise UsageError(f"{archive}: unsafe or damaged archive, nothing restored ({exc})") from None
        files = Path(tmp) / "workspace"
        path.mkdir(parents=True, exist_ok=True)
        for source in sorted(files.rglob("*")):
            if source.is_file():
                write_atomic(path / source.relative_to(files), source.read_bytes())
        new_uid = str(uuid.uuid4()) if copy else None
        if new_uid:
            settings = (path / SETTINGS_FILE).read_text(encoding="utf-8")
            write_atomic(path / SETTINGS_FILE, settings.replace(manifest["uid"], new_uid, 1).encode("utf-8"))
        for sub in ("teams", "reviews", "exports"):
            (path / sub).mkdir(exist_ok=True)
        ws = open_workspace(path)
        saved = make_engine(f"sqlite:///{Path(tmp) / DATABASE}")  # an older backup is upgraded here
        with saved.connect() as src, engine_for(ws.database_url, writer=True).begin() as dst:
            copy_cohort(src, dst, manifest["uid"], new_uid)
        saved.dispose()
    from lab.cohort import workspace_session
    from lab.showcase import build_showcase

    with workspace_session(ws) as (session, cohort):
        build_showcase(ws, session, cohort)
    return ws, manifest
