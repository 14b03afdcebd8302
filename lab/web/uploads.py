"""A multipart/form-data upload parsed as it streams (python-multipart's push parser), never held whole.

The first part must be the `csrf` field: it is checked before any byte of a file is kept; a body that starts
otherwise, or whose token is wrong, stops at once (`Forbidden`). Each `file` part then goes to a fresh
lab.workflow.evidence.Upload, which writes it as it arrives within the `[evidence]` limits; a refused file
stops the body (`EvidenceRefused`), and what it wrote is removed. Files finished before it are kept.
"""

from __future__ import annotations

from collections.abc import Callable

from python_multipart.multipart import MultipartParser, parse_options_header

from lab.workflow.evidence import EvidenceRefused, Stored, Upload

MAX_CSRF = 200  # bytes of the csrf field
MAX_FIELD = 1_000  # bytes of any other small field (ignored)
MAX_FILES = 20  # files in one upload


class Forbidden(Exception):
    """The body does not start with the session's CSRF token."""


class TooMany(EvidenceRefused):
    """More files in one upload than MAX_FILES."""

    def __init__(self) -> None:
        super().__init__("files", limit=MAX_FILES)


def boundary_of(content_type: str) -> bytes | None:
    """The multipart boundary of a Content-Type header, if it is multipart/form-data."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary or len(boundary) > 200:
        return None
    return boundary


class EvidenceStream:
    """Feed the body's chunks with `feed`, then `close`; `stored` lists the files kept."""

    def __init__(self, boundary: bytes, csrf_ok: Callable[[str], bool], new_upload: Callable[[], Upload]):
        self.csrf_ok, self.new_upload = csrf_ok, new_upload
        self.checked = False
        self.stored: list[Stored] = []
        self.upload: Upload | None = None
        self.kind = ""  # the current part: csrf | file | skip
        self.buffer = bytearray()
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.headers: dict[bytes, bytes] = {}
        callbacks = {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: self.header_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self.header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }
        self.parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]

    def feed(self, chunk: bytes) -> None:
        self.parser.write(chunk)

    def close(self) -> None:
        self.parser.finalize()
        if not self.checked:
            raise Forbidden()

    def abort(self) -> None:
        """Remove what a file part in progress wrote."""
        if self.upload is not None:
            self.upload.abort()
            self.upload = None

    def _begin(self) -> None:
        self.headers, self.kind = {}, "skip"
        self.buffer.clear()

    def _header_end(self) -> None:
        self.headers[bytes(self.header_name).lower()] = bytes(self.header_value)
        self.header_name.clear()
        self.header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"")
        filename = options.get(b"filename")
        if not self.checked:
            if name != b"csrf" or filename is not None:
                raise Forbidden()
            self.kind = "csrf"
        elif name == b"file" and filename:
            if len(self.stored) >= MAX_FILES:
                raise TooMany()
            self.upload = self.new_upload()
            self.upload.start(filename.decode("utf-8", "replace"))
            self.kind = "file"

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.kind == "file":
            assert self.upload is not None
            self.upload.write(bytes(data[start:end]))
        elif self.kind == "csrf":
            self.buffer.extend(data[start:end])
            if len(self.buffer) > MAX_CSRF:
                raise Forbidden()
        elif len(self.buffer) + end - start > MAX_FIELD:
            raise Forbidden()  # a large part that is not a file: not a form of ours
        else:
            self.buffer.extend(data[start:end])

    def _end(self) -> None:
        if self.kind == "csrf":
            if not self.csrf_ok(self.buffer.decode("utf-8", "replace")):
                raise Forbidden()
            self.checked = True
        elif self.kind == "file":
            assert self.upload is not None
            upload, self.upload = self.upload, None
            try:
                self.stored.append(upload.finish())
            except BaseException:
                upload.abort()
                raise
