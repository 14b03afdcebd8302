"""Reading a worksheet file: bytes to text, and the front matter read into a `Parsed` the field parser fills.

The front matter is the engine's own few `key: value` lines; a hand-edited one is read from YAML's event
stream only, so no YAML construct (alias, anchor, tag, nesting) ever builds a Python object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from lab.worksheets.messages import decimal, say

MAX_BYTES = 2_000_000  # a worksheet larger than this is refused, not read


@dataclass
class Problem:
    """One thing wrong with a worksheet, at a line."""

    line: int
    reason: str
    field: str = ""  # the field's id path (`measures.2.after`), when the problem is at one field

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason} | ({"field": self.field} if self.field else {})


@dataclass
class Parsed:
    """The result of reading a worksheet: front matter, raw values, where each field is, and problems."""

    meta: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[tuple, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    lang: str = "en"  # the language problems are said in (lab.worksheets.messages): the cohort's
    notes: list[str] = field(default_factory=list)  # what the reader did on its own (a rebuilt front matter)
    model: Any = None  # the schema being read: problems name its fields by their labels
    front: str = ""  # the front matter as found: "read", "missing", "unclosed" or "broken"
    rebuilt: bytes | None = (
        None  # the file with its front matter rebuilt (lab.worksheets.frontmatter.rebuild)
    )

    def fail(self, line: int, reason: str, field: str = "") -> None:
        self.problems.append(Problem(line, reason, field))

    def say(self, line: int, key: str, **params: Any) -> None:
        """Add the problem `key` of lab.worksheets.messages, said in this worksheet's language."""
        self.fail(line, say(self.lang, key, **params))


def decode(data: bytes, parsed: Parsed) -> str | None:
    """Bytes to text: UTF-8 (a BOM is accepted), CRLF accepted; None when unreadable."""
    if len(data) > MAX_BYTES:
        size, limit = decimal(parsed.lang, len(data) / 1e6, 1), decimal(parsed.lang, MAX_BYTES / 1e6, 0)
        parsed.say(1, "file_size", size=size, limit=limit)
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        parsed.say(line, "not_utf8", byte=data[exc.start])
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


def _simple_front_matter(lines: list[str]) -> dict[str, str] | None:
    """The front matter as the engine writes it (`key: plain-value` lines), read without YAML; None otherwise.

    Values are the text written (`007` stays "007"); whatever this does not take goes to the careful reader.
    """
    if len(lines) > MAX_FM_LINES:
        return None
    meta: dict[str, str] = {}
    for line in lines:
        if line in SYSTEM_NOTE.values():
            continue  # the engine's own comment (filled by the system); any other goes to the careful reader
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
        parsed.say(MAX_FM_LINES + 2, "fm_lines", max=MAX_FM_LINES, end=len(lines) + 2)
        return None
    size = 0
    for n, line in enumerate(lines, 2):
        size += len(line.encode("utf-8", "surrogatepass")) + 1
        if size > MAX_FM_BYTES:
            parsed.say(n, "fm_bytes", max=MAX_FM_BYTES)
            return None
    source = "\n".join(lines)
    try:
        events = list(yaml.parse(source, Loader=_YAML_LOADER))  # events only: nothing is expanded or built
    except yaml.reader.ReaderError as exc:
        at = source[: exc.position].count("\n") + 2
        if isinstance(exc.character, int):
            parsed.say(at, "fm_control", code=exc.character)
        else:
            parsed.say(at, "fm_unreadable")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = " ".join(str(getattr(exc, "problem", None) or getattr(exc, "context", None) or "").split())
        parsed.say((mark.line + 2) if mark else 2, "fm_yaml", problem=problem or "unreadable")
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
            parsed.say(line, "fm_alias")
            return None
        if getattr(e, "anchor", None) is not None:
            parsed.say(line, "fm_anchor")
            return None
        if getattr(e, "tag", None) is not None:
            parsed.say(line, "fm_tag")
            return None
        if isinstance(e, yaml.DocumentStartEvent) and (e.version or e.tags):
            parsed.say(line, "fm_directive")
            return None
    first, mapping = body[0], body[1] if len(body) > 1 else None
    if first.explicit or not isinstance(mapping, yaml.MappingStartEvent):
        parsed.say((mapping or first).start_mark.line + 2, "fm_flat")
        return None
    i = 2
    while not isinstance(body[i], yaml.MappingEndEvent):
        key, value = body[i], body[i + 1]
        line = key.start_mark.line + 2
        if not isinstance(key, yaml.ScalarEvent):
            parsed.say(line, "fm_key_kind")
            return None
        name = key.value
        if name == "<<":
            parsed.say(line, "fm_merge")
            return None
        if not _KEY.fullmatch(name):
            shown = name if len(name) <= MAX_KEY else name[:MAX_KEY] + "…"
            parsed.say(line, "fm_key_name", shown=shown, max=MAX_KEY)
            return None
        if name in where:
            parsed.say(line, "fm_twice", name=name, first=where[name])
            return None
        if not isinstance(value, yaml.ScalarEvent):
            parsed.say(value.start_mark.line + 2, "fm_not_plain", name=name)
            return None
        if value.end_mark.line != value.start_mark.line and value.value != "":
            parsed.say(line, "fm_multiline", name=name)
            return None
        if control := _CONTROL.search(value.value):
            parsed.say(line, "fm_value_control", name=name, code=ord(control.group()))
            return None
        if len(value.value) > MAX_VALUE:
            parsed.say(line, "fm_value_long", name=name, n=len(value.value), max=MAX_VALUE)
            return None
        meta[name], where[name] = value.value, line
        i += 2
    if i + 2 < len(body):  # MappingEnd, DocumentEnd, then nothing: a second document is not front matter
        parsed.say(body[i + 2].start_mark.line + 2, "fm_flat")
        return None
    return meta


def split_front_matter(text: str, parsed: Parsed) -> tuple[list[str], int]:
    """Read the front matter into parsed.meta (key -> text as written); returns the body lines and the line
    number of the first. A front matter that cannot be read leaves parsed.meta empty and one problem."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        parsed.say(1, "fm_missing")
        parsed.front = "missing"
        return lines, 1
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        parsed.say(1, "fm_unclosed")
        parsed.front = "unclosed"
        return [], 1
    meta = _simple_front_matter(lines[1:end])
    if meta is None:
        meta = _read_front_matter(lines[1:end], parsed)
    if meta is not None:
        parsed.meta = meta
    parsed.front = "read" if meta is not None else "broken"
    return lines[end + 1 :], end + 2


# ------------------------------------------------------------------ written by the engine, rebuilt when lost
SYSTEM_NOTE = {"id": "# Diisi oleh sistem; jangan diubah.", "en": "# Filled in by the system; do not change."}
"""The comment the engine writes as the front matter's first line (templates/_macros.md.j2 writes the same)."""
OWNER_KEYS = ("cohort", "stage", "team", "proposal")  # what says whose worksheet a file is
_REMAINS = re.compile(r"[ \t]*(?:---[ \t]*|([A-Za-z_][A-Za-z0-9_-]{0,39})[ \t]*:[ \t]*(.*?)[ \t]*)?")


def front_matter_text(meta: dict[str, Any], lang: str) -> str:
    """The front matter the engine writes for `meta`, between its two '---' lines."""
    lines = [
        "---",
        SYSTEM_NOTE["en" if lang == "en" else "id"],
        *(f"{k}: {v}" for k, v in meta.items()),
        "---",
    ]
    return "\n".join(lines)


def rebuild(text: str, meta: dict[str, Any], parsed: Parsed, note: str) -> str | None:
    """`text` with its front matter written afresh from `meta` (the file's place in the workspace), when its own
    was deleted, left unclosed, or lost the keys that say whose it is, and nothing left of it says otherwise;
    None when there is nothing to rebuild or it is unclear (a value that names another cohort, stage, team or
    proposal; text before the first heading that is not front matter; a front matter YAML refused)."""
    lines = text.split("\n")
    if parsed.front == "read":
        if all(k in parsed.meta for k in OWNER_KEYS if k in meta):
            return None  # whole: a mismatch stays the clear error it is
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        remains, body = lines[1:end], lines[end + 1 :]
    elif parsed.front in ("missing", "unclosed"):
        start = next((i for i, ln in enumerate(lines) if ln.startswith("# ") and ln not in SYSTEM_NOTE.values()
                      or ln.startswith("## ")), None)  # fmt: skip
        if start is None:
            return None
        remains, body = lines[:start], lines[start:]
    else:
        return None
    for line in remains:
        if line in SYSTEM_NOTE.values() or not line.strip():
            continue
        m = _REMAINS.fullmatch(line)
        if m is None:
            return None
        key, value = m.group(1), (m.group(2) or "").strip("'\"")
        if key in OWNER_KEYS and key in meta and value and value != str(meta[key]):
            return None
    return "\n".join([front_matter_text(meta, parsed.lang), f"> {note[:1].upper()}{note[1:]}", *body])
