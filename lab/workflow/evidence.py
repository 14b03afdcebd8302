"""Evidence files (*bukti dukung*) uploaded into a proposal's `evidence/` folder.

An upload is written as it arrives (`Upload.write`), never held whole in memory: into a temporary file inside
the real `evidence/` folder (reached through lab.storage.safefs, no link followed), within the `[evidence]`
limits of cohort.toml (max_file_mb per file, max_proposal_mb for all the proposal's files), and kept only if
its name's extension is on the allow-list AND its first bytes are of that kind (`sniff`): PDF, PNG, JPEG,
GIF, WEBP, the Office zip containers docx/xlsx/pptx (checked inside: the part that makes each, no macros),
MP4, WEBM, MP3, and plain UTF-8 text. The kept name is made safe (`safe_name`: the last path part only,
lower-case ASCII words joined by '-', no leading dot, bounded length), and a name already taken gets a
suffix (`-2`, `-3`, …): an upload never replaces a file. The file is linked into place atomically.
"""

from __future__ import annotations

import codecs
import datetime as dt
import errno
import os
import secrets
import stat
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from lab.domain.errors import LabError, mb
from lab.domain.slug import slugify
from lab.outputs.showcase_evidence import PASSIVE
from lab.storage import safefs
from lab.storage.files import file_mode
from lab.workspace.settings import Workspace
from lab.workspace.settings_tables import EvidencePolicy

ALLOWED = PASSIVE  # the kinds the showcase links: documents, images, audio, video that run nothing
MAX_STEM = 80  # characters of a kept name before its extension
MAX_TRIES = 1_000  # suffixes tried for a name already taken
SNIFF_BYTES = 16
OFFICE_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
MAX_ZIP_ENTRIES = 10_000


REASONS: dict[str, dict[str, str]] = {
    "type": {"id": "'{name}': jenis berkas ini tidak diterima; yang diterima: {allowed}",
             "en": "'{name}': this type of file is not accepted; accepted: {allowed}"},
    "file_size": {"id": "'{name}' lebih besar dari {limit} MB ([evidence] max_file_mb di cohort.toml); perkecil berkasnya",
                  "en": "'{name}' is larger than {limit} MB ([evidence] max_file_mb in cohort.toml); make it smaller"},
    "proposal_size": {
        "id": "bukti dukung usulan ini akan melebihi {limit} MB ([evidence] max_proposal_mb di cohort.toml); "
              "hapus satu berkas atau perkecil berkas ini",
        "en": "the evidence of this proposal would pass {limit} MB ([evidence] max_proposal_mb in cohort.toml); "
              "remove a file or make this one smaller"},
    "content": {"id": "'{name}' bukan berkas {kind} (isinya berjenis lain); unggah berkas aslinya, dengan ekstensinya sendiri",
                "en": "'{name}' is not a {kind} file (its content is of another kind); upload the file itself, with its "
                      "own extension"},
    "utf8": {"id": "'{name}' bukan teks UTF-8; simpan sebagai UTF-8 atau PDF",
             "en": "'{name}' is not UTF-8 text; save it as UTF-8 or as a PDF"},
    "control": {"id": "'{name}' berisi karakter kendali, bukan teks biasa; unggah sebagai PDF",
                "en": "'{name}' holds control characters, not plain text; upload it as a PDF"},
    "empty": {"id": "'{name}' kosong; pilih berkasnya lagi", "en": "'{name}' is empty; choose the file again"},
    "office": {"id": "'{name}' bukan dokumen {kind}; simpan ulang dari program perkantorannya, atau sebagai PDF",
               "en": "'{name}' is not a {kind} document; save it again from the office program, or as a PDF"},
    "macros": {"id": "'{name}' berisi makro; simpan tanpa makro, atau sebagai PDF",
               "en": "'{name}' contains macros; save it without macros, or as a PDF"},
    "names": {"id": "terlalu banyak berkas bernama seperti '{name}'; ganti nama berkasnya",
              "en": "too many files named like '{name}'; rename the file"},
    "files": {"id": "paling banyak {limit} berkas sekali unggah", "en": "at most {limit} files in one upload"},
}  # fmt: skip


class EvidenceRefused(LabError):
    """An upload that is not kept: its name, type or size. `text(lang)` is the reason in the team's language;
    the message (str) is in English, as the engine's other reasons."""

    def __init__(self, reason: str, **params: object) -> None:
        self.reason, self.params = reason, params
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        """The reason in Bahasa Indonesia ("id") or English."""
        return REASONS[self.reason]["en" if lang == "en" else "id"].format(**self.params)


def safe_name(raw: str) -> str:
    """The name an uploaded file is kept under: the last part of `raw` only, its stem as a slug, its
    extension lower-case and on the allow-list (EvidenceRefused otherwise)."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    stem, ext = stem[:1000], ext.lower()[:10] if dot else ""
    if not dot or not stem.strip(". ") or ext not in ALLOWED:
        allowed = ", ".join(sorted(ALLOWED))
        raise EvidenceRefused("type", name=slugify(base[:1000]) or "?", allowed=allowed)
    return f"{slugify(stem, 'file')[:MAX_STEM].rstrip('-') or 'bukti'}.{ext}"


def _mp3(head: bytes) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


SIGNATURES = {
    "pdf": lambda h: h.startswith(b"%PDF-"),
    "png": lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpg": lambda h: h.startswith(b"\xff\xd8\xff"),
    "jpeg": lambda h: h.startswith(b"\xff\xd8\xff"),
    "gif": lambda h: h[:6] in (b"GIF87a", b"GIF89a"),
    "webp": lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP",
    "docx": lambda h: h.startswith(b"PK\x03\x04"),
    "xlsx": lambda h: h.startswith(b"PK\x03\x04"),
    "pptx": lambda h: h.startswith(b"PK\x03\x04"),
    "mp4": lambda h: h[4:8] == b"ftyp",
    "webm": lambda h: h.startswith(b"\x1a\x45\xdf\xa3"),
    "mp3": _mp3,
    "txt": lambda h: True,  # checked as UTF-8 text while it streams
}
_TEXT_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}


def folder_of(ws: Workspace, team_slug: str, code: str) -> str:
    """The workspace-relative evidence folder of a proposal."""
    return f"{ws.teams_dir.relative_to(ws.root).as_posix()}/{team_slug}/{code}/evidence"


@dataclass(frozen=True)
class Stored:
    """An evidence file in the folder: its name and size in bytes."""

    name: str
    size: int


def list_evidence(ws: Workspace, folder: str) -> list[Stored]:
    """The regular files of an evidence folder (no hidden, linked or special file), by name."""
    try:
        fd = safefs.open_dir(ws.root, folder)
    except FileNotFoundError:
        return []
    try:
        out = []
        for name in os.listdir(fd):
            if name.startswith("."):
                continue  # temporary files of an upload in progress
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISREG(st.st_mode) and st.st_nlink == 1:
                out.append(Stored(name, st.st_size))
        return sorted(out, key=lambda s: s.name)
    finally:
        os.close(fd)


class Upload:
    """One file being received: `start(name)`, then `write(chunk)` as bytes arrive, then `finish()` (or
    `abort()`, which leaves nothing behind). Each step raises EvidenceRefused with the team's reason."""

    def __init__(self, ws: Workspace, folder: str, limits: EvidencePolicy) -> None:
        self.ws, self.folder, self.limits = ws, folder, limits
        self.fd: int | None = None  # the temporary file
        self.dir_fd: int | None = None
        self.tmp = self.name = self.ext = ""
        self.size = 0
        self.head = b""
        self.budget = 0  # bytes this file may still have
        self.decoder = None

    def start(self, raw_name: str) -> str:
        """Check the name and open the temporary file in the evidence folder; the safe name."""
        self.name = safe_name(raw_name)
        self.ext = self.name.rsplit(".", 1)[1]
        used = sum(s.size for s in list_evidence(self.ws, self.folder))
        self.budget = min(self.limits.max_file_bytes, self.limits.max_proposal_bytes - used)
        if self.budget <= 0:
            raise EvidenceRefused("proposal_size", limit=mb(self.limits.max_proposal_bytes))
        self.dir_fd = safefs.open_dir(self.ws.root, self.folder, create=True)
        self.tmp = f".{self.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        self.fd = os.open(self.tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                          file_mode(), dir_fd=self.dir_fd)  # fmt: skip
        if self.ext == "txt":
            self.decoder = codecs.getincrementaldecoder("utf-8")()
        return self.name

    def write(self, chunk: bytes) -> None:
        """Keep the next bytes of the file, within the limits and of the kind its name says."""
        assert self.fd is not None
        self.size += len(chunk)
        if self.size > self.budget:
            if self.size > self.limits.max_file_bytes:
                raise EvidenceRefused("file_size", name=self.name, limit=mb(self.limits.max_file_bytes))
            raise EvidenceRefused("proposal_size", limit=mb(self.limits.max_proposal_bytes))
        if len(self.head) < SNIFF_BYTES:
            before = len(self.head)
            self.head += chunk[: SNIFF_BYTES - before]
            if len(self.head) >= SNIFF_BYTES and not before >= SNIFF_BYTES:
                self._sniff()
        if self.decoder is not None:
            self._text(chunk, final=False)
        view = memoryview(chunk)
        while view:
            view = view[os.write(self.fd, view) :]

    def _sniff(self) -> None:
        if not SIGNATURES[self.ext](self.head):
            raise EvidenceRefused("content", name=self.name, kind=self.ext.upper())

    def _text(self, chunk: bytes, final: bool) -> None:
        try:
            text = self.decoder.decode(chunk, final)
        except UnicodeDecodeError:
            raise EvidenceRefused("utf8", name=self.name) from None
        if any(ord(c) in _TEXT_CONTROL for c in text):
            raise EvidenceRefused("control", name=self.name)

    def finish(self) -> Stored:
        """Check the whole file, make it durable and link it into place under a free name."""
        assert self.fd is not None and self.dir_fd is not None
        if self.size == 0:
            raise EvidenceRefused("empty", name=self.name)
        if len(self.head) < SNIFF_BYTES:
            self._sniff()
        if self.decoder is not None:
            self._text(b"", final=True)
        os.fsync(self.fd)
        if self.ext in OFFICE_PART:
            self._office()
        os.close(self.fd)
        self.fd = None
        name = self._link()
        os.unlink(self.tmp, dir_fd=self.dir_fd)
        self.tmp = ""
        self._close_dir()
        return Stored(name, self.size)

    def _office(self) -> None:
        """A docx/xlsx/pptx is a zip holding the part that makes it, and no macros."""
        try:
            with os.fdopen(os.dup(self.fd), "rb") as fh, zipfile.ZipFile(fh) as z:
                infos = z.infolist()
                names = {i.filename for i in infos[:MAX_ZIP_ENTRIES]}
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            names, infos = set(), []
        if (
            len(infos) > MAX_ZIP_ENTRIES
            or "[Content_Types].xml" not in names
            or OFFICE_PART[self.ext] not in names
        ):
            raise EvidenceRefused("office", name=self.name, kind=self.ext.upper())
        if any(PurePosixPath(n).name.lower() == "vbaproject.bin" for n in names):
            raise EvidenceRefused("macros", name=self.name)

    def _link(self) -> str:
        stem, ext = self.name.rsplit(".", 1)
        for n in range(1, MAX_TRIES + 1):
            name = self.name if n == 1 else f"{stem}-{n}.{ext}"
            try:  # a hard link never replaces an entry: a name taken meanwhile is simply the next try
                os.link(self.tmp, name, src_dir_fd=self.dir_fd, dst_dir_fd=self.dir_fd, follow_symlinks=False)
                return name
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno != errno.EEXIST:
                    raise
        raise EvidenceRefused("names", name=self.name)

    def abort(self) -> None:
        """Remove the temporary file, if any (nothing of a refused upload is kept)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.tmp and self.dir_fd is not None:
            try:
                os.unlink(self.tmp, dir_fd=self.dir_fd)
            except FileNotFoundError:
                pass
            self.tmp = ""
        self._close_dir()

    def _close_dir(self) -> None:
        if self.dir_fd is not None:
            os.close(self.dir_fd)
            self.dir_fd = None


REMOVED = ".dihapus"  # inside evidence/: files a team removed, kept (hidden from lists and the showcase)


def remove_evidence(ws: Workspace, folder: str, name: str) -> str | None:
    """Take a listed evidence file out of the proposal's evidence: it moves, under a dated name, into the
    hidden `.dihapus/` folder beside it (a click on the wrong button loses nothing; the facilitator can put it
    back). The name of the kept copy, or None when `name` is not one of the listed files."""
    if name not in {s.name for s in list_evidence(ws, folder)}:
        return None
    fd = safefs.open_dir(ws.root, folder)
    try:
        try:
            os.mkdir(REMOVED, 0o700, dir_fd=fd)
        except FileExistsError:
            pass
        bin_fd = os.open(REMOVED, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                         dir_fd=fd)  # fmt: skip
        try:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
            for n in range(1, MAX_TRIES + 1):
                kept = f"{stamp}-{name}" if n == 1 else f"{stamp}-{n}-{name}"
                try:  # a link never replaces an entry; then the listed name goes
                    os.link(name, kept, src_dir_fd=fd, dst_dir_fd=bin_fd, follow_symlinks=False)
                except FileExistsError:
                    continue
                os.unlink(name, dir_fd=fd)
                return kept
            raise EvidenceRefused("names", name=name)
        finally:
            os.close(bin_fd)
    finally:
        os.close(fd)
