"""A worksheet as an HTML form, from the stage's schema, and a posted form back into answers.

Pure (no web framework here): the same field specs that drive the Markdown template and its parser
(lab.worksheets.spec.describe) give each input its name, label, help and choices in the cohort's language.
Input names are the field ids; a repeated record's fields are `<field>.<n>.<subfield>` (n from 1, the path
syntax of `lab answers import`); a list is a textarea with one item per line (like a CSV cell); a yes/no
field is two radios (Ya/Tidak); a checklist is checkboxes. A posted form is read with bounds: at most
MAX_RECORDS records or list items per field, no value longer than a worksheet may be; blank record blocks
(the spares a form shows to add more) are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import AfterValidator, BaseModel

from lab.web.worksheet_words import WEB_HELP
from lab.workflow.answers import MAX_RECORDS
from lab.worksheets.markdown import MAX_BYTES
from lab.worksheets.spec import NO, YES, FieldSpec, describe

HASH_FIELD = "_hash"  # the hidden input carrying the hash of the file when the form was opened
# Help that only makes sense in the Markdown file: "starting with '- '", "copy an '### Member' block"
FILE_ONLY = re.compile(r",\s*(?:diawali|starting with) '- '|\s*(?:Salin|Copy)\b[^.]*'###[^.]*\.")
BULLET = re.compile(r"^[-*\u2022]\s+")  # a bullet typed before a list item, as the file's help says


@dataclass
class FormField:
    """One input of a worksheet form (or, for records, a group of inputs per record)."""

    name: str  # the input name: 'signatory', 'members.2.name'
    id: str  # the field id in the schema
    widget: str  # line | text | number | date | choice | bool | multi | list | records
    label: str
    help: str
    required: bool
    value: Any = ""  # text of the input; a list of ticked values for multi
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    records: list[Record] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Record:
    """One repeated record of a records field: its heading and its inputs."""

    heading: str
    name: str  # 'members.2'
    fields: list[FormField]
    errors: list[str] = field(default_factory=list)
    blank: bool = False


def _is_line(model: type[BaseModel], name: str) -> bool:
    """Whether a text field is a single Line (an input) rather than a Text (a textarea)."""
    info = model.model_fields[name]
    stack: list[Any] = [*info.metadata, info.annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, AfterValidator) and getattr(item.func, "__name__", "") == "_one_line":
            return True
        stack.extend(get_args(item))
        stack.extend(getattr(item, "__metadata__", ()))
    return False


def _widget(model: type[BaseModel], spec: FieldSpec) -> str:
    if spec.kind == "choice":
        return "bool" if spec.python is bool else "choice"
    if spec.kind == "scalar":
        return "date" if spec.python is dt.date else "number"
    if spec.kind == "text":
        return "line" if _is_line(model, spec.id) else "text"
    return spec.kind  # multi | list | records


def _shown(spec: FieldSpec, value: Any) -> Any:
    """A stored value as its input shows it."""
    if value is None:
        return [] if spec.kind == "multi" else ""
    if spec.kind == "multi":
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    if spec.kind == "list":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def web_help(spec: FieldSpec, path: str, lang: str) -> str:
    """A field's help as the form shows it: the browser's own words where the file's help speaks of the
    file (WEB_HELP by field path), else the file's help without its Markdown-only instructions."""
    own = WEB_HELP.get(path)
    if own is not None:
        return own["en" if lang == "en" else "id"]
    return FILE_ONLY.sub("", spec.help.get(lang, ""))


def _input(
    model: type[BaseModel], spec: FieldSpec, name: str, value: Any, lang: str, path: str = ""
) -> FormField:
    options = [(opt, spec.option_label(opt, lang)) for opt in spec.options]
    return FormField(name, spec.id, _widget(model, spec), spec.label(lang), web_help(spec, path or spec.id, lang),
                     spec.required, _shown(spec, value), options)  # fmt: skip


def form_fields(
    model: type[BaseModel], values: dict[str, Any], lang: str, problems: dict[str, list[str]] | None = None
) -> list[FormField]:
    """The inputs of a worksheet form filled with `values` (the file's, or what was posted), with a few
    blank records after the filled ones to add more, and each problem beside its field."""
    problems = problems or {}
    out = []
    for spec in describe(model):
        value = values.get(spec.id)
        if spec.kind != "records":
            f = _input(model, spec, spec.id, value, lang)
        else:
            f = FormField(
                spec.id, spec.id, "records", spec.label(lang), web_help(spec, spec.id, lang), spec.required
            )
            rows = [
                r.model_dump() if isinstance(r, BaseModel) else r
                for r in value or ()
                if isinstance(r, dict | BaseModel)
            ]
            spare = max(spec.blank_records - len(rows), 1)
            label = spec.record.LABEL.get(lang) or spec.record.LABEL["en"]
            for n, row in enumerate([*rows, *({} for _ in range(spare))], 1):
                subs = [_input(spec.record, sub, f"{spec.id}.{n}.{sub.id}", row.get(sub.id), lang,
                               f"{spec.id}.{sub.id}") for sub in spec.record_fields]  # fmt: skip
                for sub in subs:
                    sub.errors = problems.get(sub.name, [])
                f.records.append(Record(f"{label} {n}", f"{spec.id}.{n}", subs, problems.get(f"{spec.id}.{n}", []),
                                        blank=not row))  # fmt: skip
        f.errors = problems.get(spec.id, [])
        out.append(f)
    return out


def unplaced(fields: list[FormField], problems: dict[str, list[str]]) -> list[str]:
    """The problems no input of the form shows (the whole worksheet's, or a field the form does not have)."""
    names = {f.name for f in fields}
    for f in fields:
        for r in f.records:
            names.add(r.name)
            names.update(s.name for s in r.fields)
    return [reason for name, reasons in problems.items() if name not in names for reason in reasons]


class FormTooLarge(ValueError):
    """A posted form beyond the bounds of a worksheet."""


def _text(raw: str, where: str) -> str | None:
    if len(raw) > MAX_BYTES:
        raise FormTooLarge(f"{where}: {len(raw):,} characters; a worksheet holds at most {MAX_BYTES:,}")
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.strip() else None


def _value(spec: FieldSpec, raws: list[str], where: str) -> Any:
    """The answer of one field from its posted values (None when left empty)."""
    if spec.kind == "multi":
        chosen = [v for v in dict.fromkeys(raws) if v in spec.options]
        return chosen or None
    raw = raws[-1] if raws else ""
    if spec.kind == "list":
        text = _text(raw, where) or ""
        items = [BULLET.sub("", x.strip()) for x in text.split("\n")]
        items = [x for x in items if x]
        if len(items) > MAX_RECORDS:
            raise FormTooLarge(f"{where}: {len(items):,} lines; at most {MAX_RECORDS:,} are allowed")
        return items or None
    if spec.kind == "choice":
        return raw if raw in spec.options else None
    text = _text(raw, where)
    if text is not None and spec.kind == "scalar":
        text = text.strip()
    return text


def answers_from_form(model: type[BaseModel], items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The answers of a posted worksheet form: every field of the schema (None when left empty), records
    renumbered from 1 without the blank blocks; FormTooLarge past the bounds."""
    specs = {s.id: s for s in describe(model)}
    posted: dict[str, list[str]] = {}
    records: dict[str, dict[int, dict[str, list[str]]]] = {}
    for name, raw in items:
        if not isinstance(raw, str):
            continue  # a file where text belongs: not an answer
        parts = name.split(".")
        spec = specs.get(parts[0])
        if spec is None:
            continue  # csrf, the hash, anything else
        if spec.kind == "records" and len(parts) == 3 and parts[1].isdigit() and parts[1].isascii():
            n = int(parts[1]) if len(parts[1]) <= 6 else 0
            if not 1 <= n <= MAX_RECORDS:
                raise FormTooLarge(f"{name}: record numbers go from 1 to {MAX_RECORDS:,}")
            blocks = records.setdefault(spec.id, {})
            if n not in blocks and len(blocks) >= MAX_RECORDS:
                raise FormTooLarge(f"{spec.id}: more than {MAX_RECORDS:,} records")
            blocks.setdefault(n, {}).setdefault(parts[2], []).append(raw)
        elif spec.kind != "records" and len(parts) == 1:
            posted.setdefault(name, []).append(raw)
    answers: dict[str, Any] = {}
    for fid, spec in specs.items():
        if spec.kind != "records":
            answers[fid] = _value(spec, posted.get(fid, []), fid)
            continue
        subs = {s.id: s for s in spec.record_fields}
        rows = []
        for n in sorted(records.get(fid, {})):
            block = records[fid][n]
            row = {sid: _value(sub, block.get(sid, []), f"{fid}.{n}.{sid}") for sid, sub in subs.items()}
            if any(v is not None for v in row.values()):
                rows.append(row)
        answers[fid] = rows or None
    return answers


def _flat(fields: list[FormField]) -> dict[str, tuple[str, str]]:
    """input name -> (label, value as text) of every filled input."""
    out = {}
    for f in fields:
        if f.widget == "records":
            for r in f.records:
                for s in r.fields:
                    out[s.name] = (f"{r.heading} · {s.label}", _text_of(s))
        else:
            out[f.name] = (f.label, _text_of(f))
    return out


def _text_of(f: FormField) -> str:
    labels = dict(f.options)
    if f.widget == "multi":
        return ", ".join(labels.get(v, v) for v in f.value)
    if f.widget in ("choice", "bool"):
        return labels.get(f.value, f.value)
    return str(f.value)


def changes(
    model: type[BaseModel], before: dict[str, Any], after: dict[str, Any], lang: str
) -> list[tuple[str, str, str]]:
    """(label, value in `before`, value in `after`) of each answer that differs: what changed in the file
    since a form was opened, against what the team posted."""
    old, new = _flat(form_fields(model, before, lang)), _flat(form_fields(model, after, lang))
    return [(label, old.get(name, ("", ""))[1], new.get(name, ("", ""))[1])
            for name, (label, _) in (old | new).items()
            if old.get(name, ("", ""))[1] != new.get(name, ("", ""))[1]]  # fmt: skip
