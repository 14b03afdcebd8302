"""Back-up of a whole cohort workspace (`lab backup`); lab.workspace.restore brings one back.

The archive (.tar.gz) holds the manifest `labinov-backup.json`; `database.sqlite`, a copy of the cohort's
rows taken in one read transaction while the cohort lock is held, so files and rows agree; and under
`workspace/` the files people and the engine wrote: cohort.toml, roster.csv, teams/, reviews/ and the
cohort's own templates/. Nothing else: not lab.db or lock files, not the showcase or exports (rebuilt from
the rest), and no link or special file (left out and counted). The rows are copied by
lab.workspace.cohort_copy, the same way from SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import stat
import tarfile
import tempfile
from pathlib import Path

from sqlalchemy import text

from lab.domain.errors import UnsafePath, UsageError, WorkspaceError
from lab.storage import safefs
from lab.storage.db import engine_for, make_engine
from lab.storage.files import atomic_output, output_file
from lab.storage.migrations import HEAD
from lab.workspace.archive import DATABASE, FORMAT, MANIFEST, ROOT, SAVED_FILES, SKIP_FILES, TEMPLATES
from lab.workspace.archive import SAVED_DIRS as _DIRS
from lab.workspace.cohort_copy import copy_cohort
from lab.workspace.lock import cohort_lock
from lab.workspace.settings import Workspace

SAVED_DIRS = (*_DIRS, TEMPLATES)


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
