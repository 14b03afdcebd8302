"""Answers collected outside the files (a spreadsheet, a form) written into the worksheets (`lab answers import`).

JSON: {"worksheets": [{"team": ID, "stage": "drum-up", "answers": {...}},
                      {"proposal": ID, "stage": "design", "answers": {...}}]}
CSV:  columns stage,team,proposal,field,value (`,` or `;` between cells); `field` is a field id or
      `record.N.field` (N from 1, no gaps); list values hold one item per line of the cell.
Every read has a bounded cost: the file's size, MAX_ENTRIES worksheets, MAX_RECORDS records or items in a list,
answers nested at most MAX_DEPTH deep, whole numbers of at most MAX_DIGITS digits; past any of them, one error
naming the file and the line or entry.
The worksheet file stays the record: answers are merged into it and the next `lab run` ingests it.
A file a participant has edited is not replaced unless --force, and then a copy is kept beside it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from lab.domain.errors import AnswersError, UnsafePath
from lab.domain.models import Cohort, Worksheet
from lab.stages import SLUGS, get_stage
from lab.storage.files import read_text
from lab.storage.tables import Table, unsafe_char, unsafe_name
from lab.workflow.answers_save import current_values, hand_edited, keep_copy, read_current, write_sheet
from lab.workflow.store import StageEntities, stage_entities
from lab.worksheets.markdown import describe_error
from lab.worksheets.spec import describe
from lab.workspace.settings import Workspace

MAX_ANSWERS_BYTES = 50_000_000
MAX_ENTRIES = 200_000  # worksheets in one file: more than a national cohort has in one stage
MAX_RECORDS = 1_000  # records of one field (ideas, milestones, …) or items of one list
MAX_DEPTH = 16  # nesting of the answers of one worksheet (a list inside a record is 4)
MAX_DIGITS = 40  # a whole number longer than this is no answer to any field
MAX_ID = 100  # characters of a stage, team or proposal id
_RECORD_NO = re.compile(r"[0-9]+")
_BOOL_WORDS = {"ya": "yes", "tidak": "no", "y": "yes", "t": "no"}


@dataclass
class Entry:
    """One worksheet's answers from the import file, with where it came from."""

    where: str
    stage: str
    team: str | None
    proposal: str | None
    answers: dict[str, Any]


@dataclass
class ImportReport:
    written: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)


def read_entries(path: Path) -> list[Entry]:
    """The entries of a JSON or CSV answers file, or AnswersError with the place of the problem."""
    text = read_text(path, MAX_ANSWERS_BYTES, AnswersError)
    if path.suffix.lower() == ".csv":
        return _csv_entries(text, path)
    return _json_entries(text, path)


class _LongNumber(ValueError):
    pass


def _int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise _LongNumber(digits)
    return int(digits)


def _json_entries(text: str, path: Path) -> list[Entry]:
    try:
        doc = json.loads(text, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise AnswersError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    except _LongNumber as exc:
        line = text.count("\n", 0, max(text.find(str(exc)), 0)) + 1
        raise AnswersError(
            f"{path}:{line}: a number with {len(str(exc).lstrip('-')):,} digits; numbers have at most {MAX_DIGITS}"
        ) from None
    except RecursionError:
        raise AnswersError(f"{path}:{_deep_line(text)}: {_TOO_DEEP}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("worksheets"), list):
        raise AnswersError(f'{path}: expected an object {{"worksheets": [...]}}')
    if len(doc["worksheets"]) > MAX_ENTRIES:
        raise AnswersError(f"{path}: more than {MAX_ENTRIES:,} worksheets; split the file")
    entries = []
    for i, item in enumerate(doc["worksheets"]):
        where = f"{path.name}: worksheets[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("answers"), dict):
            raise AnswersError(f'{where}: expected {{"team" or "proposal", "stage", "answers": {{...}}}}')
        ids = [_json_id(item.get(k), k, where) for k in ("stage", "team", "proposal")]
        _check_answers(item["answers"], where, text, path)
        entries.append(Entry(where, ids[0] or "", ids[1], ids[2], item["answers"]))
    return entries


_TOO_DEEP = f"answers are nested more than {MAX_DEPTH} levels deep"


def _deep_line(text: str) -> int:
    """The line where the JSON text first nests deeper than a worksheet's answers may."""
    depth = 0
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH + 3:  # {"worksheets": [{"answers": {...}}]}
                return text.count("\n", 0, m.start()) + 1
        elif token in "]}":
            depth -= 1
    return 1


def _json_id(value: Any, key: str, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise AnswersError(f'{where}: "{key}" must be text, not {_kind(value)}')
    return _id(value, key, where)


def _id(value: str, key: str, where: str) -> str:
    """A stage, team or proposal id as given, if it can be one."""
    reason = unsafe_name(value)
    if reason:
        raise AnswersError(f"{where}: {key} {reason}")
    if len(value) > MAX_ID:
        raise AnswersError(f"{where}: {key} is longer than {MAX_ID} characters; give the {key}'s id")
    return value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    return {dict: "an object", list: "a list", int: "a number", float: "a number"}.get(type(value), "null")


def _check_answers(answers: dict, where: str, text: str, path: Path) -> None:
    """Bounded answers: nesting, list lengths and no control characters in any text."""
    stack: list[tuple[Any, int, str]] = [(answers, 1, "answers")]
    while stack:
        value, depth, at = stack.pop()
        if depth > MAX_DEPTH:
            raise AnswersError(f"{path}:{_deep_line(text)}: {_TOO_DEEP}")
        if isinstance(value, str):
            reason = unsafe_char(value)
            if reason:
                raise AnswersError(f"{where}: {at} {reason}")
        elif isinstance(value, list):
            if len(value) > MAX_RECORDS:
                raise AnswersError(
                    f"{where}: {at} has {len(value):,} items; at most {MAX_RECORDS:,} are allowed"
                )
            stack.extend((v, depth + 1, f"{at}[{k}]") for k, v in enumerate(value))
        elif isinstance(value, dict):
            for k, v in value.items():
                reason = unsafe_name(k)
                if reason:
                    raise AnswersError(f"{where}: a field name in {at} {reason}")
                stack.append((v, depth + 1, f"{at}.{k}"))


def _opt(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _csv_entries(text: str, path: Path) -> list[Entry]:
    table = Table(text, str(path), AnswersError)
    need = ("stage", "team", "proposal", "field", "value")
    if table.missing(need):
        raise AnswersError(f"{path}:1: expected columns {','.join(need)}")
    grouped: dict[tuple, Entry] = {}
    for line, row in table:
        here = f"{path}:{line}"
        key = (
            _id(row["stage"].strip(), "stage", here),
            _opt(_id(row["team"].strip(), "team", here)),
            _opt(_id(row["proposal"].strip(), "proposal", here)),
        )
        entry = grouped.get(key)
        if entry is None:
            if len(grouped) >= MAX_ENTRIES:
                raise AnswersError(f"{here}: more than {MAX_ENTRIES:,} worksheets; split the file")
            entry = grouped[key] = Entry(f"{path.name}:{line}", *key, {})
        try:
            _put(entry.answers, key[0], _id(row["field"].strip(), "field", here), row["value"])
        except ValueError as exc:
            raise AnswersError(f"{here}: {exc}") from None
    for entry in grouped.values():
        _no_gaps(entry)
    return list(grouped.values())


def _no_gaps(entry: Entry) -> None:
    """Records numbered 1, 2, 3 … : a record no row mentions is a gap, not an empty record."""
    for name, value in entry.answers.items():
        if isinstance(value, list) and value and isinstance(value[0], dict | type(None)):
            for n, record in enumerate(value, 1):
                if record is None:
                    raise AnswersError(
                        f"{entry.where}: {name}.{n} is missing but {name}.{len(value)} is given; "
                        "number records from 1 without gaps"
                    )


def _put(answers: dict, stage: str, dotted: str, raw: str) -> None:
    """Place a CSV cell into the answers: `ideas.2.title` -> answers['ideas'][1]['title']."""
    parts = dotted.split(".")
    specs = {s.id: s for s in describe(get_stage(stage).schema)} if stage in SLUGS else {}
    spec = specs.get(parts[0])
    if len(parts) == 3 and _RECORD_NO.fullmatch(parts[1]) and parts[1].strip("0"):
        if len(parts[1]) > len(str(MAX_RECORDS)) or int(parts[1]) > MAX_RECORDS:
            raise ValueError(f"field {dotted!r}: record numbers go up to {MAX_RECORDS:,}")
        records = answers.get(parts[0])
        if not isinstance(records, list):
            records = answers[parts[0]] = []
        n = int(parts[1])
        records.extend(None for _ in range(n - len(records)))  # gaps stay None: _no_gaps() reports them
        if records[n - 1] is None:
            records[n - 1] = {}
        sub = {s.id: s for s in spec.record_fields}.get(parts[2]) if spec and spec.record else None
        records[n - 1][parts[2]] = _cell(sub, raw)
    elif len(parts) == 1:
        answers[parts[0]] = _cell(spec, raw)
    else:
        raise ValueError(f"field {dotted!r} is neither a field id nor record.N.field")


def _cell(spec, raw: str) -> Any:
    if spec is None:
        return raw
    if spec.kind in ("list", "multi"):
        items = [x.strip() for x in raw.replace(",", "\n").split("\n")] if spec.kind == "multi" else \
                [x.strip() for x in raw.split("\n")]  # fmt: skip
        items = [x for x in items if x]
        if len(items) > MAX_RECORDS:
            raise ValueError(f"{len(items):,} items in one cell; at most {MAX_RECORDS:,} are allowed")
        return items
    if spec.kind == "choice" and spec.python is bool:
        return _BOOL_WORDS.get(raw.strip().lower(), raw.strip().lower())
    if spec.kind == "scalar" and spec.python in (int, float) and len(raw.strip()) > MAX_DIGITS:
        raise ValueError(
            f"{{#{spec.id}}}: a number of {len(raw.strip()):,} characters; numbers have at most {MAX_DIGITS}"
        )
    return raw


def import_answers(
    ws: Workspace, session: Session, cohort: Cohort, entries: list[Entry], force: bool = False
) -> ImportReport:
    """Write each entry into its worksheet file; problems are reported per entry and the rest go on."""
    report = ImportReport()
    by_stage: dict[str, list[Entry]] = {}
    for e in entries:
        if e.stage not in SLUGS:
            report.problems.append(f"{e.where}: unknown stage {e.stage!r}; stages are {', '.join(SLUGS)}")
            continue
        by_stage.setdefault(e.stage, []).append(e)
    for slug, group in by_stage.items():
        found = stage_entities(ws, session, cohort, get_stage(slug))
        if found.stage.granularity == "team":
            index = {t.slug: t for t in found.entities}
        else:
            index = {p.code: p for p in found.entities}
        sheets = {
            (w.team_id if found.stage.granularity == "team" else w.proposal_id): w
            for w in session.exec(
                select(Worksheet).where(Worksheet.cohort_id == cohort.id, Worksheet.stage == slug)
            )
        }
        for e in group:
            try:
                _import_one(ws, session, found, index, sheets, e, force, report)
            except AnswersError as exc:
                report.problems.append(str(exc))
    return report


def _import_one(
    ws: Workspace,
    session: Session,
    found: StageEntities,
    index: dict,
    sheets: dict,
    e: Entry,
    force: bool,
    report: ImportReport,
) -> None:
    stage = found.stage
    ident = e.team if stage.granularity == "team" else e.proposal
    noun = stage.granularity
    if not ident:
        raise AnswersError(f'{e.where}: the {stage.slug} worksheet belongs to a {noun}: give "{noun}"')
    entity = index.get(ident if noun == "team" else ident.upper())
    if entity is None:
        raise AnswersError(f"{e.where}: no {noun} {ident!r} in this cohort")
    if noun == "proposal" and e.team and found.team_slug(entity) != e.team:
        raise AnswersError(
            f"{e.where}: proposal {ident} belongs to team {found.team_slug(entity)}, not {e.team}"
        )
    sheet: Worksheet | None = sheets.get(entity.id)
    if sheet is None:
        raise AnswersError(
            f"{e.where}: the {stage.slug} worksheet of {ident} is not generated yet; run `lab run` first"
        )
    if entity.state not in stage.ingest_states:
        raise AnswersError(f"{e.where}: {ident} is {entity.state}; its {stage.slug} worksheet is closed")
    root = ws.root
    try:  # the worksheet is read and written only as a regular file under real folders (lab.storage.safefs)
        path, current = read_current(root, sheet.path)
    except UnsafePath as exc:
        raise AnswersError(f"{e.where}: {exc}") from None
    edited = hand_edited(sheet, current)
    if edited and not force:
        raise AnswersError(
            f"{e.where}: {sheet.path} was edited by the team; not replaced (use --force to replace it, keeping a copy)"
        )
    base = current_values(current, stage.schema)
    merged = base | e.answers
    try:
        model = stage.schema.model_validate(merged)
    except ValidationError as exc:
        reasons = "; ".join(describe_error(stage.schema, err) + _where(err) for err in exc.errors())
        raise AnswersError(f"{e.where}: {ident} {stage.slug}: {reasons}") from None
    data = found.render(entity, model.model_dump()).encode("utf-8")
    try:
        if edited:
            report.backups.append(keep_copy(root, path, current))
        write_sheet(root, session, sheet, path, data)
    except UnsafePath as exc:  # a folder made a link since the check
        raise AnswersError(f"{e.where}: {exc}") from None
    report.written.append(sheet.path)


def _where(err: dict) -> str:
    loc = [str(p + 1) if isinstance(p, int) else p for p in err["loc"]]
    return f" (at {'.'.join(loc)})" if len(loc) > 1 else ""
