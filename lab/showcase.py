"""The display-stage showcase: a static site in `<workspace>/showcase/` that works offline and prints well.

Participant text is Markdown rendered with `markdown`, then sanitised with `nh3`: no script, event handler,
`javascript:` link or iframe survives. Everything else goes through Jinja with autoescape on, and answers
are data, never templates, so `{{ 7*7 }}` typed by a team shows as written. The site is built in a
temporary folder and swapped in, so a reader never sees half a site.
"""

from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import markdown as md
import nh3
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlmodel import Session

from lab.files import temp_dir
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


def build_showcase(ws: Workspace, session: Session, cohort: Cohort) -> Path:
    """(Re)build the whole site; returns the path of its index."""
    s = ws.settings
    t = LABELS[s.lang]
    board = scoreboard(ws, session, cohort)
    items = [_item(ws, p, board, s.lang) for p in profiles(session, cohort, REVIEWABLE)]
    counts = reached(session, cohort)
    target = ws.root / "showcase"
    tmp = temp_dir(ws.root, "showcase")
    try:
        (tmp / "assets").mkdir()
        (tmp / "p").mkdir()
        for asset in ("style.css", "showcase.js"):
            shutil.copyfile(templates_dir() / "showcase" / asset, tmp / "assets" / asset)
        common = {"t": t, "cohort": s, "lang": s.lang, "rubric": s.rubric, "need": required(ws)}
        env = _env()
        page = env.get_template("index.html.j2").render(
            **common, items=items, funnel=_funnel(counts, t), facets=_facets(items), root="."
        )
        (tmp / "index.html").write_text(page, encoding="utf-8")
        ranked = sorted(items, key=lambda i: (-(i["score"]["score"] if i["score"] else -1), i["code"]))
        page = env.get_template("scoreboard.html.j2").render(**common, items=ranked, root=".")
        (tmp / "scoreboard.html").write_text(page, encoding="utf-8")
        template = env.get_template("innovation.html.j2")
        for item in items:
            item["evidence"] = _copy_evidence(ws, item, tmp / "p" / item["code"] / "evidence")
            (tmp / "p" / f"{item['code']}.html").write_text(
                template.render(**common, i=item, root=".."), encoding="utf-8"
            )
        _swap(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target / "index.html"


def _swap(new: Path, target: Path) -> None:
    old = target.with_name(f".showcase-old-{new.name.removeprefix('.showcase-')}")
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


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


def _copy_evidence(ws: Workspace, item: dict, dest: Path) -> list[dict[str, Any]]:
    """Copy each evidence file into the site (only files that stay inside the evidence folder)."""
    folder = (ws.teams_dir / item["team"] / item["code"] / "evidence").resolve()
    out = []
    for e in item["evidence_rows"]:
        source = (folder / e.file).resolve()
        present = source.is_relative_to(folder) and source.is_file()
        if present:
            target = dest / Path(e.file).name
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        out.append({"file": e.file, "name": Path(e.file).name, "proves": e.proves, "present": present})
    return out


def _funnel(counts: dict[str, int], t: dict[str, str]) -> dict[str, Any]:
    """Bars of an inline SVG chart: how many proposals reached each state."""
    top = max(counts.values(), default=0) or 1
    bars = []
    for n, state in enumerate(MAIN_LINE):
        value = counts.get(state, 0)
        bars.append({"label": t["state_" + state], "value": value, "y": 8 + n * 34,
                     "width": round(value / top * 420, 1)})  # fmt: skip
    return {"bars": bars, "height": 16 + len(MAIN_LINE) * 34}


def _facets(items: list[dict]) -> dict[str, list[tuple[str, str]]]:
    facets: dict[str, dict[str, str]] = {"unit_type": {}, "form": {}, "affair": {}, "maturity": {}}
    for i in items:
        for key in facets:
            if i[key]:
                facets[key][i[key]] = i[key + "_label"]
    return {k: sorted(v.items(), key=lambda kv: kv[1]) for k, v in facets.items()}
