"""Coordinators' rubric scoring of showcased innovations (`lab review import`): what changes a cohort.

The rubric lives in cohort.toml (`[rubric]`, criterion id = weight; IGA presentation weights by default).
Scores are 1-10. A score sheet is a CSV with columns proposal,reviewer,<criterion ids>,note (extra
columns such as title and unit are ignored; `,` or `;` between cells). Re-importing a reviewer's sheet
replaces that reviewer's earlier scores; bad rows are reported with their line and the rest is kept.

The sheets we write (`reviews/<coordinator>.csv`) are opened in Excel: every text cell is neutralised
(lab.storage.tables.neutral) so a title such as `=HYPERLINK(…)` stays text, and read back through the inverse.

Reading the scores (the scoreboard, who is missing, which reviews count) is lab.outputs.scores.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, delete, select

from lab.domain.errors import UsageError
from lab.domain.models import Cohort, Proposal, Review, SheetFile, Team
from lab.outputs.scores import REVIEWABLE, required, same_name, scored
from lab.storage import safefs
from lab.storage.files import decode_text, read_text, write_atomic
from lab.storage.tables import Table, clip, neutral_row, unneutral, unsafe_name
from lab.workflow import states
from lab.worksheets.render import digest
from lab.workspace.settings import Workspace, sheet_rel

MAX_SHEET_BYTES = 20_000_000
MAX_NAME = 255  # characters of a reviewer's name
_HINT = "; save the sheet as UTF-8 CSV"
_SCORE = re.compile(r"[0-9]+(?:[.,][0-9]+)?")  # 7, 7.5 or 7,5: ASCII digits only


@dataclass
class ReviewReport:
    imported: int = 0
    skipped_blank: int = 0
    reviewers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reviewed: list[str] = field(default_factory=list)


def import_reviews(ws: Workspace, session: Session, cohort: Cohort, path: Path) -> ReviewReport:
    """Read a score sheet; valid rows replace their reviewer's earlier scores, bad rows are reported."""
    rubric = ws.settings.rubric
    table = Table(read_text(path, MAX_SHEET_BYTES, UsageError, _HINT, ws.root), str(path), UsageError)
    missing = table.missing(("proposal", "reviewer", *rubric, "note"))
    if missing:
        raise UsageError(f"{path}:1: missing column(s) {', '.join(missing)}")
    coordinators = {same_name(c): c for c in ws.settings.coordinators}
    proposals = {
        p.code: p
        for p in session.exec(
            select(Proposal).where(Proposal.cohort_id == cohort.id, Proposal.state.in_(REVIEWABLE))
        )
    }
    report, rows = ReviewReport(), []
    for line, cells in table:
        row = {k: unneutral(v) for k, v in cells.items()}
        try:
            parsed = _row(row, rubric, coordinators, proposals)
        except ValueError as exc:
            report.problems.append(f"{path.name}:{line}: {exc}")
            continue
        if parsed is None:
            report.skipped_blank += 1
        else:
            rows.append((*parsed, line))
    latest: dict[tuple[int, str], tuple] = {}
    for proposal, reviewer, scores, note, line in rows:
        if (proposal.id, reviewer) in latest:
            report.problems.append(
                f"{path.name}:{line}: {reviewer} scored {proposal.code} twice; this later row counts"
            )
        latest[(proposal.id, reviewer)] = (proposal, reviewer, scores, note)
    # a scored row replaces that coordinator's score of that innovation; a blank row keeps what is there
    # (scores given in the browser, or by an earlier sheet), so importing a sheet never loses a score
    for proposal, reviewer, _, _ in latest.values():
        session.exec(delete(Review).where(Review.proposal_id == proposal.id, Review.reviewer == reviewer))
    session.add_all(
        Review(cohort_id=cohort.id, proposal_id=p.id, reviewer=who, scores=scores, note=note, source="cli")
        for p, who, scores, note in latest.values()
    )
    report.imported = len(latest)
    report.reviewers = sorted({r[1] for r in rows})
    session.flush()
    report.reviewed = complete_reviews(ws, session, cohort)
    return report


def import_and_publish(ws: Workspace, session: Session, cohort: Cohort, path: Path) -> ReviewReport:
    """Import a score sheet, then bring the showcase up to date, so its scoreboard shows the new scores."""
    from lab.outputs.showcase import build_showcase  # imported when used: it loads Markdown and HTML tools

    report = import_reviews(ws, session, cohort, path)
    build_showcase(ws, session, cohort)
    return report


def _row(row: dict, rubric: dict, coordinators: dict, proposals: dict):
    code = (row.get("proposal") or "").strip().upper()
    raw_reviewer = " ".join((row.get("reviewer") or "").split())
    cells = {c: (row.get(c) or "").strip() for c in rubric}
    if not any(cells.values()):
        return None  # not scored yet
    if not raw_reviewer:
        raise ValueError("reviewer is empty")
    if reason := unsafe_name(raw_reviewer):
        raise ValueError(f"reviewer {reason}")
    if len(raw_reviewer) > MAX_NAME:
        raise ValueError(f"reviewer is longer than {MAX_NAME} characters; shorten it")
    reviewer = coordinators.get(same_name(raw_reviewer), raw_reviewer)
    if coordinators and same_name(raw_reviewer) not in coordinators:
        raise ValueError(f"{clip(raw_reviewer)!r} is not a coordinator of this cohort (cohort.toml)")
    if code not in proposals:
        raise ValueError(f"{clip(code) or '(empty)'} is not a showcased proposal of this cohort")
    scores = {}
    for criterion, cell in cells.items():
        if not cell:
            raise ValueError(f"{code}: no score for {criterion}")
        if not _SCORE.fullmatch(cell):  # float() would also take 1_0, 1e1, nan and other scripts' digits
            raise ValueError(f"{code}: {criterion} score {clip(cell)!r} is not a number")
        value = float(cell.replace(",", "."))
        if not 1 <= value <= 10:
            raise ValueError(f"{code}: {criterion} score {clip(cell)} is outside 1-10")
        scores[criterion] = value
    return proposals[code], reviewer, scores, (row.get("note") or "").strip()


def complete_reviews(ws: Workspace, session: Session, cohort: Cohort) -> list[str]:
    """Move showcased proposals with enough reviews to `reviewed`; returns their ids."""
    need = required(ws)
    if need == 0:
        return []
    counts: dict[int, set[str]] = {}
    rubric = ws.settings.rubric
    for pid, reviewer, scores in session.exec(
        select(Review.proposal_id, Review.reviewer, Review.scores).where(Review.cohort_id == cohort.id)
    ):
        if scored(scores, rubric):
            counts.setdefault(pid, set()).add(reviewer)
    done = [
        p
        for p in session.exec(
            select(Proposal).where(Proposal.cohort_id == cohort.id, Proposal.state == "showcased")
        )
        if len(counts.get(p.id, ())) >= need
    ]
    states.apply_many(session, "proposal", done, "scores_complete", actor="review", note=f"{need} review(s)")
    return [p.code for p in done]


def write_review_sheets(ws: Workspace, session: Session, cohort: Cohort) -> list[str]:
    """reviews/<coordinator>.csv with a row per showcased proposal; a sheet the coordinator edited only gains new rows."""
    rubric = list(ws.settings.rubric)
    rows = session.exec(
        select(Proposal.code, Proposal.title, Team.unit)
        .join(Team, Team.id == Proposal.team_id)
        .where(Proposal.cohort_id == cohort.id, Proposal.state.in_(REVIEWABLE))
        .order_by(Proposal.id)
    ).all()
    written = []
    for coordinator in ws.settings.coordinators:
        rel = sheet_rel(coordinator)
        path = safefs.writable(ws.root, rel)  # no linked reviews/ folder or sheet is written through
        record = session.exec(
            select(SheetFile).where(SheetFile.cohort_id == cohort.id, SheetFile.path == rel)
        ).first()
        record = record or SheetFile(cohort_id=cohort.id, path=rel)
        try:
            current: bytes | None = safefs.read_bytes(ws.root, rel, MAX_SHEET_BYTES)
        except FileNotFoundError:
            current = None
        fresh = _sheet(rubric, coordinator, rows)
        if current is not None and digest(current) != record.written_hash:
            extended = _extended(current, rel, coordinator, rows)
            if extended is None:
                continue
            data = extended
        else:
            data = fresh
        if data != current:
            write_atomic(path, data, ws.root)
            written.append(rel)
        record.written_hash = digest(data) if data == fresh else record.written_hash
        session.add(record)
    return written


def _extended(current: bytes, rel: str, coordinator: str, rows) -> bytes | None:
    """A sheet the coordinator edited, with rows for the proposals it lacks written in its own columns and
    separator (Excel in an Indonesian locale saves with `;`); None to leave it as it is: nothing is missing,
    or it is not a sheet we can read (`lab review import` says what is wrong with it)."""
    try:
        table = Table(decode_text(current, rel, MAX_SHEET_BYTES, UsageError, _HINT), rel, UsageError)
        listed = (
            {unneutral(row["proposal"]).strip().upper() for _, row in table}
            if "proposal" in table.header
            else None
        )
    except UsageError:
        return None
    extra = [r for r in rows if r[0] not in listed] if listed is not None else []
    if not extra:
        return None
    tail = _rows(table.header, table.delimiter, coordinator, extra)
    return current + (b"" if current.endswith(b"\n") else b"\r\n") + tail


def _rows(header: list[str], delimiter: str, coordinator: str, rows) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter)
    for code, title, unit in rows:
        known = {"proposal": code, "reviewer": coordinator, "title": title, "unit": unit}
        w.writerow(neutral_row(known.get(h, "") for h in header))
    return out.getvalue().encode("utf-8")


def _sheet(rubric: list[str], coordinator: str, rows) -> bytes:
    header = ["proposal", "reviewer", *rubric, "note", "title", "unit"]
    return ("\ufeff" + ",".join(header) + "\r\n").encode("utf-8") + _rows(header, ",", coordinator, rows)


MAX_NOTE = 2_000  # characters of a note given with scores in the browser


def score(
    ws: Workspace,
    session: Session,
    cohort: Cohort,
    proposal: str,
    reviewer: str,
    scores: dict[str, str],
    note: str = "",
    source: str = "web",
) -> list[str]:
    """One coordinator's scores for one innovation (whole numbers 1-10 per criterion, and a note), checked as a
    row of a score sheet is; they replace that coordinator's earlier scores of it. Then the reviews are
    completed and the showcase rebuilt, as `import_and_publish` does; returns the proposals now reviewed."""
    from lab.outputs.showcase import build_showcase  # imported when used: it loads Markdown and HTML tools

    rubric = ws.settings.rubric
    if len(note) > MAX_NOTE:
        raise UsageError(f"the note is longer than {MAX_NOTE} characters; shorten it")
    for criterion in rubric:
        cell = str(scores.get(criterion, "")).strip()
        if cell and not (cell.isascii() and cell.isdigit()):
            raise UsageError(f"{criterion}: {clip(cell)!r} is not a whole number from 1 to 10")
    coordinators = {same_name(c): c for c in ws.settings.coordinators}
    found = session.exec(
        select(Proposal).where(
            Proposal.cohort_id == cohort.id,
            Proposal.code == proposal.strip().upper(),
            Proposal.state.in_(REVIEWABLE),
        )
    ).first()
    row = {"proposal": proposal, "reviewer": reviewer, "note": note, **{c: scores.get(c, "") for c in rubric}}
    try:
        parsed = _row(row, rubric, coordinators, {found.code: found} if found else {})
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if parsed is None:
        raise UsageError(f"no scores given; score each of {', '.join(rubric)} from 1 to 10")
    target, who, values, text = parsed
    session.exec(
        delete(Review).where(
            Review.cohort_id == cohort.id, Review.proposal_id == target.id, Review.reviewer == who
        )
    )
    session.add(
        Review(
            cohort_id=cohort.id, proposal_id=target.id, reviewer=who, scores=values, note=text, source=source
        )
    )
    session.flush()
    reviewed = complete_reviews(ws, session, cohort)
    build_showcase(ws, session, cohort)
    return reviewed
