"""Coordinators' rubric scoring of showcased innovations (`lab review import`): what changes a cohort.

The rubric lives in cohort.toml (`[rubric]`, criterion id = weight; IGA presentation weights by default).
Scores are 1-10. A score sheet is either a CSV with columns proposal,reviewer,<criterion ids>,note (extra
columns such as title and unit are ignored; `,` or `;` between cells, as Excel in an Indonesian locale saves
it) or a coordinator's jury workbook (XLSX, lab.outputs.jury_sheet, read by lab.workflow.review_xlsx). Every
row is checked by lab.workflow.review_rows, as the browser's score form is. Re-importing a reviewer's sheet
replaces that reviewer's earlier scores; bad rows are reported with their line (and, in a workbook, the
column, in the cohort's language) and the rest is kept.

Each coordinator gets both sheets: `reviews/<coordinator>.xlsx` to fill in Excel and `reviews/<coordinator>.csv`
for scripts and earlier habits. In the CSV every text cell is neutralised (lab.storage.tables.neutral) so a
title such as `=HYPERLINK(…)` stays text, and read back through the inverse; the workbook writes text cells.
Rewriting either never loses what a coordinator typed.

Reading the scores (the scoreboard, who is missing, which reviews count) is lab.outputs.scores.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, delete, select

from lab.domain.errors import UsageError
from lab.domain.models import Cohort, Proposal, Review, SheetFile, Team
from lab.outputs.scores import REVIEWABLE, required, same_name, scored
from lab.storage import safefs
from lab.storage.files import decode_text, read_limited, write_atomic
from lab.storage.tables import Table, clip, neutral_row, unneutral
from lab.storage.xlsx import is_xlsx
from lab.workflow import review_books, review_xlsx, states
from lab.workflow.judging import ensure_open
from lab.workflow.review_rows import MAX_NAME, RowProblem, parse_row
from lab.worksheets.render import digest
from lab.workspace.settings import Workspace, sheet_rel

MAX_SHEET_BYTES = 20_000_000
_HINT = "; save the sheet as UTF-8 CSV, or send the .xlsx jury sheet"
__all__ = ["MAX_NAME", "ReviewReport", "complete_reviews", "import_and_publish", "import_reviews", "score"]


@dataclass
class ReviewReport:
    imported: int = 0
    skipped_blank: int = 0
    reviewers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reviewed: list[str] = field(default_factory=list)
    refused: int = 0  # rows not imported (a workbook's row may have several problems, one per cell)


def import_reviews(ws: Workspace, session: Session, cohort: Cohort, path: Path) -> ReviewReport:
    """Read a score sheet (CSV or XLSX); valid rows replace their reviewer's earlier scores, bad rows are
    reported. Refused as a whole once judging is closed (`lab review close`)."""
    ensure_open(ws, session, cohort)
    rubric = ws.settings.rubric
    data = read_limited(path, MAX_SHEET_BYTES, UsageError, ws.root)
    if is_xlsx(data) or path.suffix.lower() == ".xlsx":
        sheet: _Sheet = _Book(review_xlsx.read_book(data, path.name, ws.settings.lang, rubric), rubric)
    else:
        sheet = _Csv(decode_text(data, str(path), MAX_SHEET_BYTES, UsageError, _HINT), path, rubric)
    coordinators = {same_name(c): c for c in ws.settings.coordinators}
    proposals = {
        p.code: p
        for p in session.exec(
            select(Proposal).where(Proposal.cohort_id == cohort.id, Proposal.state.in_(REVIEWABLE))
        )
    }
    report, rows = ReviewReport(), []
    for line, row in sheet.rows():
        try:
            parsed = row if isinstance(row, list) else parse_row(row, rubric, coordinators, proposals)
        except RowProblem as exc:
            parsed = [sheet.explain(line, exc)]
        if isinstance(parsed, list):
            report.refused += 1
            # a workbook's one reviewer cell is reported once, not once a row
            report.problems += [p for p in parsed if p not in report.problems]
        elif parsed is None:
            report.skipped_blank += 1
        else:
            rows.append((*parsed, line))
    latest: dict[tuple[int, str], tuple] = {}
    for proposal, reviewer, scores, note, line in rows:
        if (proposal.id, reviewer) in latest:
            report.problems.append(sheet.twice(line, reviewer, proposal.code))
            report.refused += 1
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


class _Sheet:
    """A score sheet's rows and how its problems are told."""

    def rows(self) -> Iterator[tuple[int, dict | list[str]]]:
        raise NotImplementedError

    def explain(self, line: int, problem: RowProblem) -> str:
        raise NotImplementedError

    def twice(self, line: int, reviewer: str, code: str) -> str:
        raise NotImplementedError


class _Csv(_Sheet):
    def __init__(self, text: str, path: Path, rubric: dict[str, int]) -> None:
        self.table, self.name = Table(text, str(path), UsageError), path.name
        missing = self.table.missing(("proposal", "reviewer", *rubric, "note"))
        if missing:
            raise UsageError(f"{path}:1: missing column(s) {', '.join(missing)}")

    def rows(self) -> Iterator[tuple[int, dict | list[str]]]:
        for line, cells in self.table:
            yield line, {k: unneutral(v) for k, v in cells.items()}

    def explain(self, line: int, problem: RowProblem) -> str:
        return f"{self.name}:{line}: {problem}"

    def twice(self, line: int, reviewer: str, code: str) -> str:
        return f"{self.name}:{line}: {reviewer} scored {code} twice; this later row counts"


class _Book(_Sheet):
    def __init__(self, book: review_xlsx.JuryBook, rubric: dict[str, int]) -> None:
        self.book, self.rubric = book, rubric

    def rows(self) -> Iterator[tuple[int, dict | list[str]]]:
        return review_xlsx.entries(self.book, self.rubric)

    def explain(self, line: int, problem: RowProblem) -> str:
        return self.book.explain(line, problem)

    def twice(self, line: int, reviewer: str, code: str) -> str:
        return self.book.twice(line, reviewer, code)


def import_and_publish(ws: Workspace, session: Session, cohort: Cohort, path: Path) -> ReviewReport:
    """Import a score sheet, then bring the showcase up to date, so its scoreboard shows the new scores."""
    from lab.outputs.showcase import build_showcase  # imported when used: it loads Markdown and HTML tools

    report = import_reviews(ws, session, cohort, path)
    build_showcase(ws, session, cohort)
    return report


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
    """reviews/<coordinator>.csv and .xlsx with a row per showcased proposal; a sheet the coordinator edited
    only gains new rows (the workbook keeps what was typed in it). Returns the sheets written."""
    rubric = list(ws.settings.rubric)
    rows = session.exec(
        select(Proposal.code, Proposal.title, Team.unit)
        .join(Team, Team.id == Proposal.team_id)
        .where(Proposal.cohort_id == cohort.id, Proposal.state.in_(REVIEWABLE))
        .order_by(Proposal.id)
    ).all()
    written = []
    for coordinator in ws.settings.coordinators:
        written += _write_csv(ws, session, cohort, coordinator, rubric, rows)
        written += review_books.write_book(ws, coordinator, rows)
    return written


def _write_csv(
    ws: Workspace, session: Session, cohort: Cohort, coordinator: str, rubric: list[str], rows
) -> list[str]:
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
        data = _extended(current, rel, coordinator, rows)
        if data is None:
            return []
    else:
        data = fresh
    written = []
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

    ensure_open(ws, session, cohort)
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
        parsed = parse_row(row, rubric, coordinators, {found.code: found} if found else {})
    except RowProblem as exc:
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
