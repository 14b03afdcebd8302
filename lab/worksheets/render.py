"""The Jinja environment and `render_worksheet()`, the one way a worksheet file is written."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, Template

from lab.worksheets.markdown import field_views

SOURCE_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PACKAGED_TEMPLATES = Path(__file__).resolve().parents[1] / "_templates"


def templates_dir() -> Path:
    """The project's templates: next to the package in a checkout, inside it in a wheel."""
    return SOURCE_TEMPLATES if SOURCE_TEMPLATES.is_dir() else PACKAGED_TEMPLATES


@lru_cache(maxsize=16)
def environment(override_dir: str | None = None) -> Environment:
    """A Jinja environment; a cohort's own `templates/` folder is searched first."""
    search = [templates_dir()]
    if override_dir and Path(override_dir).is_dir():
        search.insert(0, Path(override_dir))
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(str(p)) for p in search]),
        undefined=StrictUndefined,
        autoescape=False,  # Markdown, not HTML: values are escaped by the worksheet format itself
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        comment_start_string="{##",  # so that `{#id}` in headings is plain text
        comment_end_string="##}",
    )


@lru_cache(maxsize=64)
def stage_template(stage_slug: str, lang: str, override_dir: str | None = None) -> Template:
    """The compiled template of a stage in a language (compiled once per process)."""
    return environment(override_dir).get_template(f"{lang}/{stage_slug}.md.j2")


def render_worksheet(
    stage,
    lang: str,
    meta: dict[str, Any],
    values: dict[str, Any],
    context: dict[str, Any],
    override_dir: str | None = None,
) -> str:
    """The Markdown text of a stage worksheet filled with `values` (partial values render blank)."""
    template = stage_template(stage.slug, lang, override_dir)
    return template.render(
        meta=meta, fields=field_views(stage.schema, values, lang), stage=stage, lang=lang, **context
    )


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
