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
    from tests.browser_support import CHROMIUM

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


def _command_table() -> list[str]:
    """The command spans of the README's command table, `|` unescaped: `lab backup PATH FILE` / `lab restore
    ...` in one cell gives two spans."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    rows = [ln for ln in section.splitlines() if ln.startswith("| `")]
    spans = []
    for row in rows:
        first_cell = re.split(r"(?<!\\)\|", row)[1]
        spans += [s.replace("\\|", "|") for s in re.findall(r"`(lab(?: [^`]*)?)`", first_cell)]
    return spans


def _resolve(span: str):
    """(the command's words, its click command, the table's options, the table's arguments) for one span.

    Words after `lab` name a command, descending through groups (`roster import`); an option's value
    (`--region R`) is skipped when the command declares it as taking one; the other upper-case words are
    positional arguments (`PATH`, `[STAGE]`)."""
    import typer.main

    from lab.cli import app

    tokens = span.split()[1:]
    command, words = typer.main.get_command(app), []
    while hasattr(command, "commands") and tokens and tokens[0] in command.commands:
        words.append(tokens[0])
        command = command.commands[tokens.pop(0)]
    takes_value = {o for p in command.params if not getattr(p, "is_flag", False) for o in p.opts}
    options, arguments = [], []
    while tokens:
        token = tokens.pop(0)
        if token.lstrip("[").startswith("--"):
            names = [t.strip("[]") for t in token.split("|")]
            options += names
            if not token.endswith("]") and any(n in takes_value for n in names) and tokens:
                tokens.pop(0)  # the option's value, e.g. R in `--region R`
        else:
            arguments.append(token.strip("[]"))
    return words, command, options, arguments


def test_every_command_in_the_readme_table_exists_with_the_options_it_lists():
    from typer.testing import CliRunner

    from lab.cli import app

    spans = _command_table()
    assert len(spans) >= 14, spans  # the table was found and read
    runner = CliRunner()
    for span in spans:
        words, command, options, arguments = _resolve(span)
        assert words and not hasattr(command, "commands"), f"{span!r}: not a command of lab"
        result = runner.invoke(app, [*words, "--help"], terminal_width=200)
        assert result.exit_code == 0, f"{span!r}: {result.output}"
        for option in options:
            assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", result.output), (
                f"{span!r}: {option} is not in `lab {' '.join(words)} --help`"
            )
        # an example file name (`roster.csv`) stands for its argument; a placeholder (`PATH`) is its name
        declared = [p.name for p in command.params if p.param_type_name == "argument"]
        shown = [a if a.isupper() else d.upper() for a, d in zip(arguments, declared, strict=False)]
        assert len(arguments) == len(declared) and shown == [d.upper() for d in declared], (
            f"{span!r}: the table names arguments {arguments}, the command takes {declared}"
        )


def test_the_readme_table_lists_every_command():
    import typer.main

    from lab.cli import app

    def leaves(group, prefix):
        for name, sub in group.commands.items():
            if hasattr(sub, "commands"):
                yield from leaves(sub, [*prefix, name])
            else:
                yield " ".join([*prefix, name])

    listed = {" ".join(_resolve(span)[0]) for span in _command_table()}
    assert listed == set(leaves(typer.main.get_command(app), []))


def test_the_readme_lists_the_facilitator_decisions_of_the_table():
    """The decisions in the `lab decide` row are the facilitator's events of the life-cycle table, in order."""
    from lab.domain.lifecycle import decisions

    (row,) = [s for s in _command_table() if s.startswith("lab decide ")]
    (choice,) = re.findall(r"--[a-z_-]+(?:\|--[a-z_-]+)+", row)
    assert [c.removeprefix("--") for c in choice.split("|")] == list(decisions())


def test_the_paths_the_docs_name_exist():
    """A file or folder of the repository named in the README or the architecture notes is really there."""
    folders = r"(?:lab|flows|templates|docs|tests|scripts|benchmarks|\.ci)/"
    quoted = re.compile(rf"`({folders}[\w./-]*)`")  # `lab/storage/safefs.py` in a sentence
    listed = re.compile(rf"^({folders}[\w/]*) ", re.M)  # a line of the README's layout block
    missing = []
    for doc in ("README.md", "docs/architecture.md"):
        text = (ROOT / doc).read_text()
        named = set(quoted.findall(text)) | set(listed.findall(text))
        named.discard("lab/web/")  # the web app to come, named as the place for it
        missing += [f"{doc}: {p}" for p in sorted(named) if not (ROOT / p).exists()]
    assert missing == []


def test_the_docs_list_the_layers_of_the_contract_in_its_order():
    """The README's layout and the architecture notes show lab's layers as `lint-imports` checks them, and every
    package under lab/ is one of them."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    layers = [f"{name.replace('.', '/')}/" for name in contract["layers"]]
    packages = {f"lab/{p.parent.name}/" for p in (ROOT / "lab").glob("*/__init__.py")}
    assert packages == set(layers)
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^(lab/\w+/) ", layout, re.M) == layers
    architecture = (ROOT / "docs/architecture.md").read_text()
    assert re.findall(r"^\| `(lab/\w+/)` \|", architecture, re.M) == layers
