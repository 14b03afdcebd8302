"""Reading a worksheet file: bytes to text, and the front matter read into a `Parsed` the field parser fills.

The front matter is the engine's own few `key: value` lines; a hand-edited one is read from YAML's event
stream only, so no YAML construct (alias, anchor, tag, nesting) ever builds a Python object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_BYTES = 2_000_000  # a worksheet larger than this is refused, not read


@dataclass
class Problem:
    """One thing wrong with a worksheet, at a line."""

    line: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason}


@dataclass
class Parsed:
    """The result of reading a worksheet: front matter, raw values, where each field is, and problems."""

    meta: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[tuple, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def fail(self, line: int, reason: str) -> None:
        self.problems.append(Problem(line, reason))


def decode(data: bytes, parsed: Parsed) -> str | None:
    """Bytes to text: UTF-8 (a BOM is accepted), CRLF accepted; None when unreadable."""
    if len(data) > MAX_BYTES:
        parsed.fail(
            1,
            f"file is {len(data) / 1e6:.1f} MB; worksheets are limited to {MAX_BYTES / 1e6:.0f} MB",
        )
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        parsed.fail(line, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Only the loader's event parser is used: no YAML node is ever composed or constructed into Python objects.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Front matter is a handful of flat `key: value` lines; anything beyond these bounds is refused, not read.
MAX_FM_LINES = 40
MAX_FM_BYTES = 4096
MAX_KEY = 40
MAX_VALUE = 200
_KEY = re.compile(rf"[A-Za-z_][A-Za-z0-9_-]{{0,{MAX_KEY - 1}}}")
_PLAIN = re.compile(rf"^([a-z_]{{1,{MAX_KEY}}}): ([A-Za-z0-9][A-Za-z0-9_.-]{{0,{MAX_VALUE - 1}}})$")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # double-quoted escapes such as "\0" or "\e" write them
_FLAT = "front matter must be 'key: value' lines"


def _simple_front_matter(lines: list[str]) -> dict[str, str] | None:
    """The front matter as the engine writes it (`key: plain-value` lines), read without YAML; None otherwise.

    Values are the text written (`007` stays "007"); whatever this does not take goes to the careful reader.
    """
    if len(lines) > MAX_FM_LINES:
        return None
    meta: dict[str, str] = {}
    for line in lines:
        m = _PLAIN.match(line)
        if not m or m.group(1) in meta:
            return None
        meta[m.group(1)] = m.group(2)
    return meta


def _read_front_matter(lines: list[str], parsed: Parsed) -> dict[str, str] | None:
    """Flat `key: value` front matter read from YAML's event stream: every value is the text written.

    No Python object is built from the YAML: aliases, anchors, tags, nested lists or mappings, duplicate keys
    and oversized front matter are each one problem at the line where they are; None then.
    """
    if len(lines) > MAX_FM_LINES:
        parsed.fail(
            MAX_FM_LINES + 2,
            f"front matter is longer than {MAX_FM_LINES} lines (it closes at line {len(lines) + 2}); "
            "keep only its 'key: value' lines, or add the missing closing '---'",
        )
        return None
    size = 0
    for n, line in enumerate(lines, 2):
        size += len(line.encode("utf-8", "surrogatepass")) + 1
        if size > MAX_FM_BYTES:
            parsed.fail(
                n,
                f"front matter is longer than {MAX_FM_BYTES} bytes; keep only its short 'key: value' lines",
            )
            return None
    source = "\n".join(lines)
    try:
        events = list(yaml.parse(source, Loader=_YAML_LOADER))  # events only: nothing is expanded or built
    except yaml.reader.ReaderError as exc:
        parsed.fail(
            source[: exc.position].count("\n") + 2,
            f"front matter contains a control character (U+{exc.character:04X}); remove it"
            if isinstance(exc.character, int)
            else "front matter is not readable text; save the file as UTF-8",
        )
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = " ".join(str(getattr(exc, "problem", None) or getattr(exc, "context", None) or "").split())
        parsed.fail(
            (mark.line + 2) if mark else 2,
            f"front matter is not valid YAML: {problem or 'unreadable'}",
        )
        return None
    return _flat(events, parsed)


def _flat(events: list, parsed: Parsed) -> dict[str, str] | None:
    """The key -> text pairs of one flat YAML mapping given as events; None with one problem otherwise."""
    meta: dict[str, str] = {}
    where: dict[str, int] = {}
    body = [e for e in events if not isinstance(e, (yaml.StreamStartEvent, yaml.StreamEndEvent))]
    if not body:
        return meta  # empty, or only comments
    for e in body:  # the attacks first, wherever they are
        line = e.start_mark.line + 2
        if isinstance(e, yaml.AliasEvent):
            parsed.fail(line, "front matter: aliases like '*name' are not allowed; write the value itself")
            return None
        if getattr(e, "anchor", None) is not None:
            parsed.fail(
                line, "front matter: anchors like '&name' are not allowed; write plain 'key: value' lines"
            )
            return None
        if getattr(e, "tag", None) is not None:
            parsed.fail(
                line,
                "front matter: tags like '!!str' or '!name' are not allowed; write plain 'key: value' lines",
            )
            return None
        if isinstance(e, yaml.DocumentStartEvent) and (e.version or e.tags):
            parsed.fail(line, "front matter: YAML directives like '%YAML' are not allowed; remove that line")
            return None
    first, mapping = body[0], body[1] if len(body) > 1 else None
    if first.explicit or not isinstance(mapping, yaml.MappingStartEvent):
        parsed.fail((mapping or first).start_mark.line + 2, _FLAT)
        return None
    i = 2
    while not isinstance(body[i], yaml.MappingEndEvent):
        key, value = body[i], body[i + 1]
        line = key.start_mark.line + 2
        if not isinstance(key, yaml.ScalarEvent):
            parsed.fail(line, "front matter keys must be plain names, not lists or mappings")
            return None
        name = key.value
        if name == "<<":
            parsed.fail(
                line, "front matter: merge keys ('<<') are not allowed; write each 'key: value' line out"
            )
            return None
        if not _KEY.fullmatch(name):
            shown = name if len(name) <= MAX_KEY else name[:MAX_KEY] + "…"
            parsed.fail(
                line,
                f"front matter key {shown!r} is not a name; keys are letters, digits, '_' or '-', "
                f"start with a letter and have at most {MAX_KEY} characters",
            )
            return None
        if name in where:
            parsed.fail(
                line,
                f"front matter: '{name}' appears twice (first at line {where[name]}); keep one '{name}:' line",
            )
            return None
        if not isinstance(value, yaml.ScalarEvent):
            parsed.fail(
                value.start_mark.line + 2,
                f"front matter: '{name}' must be one plain value, not a list or mapping; write it as '{name}: value'",
            )
            return None
        if value.end_mark.line != value.start_mark.line and value.value != "":
            parsed.fail(
                line,
                f"front matter: the value of '{name}' spans several lines; write it on the line of '{name}:'",
            )
            return None
        if control := _CONTROL.search(value.value):
            parsed.fail(
                line,
                f"front matter: the value of '{name}' contains a control character "
                f"(U+{ord(control.group()):04X}); remove it",
            )
            return None
        if len(value.value) > MAX_VALUE:
            parsed.fail(
                line,
                f"front matter: the value of '{name}' is {len(value.value)} characters; at most {MAX_VALUE} are allowed",
            )
            return None
        meta[name], where[name] = value.value, line
        i += 2
    if i + 2 < len(body):  # MappingEnd, DocumentEnd, then nothing: a second document is not front matter
        parsed.fail(body[i + 2].start_mark.line + 2, _FLAT)
        return None
    return meta


def split_front_matter(text: str, parsed: Parsed) -> tuple[list[str], int]:
    """Read the front matter into parsed.meta (key -> text as written); returns the body lines and the line
    number of the first. A front matter that cannot be read leaves parsed.meta empty and one problem."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        parsed.fail(1, "missing front matter: the file must start with a '---' line")
        return lines, 1
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        parsed.fail(1, "front matter is not closed by a '---' line")
        return [], 1
    meta = _simple_front_matter(lines[1:end])
    if meta is None:
        meta = _read_front_matter(lines[1:end], parsed)
    if meta is not None:
        parsed.meta = meta
    return lines[end + 1 :], end + 2
