"""Participant text as safe HTML, and the Jinja environment of the showcase's templates.

Participant text is Markdown rendered with `markdown`, then sanitised with `nh3`: no script, event handler,
`javascript:` link, relative link (into the workspace's raw files) or iframe survives. Everything else goes
through Jinja with autoescape on, and answers are data, never templates, so `{{ 7*7 }}` typed by a team shows
as written.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

import markdown as md
import nh3
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from lab.outputs.showcase_judged import long_date
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
MARKDOWN_MAX_CHARS = 6000  # longer texts are shown as plain paragraphs: Markdown's parser slows down
MARKDOWN_MAX_MARKUP = 200  # faster than linearly on some input ('[' and '<' above all), so it only gets texts


@lru_cache(maxsize=1)
def _markdown() -> md.Markdown:
    """One Markdown converter, reset between texts (building one per text dominated the showcase build)."""
    return md.Markdown(extensions=["sane_lists"], output_format="html")


def render_text(text: str | None) -> Markup:
    """Participant Markdown as safe HTML; a text too long or too odd for the parser is shown as plain text."""
    if not text:
        return Markup("")
    text = str(text)
    if len(text) > MARKDOWN_MAX_CHARS or text.count("[") + text.count("<") > MARKDOWN_MAX_MARKUP:
        return plain_text(text)
    try:
        html = _markdown().reset().convert(text)
    except Exception:  # RecursionError on deeply nested lists or quotes: the text is still shown
        _markdown.cache_clear()
        return plain_text(text)
    clean = nh3.clean(
        html, tags=TAGS, attributes={"a": {"href", "title"}}, url_schemes={"http", "https", "mailto"},
        url_relative="deny",  # a relative link would reach the workspace's raw files (a team's .html evidence)
        link_rel="noopener noreferrer nofollow",
    )  # fmt: skip
    return Markup(clean)


def plain_text(text: str) -> Markup:
    """Text as escaped paragraphs (blank lines) with its line breaks kept."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(p.splitlines())) for p in paragraphs
    )


def decimal(value: float, lang: str) -> str:
    """A score with two decimals, written the cohort's way: 8,03 in Bahasa Indonesia, 8.03 in English."""
    text = f"{value:.2f}"
    return text.replace(".", ",") if lang == "id" else text


@lru_cache(maxsize=2)
def template_env() -> Environment:
    """The showcase's templates: autoescaped, strict about undefined names, with `md` and `url` filters."""
    env = Environment(
        loader=FileSystemLoader(str(templates_dir() / "showcase")),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = render_text
    env.filters["url"] = lambda s: quote(str(s))
    env.filters["dec"] = decimal
    env.filters["longdate"] = long_date  # 2026-09-02 -> "2 September 2026" (in the page's language)
    return env
