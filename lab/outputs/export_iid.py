"""`lab export --profile iid`: one row per live innovation in the shape of the national innovation index's input
(Indeks Inovasi Daerah): the profile fields (form, digital, affair, initiator, stage, dates, decree, design,
objectives, benefits, results) and, per indicator of the cohort's assessment year, the level claimed, the
evidence file names that back it and the estimated score (lab.outputs.iid's pre-check, an estimate)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlmodel import Session

from lab.domain.models import Cohort
from lab.outputs.coverage import LIVE
from lab.outputs.documents_data import text
from lab.outputs.iid import precheck, table_for
from lab.outputs.profiles import profiles
from lab.outputs.showcase_text import option_label
from lab.workspace.settings import Workspace

FIELDS = (
    "form", "digital", "affair", "initiator", "stage", "trial_start", "trial_end", "implementation_start",
    "launch_date", "decree_level", "decree", "decree_date", "beneficiaries", "design", "objectives", "benefits",
    "expected_results", "results", "video",
)  # fmt: skip
HEAD = ("id", "name", "unit", "unit_type", "state", "assessment_year", *FIELDS, "estimated_score", "max_score",
        "at_risk")  # fmt: skip


def indicator_columns(number: int, key: str) -> tuple[str, str, str]:
    """An indicator's three columns: 'i16_regulation_level', '…_evidence', '…_score'."""
    stem = f"i{number}_{key}"
    return f"{stem}_level", f"{stem}_evidence", f"{stem}_score"


def iid_columns(ws: Workspace) -> list[str]:
    """The columns of the iid profile for the cohort's assessment year."""
    return [*HEAD, *(c for i in table_for(ws).indicators for c in indicator_columns(i.number, i.key))]


def iid_rows(ws: Workspace, session: Session, cohort: Cohort) -> Iterator[dict[str, Any]]:
    """One row per live innovation (approved or further), in proposal order."""
    lang = ws.settings.lang
    check = precheck(ws, session, cohort)
    year, items = check["year"], {i["id"]: i for i in check["innovations"]}
    for p in profiles(session, cohort, states=LIVE, last_good=True):
        item = items.get(p.code)
        if item is None:
            continue
        d, r = p.design, p.deliver
        row: dict[str, Any] = {
            "id": p.code, "name": text(d.get("title") or p.title), "unit": p.unit, "unit_type": p.unit_type,
            "state": p.state, "assessment_year": year,
            "form": option_label("form", d.get("form"), lang),
            "digital": {"digital": "yes", "non_digital": "no"}.get(d.get("kind") or "", ""),
            "affair": option_label("affair", d.get("affair"), lang),
            "initiator": option_label("initiator", d.get("initiator"), lang),
            "stage": option_label("maturity", r.get("maturity"), lang),
            "trial_start": d.get("trial_start") or "", "trial_end": d.get("trial_end") or "", "implementation_start": d.get("implementation_start") or "",
            "launch_date": r.get("launch_date") or "", "decree": text(r.get("decree")), "decree_date": r.get("decree_date") or "",
            "decree_level": option_label("decree_level", r.get("decree_level"), lang),
            "beneficiaries": r.get("beneficiaries", ""),
        }  # fmt: skip
        for key in ("design", "objectives", "benefits", "expected_results"):
            row[key] = text(d.get(key))
        row |= {"results": text(r.get("results")), "video": text(p.display.get("video"))}
        row |= {
            "estimated_score": item["score"],
            "max_score": item["max"],
            "at_risk": "yes" if item["at_risk"] else "no",
        }
        for ind in item["indicators"]:
            level, evidence, score = indicator_columns(ind["number"], ind["key"])
            row |= {
                level: ind["level"] or "",
                evidence: "; ".join(text(f) for f in ind["files"]),
                score: ind["score"],
            }
        yield row
