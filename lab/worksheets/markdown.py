"""The worksheet Markdown format: values -> body lines (for the templates) and files -> values.

Rules (docs/worksheets.md has a filled example):
- YAML front matter between `---` lines names cohort, stage, team, proposal, schema version, language.
- Each field is a level-2 heading ending in its id: `## Masalah utama {#problem}`; its answer follows.
- Repeated records are level-3 headings, one per record; their fields are level-4 headings with ids.
- Lines starting with `>` are instructions and ignored; `# ` (level 1) is the title and ignored.
- Choices and checklists are `- [x] Label {#value}` items; lists are `- ` bullets.
- A text line that would start with `#`, `>` or `\\` is written with a leading `\\` and read back without.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from lab.worksheets.spec import NO, YES, FieldSpec, describe

HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*(?:\{#([^}\s]*)\})?[ \t]*$")
CHECK = re.compile(r"^[-*][ \t]+\[([ xX])\][ \t]+(.*?)[ \t]*(?:\{#([^}\s]*)\})?[ \t]*$")
BULLET = re.compile(r"^[-*][ \t]+(.*)$")
MAX_BYTES = 2_000_000  # a worksheet larger than this is refused, not read


# --------------------------------------------------------------------------- rendering


@dataclass
class FieldView:
    """What a template needs to lay out one field."""

    id: str
    heading: str
    help: str
    body: list[str]
    records: list[RecordView] | None = None


@dataclass
class RecordView:
    heading: str
    fields: list[FieldView] = field(default_factory=list)


def escape_line(line: str) -> str:
    return "\\" + line if line[:1] in ("#", ">", "\\") else line


def unescape_line(line: str) -> str:
    return line[1:] if line[:1] == "\\" and line[1:2] in ("#", ">", "\\") else line


def _plain(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def body_lines(spec: FieldSpec, value: Any, lang: str) -> list[str]:
    """The Markdown lines under a field's heading for `value` (None renders blank)."""
    if spec.kind in ("text", "scalar"):
        text = _plain(value)
        return [escape_line(ln) for ln in text.split("\n")] if text else []
    if spec.kind == "choice":
        if spec.python is bool and isinstance(value, bool):
            value = YES if value else NO
        return _options(spec, lang, value if value in spec.options else None)
    if spec.kind == "multi":
        return _options(spec, lang, frozenset(v for v in value or () if v in spec.options))
    if spec.kind == "list":
        return [f"- {item}" for item in (value or ())]
    raise ValueError(f"records are laid out by the template, not as body lines ({spec.id})")


_OPTION_LINES: dict[tuple, tuple[str, ...]] = {}  # (spec, language, choice) -> lines: a few hundred at most


def _options(spec: FieldSpec, lang: str, chosen: str | frozenset | None) -> list[str]:
    """The checklist lines of a choice (one value) or multi (a set) field; computed once per distinct choice."""
    key = (id(spec), lang, chosen)  # specs live as long as the process (describe() is cached)
    lines = _OPTION_LINES.get(key)
    if lines is None:
        ticked = chosen if isinstance(chosen, frozenset) else {chosen}
        lines = _OPTION_LINES[key] = tuple(_check(spec, opt, opt in ticked, lang) for opt in spec.options)
    return list(lines)


def _check(spec: FieldSpec, option: str, ticked: bool, lang: str) -> str:
    return f"- [{'x' if ticked else ' '}] {spec.option_label(option, lang)} {{#{option}}}"


def _heading(level: int, label: str, fid: str | None = None) -> str:
    return "#" * level + " " + label + (f" {{#{fid}}}" if fid else "")


def field_views(model: type[BaseModel], values: dict[str, Any], lang: str) -> list[FieldView]:
    """Views of every field of a worksheet schema, filled with `values` (possibly partial)."""
    views = []
    for spec in describe(model):
        value = values.get(spec.id)
        view = FieldView(spec.id, _heading(2, spec.label(lang), spec.id), spec.help.get(lang, ""), [])
        if spec.kind == "records":
            records = [r.model_dump() if isinstance(r, BaseModel) else r for r in value or ()]
            records += [{}] * max(spec.blank_records - len(records), 0)
            label = spec.record.LABEL.get(lang) or spec.record.LABEL["en"]
            view.records = [
                RecordView(
                    _heading(3, f"{label} {n}"),
                    [
                        FieldView(
                            sub.id,
                            _heading(4, sub.label(lang), sub.id),
                            sub.help.get(lang, ""),
                            body_lines(sub, rec.get(sub.id), lang),
                        )  # fmt: skip
                        for sub in spec.record_fields
                    ],
                )
                for n, rec in enumerate(records, 1)
            ]
        else:
            view.body = body_lines(spec, value, lang)
        views.append(view)
    return views


# --------------------------------------------------------------------------- parsing


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


def parse_text(text: str, model: type[BaseModel]) -> Parsed:
    """Split a worksheet into raw field values following `model`; problems are collected, not raised."""
    parsed = Parsed()
    body, first = split_front_matter(text, parsed)
    if parsed.problems:
        return parsed  # without its front matter the rest cannot be trusted; one clear problem is enough
    specs = {s.id: s for s in describe(model)}
    blocks: dict[str, list[tuple[int, str]]] = {}
    current: list[tuple[int, str]] | None = None
    for n, line in enumerate(body, first):
        m = HEADING.match(line) if line[:1] == "#" else None
        if m and len(m.group(1)) == 2:
            fid = m.group(3)
            if fid is None:
                parsed.fail(
                    n,
                    f"heading '{line.strip()}' has no field id like {{#problem}}; restore the original heading",
                )
                current = []  # reported; what follows belongs to the rejected heading
            elif fid not in specs:
                parsed.fail(n, f"unknown field id {{#{fid}}}")
                current = []
            elif fid in blocks:
                parsed.fail(n, f"field {{#{fid}}} appears twice (first at line {parsed.lines[(fid,)]})")
                current = []
            else:
                current = blocks[fid] = []
                parsed.lines[(fid,)] = n
            continue
        if m and len(m.group(1)) == 1 or line.startswith(">"):
            continue  # the title and instructions
        if current is None:
            if line.strip():
                parsed.fail(n, "text outside any field; write answers under a field heading")
            continue
        current.append((n, line))
    for fid, spec in specs.items():
        if fid not in blocks:
            parsed.fail(
                first,
                f"field {{#{fid}}} ({spec.label('id')} / {spec.label('en')}) is missing; restore its heading",
            )
            continue
        value = _read_field(spec, blocks[fid], parsed, (fid,))
        if value is not None:
            parsed.values[fid] = value
    return parsed


def _read_field(spec: FieldSpec, lines: list[tuple[int, str]], parsed: Parsed, loc: tuple) -> Any:
    if spec.kind == "records":
        return _read_records(spec, lines, parsed, loc)
    if spec.kind in ("text", "scalar"):
        texts = [unescape_line(ln) for _, ln in lines]
        while texts and not texts[0].strip():
            texts.pop(0)
        while texts and not texts[-1].strip():
            texts.pop()
        return "\n".join(texts) if texts else None
    if spec.kind in ("choice", "multi"):
        return _read_checks(spec, lines, parsed, loc)
    items = []
    for n, line in lines:
        if not line.strip():
            continue
        m = BULLET.match(line)
        if not m:
            parsed.fail(n, f"{{#{loc[-1]}}} is a list: start each item with '- '")
            return None
        if m.group(1).strip():
            items.append(m.group(1).strip())
    return items or None


def _read_checks(spec: FieldSpec, lines: list[tuple[int, str]], parsed: Parsed, loc: tuple) -> Any:
    chosen = []
    for n, line in lines:
        if not line.strip():
            continue
        m = CHECK.match(line)
        if not m:
            parsed.fail(
                n,
                f"{{#{loc[-1]}}} is a checklist: tick options as '- [x] …' and keep the other lines as they are",
            )
            return None
        if m.group(3) not in spec.options:
            parsed.fail(
                n,
                f"unknown option {{#{m.group(3)}}} for {{#{loc[-1]}}}; choose from {', '.join(spec.options)}",
            )
            return None
        if m.group(1) in "xX":
            chosen.append(m.group(3))
    if spec.kind == "multi":
        return chosen or None
    if len(chosen) > 1:
        parsed.fail(
            parsed.lines.get(loc, 1),
            f"tick only one option for {{#{loc[-1]}}} ({len(chosen)} are ticked)",
        )
        return None
    if not chosen:
        return None
    return (chosen[0] == YES) if spec.python is bool else chosen[0]


def _read_records(spec: FieldSpec, lines: list[tuple[int, str]], parsed: Parsed, loc: tuple) -> list | None:
    subs = {s.id: s for s in spec.record_fields}
    records: list[tuple[int, dict[str, list]]] = []
    current: list | None = None
    for n, line in lines:
        m = HEADING.match(line) if line[:1] == "#" else None
        level = len(m.group(1)) if m else 0
        if level == 3:
            records.append((n, {}))
            current = None
        elif level == 4:
            fid = m.group(3)
            sink: list = [(n, [])]  # a rejected heading keeps its own text, reported once
            if not records:
                parsed.fail(n, f"field heading before the first record heading ('### …') in {{#{loc[0]}}}")
                current = sink
            elif fid not in subs:
                parsed.fail(n, f"unknown field id {{#{fid}}} in a record of {{#{loc[0]}}}")
                current = sink
            elif fid in records[-1][1]:
                parsed.fail(n, f"field {{#{fid}}} appears twice in one record of {{#{loc[0]}}}")
                current = sink
            else:
                current = records[-1][1][fid] = [(n, [])]
            continue
        elif current is not None:
            current[0][1].append((n, line))
        elif line.strip():
            parsed.fail(n, f"text outside a record field in {{#{loc[0]}}}")
    result = []
    for head, fields in records:
        rec, where = {}, {}
        for fid, sub in subs.items():
            if fid not in fields:
                continue
            n, body = fields[fid][0]
            where[fid] = n
            value = _read_field(sub, body, parsed, (*loc, len(result), fid))
            if value is not None:
                rec[fid] = value
        if not rec:
            continue  # a blank record is a spare, not an answer
        missing = [fid for fid in subs if fid not in fields]
        for fid in missing:
            parsed.fail(head, f"record is missing field {{#{fid}}}")
        idx = len(result)
        parsed.lines[(*loc, idx)] = head
        for fid, n in where.items():
            parsed.lines[(*loc, idx, fid)] = n
        result.append(rec)
    return result or None


def locate(parsed: Parsed, loc: tuple) -> int:
    """The line of the most specific part of `loc` that we know."""
    for end in range(len(loc), 0, -1):
        if (line := parsed.lines.get(tuple(loc[:end]))) is not None:
            return line
    return 1


def validate(parsed: Parsed, model: type[BaseModel], context: dict | None = None) -> BaseModel | None:
    """The schema instance for parsed values, or None with the reasons added to parsed.problems."""
    if parsed.problems:
        return None
    try:
        return model.model_validate(parsed.values, context=context)
    except ValidationError as exc:
        for err in exc.errors():
            parsed.fail(locate(parsed, err["loc"]), describe_error(model, err))
        return None


def describe_error(model: type[BaseModel], err: dict) -> str:
    """A plain-language reason for one pydantic error."""
    loc = [p for p in err["loc"] if isinstance(p, str)]
    name = "{#" + loc[-1] + "}" if loc else "worksheet"
    kind, msg = err["type"], err["msg"]
    if kind == "missing":
        return f"{name} is required: please fill it in"
    if kind.startswith("date"):
        return f"{name}: '{err.get('input')}' is not a date; write it as YYYY-MM-DD, e.g. 2026-10-12"
    if kind.startswith("int") or kind.startswith("float"):
        return f"{name}: '{err.get('input')}' is not a number"
    if kind == "string_too_short":
        return f"{name} is required: please fill it in"
    msg = msg.removeprefix("Value error, ")
    return f"{name}: {msg[0].lower()}{msg[1:]}" if msg else name
