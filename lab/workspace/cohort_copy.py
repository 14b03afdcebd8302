"""Copying one cohort's rows between two databases with fresh ids (`lab backup` and `lab restore`).

The copy is made the same way from SQLite and PostgreSQL, into whatever database the other side uses:
table by table, parents before children, in batches, each reference rewritten to its parent's new id.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from lab.domain.errors import LabError, WorkspaceError
from lab.workspace.archive_checks import shown

BATCH = 1000

# table, {column: table whose new id replaces it}; parents before children. Personal links and browser
# sessions (link, websession) are left out on purpose: they are credentials, and a restored workspace, or a
# copy, issues its own (`lab links`) from its own secret, which no backup holds.
PLAN: tuple[tuple[str, dict[str, str]], ...] = (
    ("cohort", {}),
    ("team", {"cohort_id": "cohort"}),
    ("member", {"team_id": "team"}),
    ("proposal", {"cohort_id": "cohort", "team_id": "team"}),
    ("worksheet", {"cohort_id": "cohort", "team_id": "team", "proposal_id": "proposal"}),
    ("transition", {"cohort_id": "cohort", "subject_id": "<kind>"}),
    ("evidence", {"proposal_id": "proposal"}),
    ("review", {"cohort_id": "cohort", "proposal_id": "proposal"}),
    ("sheetfile", {"cohort_id": "cohort"}),
    ("reminder", {"cohort_id": "cohort", "team_id": "team"}),  # kept, so a restored cohort sends none twice
    ("activity", {"cohort_id": "cohort"}),
)


def copy_cohort(
    src: Connection,
    dst: Connection,
    uid: str,
    new_uid: str | None = None,
    damaged: Callable[[str], LabError] | None = None,
) -> dict[str, int]:
    """Copy every row of the cohort `uid` from src to dst with fresh ids; returns rows copied per table.

    A row that refers to one outside the cohort is `damaged(what)` (by default a WorkspaceError about the
    source database), raised before dst's transaction can commit."""
    tables = SQLModel.metadata.tables
    cohort = tables["cohort"]
    cohort_id = src.execute(select(cohort.c.id).where(cohort.c.uid == uid)).scalar()
    if cohort_id is None:
        raise WorkspaceError(f"no cohort {uid} in the source database")
    if dst.execute(select(cohort.c.id).where(cohort.c.uid == (new_uid or uid))).scalar() is not None:
        raise WorkspaceError(
            "this cohort is already in the target database; restore with --copy to make a copy"
        )
    ids: dict[str, dict[int, int]] = {}
    counts = {}
    for name, refs in PLAN:
        table = tables[name]
        ids[name] = {}
        query = select(table).where(_belongs(name, cohort_id)).order_by(table.c.id)
        n = 0
        for chunk in src.execute(query).mappings().partitions(BATCH):
            rows = []
            for row in chunk:
                row = dict(row)
                old = row.pop("id")
                for col, parent in refs.items():
                    if row[col] is not None:
                        parent = row["kind"] if parent == "<kind>" else parent
                        try:
                            row[col] = ids[parent][row[col]]
                        except KeyError:  # a damaged (or crafted) copy: say so, never a traceback
                            what = f"{name} row {old} refers to {shown(parent)} {row[col]}, which is not in the cohort"
                            raise (damaged or _damaged)(what) from None
                if name == "cohort" and new_uid:
                    row["uid"] = new_uid
                rows.append((old, row))
            new = (
                dst.execute(
                    insert(table).returning(table.c.id, sort_by_parameter_order=True), [r for _, r in rows]
                )
                .scalars()
                .all()
            )
            ids[name].update(zip((o for o, _ in rows), new, strict=True))
            n += len(rows)
        counts[name] = n
    return counts


def _damaged(what: str) -> WorkspaceError:
    return WorkspaceError(f"the source database is damaged: {what}")


def _belongs(name: str, cohort_id: int):
    """Rows of table `name` that belong to the cohort."""
    if name == "cohort":
        return text("cohort.id = :c").bindparams(c=cohort_id)
    if name == "member":
        return text("member.team_id IN (SELECT id FROM team WHERE cohort_id = :c)").bindparams(c=cohort_id)
    if name == "evidence":
        return text("evidence.proposal_id IN (SELECT id FROM proposal WHERE cohort_id = :c)").bindparams(
            c=cohort_id
        )
    return text(f"{name}.cohort_id = :c").bindparams(c=cohort_id)
