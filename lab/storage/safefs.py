"""Safe paths under a workspace: nothing outside it is read, published or written through a link or a
special file, nor a file that has other names (a hard link) (issue 9).

Every file of a workspace is written by someone the tool must not trust. A path under the workspace is
therefore walked one component at a time from the workspace's real folder, each folder opened with
`O_NOFOLLOW | O_DIRECTORY` relative to the one before (`dir_fd`): a symbolic link anywhere, a file where a
folder belongs, `..` or an absolute path is refused with `UnsafePath`, and so is a last component that is
not a regular file (a named pipe, a device, a socket, a folder) or is a regular file with more than one
name (`st_nlink > 1`: a hard link to a file outside the workspace, or to lab.db, would be read, published
and saved as if it were the team's; what the tool writes is renamed into place and has one name). Files
are opened with `O_NONBLOCK`, so a named pipe never blocks, and are `fstat`-checked after opening. Reads
stop at a limit, whatever the file claims its size is.

    check(root, rel)            -> os.stat_result | None   the file's lstat, or None if absent
    open_file(root, rel)        -> int                     a read-only descriptor of a regular file
    read_bytes(root, rel, n)    -> bytes                   at most n bytes, or TooLarge
    copy_to(root, rel, out, n)  -> int                     streamed, at most n bytes, or TooLarge
    open_dir(root, rel, create) -> int                     a descriptor of a real folder
    ensure_dir(root, rel)       -> Path                    real folders, created if missing
    writable(root, rel)         -> Path                    where a file may be written (atomically renamed)
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from lab.domain.errors import TooLarge, UnsafePath

__all__ = ["TooLarge", "UnsafePath", "check", "copy_to", "ensure_dir", "open_dir", "open_file", "read_bytes",
           "writable"]  # fmt: skip

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
CHUNK = 1 << 20


def kind(st: os.stat_result) -> str:
    """What a file-system entry is, in words."""
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _refusal(rel: str, st: os.stat_result, want: str) -> UnsafePath:
    """The error for an entry that is not the `want` ("file" or "folder") it should be."""
    what = kind(st)
    if stat.S_ISLNK(st.st_mode):
        return UnsafePath(rel, f"is a symbolic link; links are not followed: replace it with a real {want}")
    return UnsafePath(rel, f"is {what}, not a {'regular file' if want == 'file' else want}: "
                           f"replace it with a real {want}")  # fmt: skip


def _linked(rel: str) -> UnsafePath:
    """The error for a regular file that has other names (a hard link): it may be any file of the machine
    that the workspace's owner can read, so it is refused like a symbolic link."""
    return UnsafePath(rel, "has other names (a hard link); links are not followed: replace it with a copy of "
                           "the file")  # fmt: skip


def parts(rel: str | PurePosixPath) -> tuple[str, ...]:
    """The components of a workspace-relative path; `..`, an absolute or an empty path is refused."""
    text = str(rel)
    path = PurePosixPath(text)
    if not text or path.is_absolute() or ".." in path.parts or "\x00" in text or not path.parts:
        shown = text.replace("\x00", "\\0") or "''"
        raise UnsafePath(shown, "is not a path inside the workspace: use a relative path without '..'")
    return path.parts


def _open_root(root: Path) -> int:
    """The workspace folder itself (the one path followed: the facilitator chose it); FileNotFoundError if
    it does not exist."""
    try:
        return os.open(os.path.realpath(root), os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnsafePath(str(root), f"cannot be opened as the workspace folder: {exc.strerror}") from None


def _os_error(rel: str, exc: OSError) -> UnsafePath:
    if exc.errno == errno.ENAMETOOLONG:
        return UnsafePath(rel, "has a name that is too long: rename it")
    return UnsafePath(rel, f"cannot be read: {exc.strerror}")


def _lstat_at(name: str, fd: int) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _enter(fd: int, name: str, rel: str, create: bool) -> int | None:
    """Open folder `name` under `fd` without following a link; None if absent (and not created)."""
    while True:
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=fd)
        except FileNotFoundError:
            if not create:
                return None
            try:
                os.mkdir(name, 0o777, dir_fd=fd)
            except FileExistsError:
                pass  # made meanwhile (or a dangling link): look again
            except OSError as exc:
                raise UnsafePath(rel, f"cannot be created: {exc.strerror}") from None
        except OSError as exc:
            st = _lstat_at(name, fd)
            if st is not None and not stat.S_ISDIR(st.st_mode):
                raise _refusal(rel, st, "folder") from None
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # changed between the open and the lstat
                raise UnsafePath(rel, "is not a real folder: replace it with a real folder") from None
            raise _os_error(rel, exc) from None


@contextmanager
def _parent(root: Path, names: tuple[str, ...], create: bool = False) -> Iterator[int | None]:
    """A descriptor of the folder holding the last of `names`, reached without following links (None if a
    folder on the way is absent and not created)."""
    try:
        fd: int | None = _open_root(root)
    except FileNotFoundError:
        if create:
            raise UnsafePath(str(root), "does not exist: give an existing workspace folder") from None
        fd = None
    try:
        for i, name in enumerate(names[:-1]):
            if fd is None:
                break
            nxt = _enter(fd, name, "/".join(names[: i + 1]), create)
            os.close(fd)
            fd = nxt
        yield fd
    finally:
        if fd is not None:
            os.close(fd)


def check(root: Path, rel: str | PurePosixPath) -> os.stat_result | None:
    """The lstat of a regular file at `rel` under `root`, or None if it (or a folder above it) is absent.

    UnsafePath if any component is a link, a folder above it is not a real folder, or it is not a regular
    file."""
    names = parts(rel)
    with _parent(root, names) as fd:
        if fd is None:
            return None
        try:
            st = _lstat_at(names[-1], fd)
        except OSError as exc:
            raise _os_error("/".join(names), exc) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise _refusal("/".join(names), st, "file")
    if st is not None and st.st_nlink > 1:
        raise _linked("/".join(names))
    return st


def open_file(root: Path, rel: str | PurePosixPath) -> int:
    """A read-only descriptor of the regular file at `rel`; the caller closes it.

    FileNotFoundError if it is absent; UnsafePath if it is a link, a special file or under one."""
    names = parts(rel)
    where = "/".join(names)
    with _parent(root, names) as fd:
        st = None if fd is None else _lstat_at(names[-1], fd)
        if st is None:
            raise FileNotFoundError(errno.ENOENT, "file is missing", where)
        if not stat.S_ISREG(st.st_mode):  # refused before opening: opening a device can act on it
            raise _refusal(where, st, "file")
        if st.st_nlink > 1:
            raise _linked(where)
        try:
            out = os.open(names[-1], _FILE_FLAGS, dir_fd=fd)
        except FileNotFoundError:
            raise
        except OSError as exc:  # ELOOP: it became a link since the lstat
            raise _os_error(where, exc) from None
    opened = os.fstat(out)
    if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (st.st_dev, st.st_ino):
        os.close(out)
        raise UnsafePath(where, "changed while it was being read: run again")
    if opened.st_nlink > 1:  # linked since the lstat
        os.close(out)
        raise _linked(where)
    return out


def _too_large(rel: str, size: int, limit: int) -> TooLarge:
    return TooLarge(rel, size, limit)


def read_bytes(root: Path, rel: str | PurePosixPath, limit: int) -> bytes:
    """The content of the regular file at `rel`, or TooLarge past `limit` bytes (never reads more than
    `limit + 1`); FileNotFoundError if absent, UnsafePath as for open_file()."""
    out = io.BytesIO()
    copy_to(root, rel, out, limit)
    return out.getvalue()


def copy_to(root: Path, rel: str | PurePosixPath, out: BinaryIO, limit: int) -> int:
    """Stream the regular file at `rel` into `out`; returns the bytes copied. TooLarge past `limit`
    (checked from the file's size first; what was already written to `out` is the caller's to discard)."""
    where = "/".join(parts(rel))
    fd = open_file(root, rel)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise _too_large(where, size, limit)
        got = 0
        while True:
            try:
                data = os.read(fd, min(CHUNK, limit + 1 - got))
            except OSError as exc:
                raise _os_error(where, exc) from None
            if not data:
                return got
            got += len(data)
            if got > limit:
                raise _too_large(where, got, limit)
            out.write(data)
    finally:
        os.close(fd)


def open_dir(root: Path, rel: str | PurePosixPath, create: bool = False) -> int:
    """A descriptor of the folder `rel` under `root` (`.` is the workspace itself), reached without
    following links, each missing folder created with `create`; the caller closes it. FileNotFoundError
    if it is absent (without `create`); UnsafePath if a component is a link or not a folder."""
    if str(rel) in ("", "."):
        return _open_root(root)
    names = parts(rel)
    with _parent(root, (*names, ""), create=create) as fd:  # every name is a folder to enter
        if fd is None:
            raise FileNotFoundError(errno.ENOENT, "folder is missing", "/".join(names))
        return os.dup(fd)


def ensure_dir(root: Path, rel: str | PurePosixPath) -> Path:
    """The folder `rel` under `root`, each missing folder created; UnsafePath if any component is a link
    or not a folder."""
    os.close(open_dir(root, rel, create=True))
    return Path(root, *parts(rel))


def writable(root: Path, rel: str | PurePosixPath) -> Path:
    """The absolute path at which to write the file `rel`: every folder above it is a real folder under
    `root` (created if missing) and the file is absent or a regular file. Write it by renaming a temporary
    file into place (files.write_atomic, WriteBatch): a rename replaces an entry, it never writes through
    one."""
    names = parts(rel)
    with _parent(root, names, create=True) as fd:
        assert fd is not None
        st = _lstat_at(names[-1], fd)
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise _refusal("/".join(names), st, "file")
    return Path(root, *names)
