"""Schema helpers and the reading of a schema into field specs that drive rendering and parsing."""

from __future__ import annotations

import datetime as dt
import re
import types
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

YES, NO = "yes", "no"
BOOL_LABELS = {YES: {"id": "Ya", "en": "Yes"}, NO: {"id": "Tidak", "en": "No"}}


def _normalize_text(value: str) -> str:
    lines = [ln.rstrip() for ln in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def _one_line(value: str) -> str:
    value = value.strip()
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return value


Text = Annotated[str, AfterValidator(_normalize_text), Field(min_length=1)]
"""Free text of one or more paragraphs."""
Line = Annotated[str, AfterValidator(_one_line), Field(min_length=1)]
"""A single line of text (a name, a title, a reference)."""
Score = Annotated[int, Field(ge=1, le=5)]
"""A 1-5 self-assessment score."""


def field(label_id: str, label_en: str, help_id: str = "", help_en: str = "", **kw: Any) -> Any:
    """A schema field with its label and instruction in Bahasa Indonesia and English."""
    extra = kw.pop("json_schema_extra", {}) | {
        "labels": {"id": label_id, "en": label_en},
        "help": {"id": help_id, "en": help_en},
    }
    return Field(title=label_en, description=help_en or None, json_schema_extra=extra, **kw)


def options(**labels: tuple[str, str]) -> dict[str, Any]:
    """Option labels for a choice field: options(digital=("Digital", "Digital"), ...)."""
    return {"options": {k: {"id": v[0], "en": v[1]} for k, v in labels.items()}}


class Record(BaseModel):
    """Base of repeated records (members, problems, ideas, milestones, …)."""

    model_config = ConfigDict(extra="forbid")
    LABEL: ClassVar[dict[str, str]] = {"id": "Butir", "en": "Item"}  # heading of each record


class Sheet(BaseModel):
    """Base of stage worksheet schemas."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class FieldSpec:
    """How one schema field appears in a worksheet."""

    id: str
    kind: str  # text | scalar | choice | multi | list | records
    required: bool
    labels: dict[str, str]
    help: dict[str, str]
    options: tuple[str, ...] = ()
    option_labels: dict[str, dict[str, str]] | None = None
    record: type[BaseModel] | None = None
    record_fields: tuple[FieldSpec, ...] = ()
    blank_records: int = 1
    python: Any = str

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels["en"]

    def option_label(self, value: str, lang: str) -> str:
        labels = (self.option_labels or {}).get(value, {})
        return labels.get(lang) or labels.get("en") or value


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, optional?) for X | None."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _base(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


@cache
def describe(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """The field specs of a worksheet or record schema, in declaration order."""
    specs = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        inner, optional = _unwrap(info.annotation)
        inner = _base(inner)
        kind, opts, record, py = _kind(inner)
        labels = extra.get("option_labels") or extra.get("options")
        if inner is bool:
            labels = BOOL_LABELS
        specs.append(
            FieldSpec(
                id=name,
                kind=kind,
                required=info.is_required() and not optional,
                labels=extra.get("labels", {"id": name, "en": name}),
                help=extra.get("help", {}),
                options=opts,
                option_labels=labels,
                record=record,
                record_fields=describe(record) if record else (),
                blank_records=extra.get("blank_records", 1),
                python=py,
            )
        )
    return tuple(specs)


def _kind(tp: Any) -> tuple[str, tuple[str, ...], type[BaseModel] | None, Any]:
    if tp is bool:
        return "choice", (YES, NO), None, bool
    if get_origin(tp) is Literal:
        return "choice", tuple(get_args(tp)), None, str
    if get_origin(tp) is list:
        item = _base(get_args(tp)[0])
        if get_origin(item) is Literal:
            return "multi", tuple(get_args(item)), None, list
        if isinstance(item, type) and issubclass(item, BaseModel):
            return "records", (), item, list
        return "list", (), None, list
    if tp in (int, float, dt.date):
        return "scalar", (), None, tp
    return "text", (), None, str


FIELD_ID = re.compile(r"^[a-z][a-z0-9_]*$")
