"""Schema helpers and the reading of a schema into field specs that drive rendering and parsing."""

from __future__ import annotations

import datetime as dt
import re
import types
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

YES, NO = "yes", "no"
BOOL_LABELS = {YES: {"id": "Ya", "en": "Yes"}, NO: {"id": "Tidak", "en": "No"}}

# --------------------------------------------------------------------------- JSON Schema patterns
# Each pattern means the same in ECMA-262 (with or without the `u` flag) and in Python's `re`: no `\s`, `\d`
# or `.` alone (they differ between the two), and END instead of `$` (which in Python also matches before a
# final newline). SPACE is exactly what `str.strip()` and `str.split()` treat as space.
_WS = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WS_INLINE = (
    r"\t\x0b\x0c\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"  # SPACE but \n, \r
)
SPACE = f"[{_WS}]"
NON_SPACE = f"[^{_WS}]"
SOLID = f"[^{_WS}\\x00]"  # a character that is not space and not NUL (which nothing can store)
NEWLINE = r"(?:\r\n|\r(?!\n)|\n)"  # as _normalize_text reads line ends
ONE_CHAR = rf"(?:[\ud800-\udbff][\udc00-\udfff]|{NON_SPACE})"  # one code point, also in UTF-16 without `u`
END = r"(?![\s\S])"  # the end of the string, in both

LINE_PATTERN = rf"^{SPACE}*{SOLID}(?:[^\n\r\x00]*{SOLID})?{SPACE}*{END}"
"""A Line: something that is not space, on one line once the spaces around it are stripped; no NUL."""
TEXT_PATTERN = rf"^[^\x00]*{SOLID}[^\x00]*{END}"
"""A Text: something that is not space; no NUL."""
DATE_PATTERN = rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}{END}"
BLANK_LINE_PATTERN = (
    rf"{NON_SPACE}[{_WS_INLINE}]*{NEWLINE}(?:[{_WS_INLINE}]*{NEWLINE})+[{_WS_INLINE}]*{NON_SPACE}"
)
"""A blank line between two lines of text: a second paragraph."""


def words_at_least(n: int) -> str:
    """A pattern for a Text of at least `n` words (words as `str.split()` finds them)."""
    return rf"^{SPACE}*(?:{SOLID}+{SPACE}+){{{n - 1}}}{SOLID}[^\x00]*{END}"


def words_at_most(n: int) -> str:
    """A pattern for a Text of one to `n` words."""
    return rf"^{SPACE}*(?:{SOLID}+{SPACE}+){{0,{n - 1}}}{SOLID}+{SPACE}*{END}"


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: str) -> str:
    if m := _UNSTORABLE.search(value):
        code = f"{ord(m.group()):04X}"
        raise PydanticCustomError(
            "unstorable", "contains a character that cannot be stored (U+{code}); remove it", {"code": code}
        )
    return value


def _filled(value: str) -> str:
    if not value:  # only spaces: as blank as an empty answer, and said the same way
        raise PydanticCustomError(
            "string_too_short", "String should have at least 1 character", {"min_length": 1}
        )
    return value


def _normalize_text(value: str) -> str:
    lines = [ln.rstrip() for ln in _storable(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return _filled("\n".join(lines))


def _one_line(value: str) -> str:
    value = _filled(_storable(value).strip())
    if "\n" in value or "\r" in value:
        raise PydanticCustomError("single_line", "must be a single line")
    return value


@dataclass(frozen=True)
class JsonSchema:
    """Annotation metadata: keywords added to a type's JSON Schema (the model checks the same in Python)."""

    keywords: tuple[tuple[str, Any], ...]

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema.update(self.keywords)
        return schema


Text = Annotated[str, AfterValidator(_normalize_text), Field(min_length=1),
                 JsonSchema((("pattern", TEXT_PATTERN),))]  # fmt: skip
"""Free text of one or more paragraphs."""
Line = Annotated[
    str, AfterValidator(_one_line), Field(min_length=1), JsonSchema((("pattern", LINE_PATTERN),))
]
"""A single line of text (a name, a title, a reference)."""
Score = Annotated[int, Field(ge=1, le=5)]
"""A 1-5 self-assessment score."""
Date = Annotated[dt.date, JsonSchema((("pattern", DATE_PATTERN),))]
"""A calendar date, stored YYYY-MM-DD (a worksheet may also say `10 Maret 2026`: lab.worksheets.indonesian)."""


@dataclass(frozen=True)
class Unit:
    """Annotation metadata: what a number field counts, so the worksheet reader accepts its way of writing
    (`percent`: `85%`, `85,5 %`)."""

    name: str


Percent = Annotated[float, Field(ge=0, le=100), Unit("percent")]
"""A percentage 0-100, stored as a number (`85%` and `85,5 %` are read as 85 and 85.5)."""


@dataclass(frozen=True)
class Rule:
    """A rule the engine checks that JSON Schema cannot express, in the lab's two languages."""

    id: str
    text: dict[str, str]  # {"id": Bahasa Indonesia, "en": English}


COMMON_RULES = (
    Rule("unicode", {"id": "Teks berupa karakter Unicode yang sah (tanpa surrogate tunggal U+D800–U+DFFF).",
                     "en": "Text is valid Unicode (no unpaired surrogate U+D800–U+DFFF)."}),
    Rule("file-size", {"id": "Berkas lembar kerja, setelah ditulis dengan semua jawaban, paling besar 2 MB.",
                       "en": "The worksheet file, written with all its answers, is at most 2 MB."}),
)  # fmt: skip
"""Rules of every worksheet."""


def field(label_id: str, label_en: str, help_id: str = "", help_en: str = "", **kw: Any) -> Any:
    """A schema field with its label and instruction in Bahasa Indonesia and English."""
    extra = kw.pop("json_schema_extra", {}) | {
        "labels": {"id": label_id, "en": label_en},
        "help": {"id": help_id, "en": help_en},
    }
    return Field(title=label_en, description=help_en or None, json_schema_extra=extra, **kw)


class Choices:
    """A labelled choice, declared once: its values, their labels in both languages, its type and its field.

        KIND = Choices(digital=("Digital", "Digital"), non_digital=("Non-digital", "Non-digital"))
        kind: KIND.type = KIND.field("Jenis inovasi", "Type of innovation", "Pilih satu.", "Choose one.")
        kinds: list[KIND.type] = KIND.field(...)  # a checklist: any number of the values

    The values stay in declaration order: the worksheet lists the options in it, and JSON Schema's `enum` too.
    """

    def __init__(self, **labels: tuple[str, str]) -> None:
        self.labels: dict[str, dict[str, str]] = {k: {"id": i, "en": e} for k, (i, e) in labels.items()}
        self.values: tuple[str, ...] = tuple(self.labels)
        self.type: Any = Literal[self.values]  # the field's annotation: one of the values

    def field(self, label_id: str, label_en: str, help_id: str = "", help_en: str = "", **kw: Any) -> Any:
        """The schema field of this choice, as field() makes it, with the option labels in its JSON Schema."""
        extra = {"options": self.labels} | kw.pop("json_schema_extra", {})
        return field(label_id, label_en, help_id, help_en, json_schema_extra=extra, **kw)


class Record(BaseModel):
    """Base of repeated records (members, problems, ideas, milestones, …)."""

    model_config = ConfigDict(extra="forbid")
    LABEL: ClassVar[dict[str, str]] = {"id": "Butir", "en": "Item"}  # heading of each record


def _sheet_schema(schema: dict[str, Any], model: type[Sheet]) -> None:
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["x-rules"] = [{"id": r.id, "text": dict(r.text)} for r in model.rules()]


class Sheet(BaseModel):
    """Base of stage worksheet schemas.

    RULES lists what the engine checks beyond the JSON Schema; `lab schema` prints them and the JSON Schema
    carries them under "x-rules" (a list of {"id", "text": {"id", "en"}}), with the rules of every worksheet.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_sheet_schema)
    RULES: ClassVar[tuple[Rule, ...]] = ()

    @classmethod
    def rules(cls) -> tuple[Rule, ...]:
        return cls.RULES + COMMON_RULES


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
    unit: str = ""  # a number's unit (Unit metadata): "percent"

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
                unit=_unit(info.metadata, info.annotation),
            )
        )
    return tuple(specs)


def _unit(metadata: list, annotation: Any) -> str:
    """The Unit a field's annotation carries ('' for none)."""
    stack = [*metadata, annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, Unit):
            return item.name
        stack.extend(getattr(item, "__metadata__", ()))
        stack.extend(a for a in get_args(item) if a is not type(None))
    return ""


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
