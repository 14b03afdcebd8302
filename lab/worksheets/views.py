"""Worksheet fields as the templates lay them out: headings, instructions and the Markdown lines of each answer.

The parser in lab.worksheets.markdown reads back exactly what these lines say (escape_line / unescape_line
are the pair that keeps a text line starting with `#`, `>` or `\\` from being read as Markdown).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from lab.worksheets.spec import NO, YES, FieldSpec, describe


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
