"""One stage over the whole cohort in one batch: collect → ingest → advance → generate (SPEC §2).

`run_stage()` is what each Prefect task calls. It is re-entrant and idempotent: the database is the
truth, files are written atomically before the rows that record them, and a file found on disk without
a row is adopted, never overwritten. Running it twice with nothing new changes nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from lab.domain.errors import TooLarge, UnsafePath
from lab.domain.models import Cohort, Evidence, Member, Proposal, Team, Transition, Worksheet, utcnow
from lab.stages import Stage
from lab.storage import bulk, safefs
from lab.storage.files import WriteBatch
from lab.workflow import progress, states
from lab.worksheets.markdown import MAX_BYTES, Parsed, decode, locate, parse_text, validate
from lab.worksheets.render import digest, render_worksheet
from lab.workspace.cohort import get_cohort
from lab.workspace.settings import Workspace


@dataclass
class StageReport:
    """What one stage task did; shown by `lab run` and in the Prefect artifact."""

    stage: str
    ingested: int = 0
    valid: int = 0
    invalid: int = 0
    advanced: int = 0
    generated: int = 0
    adopted: int = 0
    seconds: dict[str, float] = field(
        default_factory=dict
    )  # per step: collect, ingest, advance, generate, after

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @contextmanager
    def timed(self, step: str, session: Session) -> Iterator[None]:
        """Time a step, including the database writes it causes."""
        start = time.perf_counter()
        yield
        session.flush()
        self.seconds[step] = round(self.seconds.get(step, 0.0) + time.perf_counter() - start, 4)


@dataclass
class Run:
    """The context of one stage task: workspace, settings, session and the cohort's rows."""

    ws: Workspace
    session: Session
    cohort: Cohort
    stage: Stage
    teams: dict[int, Team] = field(default_factory=dict)
    _members: dict[int, list[Member]] | None = None
    chunk_teams: set[int] = field(default_factory=set)
    _diagnose: dict[int, dict] | None = None
    pending: dict[int, dict[str, Any]] = field(default_factory=dict)  # worksheet id -> changed columns

    @property
    def settings(self):
        return self.ws.settings

    # paths -----------------------------------------------------------------
    def team_dir(self, team: Team) -> Path:
        return self.ws.teams_dir / team.slug

    def proposal_dir(self, proposal: Proposal) -> Path:
        return self.ws.teams_dir / self.teams[proposal.team_id].slug / proposal.code

    def rel(self, path: Path) -> str:
        return path.relative_to(self.ws.root).as_posix()

    def worksheet_path(self, entity: Team | Proposal) -> Path:
        base = self.team_dir(entity) if isinstance(entity, Team) else self.proposal_dir(entity)
        return base / self.stage.filename

    # lookups used by stage hooks ------------------------------------------------
    def members_of(self, team: Team) -> list[Member]:
        if self._members is None:
            self._members = {}
            for m in self.session.exec(select(Member).join(Team).where(Team.cohort_id == self.cohort.id)):
                self._members.setdefault(m.team_id, []).append(m)
        return self._members.get(team.id, [])

    def leader_of(self, proposal: Proposal) -> Member | None:
        members = self.members_of(self.teams[proposal.team_id])
        leaders = [m for m in members if m.role.lower() in ("ketua", "leader", "ketua tim")]
        return (leaders or members or [None])[0]

    def idea_of(self, proposal: Proposal) -> tuple[dict, dict | None]:
        """The diagnose idea a proposal came from, and the problem it answers."""
        if self._diagnose is None:
            rows = self.session.exec(
                select(Worksheet.team_id, Worksheet.answers).where(
                    Worksheet.cohort_id == self.cohort.id,
                    Worksheet.stage == "diagnose",
                    Worksheet.team_id.in_(self.chunk_teams),
                )
            )
            self._diagnose = {tid: answers or {} for tid, answers in rows}
        answers = self._diagnose.get(proposal.team_id, {})
        ideas, problems = answers.get("ideas", []), answers.get("problems", [])
        idea = ideas[proposal.origin - 1] if proposal.origin <= len(ideas) else {}
        n = idea.get("problem", 0)
        return idea, (problems[n - 1] if 0 < n <= len(problems) else None)

    # writes used by stage hooks ---------------------------------------------------
    def team_of(self, entity: Team | Proposal) -> str:
        """The team slug an entity belongs to (the actor of participants' events)."""
        d = entity.__dict__  # loaded values: called once per row of a bulk state change
        return d["slug"] if "slug" in d else self.teams[d["team_id"]].slug

    def move(self, subjects: list, event: str, actor, note: str = "") -> None:
        kind = "team" if subjects and isinstance(subjects[0], Team) else "proposal"
        states.apply_many(self.session, kind, subjects, event, actor, note)

    def set_readiness(self, scores: list[tuple[Team, int]]) -> None:
        """Store the teams' readiness scores (0-100) in one bulk update."""
        rows = [(n, t.id) for t, n in scores]
        bulk.update(self.session, Team.__table__, ("readiness",), ("id",), rows)
        for team, n in scores:
            set_committed_value(team, "readiness", n)

    def create_proposals(self, ideas: list[tuple[Team, list[str]]]) -> list[list[Proposal]]:
        """New proposals in state `idea`, numbered <CODE>-<YEAR>-<NNN> in order, with creation audit rows.

        One bulk insert for all teams; returns each team's proposals in idea order.
        """
        cohort, s = self.cohort, self.settings
        made, seq = [], cohort.next_seq
        for team, titles in ideas:
            for origin, title in enumerate(titles, 1):
                made.append(NewProposal(0, cohort.id, team.id, f"{s.code}-{s.year}-{seq:03d}", origin, title,
                                        "idea", 1, team.slug))  # fmt: skip
                seq += 1
        if not made:
            return []
        cohort.next_seq = seq
        self.session.add(cohort)
        table = Proposal.__table__
        before = self.session.execute(select(func.coalesce(func.max(Proposal.id), 0))).scalar_one()
        bulk.insert(self.session, table, NewProposal.COLUMNS, [p.row() for p in made])
        # the new rows' ids, by their codes (unique in the cohort, which this run holds the lock of)
        ids = dict(
            self.session.execute(
                select(Proposal.code, Proposal.id).where(
                    Proposal.cohort_id == cohort.id, Proposal.id > before
                )
            ).all()
        )
        for p in made:
            p.id = ids[p.code]
        at = bulk.bind(self.session, Transition.__table__.c.at, utcnow())
        bulk.insert(self.session, Transition.__table__, states.AUDIT_COLUMNS, [
            (cohort.id, "proposal", p.id, "", "idea", "create", p.team_slug, at,
             f"idea {p.origin} of the diagnose worksheet") for p in made
        ])  # fmt: skip
        grouped: list[list[Proposal]] = []
        i = 0
        for _, titles in ideas:
            grouped.append(made[i : i + len(titles)])
            i += len(titles)
        return grouped

    def record_evidence(self, items: dict[int, list[tuple[str, str, int]]]) -> None:
        """Replace the evidence rows of the given proposals (proposal id -> [(file, proves, size)])."""
        if not items:
            return
        self.session.execute(delete(Evidence).where(Evidence.proposal_id.in_(list(items))))
        bulk.insert(self.session, Evidence.__table__, ("proposal_id", "file", "proves", "size"), [
            (pid, f, p, size) for pid, rows in items.items() for f, p, size in rows
        ])  # fmt: skip


@dataclass
class NewProposal:
    """A proposal just inserted in bulk: a plain record (no ORM bookkeeping for thousands of new rows)."""

    id: int
    cohort_id: int
    team_id: int
    code: str
    origin: int
    title: str
    state: str
    version: int
    team_slug: str

    COLUMNS = ("cohort_id", "team_id", "code", "origin", "title", "state", "version")

    def row(self) -> tuple:
        return tuple(getattr(self, c) for c in self.COLUMNS)


def load_entities(run: Run) -> list[Team] | list[Proposal]:
    """Every team of the cohort (kept on the run) and, for proposal stages, every proposal."""
    teams = run.session.exec(select(Team).where(Team.cohort_id == run.cohort.id).order_by(Team.id)).all()
    run.teams = {t.id: t for t in teams}
    if run.stage.granularity == "team":
        return list(teams)
    return list(
        run.session.exec(
            select(Proposal).where(Proposal.cohort_id == run.cohort.id).order_by(Proposal.id)
        ).all()
    )


CHUNK = 5000  # entities per chunk: a stage never holds the whole cohort's objects at once


def run_stage(ws: Workspace, stage: Stage, session: Session) -> StageReport:
    """collect → ingest → advance → generate for one stage, in the caller's transaction.

    The cohort is worked through in chunks of entities in id order; each chunk's objects are released
    after its writes are flushed, so memory does not grow with the cohort. Entities are independent of
    each other, so the result is the same as one pass over all of them.
    """
    from lab.workflow import roster

    report = StageReport(stage.slug)
    with report.timed("collect", session):
        cohort = get_cohort(session, ws)
        if stage.number == 1:
            roster.sync(ws, session, cohort)  # the roster is a facilitator input of drum-up
        run = Run(ws, session, cohort, stage)
        model = Team if stage.granularity == "team" else Proposal
        teams = session.exec(select(Team).where(Team.cohort_id == cohort.id).order_by(Team.id)).all()
        run.teams = {t.id: t for t in teams}
        ids = list(session.exec(select(model.id).where(model.cohort_id == cohort.id).order_by(model.id)))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        _run_chunk(run, model, chunk, report, done=start, total=len(ids))
    if stage.after:
        with report.timed("after", session):
            stage.after(run)
    return report


def _run_chunk(run: Run, model, chunk: list[int], report: StageReport, done: int, total: int) -> None:
    stage, session = run.stage, run.session
    key = Worksheet.team_id if stage.granularity == "team" else Worksheet.proposal_id
    with report.timed("collect", session):
        entities = list(session.exec(select(model).where(model.id.in_(chunk)).order_by(model.id)))
        sheets = {
            getattr(w, key.key): w
            for w in session.exec(
                select(Worksheet)
                .where(Worksheet.cohort_id == run.cohort.id, Worksheet.stage == stage.slug, key.in_(chunk))
                .options(*(defer(getattr(Worksheet, c)) for c in DEFERRED))  # loaded only where needed
            )
        }
        run._diagnose = None  # design prefill reads this chunk's teams only
        run.chunk_teams = {e.id if isinstance(e, Team) else e.team_id for e in entities}
    valid: dict[int, Any] = {}
    with report.timed("ingest", session):
        fresh = []  # worksheets that became valid in this run: their data is stored now
        for entity in entities:
            sheet = sheets.get(entity.id)
            if sheet is not None and entity.state in stage.ingest_states:
                result = ingest(run, entity, sheet, report)
                if result is not None:
                    valid[entity.id] = result
                    if result is not VALID:
                        fresh.append((entity, result))
        if stage.on_valid and fresh:
            stage.on_valid(run, fresh)
        flush_sheets(run)
        progress.tick(stage.slug, "ingest", done + len(chunk), total)
    with report.timed("advance", session):
        ready = [e for e in entities if e.state == stage.advance_state and e.id in valid]
        advance(run, ready, valid, sheets, report)
    with report.timed("generate", session):
        generate_all(run, entities, sheets, report)
        flush_sheets(run)
        progress.tick(stage.slug, "generate", done + len(chunk), total)
    for obj in [*entities, *sheets.values()]:  # written and flushed: let them go
        if obj in session and not isinstance(obj, Team):
            session.expunge(obj)


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
        reason = f"file is {exc.size / 1e6:.1f} MB; worksheets are limited to {MAX_BYTES / 1e6:.0f} MB"
        _set(run, sheet, status="invalid", errors=[{"line": 1, "reason": reason}], seen_hash="", **stat)
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
        return None
    if h == sheet.seen_hash and (sheet.status == "returned" or sheet.status == "invalid" and not recheck):
        _set(run, sheet, **stat)
        return None
    if h == sheet.seen_hash and sheet.status == "valid":  # touched, not changed (a copy, a restore)
        _set(run, sheet, **stat)
        return VALID
    report.ingested += 1
    parsed, model = read_worksheet(run, entity, sheet, data)
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
    _set(run, sheet, status="missing", errors=[{"line": 1, "reason": "file is missing; it will be generated again"}],
         mtime_ns=0, size=-1)  # fmt: skip


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


def read_worksheet(run: Run, entity: Team | Proposal, sheet: Worksheet, data: bytes) -> tuple[Parsed, Any]:
    """Parse, check the front matter against where the file is, validate, and run the stage's own checks."""
    parsed = Parsed()
    text = decode(data, parsed)
    if text is None:
        return parsed, None
    parsed = parse_text(text, run.stage.schema)
    if parsed.problems and not parsed.meta:
        return parsed, None  # the front matter itself is broken: that is the one problem to fix
    expected = front_matter(run, entity)
    for k in ("cohort", "stage", "team", "proposal"):
        if k in expected and str(parsed.meta.get(k)) != str(expected[k]):
            parsed.fail(
                2,
                f"front matter says {k}: {parsed.meta.get(k)!r} but this file is for {k} {expected[k]!r}",
            )
    model = validate(parsed, run.stage.schema)
    if model is not None and run.stage.check:
        for loc, reason in run.stage.check(run, entity, model):
            parsed.fail(locate(parsed, loc), reason)
        if parsed.problems:
            model = None
    return parsed, model


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


def advance(run: Run, ready: list, valid: dict[int, Any], sheets: dict, report: StageReport) -> None:
    """Move every entity whose worksheet is valid out of the stage; then the stage's own follow-up."""
    ready = [e for e in ready if sheets[e.id].status == "valid"]
    if not ready:
        return
    run.move(ready, run.stage.exit_event, actor=run.team_of)
    report.advanced += len(ready)
    if run.stage.on_exit:
        schema = run.stage.schema
        models = [
            valid[e.id] if valid[e.id] is not VALID else schema.model_validate(sheets[e.id].answers)
            for e in ready
        ]
        run.stage.on_exit(run, list(zip(ready, models, strict=True)))


def front_matter(run: Run, entity: Team | Proposal) -> dict[str, Any]:
    s = run.settings
    team = entity if isinstance(entity, Team) else run.teams[entity.team_id]
    meta: dict[str, Any] = {"cohort": s.cohort_id, "stage": run.stage.slug, "team": team.slug}
    if isinstance(entity, Proposal):
        meta["proposal"] = entity.code
    meta |= {"schema": run.stage.version, "lang": s.lang}
    return meta


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
