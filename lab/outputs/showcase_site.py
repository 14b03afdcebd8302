"""Where the showcase is written: the files of one build, and the bookkeeping one build leaves for the next.

Every file is written atomically, through folders reached by `lab.storage.safefs` (no link followed, nothing
outside the workspace); the site's own folders must be real folders inside the workspace, so a link there is
one clear error and nothing is written through it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path

from lab.domain.errors import LabError, UnsafePath
from lab.storage import safefs
from lab.storage.files import WriteBatch
from lab.workspace.settings import Workspace

CODE = re.compile(r"^[A-Z0-9]{2,10}-[0-9]{4}-[0-9]{3,}$")  # a proposal id: the only page names ever removed
SMALL = 64_000_000  # the site's own bookkeeping files are read up to this size
FINGERPRINT = ".fingerprint"
MANIFEST = ".pages.json"


def read_small(ws: Workspace, name: str) -> str | None:
    """One of the site's bookkeeping files as text; None if absent, odd or unreadable (the site is rebuilt)."""
    try:
        return safefs.read_bytes(ws.root, f"showcase/{name}", SMALL).decode("utf-8")
    except (LabError, OSError, UnicodeDecodeError):
        return None


def read_manifest(ws: Workspace) -> dict[str, str]:
    """The page stamps of the last build; anything unexpected counts as no manifest (every page is built)."""
    try:
        data = json.loads(read_small(ws, MANIFEST) or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and CODE.match(k) and isinstance(v, str)}


def is_regular(path: Path) -> bool:
    """Whether `path` is a regular file itself (not a link to one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


class Site:
    """What one build writes under `showcase/`, every folder reached through `lab.storage.safefs` (no link followed,
    nothing outside the workspace): pages through one WriteBatch, evidence streamed into temporary files
    beside their places; everything renamed into place after the batch's one sync. A file's own entry is
    replaced by the rename, so a link or a special file found there is replaced, never written through; a
    folder there is an UnsafePath. What could not be put in place (a folder swapped meanwhile) is in
    `failed`, as (relative path, reason)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.batch = WriteBatch(root)
        self.copies: list[tuple[str, str, str]] = []  # folder, temporary name, name
        self.failed: list[tuple[str, UnsafePath]] = []
        self._checked: set[str] = set()
        self._token = secrets.token_hex(4)

    def path(self, rel: str) -> Path:
        """The path of the site's file `rel` (workspace-relative), its folders checked and made."""
        folder = rel.rpartition("/")[0]
        if folder not in self._checked:
            safefs.ensure_dir(self.root, folder)
            self._checked.add(folder)
        path = self.root / rel
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return path
        if stat.S_ISDIR(st.st_mode):
            raise UnsafePath(rel, "is a folder where the showcase writes a file: remove it")
        return path

    def write(self, rel: str, data: bytes) -> None:
        self.batch.write(self.path(rel), data)

    def write_chunks(self, rel: str, chunks: Iterable[str]) -> None:
        self.batch.write_chunks(self.path(rel), chunks)

    def copy(self, source: str, dest: str, limit: int) -> int:
        """Stream the workspace file `source` into the site at `dest`, at most `limit` bytes; returns its size."""
        folder, _, name = dest.rpartition("/")
        tmp = f".{name[:200]}.{os.getpid()}.{self._token}{len(self.copies)}.tmp"
        fd = safefs.open_dir(self.root, folder, create=True)
        try:
            st = _lstat_at(name, fd)
            if st is not None and stat.S_ISDIR(st.st_mode):
                raise UnsafePath(dest, "is a folder where the showcase writes a file: remove it")
            out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666, dir_fd=fd)
            try:
                with os.fdopen(out, "wb") as fh:
                    n = safefs.copy_to(self.root, source, fh, limit)
            except BaseException:
                os.unlink(tmp, dir_fd=fd)
                raise
        finally:
            os.close(fd)
        self.copies.append((folder, tmp, name))
        return n

    def commit(self) -> None:
        self.batch.commit()  # one sync, for the evidence copies (written before it) too
        self.failed += [(p.relative_to(self.root).as_posix(), exc) for p, exc in self.batch.failed]
        for folder, tmp, name in self.copies:
            try:
                fd = safefs.open_dir(self.root, folder)
            except (UnsafePath, FileNotFoundError) as exc:
                why = (
                    exc
                    if isinstance(exc, UnsafePath)
                    else UnsafePath(folder, "was removed meanwhile: run again")
                )
                self.failed.append((f"{folder}/{name}", why))
                continue
            try:
                os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
            except OSError as exc:
                self.failed.append((f"{folder}/{name}", UnsafePath(f"{folder}/{name}", f"cannot be written: "
                                                                   f"{exc.strerror}")))  # fmt: skip
            finally:
                os.close(fd)
        self.copies.clear()

    def abort(self) -> None:
        self.batch.abort()
        for folder, tmp, _ in self.copies:
            try:
                fd = safefs.open_dir(self.root, folder)
            except (LabError, OSError):
                continue  # a sweep of orphaned temporary files removes it
            try:
                os.unlink(tmp, dir_fd=fd)
            except OSError:
                pass
            finally:
                os.close(fd)
        self.copies.clear()


def _lstat_at(name: str, fd: int) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def real_dir(root: Path, rel: str) -> Path | None:
    """`rel` if it and every folder above it are real folders (no link); None otherwise."""
    path = root
    for name in rel.split("/"):
        path = path / name
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                return None
        except OSError:
            return None
    return path


def remove_page(root: Path, code: str) -> None:
    """Remove the page and files of a proposal that is no longer showcased."""
    page = root / "showcase" / "p" / f"{code}.html"
    if real_dir(root, "showcase/p") is None:
        return
    try:
        if not stat.S_ISDIR(os.lstat(page).st_mode):
            page.unlink()
    except FileNotFoundError:
        pass
    if real_dir(root, f"showcase/p/{code}") is not None:
        shutil.rmtree(root / "showcase" / "p" / code, ignore_errors=True)  # never follows a link
