"""Back-up and restore of a whole cohort workspace (`lab backup`, `lab restore`).

The archive (.tar.gz) holds the manifest `labinov-backup.json`; `database.sqlite`, a copy of the cohort's
rows taken in one read transaction while the cohort lock is held, so files and rows agree; and under
`workspace/` the files people and the engine wrote: cohort.toml, roster.csv, teams/, reviews/ and the
cohort's own templates/. Nothing else: not lab.db or lock files, not the showcase or exports (rebuilt from
the rest), and no link or special file (left out and counted). The copy is made the same way from SQLite
and PostgreSQL, and restored into whatever database the target uses, with fresh row ids.

An archive is untrusted input. `restore` reads it as a stream into a temporary folder beside the target
(`lab.workspace.archive`): only the members `backup` writes, as regular files and folders, within bounds on the
expanded size and the number of members counted as it reads; the cohort's templates only when asked
(they are code of a kind, run each time worksheets are written). It then checks the manifest, the database
(it opens, holds the cohort with the manifest's uid, and its folder names and paths are ones Labinov
makes) and cohort.toml (valid, same uid) before anything appears at the target, copies the rows and renames
the folder into place. A failure leaves nothing behind: the same command can simply be run again.
"""

from __future__ import annotations

import datetime as dt
import glob
import io
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from lab.domain.errors import LabError, UnsafePath, UsageError, WorkspaceError
from lab.storage import safefs
from lab.storage.db import dispose_all, engine_for, make_engine
from lab.storage.files import _alive, atomic_output, output_file
from lab.storage.migrations import HEAD
from lab.workspace import archive as unpack
from lab.workspace.archive import shown
from lab.workspace.lock import cohort_lock
from lab.workspace.settings import SETTINGS_FILE, Workspace, load_settings, open_workspace

FORMAT = unpack.FORMAT
MANIFEST = unpack.MANIFEST
DATABASE = unpack.DATABASE
ROOT = unpack.ROOT
SAVED_FILES = unpack.SAVED_FILES
SAVED_DIRS = (*unpack.SAVED_DIRS, unpack.TEMPLATES)
SKIP_FILES = unpack.SKIP_FILES
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


def copy_cohort(
    src: Connection,
    dst: Connection,
    uid: str,
    new_uid: str | None = None,
    damaged: Callable[[str], LabError] | None = None,
) -> dict[str, int]:
    """Copy every row of the cohort `uid` from src to dst with fresh ids; returns rows copied per table.

    A row that refers to one outside the cohort is `damaged(what)` (by default a WorkspaceError about the
    source database), raised before dst's transaction can commit."""
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
                        try:
                            row[col] = ids[parent][row[col]]
                        except KeyError:  # a damaged (or crafted) copy: say so, never a traceback
                            what = f"{name} row {old} refers to {shown(parent)} {row[col]}, which is not in the cohort"
                            raise (damaged or _damaged)(what) from None
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


def _damaged(what: str) -> WorkspaceError:
    return WorkspaceError(f"the source database is damaged: {what}")


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


# backup -------------------------------------------------------------------------------------------------


def backup(ws: Workspace, target: Path, wait: float = 30.0) -> dict:
    """Write one archive of the workspace; returns its manifest, with the number of files saved and the
    links and special files left out (`files`, `skipped`)."""
    target = target.absolute()
    if target.is_relative_to(ws.root):
        raise UsageError("write the backup outside the workspace it saves")
    output_file(target, UsageError)  # checked before the cohort is locked and copied
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
        files, skipped = workspace_files(ws.root)
        saved = 0

        def fill(tar: tarfile.TarFile) -> None:
            nonlocal saved
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
            tar.add(Path(tmp) / DATABASE, arcname=DATABASE)
            for rel in files:
                if _add_file(tar, ws.root, rel):
                    saved += 1
                else:
                    skipped.append(rel)

        _write_archive(target, fill)
    return manifest | {"files": saved, "skipped": sorted(skipped)}


def workspace_files(root: Path) -> tuple[list[str], list[str]]:
    """The workspace-relative paths of the files `backup` saves, and the links and special files it
    leaves out. Nothing is followed: a linked folder is left out, not walked."""
    files: list[str] = []
    skipped: list[str] = []
    stack: list[str] = []
    for name in (*SAVED_FILES, *SAVED_DIRS):
        try:
            mode = os.lstat(root / name).st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISREG(mode) and name in SAVED_FILES:
            files.append(name)
        elif stat.S_ISDIR(mode) and name in SAVED_DIRS:
            stack.append(name)
        else:
            skipped.append(name)
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(root / folder))
        except OSError:
            skipped.append(folder)
            continue
        for entry in entries:
            rel = f"{folder}/{entry.name}"
            if entry.name in SKIP_FILES or entry.name.endswith(".tmp"):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(rel)
            elif entry.is_file(follow_symlinks=False):
                files.append(rel)
            else:
                skipped.append(rel)
    return sorted(files), skipped


def _add_file(tar: tarfile.TarFile, root: Path, rel: str) -> bool:
    """Add one workspace file, opened through safefs (no link, no special file); False if it is not one."""
    try:
        fd = safefs.open_file(root, rel)
    except (FileNotFoundError, UnsafePath):  # removed, or replaced by a link, since the walk
        return False
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        info = tarfile.TarInfo(f"{ROOT}/{rel}")
        info.size, info.mtime, info.mode = st.st_size, int(st.st_mtime), 0o644
        try:
            tar.addfile(info, fh)
        except OSError as exc:
            if exc.errno is None:  # tarfile: "unexpected end of data", the file shrank while read
                raise WorkspaceError(
                    f"{rel} changed while it was being saved; run lab backup again"
                ) from None
            raise
    return True


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _write_archive(target: Path, fill) -> None:
    """Stream the archive into a temporary file beside `target`, sync it and rename it into place."""
    with atomic_output(output_file(target, UsageError)) as fh:
        with tarfile.open(fileobj=fh, mode="w:gz", compresslevel=6) as tar:
            fill(tar)


# restore ------------------------------------------------------------------------------------------------


def restore(archive: Path, path: Path, copy: bool = False, templates: bool = False) -> tuple[Workspace, dict]:
    """Bring a backup back into a new workspace folder; with `copy`, as a new cohort (new uid); with
    `templates`, the cohort's own worksheet templates too. Returns the workspace and the manifest, with
    the number of template files restored and skipped (`templates`, `templates_skipped`)."""
    path = path.absolute()
    _check_target(path)
    dispose_all()  # an engine cached in this process may still point at a database that was deleted
    made = _make_parents(path.parent)
    _sweep(path)
    stage = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.restore-{os.getpid()}-"))
    done = False
    try:
        found = unpack.unpack(archive, stage, templates)
        manifest = unpack.check_manifest(archive, found.manifest)
        staged = stage / ROOT
        settings = _check_settings(archive, staged, manifest)
        new_uid = str(uuid.uuid4()) if copy else None
        if new_uid:
            _give_uid(archive, staged, settings.uid, new_uid)
        for sub in ("teams", "reviews", "exports"):
            (staged / sub).mkdir(exist_ok=True)
        _copy_rows(archive, stage, open_workspace(staged), manifest, new_uid, path)
        done = True
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if not done:
            for folder in reversed(made):
                _rmdir(folder)
    ws = open_workspace(path)
    from lab.outputs.showcase import build_showcase
    from lab.workspace.cohort import workspace_session

    with workspace_session(ws) as (session, cohort):
        build_showcase(ws, session, cohort)
    return ws, manifest | {"templates": found.templates, "templates_skipped": found.templates_skipped}


def _sweep(path: Path) -> None:
    """Remove the temporary folders of restores into `path` that were killed (their process is gone)."""
    for folder in path.parent.glob(f".{glob.escape(path.name)}.restore-*-*"):
        pid = folder.name.removeprefix(f".{path.name}.restore-").split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)) and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)


def _check_target(path: Path) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise WorkspaceError(f"{path} is a symbolic link; restore into a new folder")
    if not stat.S_ISDIR(mode):
        raise WorkspaceError(f"{path} exists and is not a folder; restore into a new folder")
    if any(path.iterdir()):
        raise WorkspaceError(f"{path} is not empty; restore into a new folder")


def _make_parents(folder: Path) -> list[Path]:
    """Create the missing folders above the target; returns those made (to remove after a failure)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    made = []
    for f in reversed(missing):
        f.mkdir()
        made.append(f)
    return made


def _rmdir(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _check_settings(archive: Path, staged: Path, manifest: dict):
    """cohort.toml validates and names the manifest's cohort (uid and id)."""
    try:
        settings = load_settings(staged)
    except WorkspaceError as exc:
        reason = str(exc).replace(str(staged / SETTINGS_FILE), f"{ROOT}/{SETTINGS_FILE}")
        raise unpack.refuse(archive, reason) from None
    if settings.uid != manifest["uid"]:
        raise unpack.refuse(archive, f"{ROOT}/{SETTINGS_FILE} has uid {settings.uid!r} but the manifest says "
                                     f"{manifest['uid']!r}")  # fmt: skip
    if settings.cohort_id != manifest["cohort"]:
        raise unpack.refuse(archive, f"{ROOT}/{SETTINGS_FILE} is for cohort {settings.cohort_id} but the "
                                     f"manifest says {manifest['cohort']!r}")  # fmt: skip
    return settings


_UID_LINE = r"^(\s*uid\s*=\s*)([\"']){}\2"


def _give_uid(archive: Path, staged: Path, old: str, new: str) -> None:
    """Write the copy's new uid into its cohort.toml (the `uid = "…"` line, nowhere else)."""
    file = staged / SETTINGS_FILE
    settings = file.read_text(encoding="utf-8")
    changed, n = re.subn(_UID_LINE.format(re.escape(old)), rf"\g<1>\g<2>{new}\g<2>", settings, count=1,
                         flags=re.MULTILINE)  # fmt: skip
    file.write_text(changed, encoding="utf-8")
    if n != 1 or load_settings(staged).uid != new:
        raise unpack.refuse(archive, f"the uid in {ROOT}/{SETTINGS_FILE} is not on a line of its own "
                                     '(uid = "…"), so a copy cannot get a new one')  # fmt: skip


def _copy_rows(archive: Path, stage: Path, staged: Workspace, manifest: dict, new_uid: str | None,
               path: Path) -> None:  # fmt: skip
    """Copy the saved rows into the target's database and move the folder into place, as one step.

    A database inside the workspace (SQLite) is filled in the temporary folder and moves with it. Another
    (PostgreSQL) is committed only after the folder is in place; if that commit fails, the folder goes."""
    saved = unpack.open_database(archive, stage / DATABASE)
    target = make_engine(staged.database_url, writer=True)
    inside = staged.database_url == f"sqlite:///{staged.root / 'lab.db'}"
    moved = False
    try:
        with saved.connect() as src, target.begin() as dst:
            unpack.check_rows(archive, src, manifest["uid"], staged.settings)
            copy_cohort(
                src,
                dst,
                manifest["uid"],
                new_uid,
                lambda what: unpack.refuse(archive, f"in its {DATABASE}, {what}"),
            )
            if not inside:
                _move(staged.root, path)
                moved = True
    except BaseException:
        if moved:
            shutil.rmtree(path, ignore_errors=True)
        raise
    finally:
        saved.dispose()
        target.dispose()
    if inside:
        _move(staged.root, path)


def _move(staged: Path, path: Path) -> None:
    os.sync()  # the restored files reach the disk before they appear at the target
    try:
        os.rename(staged, path)  # atomic; replaces an empty folder, never a full one
    except OSError as exc:
        raise WorkspaceError(
            f"{path} could not be created ({exc.strerror}); restore into a new, empty folder"
        ) from None
