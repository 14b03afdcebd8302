"""Restore of a whole cohort workspace from a `lab backup` archive (`lab restore`).

An archive is untrusted input. `restore` reads it as a stream into a temporary folder beside the target
(lab.workspace.archive): only the members `backup` writes, as regular files and folders, within bounds on
the expanded size and the number of members counted as it reads; the cohort's templates only when asked
(they are code of a kind, run each time worksheets are written). It then checks the manifest, the database
(it opens, holds the cohort with the manifest's uid, and its folder names and paths are ones Labinov
makes; lab.workspace.archive_checks) and cohort.toml (valid, same uid) before anything appears at the
target, copies the rows with fresh ids and renames the folder into place. A failure leaves nothing behind:
the same command can simply be run again. The showcase is not part of a backup: the workflow layer
rebuilds it after a restore (lab.workflow.restore).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import stat
import tempfile
import uuid
from pathlib import Path

from lab.domain.errors import WorkspaceError
from lab.storage.db import dispose_all, make_engine
from lab.storage.files import alive
from lab.workspace import archive as unpack
from lab.workspace import archive_checks as checks
from lab.workspace.archive import DATABASE, ROOT
from lab.workspace.cohort_copy import copy_cohort
from lab.workspace.settings import SETTINGS_FILE, Workspace, load_settings, open_workspace


def restore(archive: Path, path: Path, copy: bool = False, templates: bool = False) -> tuple[Workspace, dict]:
    """Bring a backup back into a new workspace folder; with `copy`, as a new cohort (new uid); with
    `templates`, the cohort's own worksheet templates too. Returns the workspace and the manifest, with
    the number of template files restored and skipped (`templates`, `templates_skipped`). The showcase is
    not built here: lab.workflow.restore.restore_workspace does that after this."""
    path = path.absolute()
    _check_target(path)
    dispose_all()  # an engine cached in this process may still point at a database that was deleted
    made = _make_parents(path.parent)
    _sweep(path)
    stage = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.restore-{os.getpid()}-"))
    done = False
    try:
        found = unpack.unpack(archive, stage, templates)
        manifest = checks.check_manifest(archive, found.manifest)
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
    return ws, manifest | {"templates": found.templates, "templates_skipped": found.templates_skipped}


def _sweep(path: Path) -> None:
    """Remove the temporary folders of restores into `path` that were killed (their process is gone)."""
    for folder in path.parent.glob(f".{glob.escape(path.name)}.restore-*-*"):
        pid = folder.name.removeprefix(f".{path.name}.restore-").split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid)) and not folder.is_symlink():
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
    saved = checks.open_database(archive, stage / DATABASE)
    target = make_engine(staged.database_url, writer=True)
    inside = staged.database_url == f"sqlite:///{staged.root / 'lab.db'}"
    moved = False
    try:
        with saved.connect() as src, target.begin() as dst:
            checks.check_rows(archive, src, manifest["uid"], staged.settings)
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
