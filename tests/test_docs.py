"""Consistency between the code and what the docs promise."""

from __future__ import annotations

import re
from pathlib import Path

from lab.stages import STAGES, get_stage
from lab.workflow.states import mermaid
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


def test_the_readme_test_command_is_what_ci_runs_and_installs_what_the_suite_needs():
    from tests.test_browser import CHROMIUM

    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```\n(.*?)\n```", quick, re.S)
    assert len(commands) >= 2 and "\n" not in commands[1]
    ci = [ln.strip() for ln in (ROOT / ".ci/run").read_text().splitlines()]
    sqlite_pass = ci[ci.index('echo "== the suite on SQLite"') + 1]
    assert sqlite_pass == commands[1] == "bash scripts/test"
    script = (ROOT / "scripts/test").read_text()
    assert f"[ -x {CHROMIUM} ] || need+=(chromium)" in script  # the path the browser test launches
    assert script.rstrip().endswith('exec .venv/bin/pytest "$@"')


def _imports(path: Path) -> set[str]:
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_package_the_code_imports_is_declared():
    """What lab/ and flows/ import is a dependency; what tests/ and benchmarks/ import is one or a test extra."""
    import sys
    import tomllib
    from importlib.metadata import packages_distributions

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def names(requirements):
        return {re.match(r"[A-Za-z0-9._-]+", r).group().lower().replace("_", "-") for r in requirements}

    runtime = names(project["dependencies"])
    test = runtime | names(project["optional-dependencies"]["test"])
    dists = packages_distributions()
    local = {"lab", "flows", "tests", "benchmarks", "__future__"}
    missing = []
    for folder, declared in (("lab", runtime), ("flows", runtime), ("tests", test), ("benchmarks", test)):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for module in sorted(_imports(path) - local - set(sys.stdlib_module_names)):
                found = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
                if not found & declared:
                    missing.append(f"{path.relative_to(ROOT)}: {module} ({', '.join(sorted(found))})")
    assert missing == []
