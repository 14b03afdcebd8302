"""The display-stage showcase: a static site in `<workspace>/showcase/` that works offline and prints well.

Participant text is Markdown rendered with `markdown`, then sanitised with `nh3`: no script, event handler,
`javascript:` link or iframe survives. Everything else goes through Jinja with autoescape on, and answers
are data, never templates, so `{{ 7*7 }}` typed by a team shows as written. The site is built in a
temporary folder and swapped in, so a reader never sees half a site.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import markdown as md
import nh3
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlmodel import Session

from lab.files import WriteBatch, write_atomic
from lab.models import Cohort
from lab.profiles import MAIN_LINE, Profile, profiles, reached
from lab.review import REVIEWABLE, missing_reviewers, required, scoreboard
from lab.settings import Workspace
from lab.showcase_text import LABELS, option_label
from lab.worksheets.render import templates_dir

TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "code",
    "pre",
    "blockquote",
    "h3",
    "h4",
    "h5",
    "h6",
}


@lru_cache(maxsize=1)
def _markdown() -> md.Markdown:
    """One Markdown converter, reset between texts (building one per text dominated the showcase build)."""
    return md.Markdown(extensions=["sane_lists"], output_format="html")


def render_text(text: str | None) -> Markup:
    """Participant Markdown as safe HTML."""
    if not text:
        return Markup("")
    html = _markdown().reset().convert(text)
    clean = nh3.clean(
        html, tags=TAGS, attributes={"a": {"href", "title"}}, url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )  # fmt: skip
    return Markup(clean)


@lru_cache(maxsize=2)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir() / "showcase")),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = render_text
    env.filters["url"] = lambda s: quote(str(s))
    return env


def build_showcase(ws: Workspace, session: Session, cohort: Cohort, force: bool = False) -> Path:
    """Bring the site up to date; returns the path of its index.

    Nothing is rebuilt when nothing that feeds the site changed since the last build (the cohort's
    fingerprint); otherwise the index and scoreboard are rebuilt and only the innovation pages whose data
    changed are rendered again. Every file is written atomically; the manifest is written last, so a build
    cut short is completed by the next one.
    """
    s = ws.settings
    target = ws.root / "showcase"
    stamp = _fingerprint(ws, session, cohort)
    if not force and _read(target / FINGERPRINT) == stamp and (target / "index.html").exists():
        return target / "index.html"
    t = LABELS[s.lang]
    board = scoreboard(ws, session, cohort)
    common = {"t": t, "cohort": s, "lang": s.lang, "rubric": s.rubric, "need": required(ws)}
    env = _env()
    parts = stamp_parts(ws)
    old_pages = json.loads(_read(target / MANIFEST) or "{}")
    pages: dict[str, str] = {}
    cards: list[Card] = []  # what the index and scoreboard show: the full profiles are not kept
    batch = WriteBatch()
    try:
        for asset in ("style.css", "showcase.js"):
            batch.write(target / "assets" / asset, (templates_dir() / "showcase" / asset).read_bytes())
        template = env.get_template("innovation.html.j2")
        for p in profiles(session, cohort, REVIEWABLE):  # read in batches; each page rendered and let go
            item = _item(ws, p, board, s.lang)
            code = item["code"]
            pages[code] = _page_stamp(item, parts)
            if pages[code] != old_pages.get(code) or force or not (target / "p" / f"{code}.html").exists():
                item["evidence"] = _evidence(ws, item)
                _copy_evidence(item, target / "p" / code / "evidence", batch)
                batch.write(
                    target / "p" / f"{code}.html", template.render(**common, i=item, root="..").encode()
                )
            cards.append(_card(item))
        batch.write_chunks(
            target / "index.html",
            env.get_template("index.html.j2").generate(
                **common,
                items=cards,
                funnel=_funnel(reached(session, cohort), t),
                facets=_facets(cards),
                root=".",
            ),
        )
        cards.sort(key=lambda c: (-(c.score["score"] if c.score else -1), c.code))
        batch.write_chunks(
            target / "scoreboard.html",
            env.get_template("scoreboard.html.j2").generate(**common, items=cards, root="."),
        )
        batch.commit()
    except BaseException:
        batch.abort()
        raise
    for code in set(old_pages) - set(pages):  # no longer showcased
        (target / "p" / f"{code}.html").unlink(missing_ok=True)
        shutil.rmtree(target / "p" / code, ignore_errors=True)
    write_atomic(target / MANIFEST, json.dumps(pages, sort_keys=True).encode())
    write_atomic(target / FINGERPRINT, stamp.encode())
    return target / "index.html"


FINGERPRINT = ".fingerprint"
MANIFEST = ".pages.json"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def stamp_parts(ws: Workspace) -> str:
    """What every page depends on besides its own data: settings and templates."""
    s = ws.settings
    templates = sorted((p.name, p.stat().st_mtime_ns) for p in (templates_dir() / "showcase").iterdir())
    return json.dumps([s.lang, s.region, s.year, s.title, s.code, s.rubric, s.coordinators, s.review.min_reviewers,
                       templates], sort_keys=True, default=str)  # fmt: skip


def _fingerprint(ws: Workspace, session: Session, cohort: Cohort) -> str:
    """Changes whenever anything the site shows may have changed."""
    from sqlalchemy import func, select

    from lab.models import Evidence, Proposal, Review, Transition, Worksheet

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


def _page_stamp(item: dict[str, Any], common: str) -> str:
    data = {k: v for k, v in item.items() if k not in ("evidence_rows", "evidence", "search")}
    data["evidence"] = [(e.file, e.proves, e.size) for e in item["evidence_rows"]]
    return hashlib.sha256(json.dumps([data, common], sort_keys=True, default=str).encode()).hexdigest()


def _item(ws: Workspace, p: Profile, board: dict, lang: str) -> dict[str, Any]:
    score = board.get(p.id)
    return {
        "code": p.code, "title": p.design.get("title") or p.title, "state": p.state, "team": p.team,
        "unit": p.unit, "unit_type": p.unit_type, "unit_type_label": option_label("unit_type", p.unit_type, lang),
        "form": p.design.get("form", ""), "form_label": option_label("form", p.design.get("form"), lang),
        "kind_label": option_label("kind", p.design.get("kind"), lang),
        "affair": p.design.get("affair", ""), "affair_label": option_label("affair", p.design.get("affair"), lang),
        "maturity": p.deliver.get("maturity", ""), "maturity_label": option_label("maturity", p.deliver.get("maturity"), lang),
        "design": p.design, "deliver": p.deliver, "display": p.display, "idea": p.idea,
        "evidence_rows": p.evidence, "score": score, "missing": missing_reviewers(ws, score),
        "search": " ".join([p.code, p.title, p.unit, p.display.get("summary", "")]).casefold(),
    }  # fmt: skip


@dataclass(slots=True)
class Card:
    """One innovation as the index and the scoreboard show it (a page's full data is not kept)."""

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


def _card(item: dict[str, Any]) -> Card:
    return Card(**{k: item[k] for k in Card.__slots__ if k != "summary"},
                summary=render_text(item["display"].get("summary")))  # fmt: skip


def _evidence(ws: Workspace, item: dict) -> list[dict[str, Any]]:
    """The evidence list of a page: files that stay inside the proposal's evidence folder are linked."""
    folder = (ws.teams_dir / item["team"] / item["code"] / "evidence").resolve()
    out = []
    for e in item["evidence_rows"]:
        source = (folder / e.file).resolve()
        present = source.is_relative_to(folder) and source.is_file()
        out.append({"file": e.file, "name": Path(e.file).name, "proves": e.proves, "present": present,
                    "source": source})  # fmt: skip
    return out


def _copy_evidence(item: dict, dest: Path, batch: WriteBatch) -> None:
    """Copy the page's evidence files into the site."""
    for e in item["evidence"]:
        if e["present"]:
            batch.write(dest / e["name"], e["source"].read_bytes())


def _funnel(counts: dict[str, int], t: dict[str, str]) -> dict[str, Any]:
    """Bars of an inline SVG chart: how many proposals reached each state."""
    top = max(counts.values(), default=0) or 1
    bars = []
    for n, state in enumerate(MAIN_LINE):
        value = counts.get(state, 0)
        bars.append({"label": t["state_" + state], "value": value, "y": 8 + n * 34,
                     "width": round(value / top * 420, 1)})  # fmt: skip
    return {"bars": bars, "height": 16 + len(MAIN_LINE) * 34}


def _facets(cards: list[Card]) -> dict[str, list[tuple[str, str]]]:
    facets: dict[str, dict[str, str]] = {"unit_type": {}, "form": {}, "affair": {}, "maturity": {}}
    for c in cards:
        for key in facets:
            if value := getattr(c, key):
                facets[key][value] = getattr(c, key + "_label")
    return {k: sorted(v.items(), key=lambda kv: kv[1]) for k, v in facets.items()}
