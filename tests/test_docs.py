"""Consistency between the code and what the docs promise."""

from __future__ import annotations

import re
from pathlib import Path

from lab.stages import STAGES, get_stage
from lab.states import mermaid
from lab.worksheets.markdown import parse_text, validate
from lab.worksheets.render import templates_dir

ROOT = Path(__file__).resolve().parents[1]


def test_the_filled_example_in_the_worksheet_docs_is_valid():
    doc = (ROOT / "docs/worksheets.md").read_text()
    example = re.search(r"```markdown\n(.*?)```", doc, re.S).group(1)
    parsed = parse_text(example, get_stage("drum-up").schema)
    assert validate(parsed, get_stage("drum-up").schema) is not None, parsed.problems


def test_every_stage_has_a_schema_a_template_per_language_a_module_docstring_and_docs():
    doc = (ROOT / "docs/worksheets.md").read_text()
    for stage in STAGES:
        for lang in ("id", "en"):
            assert (templates_dir() / lang / f"{stage.slug}.md.j2").is_file()
        assert stage.schema.__doc__ and stage.filename in doc
        module = __import__(f"lab.stages.{stage.slug.replace('-', '_')}", fromlist=["STAGE"])
        assert module.__doc__.lower().startswith(stage.slug)


def test_the_readme_state_diagram_is_the_table():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```mermaid\n(.*?)```", readme, re.S).group(1).strip()
    assert block == mermaid()
