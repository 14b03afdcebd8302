"""One worksheet saved from a form (the web), through the same code as `lab answers import`.

Shared with the import (lab.workflow.answers): the safe read of the current file (`read_current`), its lenient
reading into values (`current_values`), the rendering (lab.workflow.store.render_for, the template a run
writes) and the atomic write that records the hash of what was written (`write_sheet`). What differs:

- the conflict rule: the file's bytes must still hash to `expected_hash`, the hash of the file when the form
  was opened; if not, nothing is written and the result carries what the file holds now;
- an invalid save is written all the same (nothing the team typed is lost: the file is the team's draft, and
  the next run marks it invalid, as it would a hand-edited file); the problems come back per field in the
  words `lab status` shows, because they come from the reader a run uses (lab.workflow.store.read_worksheet).
  Only a save that cannot be written at all (larger than a worksheet may be) is refused;
- a file the team edited by hand since the engine last wrote it is kept beside it (`<name>.<time>.bak`) before
  the save replaces it, as `lab answers import --force` does, so mixing file and browser editing loses nothing.
"""

from __future__ import annotations

import logging
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from lab.domain.errors import LabError, UnsafePath
from lab.domain.models import Cohort, Proposal, Team, Worksheet, utcnow
from lab.stages import Stage
from lab.storage import safefs
from lab.storage.files import write_atomic
from lab.workflow.activity import Actor, record
from lab.workflow.context import Run
from lab.workflow.store import read_worksheet, render_for
from lab.worksheets.markdown import MAX_BYTES, Parsed, decode, parse_text
from lab.worksheets.render import digest
from lab.workspace.cohort import workspace_session
from lab.workspace.settings import Workspace

log = logging.getLogger(__name__)
GENERAL = ""  # the key of problems that belong to the whole worksheet, not to one field


def read_current(root: Path, rel: str) -> tuple[Path, bytes | None]:
    """Where the worksheet is written, and its bytes now (None if absent); UnsafePath for a link, a special
    file or a linked folder on the way."""
    path = safefs.writable(root, rel)
    current = safefs.read_bytes(root, rel, MAX_BYTES) if safefs.check(root, rel) else None
    return path, current


def current_values(data: bytes | None, schema) -> dict[str, Any]:
    """What the file holds now (prefilled values), read leniently: whatever can be read of each field."""
    if data is None:
        return {}
    parsed = Parsed()
    text = decode(data, parsed)
    return parse_text(text, schema).values if text is not None else {}


def hand_edited(sheet: Worksheet, current: bytes | None) -> bool:
    """Whether the file holds bytes the engine did not write (a team's edit of the file itself)."""
    return current is not None and digest(current) not in (sheet.generated_hash, sheet.written_hash)


def keep_copy(root: Path, path: Path, current: bytes) -> str:
    """Keep the file's current bytes beside it (`<name>.<time>.bak`) before it is replaced; its relative path."""
    backup = path.with_name(f"{path.name}.{utcnow():%Y%m%dT%H%M%S}.bak")
    write_atomic(backup, current, root)
    return backup.relative_to(root).as_posix()


def write_sheet(root: Path, session: Session, sheet: Worksheet, path: Path, data: bytes) -> None:
    """Write the worksheet atomically (no link followed) and record the hash of what was written."""
    write_atomic(path, data, root)
    sheet.written_hash = digest(data)
    session.add(sheet)


@dataclass
class Target:
    """One worksheet a team may open: its stage, owner (team or proposal), record and the run context."""

    stage: Stage
    entity: Team | Proposal
    team: Team
    sheet: Worksheet
    run: Run

    @property
    def closed(self) -> bool:
        """The entity has moved past the stage (or is not in it): the worksheet is read-only."""
        return self.entity.state not in self.stage.ingest_states


def find_target(
    ws: Workspace, session: Session, cohort: Cohort, stage: Stage, owner: str, team_id: int
) -> Target | None:
    """The `stage` worksheet of `owner` (a team slug or a proposal code) if it belongs to team `team_id` and
    is generated; None otherwise (for the web: not found, whoever asks)."""
    team = session.get(Team, team_id)
    if team is None or team.cohort_id != cohort.id:
        return None
    if stage.granularity == "team":
        if owner != team.slug:
            return None
        entity: Team | Proposal = team
        where = (Worksheet.team_id == team.id, Worksheet.proposal_id.is_(None))  # type: ignore[union-attr]
    else:
        found = session.exec(
            select(Proposal).where(Proposal.cohort_id == cohort.id, Proposal.code == owner.upper())
        ).first()
        if found is None or found.team_id != team.id:
            return None
        entity = found
        where = (Worksheet.proposal_id == found.id,)
    sheet = session.exec(
        select(Worksheet).where(Worksheet.cohort_id == cohort.id, Worksheet.stage == stage.slug, *where)
    ).first()
    if sheet is None:
        return None
    run = Run(ws, session, cohort, stage)
    run.teams = {team.id: team}
    return Target(stage, entity, team, sheet, run)


@dataclass
class Opened:
    """A worksheet as a form opens it: its values (read leniently) and the hash of its bytes."""

    values: dict[str, Any]
    hash: str


def open_sheet(ws: Workspace, target: Target) -> Opened:
    """The current values and hash of a worksheet (UnsafePath if it cannot be read safely)."""
    _, current = read_current(ws.root, target.sheet.path)
    return Opened(
        current_values(current, target.stage.schema), digest(current) if current is not None else ""
    )


@dataclass
class SaveResult:
    """What a save did. status: saved (valid), invalid (written, with problems), conflict (the file changed
    since the form was opened: nothing written), closed (past the stage: nothing written), refused (cannot
    be written: nothing written)."""

    status: str
    hash: str = ""
    problems: dict[str, list[str]] = field(default_factory=dict)  # input name ('' = whole sheet) -> reasons
    current: dict[str, Any] = field(default_factory=dict)  # on conflict: what the file holds now
    backup: str = ""  # the copy kept of a file the team had edited by hand before this save

    @property
    def written(self) -> bool:
        return self.status in ("saved", "invalid")


_LOCKS = tuple(threading.Lock() for _ in range(64))  # two saves of one file in this process take turns


def save_worksheet(
    ws: Workspace,
    target: Target,
    answers: dict[str, Any],
    expected_hash: str,
    who: Actor | None = None,
) -> SaveResult:
    """Write `answers` into the target's worksheet file if it still hashes to `expected_hash`.

    The reading, rendering and checking happen outside any database transaction; the write and the record of
    its hash take one short writer transaction of their own (many teams saving at once wait little)."""
    if target.closed:
        return SaveResult("closed")
    stage, root, rel = target.stage, ws.root, target.sheet.path
    with _LOCKS[zlib.crc32(f"{root}/{rel}".encode()) % len(_LOCKS)]:
        try:
            path, current = read_current(root, rel)
        except UnsafePath as exc:
            return SaveResult("refused", problems={GENERAL: [str(exc)]})
        now = digest(current) if current is not None else ""
        if now != expected_hash:
            return SaveResult("conflict", now, current=current_values(current, stage.schema))
        merged = current_values(current, stage.schema) | answers
        backup = ""
        try:  # valid answers are written as the import writes them (normalised); others as typed
            values = stage.schema.model_validate(merged).model_dump()
        except ValidationError:
            values = merged
        try:
            data = render_for(target.run, target.entity, values).encode("utf-8")
            if len(data) > MAX_BYTES:
                raise UnsafePath(
                    rel, f"would be larger than {MAX_BYTES // 1_000_000} MB; shorten the answers"
                )
            with workspace_session(ws) as (session, cohort):
                sheet = session.get(Worksheet, target.sheet.id)
                if sheet is None:  # removed meanwhile (a restore): nothing to write into
                    return SaveResult(
                        "refused", now, problems={GENERAL: [f"{rel} is no longer in this cohort"]}
                    )
                if hand_edited(
                    sheet, current
                ):  # edited as a file, then saved here: the file's version is kept
                    backup = keep_copy(root, path, current)
                write_sheet(root, session, sheet, path, data)
                if who is not None:  # committed with the hash of what was written, or not at all
                    record(session, cohort, who, "save", rel, f"backup {backup}" if backup else "")
        except LabError as exc:  # too large, a broken cohort template, a folder made a link since the check
            return SaveResult("refused", now, problems={GENERAL: [str(exc)]})
    parsed, model = read_worksheet(target.run, target.entity, target.sheet, data)
    log.info(
        "worksheet %s saved via %s by %s (%s)",
        rel,
        who.source if who else "?",
        who.name if who else "?",
        "valid" if model else "invalid",
    )
    return SaveResult(
        "saved" if model is not None else "invalid", digest(data), by_field(parsed), backup=backup
    )


def by_field(parsed: Parsed) -> dict[str, list[str]]:
    """The problems of a read worksheet keyed by the input name of the field at their line
    (`members.2.name`, `members.2`, `members`; '' for the whole worksheet)."""
    at_line: dict[int, tuple] = {}
    for loc, line in parsed.lines.items():
        if len(loc) > len(at_line.get(line, ())):
            at_line[line] = loc
    out: dict[str, list[str]] = {}
    for p in parsed.problems:
        loc = at_line.get(p.line, ())
        name = ".".join(str(x + 1) if isinstance(x, int) else x for x in loc)
        out.setdefault(name, []).append(p.reason)
    return out
