"""Atomic file writes: a reader sees the old file or the new one, never half of either.

Temporary names carry the writer's PID (`.<name>.<pid>.<random>.tmp`), so what a killed process left
behind can be told from what a live one is still writing (`orphaned()`).
"""

from __future__ import annotations

import functools
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from lab.domain.errors import TooLarge, UnsafePath
from lab.storage import safefs

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
TEMP = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")
TEMP_DIR = re.compile(r"^\.(?:showcase|showcase-old)-(\d+)-.+$")


@functools.cache
def file_mode() -> int:
    """The mode a plain open() gives a new file (0o666 less the umask); mkstemp alone gives 0600."""
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where the kernel shows it (Linux: /proc/self/status).

    Elsewhere it is set and put back at once, the only portable way to read it: that is racy with threads
    creating files meanwhile, which is why it is done only then, and once (file_mode() is cached)."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes, root: Path | None = None) -> None:
    """Write `data` to `path` via a temporary file in the same folder, fsync and rename.

    With `root` (a workspace), `path` lies under it and its folder is reached through `lab.storage.safefs`: made
    if missing, no link followed (UnsafePath otherwise); the rename replaces whatever entry is there."""
    if root is not None:
        _write_atomic_under(root, path, data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as fh:
        fh.write(data)


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A file to write `path` through: a temporary file beside it, synced and renamed into place when the
    block ends, removed if it fails (the folder must exist)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_atomic_under(root: Path, path: Path, data: bytes) -> None:
    try:
        rel = path.relative_to(root)
    except ValueError:
        raise UnsafePath(str(path), "is not inside the workspace: write inside it") from None
    dir_fd = safefs.open_dir(root, rel.parent.as_posix(), create=True)
    try:
        while True:
            tmp = f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, file_mode(), dir_fd=dir_fd)
                break
            except FileExistsError:
                continue
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fchmod(fh.fileno(), file_mode())
                os.fsync(fh.fileno())
            os.replace(tmp, path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            _unlink(tmp, dir_fd)
            raise
    finally:
        os.close(dir_fd)


def alive(pid: int) -> bool:
    """Whether process `pid` still runs (one we may not signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def orphaned(root: Path) -> Iterator[Path]:
    """Temporary files and folders under `root` whose writer is no longer running."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not entry.name.startswith("."):
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                continue
            m = TEMP.match(entry.name) or TEMP_DIR.match(entry.name)
            if m and int(m.group(1)) != os.getpid() and not alive(int(m.group(1))):
                yield Path(entry.path)


class WriteBatch:
    """Atomic writes of many files with one sync: every temporary file is written, the file system is
    synced once, then each is renamed into place. A crash before the renames leaves only temporary files
    (swept later); after them, complete files. Used where one step writes thousands of worksheets.

    With `root` (a workspace), every path is under it and every folder is reached through `lab.storage.safefs`:
    no link is followed, missing folders are made, and a folder that is made a link before the renames
    leaves its file unwritten, listed in `failed` with the reason, while the others are written."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self.pending: list[tuple[str, Path]] = []
        self.failed: list[tuple[Path, UnsafePath]] = []
        self._dirs: set[Path] = set()
        self._pid, self._token, self._n = os.getpid(), secrets.token_hex(4), 0

    def ensure_dir(self, folder: Path) -> None:
        """Create a folder once per batch (checking first: a failing mkdir costs far more than a stat)."""
        if folder not in self._dirs:
            if self.root is not None:
                safefs.ensure_dir(self.root, self._rel(folder))
            elif not folder.is_dir():
                folder.mkdir(parents=True, exist_ok=True)
            self._dirs.add(folder)

    def write(self, path: Path, data: bytes) -> None:
        self._write(path, (data,))

    def write_chunks(self, path: Path, chunks: Iterable[str]) -> None:
        """Like write(), for text produced piece by piece (a large page streamed from a template)."""
        self._write(path, (c.encode("utf-8") for c in chunks))

    def _write(self, path: Path, pieces: Iterable[bytes]) -> None:
        if self.root is None:
            self.ensure_dir(path.parent)
        with self._folder(path, create=True) as dir_fd:
            fd, tmp = self._temp(path, dir_fd)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.writelines(pieces)
            except BaseException:
                _unlink(tmp, dir_fd)
                raise
        self.pending.append((tmp, path))

    @contextmanager
    def _folder(self, path: Path, create: bool = False) -> Iterator[int | None]:
        """The folder of `path` as a descriptor reached safely (with a root), else None (paths are used)."""
        if self.root is None:
            yield None
            return
        fd = safefs.open_dir(self.root, self._rel(path.parent), create=create)
        try:
            yield fd
        finally:
            os.close(fd)

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()  # type: ignore[arg-type]
        except ValueError:
            raise UnsafePath(str(path), "is not inside the workspace: write inside it") from None

    def _temp(self, path: Path, dir_fd: int | None) -> tuple[int, str]:
        """A new temporary file next to `path`, created with the mode a plain open() gives (the umask
        applies), named `.<name>.<pid>.<token><n>.tmp` (relative to `dir_fd` when given); cheaper than
        mkstemp followed by chmod."""
        folder = "" if dir_fd is not None else f"{path.parent}/"
        while True:
            self._n += 1
            tmp = f"{folder}.{path.name}.{self._pid}.{self._token}{self._n}.tmp"
            try:
                return os.open(
                    tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o666, dir_fd=dir_fd
                ), tmp
            except FileExistsError:
                self._token = secrets.token_hex(4)

    def commit(self) -> list[Path]:
        """Make every pending write durable and visible; returns the paths written."""
        if not self.pending:
            return []
        os.sync()
        done = []
        for tmp, path in self.pending:
            try:
                with self._folder(path) as dir_fd:
                    os.replace(
                        tmp, path if dir_fd is None else path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd
                    )
            except (UnsafePath, FileNotFoundError) as exc:
                if self.root is None:
                    raise
                self.failed.append((path, exc if isinstance(exc, UnsafePath) else UnsafePath(
                    self._rel(path.parent), "was removed while it was being written: run again")))  # fmt: skip
                continue
            done.append(path)
        self.pending.clear()
        return done

    def abort(self) -> None:
        for tmp, path in self.pending:
            try:
                with self._folder(path) as dir_fd:
                    _unlink(tmp, dir_fd)
            except (UnsafePath, OSError):
                pass  # its folder is gone or unsafe now; a sweep finds what is left
        self.pending.clear()


def _unlink(name: str, dir_fd: int | None) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass


def decode_text(data: bytes, source: str, limit: int, error: type[Exception], hint: str = "") -> str:
    """A user's file as text: refused past `limit` bytes; UTF-8 (BOM accepted) or an error naming the line."""
    if len(data) > limit:
        raise error(f"{source}: file is larger than {limit // 1_000_000} MB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(f"{source}:{line}: not UTF-8 text{hint}") from None


def read_limited(path: Path, limit: int, error: type[Exception], root: Path | None = None) -> bytes:
    """A file the user names (an import, a roster): a regular file (a pipe never blocks, a device is never
    opened), refused past `limit` bytes and never read further than that; problems are `error`s.

    A file inside the workspace `root` is read like every workspace file (lab.storage.safefs: no link anywhere on
    its way); one outside it is the user's own choice."""
    if root is not None:
        path, root = Path(os.path.normpath(path.absolute())), Path(os.path.normpath(root.absolute()))
        if path.is_relative_to(root):
            return _read_in(root, path.relative_to(root).as_posix(), limit, error, str(path))
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{path} is {safefs.kind(st)}, not a regular file: give a real file")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):  # swapped since the stat
            raise error(f"{path} is {safefs.kind(opened)}, not a regular file: give a real file")
        chunks, got = [], 0
        while got <= limit and opened.st_size <= limit:
            data = os.read(fd, min(safefs.CHUNK, limit + 1 - got))
            if not data:
                break
            chunks.append(data)
            got += len(data)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    if got > limit or opened.st_size > limit:
        raise error(f"{path}: file is larger than {limit // 1_000_000} MB")
    return b"".join(chunks)


def _read_in(root: Path, rel: str, limit: int, error: type[Exception], source: str) -> bytes:
    """A file under the workspace through lab.storage.safefs; every problem is an `error` naming `source`."""
    try:
        return safefs.read_bytes(root, rel, limit)
    except FileNotFoundError:
        raise error(f"{source}: cannot read: No such file or directory") from None
    except TooLarge:
        raise error(f"{source}: file is larger than {limit // 1_000_000} MB") from None
    except UnsafePath as exc:
        raise error(str(exc)) from None


def read_text(
    path: Path, limit: int, error: type[Exception], hint: str = "", root: Path | None = None
) -> str:
    """Read a user's file with read_limited() and decode_text(); an unreadable file is the same kind of
    error."""
    return decode_text(read_limited(path, limit, error, root), str(path), limit, error, hint)


def output_file(path: Path, error: type[Exception]) -> Path:
    """A file the user asks us to write outside the workspace (an export, a backup), checked first: its folder
    exists (none is made), and nothing but an ordinary file is replaced there (never a device such as
    /dev/null, a folder or a pipe). Returns the absolute path."""
    path = Path(os.path.normpath(path.absolute()))
    if not path.parent.is_dir():
        raise error(f"{path.parent} is not an existing folder; create it first or choose another place")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return path
    if not (
        stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)
    ):  # a link is replaced, never written through
        raise error(f"{path} is {safefs.kind(st)}; give the path of a new or ordinary file")
    return path
