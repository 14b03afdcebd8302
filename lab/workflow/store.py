"""The worksheet store of a stage: each entity's worksheet file and its record, kept in step.

`ingest()` reads a worksheet only when its file changed and records what it found; `generate_all()` writes
the worksheets that became due in one batch, files made durable before the rows that record them; a file
found on disk without a row is adopted, never overwritten. Record changes are queued by `_set()` and
written by `flush_sheets()` in one bulk update per chunk. `stage_entities()` is the entry point for writers
of worksheets outside a run (the answers import).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlmodel import Session, select

from lab.domain.errors import TooLarge, UnsafePath
from lab.domain.models import Cohort, Proposal, Team, Worksheet, utcnow
from lab.stages import Stage
from lab.storage import bulk, safefs
from lab.storage.files import WriteBatch
from lab.workflow.context import Run, StageReport
from lab.workflow.reading import fixes, front_matter, read_worksheet, rewrite
from lab.worksheets.markdown import MAX_BYTES
from lab.worksheets.messages import decimal, say
from lab.worksheets.render import digest, render_worksheet
from lab.workspace.settings import Workspace

DEFERRED = ("answers", "errors")  # JSON columns not loaded with a stage's worksheets
VALID = object()  # ingest's answer for a valid worksheet that did not change: no model is built for it


def ingest(run: Run, entity: Team | Proposal, sheet: Worksheet, report: StageReport) -> Any:
    """Read a worksheet if it changed. Returns None (not valid), VALID (valid, unchanged) or the freshly
    validated model."""
    st = _stat(run, sheet, report)
    if st is None:
        return None
    unchanged = st.st_mtime_ns == sheet.mtime_ns and st.st_size == sheet.size
    # a stage check looks beyond the file (evidence on disk), so an invalid sheet there is read again
    recheck = run.stage.check is not None and sheet.status == "invalid"
    if unchanged and not recheck and sheet.status in ("waiting", "invalid", "returned"):
        return None
    if unchanged and sheet.status == "valid":
        return VALID
    stat = {"mtime_ns": st.st_mtime_ns, "size": st.st_size}
    try:  # never more than MAX_BYTES + 1 bytes, never through a link, never blocked by a pipe
        data = safefs.read_bytes(run.ws.root, sheet.path, MAX_BYTES)
    except TooLarge as exc:
        report.ingested += 1
        report.invalid += 1
        lang = run.settings.lang
        reason = say(
            lang, "file_size", size=decimal(lang, exc.size / 1e6, 1), limit=decimal(lang, MAX_BYTES / 1e6, 0)
        )
        _set(run, sheet, status="invalid", errors=[{"line": 1, "reason": reason}], seen_hash="", **stat)
        fixes(run, sheet, [{"line": 1, "reason": reason}])
        return None
    except UnsafePath as exc:  # made a link or a pipe since the stat
        unsafe(run, sheet, exc, report)
        return None
    except FileNotFoundError:  # removed since the stat
        _missing(run, sheet)
        return None
    h = digest(data)
    if h == sheet.generated_hash:
        _set(run, sheet, status="waiting", errors=[], **stat)
        fixes(run, sheet, [])
        return None
    if h == sheet.seen_hash and (sheet.status == "returned" or sheet.status == "invalid" and not recheck):
        _set(run, sheet, **stat)
        return None
    if h == sheet.seen_hash and sheet.status == "valid":  # touched, not changed (a copy, a restore)
        _set(run, sheet, **stat)
        return VALID
    report.ingested += 1
    parsed, model = read_worksheet(run, entity, sheet, data)
    if parsed.rebuilt is not None:  # its front matter was rebuilt: the file says whose it is again
        h, stat = rewrite(run, sheet, parsed.rebuilt, h, stat)
    if model is None:
        report.invalid += 1
        _set(
            run,
            sheet,
            status="invalid",
            errors=[p.as_dict() for p in parsed.problems],
            seen_hash=h,
            **stat,
        )
        fixes(run, sheet, [*({"line": 1, "reason": n} for n in parsed.notes), *parsed.problems])
        return None
    report.valid += 1
    _set(
        run,
        sheet,
        status="valid",
        errors=[],
        answers=model.model_dump(mode="json"),
        seen_hash=h,
        **stat,
    )
    fixes(run, sheet, [])
    return model


def _stat(run: Run, sheet: Worksheet, report: StageReport) -> os.stat_result | None:
    """The worksheet file's stat, checked component by component; a missing file or one that cannot be
    read safely (a link, a special file, under a linked folder) is recorded on the sheet (None)."""
    root = run.ws.root
    try:
        st = safefs.check(root, sheet.path)
        if st is None:  # the folder is made now, the file again by this stage's generate step
            safefs.ensure_dir(root, PurePosixPath(sheet.path).parent)
    except UnsafePath as exc:
        unsafe(run, sheet, exc, report)
        return None
    if st is None:
        _missing(run, sheet)
    return st


def _missing(run: Run, sheet: Worksheet) -> None:
    reason = say(run.settings.lang, "file_missing")
    _set(run, sheet, status="missing", errors=[{"line": 1, "reason": reason}], mtime_ns=0, size=-1)


def unsafe(run: Run, sheet: Worksheet, exc: UnsafePath, report: StageReport) -> None:
    """Record a worksheet that is not read or written because its path is unsafe: invalid, on line 1,
    with the path at fault and what to do. The same problem found again changes nothing."""
    mark = "unsafe:" + digest(str(exc).encode())[:16]
    if sheet.status == "invalid" and sheet.seen_hash == mark:
        return
    report.invalid += 1
    _set(
        run,
        sheet,
        status="invalid",
        errors=[{"line": 1, "reason": str(exc)}],
        seen_hash=mark,
        mtime_ns=0,
        size=-1,
    )


def _set(run: Run, sheet: Worksheet, **changes: Any) -> None:
    """Change a worksheet record; `updated_at` moves only when more than the file's stat changed.

    A stored record is changed in place and its row queued for `flush_sheets()` (one bulk update per
    chunk); a new record goes through the session.
    """
    meaningful, changed = False, {}
    for k, v in changes.items():
        if k in DEFERRED:  # set without reading: reading a deferred column costs a query per row
            changed[k] = v
            meaningful = True
        elif getattr(sheet, k) != v:
            changed[k] = v
            meaningful = meaningful or k not in ("mtime_ns", "size")
    if meaningful or sheet.id is None:
        changed["updated_at"] = utcnow()
    through_orm = sheet.id is None or sheet._sa_instance_state.committed_state  # new, or changed via the ORM
    if through_orm:
        for k, v in changed.items():
            setattr(sheet, k, v)
        run.session.add(sheet)
    elif changed:
        sheet.__dict__.update(changed)  # what the row will hold once flushed; not marked dirty for the ORM
        run.pending.setdefault(sheet.id, {}).update(changed)


def flush_sheets(run: Run) -> None:
    """Write the queued worksheet changes: one executemany per set of changed columns."""
    pending, run.pending = run.pending, {}
    groups: dict[tuple[str, ...], list[tuple]] = {}
    for sheet_id, changed in pending.items():
        keys = tuple(sorted(changed))
        groups.setdefault(keys, []).append((*(changed[k] for k in keys), sheet_id))
    table = Worksheet.__table__
    for keys, rows in groups.items():
        rows = bulk.converted(run.session, table, (*keys, "id"), rows, only=(*DEFERRED, "updated_at"))
        bulk.update(run.session, table, keys, ("id",), rows)


def render_for(run: Run, entity: Team | Proposal, values: dict[str, Any]) -> str:
    """The worksheet text of an entity for this stage, filled with `values`."""
    team = entity if isinstance(entity, Team) else run.teams[entity.team_id]
    context = {
        "team": team,
        "proposal": entity if isinstance(entity, Proposal) else None,
        "note": "",
    }
    override = str(run.ws.root / "templates")
    return render_worksheet(
        run.stage, run.settings.lang, front_matter(run, entity), values, context, override
    )


def generate_all(run: Run, entities: list, sheets: dict[int, Worksheet], report: StageReport) -> None:
    """Write the worksheets of every entity that just became eligible (or whose file went missing), in one batch.

    The files are made durable first, then their records are written in one bulk insert.
    """
    stage = run.stage
    batch, rows, kept = WriteBatch(run.ws.root), [], []
    due = [
        (e, sheets.get(e.id)) for e in entities
        if (e.id not in sheets and e.state in stage.generate_states)
        or (e.id in sheets and sheets[e.id].status == "missing" and e.state in stage.ingest_states)
    ]  # fmt: skip
    try:
        for entity, existing in due:
            made = generate(run, entity, report, batch, existing)
            if isinstance(made, tuple):
                rows.append(made)
            elif made is not None:
                kept.append(made)
        batch.commit()
    except BaseException:
        batch.abort()
        raise
    root, table = run.ws.root, Worksheet.__table__
    failed = {run.rel(path): exc for path, exc in batch.failed}  # a folder made a link meanwhile
    now = bulk.bind(run.session, table.c.updated_at, utcnow())
    no_errors = bulk.bind(run.session, table.c.errors, [])
    records = []
    for row in rows:  # with what is on disk now, so that an untouched file is not read again
        if row[4] in failed:
            unsafe(run, Worksheet(**dict(zip(NEW_SHEET_COLUMNS, row, strict=False))), failed[row[4]], report)
            continue
        records.append((*row, *_disk_stat(root, row[4]), "waiting", no_errors, "", now))
    for sheet in kept:
        if sheet.path in failed:
            unsafe(run, sheet, failed[sheet.path], report)
            continue
        mtime_ns, size = _disk_stat(root, sheet.path)
        _set(run, sheet, mtime_ns=mtime_ns, size=size)
    bulk.insert(run.session, table, NEW_SHEET_COLUMNS, records)


def _disk_stat(root: Path, rel: str) -> tuple[int, int]:
    """The mtime and size of a file just written (the entry itself, not what a link points to)."""
    try:
        st = os.lstat(f"{root}/{rel}")
    except OSError:
        return 0, -1  # gone already: the next run finds it missing
    return st.st_mtime_ns, st.st_size


NEW_SHEET_COLUMNS = ("cohort_id", "stage", "team_id", "proposal_id", "path", "generated_hash", "written_hash",
                     "seen_hash", "mtime_ns", "size", "status", "errors", "note", "updated_at")  # fmt: skip


def generate(
    run: Run, entity: Team | Proposal, report: StageReport, batch: WriteBatch, sheet: Worksheet | None = None
) -> tuple | Worksheet | None:
    """Write the blank (prefilled) worksheet through `batch`; a file already there is adopted, never overwritten.

    Returns the new worksheet record to insert once the file is durable (a tuple), or the record whose
    file was written or adopted unchanged (its stat is taken after the batch), or None. With `sheet`, the
    file of an existing record went missing and is written again. A file found already there is adopted;
    if it is someone's own, it is read at once.
    """
    path = run.worksheet_path(entity)
    rel, root = run.rel(path), run.ws.root
    data = render_for(run, entity, run.stage.prefill(run, entity)).encode("utf-8")
    h = digest(data)
    try:
        st = safefs.check(root, rel)
    except UnsafePath as exc:  # e.g. the team's folder is a link: nothing is written there
        unsafe(run, sheet or _new_sheet(run, entity, rel), exc, report)
        return None
    if st is None:
        try:
            batch.write(path, data)
        except UnsafePath as exc:
            unsafe(run, sheet or _new_sheet(run, entity, rel), exc, report)
            return None
        if run.stage.granularity == "proposal":
            try:
                batch.ensure_dir(path.parent / "evidence")
            except UnsafePath:
                pass  # the deliver stage's check names it on the evidence it lists
        report.generated += 1
        if sheet is None:
            # the first columns of NEW_SHEET_COLUMNS; the rest once the file is on disk
            return (run.cohort.id, run.stage.slug, *_owner(entity), rel, h, h, "")
        _set(run, sheet, generated_hash=h, written_hash=h, status="waiting", errors=[], seen_hash="")
        return sheet
    report.adopted += 1
    try:  # read only when it can be the same file: at most its own size
        same = st.st_size == len(data) and digest(safefs.read_bytes(root, rel, len(data))) == h
    except (UnsafePath, FileNotFoundError):
        same = False  # ingest() below records what is wrong with it
    written = h if same else ""
    sheet = sheet or _new_sheet(run, entity, rel)
    _set(run, sheet, generated_hash=h, written_hash=written, status="waiting", errors=[], seen_hash="")
    if not written:
        ingest(run, entity, sheet, report)  # someone's own file: read it now so status tells the truth
        return None
    return sheet


def _owner(entity: Team | Proposal) -> tuple[int, int | None]:
    """The team id and proposal id of a worksheet's entity."""
    if isinstance(entity, Team):
        return entity.id, None
    return entity.team_id, entity.id


def _new_sheet(run: Run, entity: Team | Proposal, rel: str) -> Worksheet:
    team_id, proposal_id = _owner(entity)
    return Worksheet(cohort_id=run.cohort.id, stage=run.stage.slug, path=rel, team_id=team_id,
                     proposal_id=proposal_id)  # fmt: skip


@dataclass
class StageEntities:
    """The teams or proposals a stage's worksheets belong to, and the worksheet text each would get.

    What a writer of worksheets outside a run needs (the answers import), without building the runner's
    context by hand: the same front matter and template a run writes.
    """

    stage: Stage
    entities: list[Team] | list[Proposal]
    _run: Run

    def team_slug(self, entity: Team | Proposal) -> str:
        """The slug of the team an entity is (or belongs to)."""
        return entity.slug if isinstance(entity, Team) else self._run.teams[entity.team_id].slug

    def render(self, entity: Team | Proposal, values: dict[str, Any]) -> str:
        """The worksheet text of `entity` for this stage, filled with `values`."""
        return render_for(self._run, entity, values)


def stage_entities(ws: Workspace, session: Session, cohort: Cohort, stage: Stage) -> StageEntities:
    """Every team of the cohort for a team stage, every proposal for a proposal stage, in id order."""
    run = Run(ws, session, cohort, stage)
    teams = session.exec(select(Team).where(Team.cohort_id == cohort.id).order_by(Team.id)).all()
    run.teams = {t.id: t for t in teams}
    if stage.granularity == "team":
        return StageEntities(stage, list(teams), run)
    proposals = session.exec(select(Proposal).where(Proposal.cohort_id == cohort.id).order_by(Proposal.id))
    return StageEntities(stage, list(proposals.all()), run)
