"""What the showcase pages show, and the stamps that say when a page or the whole site must be built again.

A page is built from the last valid answers of the proposal's worksheets (lab.outputs.profiles) and its
scores (lab.outputs.scores); the index and the scoreboard show a `Card` per innovation, not its full data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import Session, select

from lab.domain.lifecycle import MAIN_LINE
from lab.domain.models import Cohort, Evidence, Proposal, Review, Transition, Worksheet
from lab.outputs.profiles import Profile
from lab.outputs.showcase_evidence import PASSIVE
from lab.outputs.showcase_html import render_text
from lab.outputs.showcase_judged import judged_view
from lab.outputs.showcase_logo import logo_stamp
from lab.outputs.showcase_text import option_label
from lab.worksheets.render import templates_dir
from lab.workspace.settings import Workspace


def page_item(p: Profile, place: int | None, lang: str) -> dict[str, Any]:
    """A public page's data: the profile's answers with their labels, and its place (Juara I-III) once
    judging is closed; no score and no juror (those are the internal scoreboard's)."""
    return {
        "code": p.code, "title": p.design.get("title") or p.title, "state": p.state, "team": p.team,
        "unit": p.unit, "unit_type": p.unit_type, "unit_type_label": option_label("unit_type", p.unit_type, lang),
        "form": p.design.get("form", ""), "form_label": option_label("form", p.design.get("form"), lang),
        "kind_label": option_label("kind", p.design.get("kind"), lang),
        "affair": p.design.get("affair", ""), "affair_label": option_label("affair", p.design.get("affair"), lang),
        "maturity": p.deliver.get("maturity", ""), "maturity_label": option_label("maturity", p.deliver.get("maturity"), lang),
        "design": p.design, "deliver": p.deliver, "display": p.display, "idea": p.idea,
        "evidence_rows": p.evidence, "place": place, "judged": judged_view(p.design, p.deliver, p.display, lang),
        "search": " ".join([p.code, p.title, p.unit, p.display.get("summary", "")]).casefold(),
    }  # fmt: skip


@dataclass(slots=True)
class Card:
    """One innovation as the index and the scoreboard show it (a page's full data is not kept): `place` is
    public (Juara I-III, once judging is closed); `score`, `rank` and `missing` are the internal board's."""

    code: str
    title: str
    unit: str
    unit_type: str
    unit_type_label: str
    form: str
    form_label: str
    affair: str
    affair_label: str
    maturity: str
    maturity_label: str
    summary: Markup
    search: str
    score: dict | None
    missing: list[str]
    place: int | None = None
    rank: int | None = None


TEXT_FIELDS = ("code", "title", "unit", "unit_type", "unit_type_label", "form", "form_label", "affair",
               "affair_label", "maturity", "maturity_label", "search")  # fmt: skip


def make_card(item: dict[str, Any], score: dict | None, missing: list[str], rank: int | None) -> Card:
    """The card of a page; odd stored answers (not text where text belongs) are that page's problem here,
    not a failure of the index or its filters later."""
    for k in TEXT_FIELDS:
        if not isinstance(item[k], str):
            raise TypeError(f"{k} is {type(item[k]).__name__}, not text")
    return Card(**{k: item[k] for k in TEXT_FIELDS}, summary=render_text(item["display"].get("summary")),
                score=score, missing=missing, place=item["place"], rank=rank)  # fmt: skip


def bare_card(p: Profile, lang: str, score: dict | None, missing: list[str], rank: int | None,
              place: int | None) -> Card:  # fmt: skip
    """The card of a proposal whose answers could not be shown: who and what, from its own record."""
    return Card(code=p.code, title=p.title, unit=p.unit, unit_type=p.unit_type,
                unit_type_label=option_label("unit_type", p.unit_type, lang), form="", form_label="", affair="",
                affair_label="", maturity="", maturity_label="", summary=Markup(""),
                search=" ".join([p.code, p.title, p.unit]).casefold(), score=score,
                missing=missing, place=place, rank=rank)  # fmt: skip


def stamp_parts(ws: Workspace) -> str:
    """What every page depends on besides its own data: settings and templates."""
    s = ws.settings
    templates = sorted((p.name, p.stat().st_mtime_ns) for p in (templates_dir() / "showcase").iterdir())
    return json.dumps([s.lang, s.region, s.year, s.title, s.code, s.rubric, s.coordinators, s.review.min_reviewers,
                       s.evidence.max_file_mb, s.evidence.max_proposal_mb, sorted(PASSIVE), templates,
                       logo_stamp(ws.root), s.schedule.get("presentation")], sort_keys=True, default=str)  # fmt: skip


def fingerprint(ws: Workspace, session: Session, cohort: Cohort) -> str:
    """Changes whenever anything the site shows may have changed."""
    facts = [
        session.execute(
            select(func.count(), func.max(Transition.id)).where(Transition.cohort_id == cohort.id)
        ).one(),
        session.execute(select(func.count(), func.max(Review.id)).where(Review.cohort_id == cohort.id)).one(),
        session.execute(
            select(func.count(), func.max(Worksheet.updated_at)).where(
                Worksheet.cohort_id == cohort.id, Worksheet.status == "valid"
            )
        ).one(),  # fmt: skip
        session.execute(
            select(func.count(), func.max(Evidence.id)).join(Proposal).where(Proposal.cohort_id == cohort.id)
        ).one(),
    ]
    return hashlib.sha256(
        json.dumps([[str(v) for v in f] for f in facts] + [stamp_parts(ws)]).encode()
    ).hexdigest()


def page_stamp(item: dict[str, Any], common: str, disk: list) -> str:
    """What a page depends on, hashed: its data, the settings and templates, its evidence files on disk."""
    data = {k: v for k, v in item.items() if k not in ("evidence_rows", "evidence", "media", "search")}
    data["evidence"] = [(e.file, e.proves, e.size) for e in item["evidence_rows"]]
    return hashlib.sha256(json.dumps([data, common, disk], sort_keys=True, default=str).encode()).hexdigest()


FUNNEL_WIDTH = (
    360  # the chart's own units: on a 390-px phone it is drawn near 1:1, so its labels stay legible
)


def funnel_bars(counts: dict[str, int], t: dict[str, str]) -> dict[str, Any]:
    """Bars of an inline SVG chart: how many proposals reached each state, the label and count above each bar."""
    top = max(counts.values(), default=0) or 1
    bars = []
    for n, state in enumerate(MAIN_LINE):
        value = counts.get(state, 0)
        bars.append({"label": t["state_" + state], "value": value, "y": 6 + n * 44,
                     "width": max(round(value / top * (FUNNEL_WIDTH - 8), 1), 2 if value else 0)})  # fmt: skip
    return {"bars": bars, "height": 10 + len(MAIN_LINE) * 44, "width": FUNNEL_WIDTH}


def facet_options(cards: list[Card]) -> dict[str, list[tuple[str, str]]]:
    """The index's filters: per facet, the values the cards have with their labels, sorted by label."""
    facets: dict[str, dict[str, str]] = {"unit_type": {}, "form": {}, "affair": {}, "maturity": {}}
    for c in cards:
        for key in facets:
            if value := getattr(c, key):
                facets[key][value] = getattr(c, key + "_label")
    return {k: sorted(v.items(), key=lambda kv: kv[1]) for k, v in facets.items()}
