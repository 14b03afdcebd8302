"""The worksheet Markdown format, and its parser: a file -> raw values per field -> a validated schema instance.

Rules (docs/worksheets.md has a filled example):
- YAML front matter between `---` lines names cohort, stage, team, proposal, schema version, language.
- Each field is a level-2 heading ending in its id: `## Masalah utama {#problem}`; its answer follows.
- Repeated records are level-3 headings, one per record; their fields are level-4 headings with ids.
- Lines starting with `>` are instructions and ignored; `# ` (level 1) is the title and ignored.
- Choices and checklists are `- [x] Label {#value}` items; lists are `- ` bullets.
- A text line that would start with `#`, `>` or `\\` is written with a leading `\\` and read back without.

Reading the file and its front matter is in lab.worksheets.frontmatter, the rendering side in
lab.worksheets.views; their public names are importable from here too.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from lab.worksheets.frontmatter import MAX_BYTES, Parsed, Problem, decode, split_front_matter
from lab.worksheets.spec import YES, FieldSpec, describe
from lab.worksheets.views import FieldView, RecordView, body_lines, escape_line, field_views, unescape_line

__all__ = [
    "MAX_BYTES", "Parsed", "Problem", "decode", "split_front_matter",  # lab.worksheets.frontmatter
    "FieldView", "RecordView", "body_lines", "escape_line", "field_views", "unescape_line",  # lab.worksheets.views
    "parse_text", "locate", "validate", "describe_error",
]  # fmt: skip

HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*(?:\{#([^}\s]*)\})?[ \t]*$")
CHECK = re.compile(r"^[-*][ \t]+\[([ xX])\][ \t]+(.*?)[ \t]*(?:\{#([^}\s]*)\})?[ \t]*$")
BULLET = re.compile(r"^[-*][ \t]+(.*)$")


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
