"""Reading a backup archive as the untrusted input it is (`lab restore`).

Anyone may have made the archive. It is read once, as a stream, into a temporary folder:

- only the members `lab backup` writes are taken — the manifest, `database.sqlite`, and under `workspace/`
  cohort.toml, roster.csv, teams/ and reviews/ (and templates/ when asked) — as regular files and folders;
  any other name (lab.db, a lock file, showcase/, `..`, an absolute path) or kind (a link, a device, a
  pipe, a sparse file) is refused with one line naming the member;
- the expanded size and the number of members are counted as they are read, not taken from the headers:
  `LAB_RESTORE_MAX_BYTES` (default 1 GB, or 100 times the archive's own size if that is more: a real
  backup of many small worksheets in 512-byte tar blocks shrinks about 20 times, a gzip bomb 1,000 times)
  and `LAB_RESTORE_MAX_MEMBERS` (default 1,000,000; a national-scale cohort has about 350,000 files).
  Both variables also let the tests use small bounds;
- what it unpacked to is then checked by lab.workspace.archive_checks: the manifest field by field, the
  database as SQLite with Labinov's tables and nothing else that runs, its rows naming only Labinov's paths.

Every refusal is a `UsageError` that starts with the archive's path and ends with "nothing restored".
"""

from __future__ import annotations

import gzip
import os
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lab.domain.errors import UsageError, mb
from lab.workspace.lock import HOLDER_FILE, LOCK_FILE

FORMAT = 1
MANIFEST = "labinov-backup.json"
DATABASE = "database.sqlite"
ROOT = "workspace"
SAVED_FILES = ("cohort.toml", "roster.csv")
SAVED_DIRS = ("teams", "reviews")
TEMPLATES = "templates"  # the cohort's own worksheet templates: restored only when asked
SKIP_FILES = frozenset({"lab.db", "lab.db-wal", "lab.db-shm", LOCK_FILE, HOLDER_FILE})

MAX_BYTES = 1_000_000_000  # expanded size accepted from any archive ...
RATIO = 100  # ... or this many times the archive's own size, if that is more
MAX_MEMBERS = 1_000_000
MAX_SMALL = 1_000_000  # the manifest and cohort.toml
MAX_NAME = 4096
MAX_HEADER = 1 << 20  # one read of tar metadata (a pax or long-name header); data is read in CHUNKs
CHUNK = 1 << 16


def refuse(archive: Path, what: str) -> UsageError:
    """The one-line error for an archive that is not restored."""
    end = " Nothing restored." if what.endswith(("?", ".")) else "; nothing restored"
    return UsageError(f"{archive}: {what}{end}")


def _limit(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) <= 0:
        raise UsageError(f"{name} must be a positive whole number, not {value!r}")
    return int(value)


def limits(archive_size: int) -> tuple[int, int]:
    """The most bytes an archive of this size may expand to, and the most members it may hold."""
    most = max(_limit("LAB_RESTORE_MAX_BYTES", MAX_BYTES), RATIO * archive_size)
    return most, _limit("LAB_RESTORE_MAX_MEMBERS", MAX_MEMBERS)


class _Bounded:
    """The decompressed tar stream, refused as soon as it grows past `limit` bytes or asks for one piece
    of metadata larger than MAX_HEADER (tarfile would read it into memory whole)."""

    def __init__(self, raw: gzip.GzipFile, limit: int, archive: Path):
        self.raw, self.limit, self.archive = raw, limit, archive

    def _too_large(self) -> UsageError:
        return refuse(self.archive, f"it expands past {mb(self.limit)} MB, the most a restore accepts from an "
                                    "archive of its size (LAB_RESTORE_MAX_BYTES raises the limit)")  # fmt: skip

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0 or n > MAX_HEADER:
            raise refuse(self.archive, f"it holds a member header larger than {mb(MAX_HEADER)} MB")
        data = self.raw.read(n)
        if self.raw.tell() > self.limit:
            raise self._too_large()
        return data

    def seek(self, pos: int, whence: int = 0) -> int:
        if whence != 0 or pos > self.limit:
            raise self._too_large()
        return self.raw.seek(pos)

    def tell(self) -> int:
        return self.raw.tell()

    def remaining(self) -> int:
        return self.limit - self.raw.tell()


@dataclass
class Unpacked:
    """What `unpack` found besides the files it wrote: the manifest's bytes and the template files."""

    manifest: bytes | None = None
    templates: int = 0
    templates_skipped: int = 0
    folders: set[Path] = field(default_factory=set)  # made under the stage already


def unpack(archive: Path, stage: Path, templates: bool) -> Unpacked:
    """Write the archive's allowed members under `stage` (database.sqlite, workspace/…); see the module."""
    try:
        size = os.stat(archive).st_size
        fh = open(archive, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise refuse(archive, f"cannot be read ({exc.strerror})") from None
    most, members = limits(size)
    found = Unpacked()
    with fh, gzip.GzipFile(fileobj=fh, mode="rb") as gz:
        stream = _Bounded(gz, most, archive)
        try:
            tar = tarfile.open(fileobj=stream, mode="r:")  # type: ignore[call-overload]
            n = 0
            while (member := tar.next()) is not None:
                tar.members.clear()  # memory stays flat, whatever the number of members
                n += 1
                if n > members:
                    raise refuse(archive, f"it holds more than {members:,} members, the most a restore accepts "
                                          "(LAB_RESTORE_MAX_MEMBERS raises the limit)")  # fmt: skip
                _take(archive, tar, member, stream, stage, templates, found)
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise UsageError(f"{archive}: not a Labinov backup, or a damaged one ({reason})") from None
    if found.manifest is None:
        raise UsageError(f"{archive}: not a Labinov backup (no {MANIFEST})")
    for name in (DATABASE, f"{ROOT}/{SAVED_FILES[0]}"):
        if not (stage / name).is_file():
            raise refuse(archive, f"it holds no {name}, which every Labinov backup has")
    return found


def _kind(member: tarfile.TarInfo) -> str | None:
    """What a member is, in words, unless it is a regular file or a folder."""
    if member.issym():
        return "a symbolic link"
    if member.islnk():
        return "a hard link"
    if member.ischr() or member.isblk():
        return "a device"
    if member.isfifo():
        return "a named pipe (FIFO)"
    if member.issparse():
        return "a sparse file"
    if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.DIRTYPE):
        return f"an entry of type {member.type!r}"
    return None


def _place(parts: list[str], folder: bool) -> str | None:
    """Where a member belongs: "small" (read into memory), "file", "templates", or None if `backup`
    never writes it."""
    if parts in ([MANIFEST], [DATABASE]):
        return None if folder else "small" if parts[0] == MANIFEST else "file"
    if parts[0] != ROOT or "" in parts or "." in parts:
        return None
    rest = parts[1:]
    if not rest:
        return "file" if folder else None
    if any(p in SKIP_FILES or p.endswith(".tmp") for p in rest):
        return None
    if len(rest) == 1 and rest[0] in SAVED_FILES and not folder:
        return "file"
    if rest[0] in (*SAVED_DIRS, TEMPLATES) and (len(rest) > 1 or folder):
        return "templates" if rest[0] == TEMPLATES else "file"
    return None


def _take(archive: Path, tar: tarfile.TarFile, member: tarfile.TarInfo, stream: _Bounded, stage: Path,
          templates: bool, found: Unpacked) -> None:  # fmt: skip
    """Check one member and write it under `stage` (or keep it in memory, or skip it)."""
    name = member.name
    if len(name) > MAX_NAME or "\x00" in name:
        raise refuse(archive, f"member {name[:60]!r}… has a name no file system takes")
    parts = name.split("/")
    if name.startswith("/") or ".." in parts:
        raise refuse(archive, f"member {name!r} points outside the folder it is restored into")
    kind = _kind(member)
    if kind:
        raise refuse(archive, f"member {name!r} is {kind}; a backup holds only files and folders")
    where = _place(parts, member.isdir())
    if where is None:
        raise refuse(archive, f"member {name!r} is not something lab backup writes")
    if member.size > stream.remaining():
        raise stream._too_large()
    if where == "templates" and not templates:
        found.templates_skipped += not member.isdir()
        return
    found.templates += where == "templates" and not member.isdir()
    small = where == "small" or name == f"{ROOT}/{SAVED_FILES[0]}"
    if small and member.size > MAX_SMALL:
        raise refuse(archive, f"member {name!r} is {mb(member.size)} MB; in a backup it is far smaller")
    if where == "small":
        if found.manifest is not None:
            raise refuse(archive, f"member {name!r} appears twice")
        found.manifest = tar.extractfile(member).read(MAX_SMALL + 1)  # type: ignore[union-attr]
        return
    try:
        _write(tar, member, stage, parts, found.folders)
    except FileExistsError:
        raise refuse(archive, f"member {name!r} appears twice") from None
    except (NotADirectoryError, IsADirectoryError):
        raise refuse(archive, f"member {name!r} is both a file and a folder") from None


def _write(
    tar: tarfile.TarFile, member: tarfile.TarInfo, stage: Path, parts: list[str], made: set[Path]
) -> None:
    """A folder, or a new regular file written in chunks, under `stage` (which holds nothing else)."""
    folder = stage
    for part in parts[:-1]:
        folder = folder / part
        if folder in made:
            continue
        try:
            os.mkdir(folder)
        except FileExistsError:
            if not folder.is_dir():
                raise NotADirectoryError(str(folder)) from None
        made.add(folder)
    target = folder / parts[-1]
    if member.isdir():
        try:
            os.mkdir(target)
        except FileExistsError:
            if not target.is_dir():
                raise IsADirectoryError(str(target)) from None
        return
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    source = tar.extractfile(member)
    assert source is not None
    with os.fdopen(os.open(target, flags, 0o666), "wb") as out:
        while chunk := source.read(CHUNK):
            out.write(chunk)
