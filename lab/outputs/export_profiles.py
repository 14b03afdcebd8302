"""Exports in the shapes the national portals ask for (`lab export --profile iid|kipp`), beside the plain export.

- `kipp`: one row per launched innovation with the sections of a KIPP (SINOVIK) proposal as the worksheets fill
  them (documents_data.kipp_texts), each with its word count, and the sections over their limits or empty;
- `iid`: one row per live innovation with the fields of the national innovation profile and, per indicator of
  the cohort's assessment year, the level claimed and the evidence file names (export_iid).

Rows are built from the same worksheets and written by lab.outputs.export (CSV cells never formulas)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, select

from lab.domain.models import Cohort, Team
from lab.outputs.documents_data import drum_up_answers, kipp_texts, text, words
from lab.outputs.documents_words import KIPP_SECTIONS
from lab.outputs.profiles import profiles
from lab.workspace.settings import Workspace

PROFILES = ("iid", "kipp")
LAUNCHED = ("launched", "showcased", "reviewed")
"""States of an innovation that has been launched: what a KIPP proposal can be made of."""
KIPP_HEAD = ("id", "name", "unit", "unit_type", "state", "launch_date", "months_running", "decree")
KIPP_TAIL = ("over_limit", "empty", "media", "contact")
WIDTHS = {s.id: 60 for s in KIPP_SECTIONS} | {"over_limit": 24, "empty": 24, "media": 40, "contact": 30}


def profile_columns(ws: Workspace, profile: str) -> list[str]:
    """The columns of a profile's export, in order."""
    if profile == "iid":
        from lab.outputs.export_iid import iid_columns

        return iid_columns(ws)
    sections = [c for s in KIPP_SECTIONS for c in (s.id, f"{s.id}_words", f"{s.id}_max_words")]
    return [*KIPP_HEAD, *sections, *KIPP_TAIL]


def profile_rows(ws: Workspace, session: Session, cohort: Cohort, profile: str) -> Iterator[dict[str, Any]]:
    """The rows of a profile's export, in proposal order."""
    if profile == "iid":
        from lab.outputs.export_iid import iid_rows

        return iid_rows(ws, session, cohort)
    return kipp_rows(ws, session, cohort)


def kipp_rows(ws: Workspace, session: Session, cohort: Cohort) -> Iterator[dict[str, Any]]:
    """One row per launched innovation: each KIPP section's text and word count against its limit."""
    lang = ws.settings.lang
    batch: list = []
    for p in profiles(session, cohort, states=LAUNCHED):
        batch.append(p)
        if len(batch) >= 500:
            yield from _kipp_batch(session, cohort, batch, lang)
            batch = []
    yield from _kipp_batch(session, cohort, batch, lang)


def _kipp_batch(session: Session, cohort: Cohort, batch: list, lang: str) -> Iterator[dict[str, Any]]:
    if not batch:
        return
    query = select(Team.slug, Team.id).where(
        Team.cohort_id == cohort.id, Team.slug.in_({p.team for p in batch})
    )
    ids = dict(session.exec(query).all())
    drum = drum_up_answers(session, set(ids.values()))
    for p in batch:
        filled = kipp_texts(p, drum.get(ids[p.team], {}), lang)
        row: dict[str, Any] = {
            "id": p.code, "name": text(p.design.get("title") or p.title), "unit": p.unit, "unit_type": p.unit_type,
            "state": p.state, "launch_date": p.deliver.get("launch_date") or "",
            "months_running": months_since(p.deliver.get("launch_date")), "decree": text(p.deliver.get("decree")),
        }  # fmt: skip
        over, empty = [], []
        for s in KIPP_SECTIONS:
            body = filled.get(s.id, "")
            n = words(body)
            row |= {s.id: body, f"{s.id}_words": n, f"{s.id}_max_words": s.max_words}
            if n > s.max_words:
                over.append(s.id)
            elif not n:
                empty.append(s.id)
        media = [text(m) for m in p.display.get("media") or []]
        row |= {"over_limit": ", ".join(over), "empty": ", ".join(empty), "media": "; ".join(media),
                "contact": text(p.display.get("contact"))}  # fmt: skip
        yield row


def months_since(value: Any, today: dt.date | None = None) -> int | str:
    """Whole months from a launch date to today ('' without one); KIPP asks for at least 12."""
    try:
        start = dt.date.fromisoformat(str(value))
    except ValueError:
        return ""
    today = today or dt.date.today()
    months = (today.year - start.year) * 12 + today.month - start.month - (today.day < start.day)
    return max(months, 0)
