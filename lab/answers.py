"""Answers collected outside the files (a spreadsheet, a form) written into the worksheets (`lab answers import`).

JSON: {"worksheets": [{"team": ID, "stage": "drum-up", "answers": {...}},
                      {"proposal": ID, "stage": "design", "answers": {...}}]}
CSV:  columns stage,team,proposal,field,value; `field` is a field id or `record.N.field` (N from 1);
      list values hold one item per line of the cell.
The worksheet file stays the record: answers are merged into it and the next `lab run` ingests it.
A file a participant has edited is not replaced unless --force, and then a copy is kept beside it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from lab import safefs
from lab.engine import Run, load_entities, render_for
from lab.errors import AnswersError, UnsafePath
from lab.files import read_text, write_atomic
from lab.models import Cohort, Worksheet, utcnow
from lab.settings import Workspace
from lab.stages import SLUGS, get_stage
from lab.worksheets.markdown import MAX_BYTES, Parsed, decode, describe_error, parse_text
from lab.worksheets.render import digest
from lab.worksheets.spec import describe

MAX_ANSWERS_BYTES = 50_000_000
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


def _json_entries(text: str, path: Path) -> list[Entry]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnswersError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("worksheets"), list):
        raise AnswersError(f'{path}: expected an object {{"worksheets": [...]}}')
    entries = []
    for i, item in enumerate(doc["worksheets"]):
        where = f"{path.name}: worksheets[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("answers"), dict):
            raise AnswersError(f'{where}: expected {{"team" or "proposal", "stage", "answers": {{...}}}}')
        entries.append(Entry(where, str(item.get("stage", "")), _opt(item.get("team")), _opt(item.get("proposal")),
                             item["answers"]))  # fmt: skip
    return entries


def _opt(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _csv_entries(text: str, path: Path) -> list[Entry]:
    reader = csv.DictReader(io.StringIO(text))
    need = ("stage", "team", "proposal", "field", "value")
    if not reader.fieldnames or any(c not in reader.fieldnames for c in need):
        raise AnswersError(f"{path}:1: expected columns {','.join(need)}")
    grouped: dict[tuple, Entry] = {}
    for row in reader:
        key = (row["stage"].strip(), _opt(row["team"].strip()), _opt(row["proposal"].strip()))
        entry = grouped.setdefault(key, Entry(f"{path.name}:{reader.line_num}", *key, {}))
        try:
            _put(entry.answers, key[0], row["field"].strip(), row["value"] or "")
        except ValueError as exc:
            raise AnswersError(f"{path}:{reader.line_num}: {exc}") from None
    return list(grouped.values())


def _put(answers: dict, stage: str, dotted: str, raw: str) -> None:
    """Place a CSV cell into the answers: `ideas.2.title` -> answers['ideas'][1]['title']."""
    parts = dotted.split(".")
    specs = {s.id: s for s in describe(get_stage(stage).schema)} if stage in SLUGS else {}
    spec = specs.get(parts[0])
    if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) >= 1:
        records = answers.setdefault(parts[0], [])
        n = int(parts[1])
        records.extend({} for _ in range(n - len(records)))
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
        return [x for x in items if x]
    if spec.kind == "choice" and spec.python is bool:
        return _BOOL_WORDS.get(raw.strip().lower(), raw.strip().lower())
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
        run = Run(ws, session, cohort, get_stage(slug))
        entities = load_entities(run)
        if run.stage.granularity == "team":
            index = {t.slug: t for t in entities}
        else:
            index = {p.code: p for p in entities}
        sheets = {
            (w.team_id if run.stage.granularity == "team" else w.proposal_id): w
            for w in session.exec(
                select(Worksheet).where(Worksheet.cohort_id == cohort.id, Worksheet.stage == slug)
            )
        }
        for e in group:
            try:
                _import_one(run, index, sheets, e, force, report)
            except AnswersError as exc:
                report.problems.append(str(exc))
    return report


def _import_one(run: Run, index: dict, sheets: dict, e: Entry, force: bool, report: ImportReport) -> None:
    stage = run.stage
    ident = e.team if stage.granularity == "team" else e.proposal
    noun = stage.granularity
    if not ident:
        raise AnswersError(f'{e.where}: the {stage.slug} worksheet belongs to a {noun}: give "{noun}"')
    entity = index.get(ident if noun == "team" else ident.upper())
    if entity is None:
        raise AnswersError(f"{e.where}: no {noun} {ident!r} in this cohort")
    if noun == "proposal" and e.team and run.teams[entity.team_id].slug != e.team:
        raise AnswersError(
            f"{e.where}: proposal {ident} belongs to team {run.teams[entity.team_id].slug}, not {e.team}"
        )
    sheet: Worksheet | None = sheets.get(entity.id)
    if sheet is None:
        raise AnswersError(
            f"{e.where}: the {stage.slug} worksheet of {ident} is not generated yet; run `lab run` first"
        )
    if entity.state not in stage.ingest_states:
        raise AnswersError(f"{e.where}: {ident} is {entity.state}; its {stage.slug} worksheet is closed")
    root = run.ws.root
    try:  # the worksheet is read and written only as a regular file under real folders (lab.safefs)
        path = safefs.writable(root, sheet.path)
        current = safefs.read_bytes(root, sheet.path, MAX_BYTES) if safefs.check(root, sheet.path) else None
    except UnsafePath as exc:
        raise AnswersError(f"{e.where}: {exc}") from None
    edited = current is not None and digest(current) not in (
        sheet.generated_hash,
        sheet.written_hash,
    )
    if edited and not force:
        raise AnswersError(
            f"{e.where}: {sheet.path} was edited by the team; not replaced (use --force to replace it, keeping a copy)"
        )
    base = _current_values(current, stage.schema) if current is not None else {}
    merged = base | e.answers
    try:
        model = stage.schema.model_validate(merged)
    except ValidationError as exc:
        reasons = "; ".join(describe_error(stage.schema, err) + _where(err) for err in exc.errors())
        raise AnswersError(f"{e.where}: {ident} {stage.slug}: {reasons}") from None
    data = render_for(run, entity, model.model_dump()).encode("utf-8")
    try:
        if edited:
            backup = path.with_name(f"{path.name}.{utcnow():%Y%m%dT%H%M%S}.bak")
            write_atomic(backup, current, root)
            report.backups.append(run.rel(backup))
        write_atomic(path, data, root)
    except UnsafePath as exc:  # a folder made a link since the check
        raise AnswersError(f"{e.where}: {exc}") from None
    sheet.written_hash = digest(data)
    run.session.add(sheet)
    report.written.append(sheet.path)


def _where(err: dict) -> str:
    loc = [str(p + 1) if isinstance(p, int) else p for p in err["loc"]]
    return f" (at {'.'.join(loc)})" if len(loc) > 1 else ""


def _current_values(data: bytes, schema) -> dict[str, Any]:
    """What the file holds now (prefilled values), read leniently."""
    parsed = Parsed()
    text = decode(data, parsed)
    return parse_text(text, schema).values if text is not None else {}
