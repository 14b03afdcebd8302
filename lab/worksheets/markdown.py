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

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from lab.worksheets.frontmatter import MAX_BYTES, Parsed, Problem, decode, split_front_matter
from lab.worksheets.indonesian import Unclear, read_date, read_number
from lab.worksheets.messages import DATE_FORM, Said, field_path, say, where
from lab.worksheets.spec import YES, FieldSpec, describe
from lab.worksheets.views import FieldView, RecordView, body_lines, escape_line, field_views, unescape_line

__all__ = [
    "MAX_BYTES", "Parsed", "Problem", "decode", "split_front_matter",  # lab.worksheets.frontmatter
    "FieldView", "RecordView", "body_lines", "escape_line", "field_views", "unescape_line",  # lab.worksheets.views
    "parse_text", "locate", "validate", "describe_error",
]  # fmt: skip

HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*(?:\{#([^}\s]*)\})?[ \t]*$")
CHECK = re.compile(r"^[-*][ \t]+\[([ xXvV\u2713\u2714])\][ \t]+(.*?)[ \t]*(?:\{#([^}\s]*)\})?[ \t]*$")
"""A checklist line; `[x]`, `[X]`, `[v]`, `[V]`, `[✓]` and `[✔]` all tick it."""
BULLET = re.compile(r"^[-*][ \t]+(.*)$")


def parse_text(text: str, model: type[BaseModel], lang: str = "en") -> Parsed:
    """Split a worksheet into raw field values following `model`; problems are collected, not raised, and said
    in `lang` (the cohort's: the worksheet store passes it)."""
    parsed = Parsed(lang=lang)
    parsed.model = model
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
                parsed.say(n, "heading_no_id", heading=line.strip())
                current = []  # reported; what follows belongs to the rejected heading
            elif fid not in specs:
                parsed.say(n, "unknown_field", fid=fid)
                current = []
            elif fid in blocks:
                _fail(parsed, n, (fid,), "field_twice", first=parsed.lines[(fid,)])
                current = []
            else:
                current = blocks[fid] = []
                parsed.lines[(fid,)] = n
            continue
        if m and len(m.group(1)) == 1 or line.startswith(">"):
            continue  # the title and instructions
        if current is None:
            if line.strip():
                parsed.say(n, "text_outside")
            continue
        current.append((n, line))
    for fid, spec in specs.items():
        if fid not in blocks:
            if not spec.required:  # an optional field added since the file was written reads as unanswered
                continue
            heading = f"## {spec.label('en' if lang == 'en' else 'id')} {{#{fid}}}"
            _fail(parsed, first, (fid,), "field_missing", heading=heading)
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
        value = "\n".join(texts) if texts else None
        return _scalar(spec, value, lines, parsed, loc) if value and spec.kind == "scalar" else value
    if spec.kind in ("choice", "multi"):
        return _read_checks(spec, lines, parsed, loc)
    items = []
    for n, line in lines:
        if not line.strip():
            continue
        m = BULLET.match(line)
        if not m:
            _fail(parsed, n, loc, "list_bullets")
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
            _fail(parsed, n, loc, "checklist")
            return None
        if m.group(3) not in spec.options:
            lang = "en" if parsed.lang == "en" else "id"
            choices = ", ".join(f"{spec.option_label(o, lang)} {{#{o}}}" for o in spec.options)
            _fail(parsed, n, loc, "unknown_option", option=m.group(3), choices=choices)
            return None
        if m.group(1) != " ":
            chosen.append(m.group(3))
    if spec.kind == "multi":
        return chosen or None
    if len(chosen) > 1:
        _fail(parsed, parsed.lines.get(loc, 1), loc, "tick_one", n=len(chosen))
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
                _fail(parsed, n, loc, "record_heading_first")
                current = sink
            elif fid is None:
                parsed.say(n, "heading_no_id", heading=line.strip())
                current = sink
            elif fid not in subs:
                _fail(parsed, n, (*loc, len(records) - 1), "unknown_record_field", fid=fid)
                current = sink
            elif fid in records[-1][1]:
                _fail(parsed, n, (*loc, len(records) - 1, fid), "record_field_twice")
                current = sink
            else:
                current = records[-1][1][fid] = [(n, [])]
            continue
        elif current is not None:
            current[0][1].append((n, line))
        elif line.strip():
            _fail(parsed, n, (*loc, len(records) - 1) if records else loc, "text_outside_record")
    result = []
    for pos, (head, fields) in enumerate(records):
        rec, at = {}, {}
        for fid, sub in subs.items():
            if fid not in fields:
                continue
            n, body = fields[fid][0]
            at[fid] = n
            value = _read_field(sub, body, parsed, (*loc, len(result), fid))
            if value is not None:
                rec[fid] = value
        if not rec:
            continue  # a blank record is a spare, not an answer
        missing = [fid for fid in subs if fid not in fields and subs[fid].required]  # added later: optional
        idx = len(result)
        for fid in missing:
            heading = f"#### {subs[fid].label('en' if parsed.lang == 'en' else 'id')} {{#{fid}}}"
            _fail(parsed, head, (*loc, pos, fid), "record_field_missing", heading=heading)
        parsed.lines[(*loc, idx)] = head
        for fid, n in at.items():
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
            loc = tuple(err["loc"])
            parsed.fail(locate(parsed, loc), describe_error(model, err, parsed.lang), field_path(loc))
        return None


def _fail(parsed: Parsed, line: int, loc: tuple, key: str, **params: Any) -> None:
    """A problem at the field `loc`, named by its label in the worksheet's language."""
    model = parsed.model
    named = where(model, loc, parsed.lang) if model is not None else field_path(loc)
    parsed.fail(line, say(parsed.lang, key, where=named, **params), field_path(loc))


def _scalar(spec: FieldSpec, value: str, lines: list, parsed: Parsed, loc: tuple) -> str | None:
    """A date or number written the Indonesian way, in the form the schema reads (lab.worksheets.indonesian)."""
    try:
        if spec.python is dt.date:
            return read_date(value)
        if spec.python in (int, float):
            return read_number(value, whole=spec.python is int, percent=spec.unit == "percent")
    except Unclear as exc:
        at = next((n for n, ln in lines if ln.strip()), parsed.lines.get(loc, 1))  # the answer's own line
        _fail(parsed, at, loc, exc.key, **exc.params)
        return None
    return value


EXAMPLE_DATE = "2026-10-12"


def describe_error(model: type[BaseModel], err: dict, lang: str = "en") -> str:
    """A plain-language reason for one pydantic error, in `lang`, naming the field by its label."""
    named = where(model, tuple(err["loc"]), lang)
    kind, ctx = err["type"], err.get("ctx") or {}
    value = err.get("input")
    shown = value if isinstance(value, str | int | float) and not isinstance(value, bool) else ""
    shown = str(shown)[:80]
    error = ctx.get("error")
    if isinstance(error, Said):
        return error.text(lang, named)
    if kind in ("missing", "string_too_short"):
        return say(lang, "required", where=named)
    if kind.startswith("date"):
        return say(lang, "date", where=named, value=shown, form=DATE_FORM["en" if lang == "en" else "id"],
                   example=EXAMPLE_DATE)  # fmt: skip
    if kind in ("int_from_float", "int_parsing_size") or (kind == "int_parsing" and _fraction(shown)):
        return say(
            lang, "whole_number", where=named, value=shown, example=shown.split(".")[0].split(",")[0] or 1
        )
    if kind.startswith("int") or kind.startswith("float"):
        return say(lang, "number", where=named, value=shown, example=1500)
    if kind in ("greater_than_equal", "greater_than"):
        return say(lang, "at_least", where=named, limit=ctx.get("ge", ctx.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return say(lang, "at_most", where=named, limit=ctx.get("le", ctx.get("lt")))
    if kind == "too_short":
        return say(lang, "few_items", where=named, n=ctx.get("min_length", 1))
    if kind in ("literal_error", "enum", "bool_parsing", "bool_type"):
        return say(lang, "choice", where=named)
    if kind in ("string_type", "list_type"):
        return say(lang, "text_type" if kind == "string_type" else "list_type", where=named)
    if kind == "single_line":
        return say(lang, "single_line", where=named)
    if kind == "unstorable":
        return say(lang, "unstorable", where=named, code=ctx.get("code", ""))
    msg = err["msg"].removeprefix("Value error, ")
    return say(lang, "invalid", where=named, detail=f"{msg[:1].lower()}{msg[1:]}" if msg else kind)


def _fraction(text: str) -> bool:
    return bool(re.fullmatch(r"-?[0-9]+[.,][0-9]+", text))
