"""The architecture, checked: the layers hold (import-linter), no module grows into a god module, and the
commands that only read or describe never pay for importing Prefect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400


def test_the_layer_contracts_hold():
    """`lint-imports` reads the contracts in pyproject.toml: each layer imports only its own and lower ones,
    the library never imports flows/, and no import cycle exists."""
    binary = Path(sys.executable).parent / "lint-imports"
    assert binary.is_file(), f"{binary} is missing: install the test extras (pip install -e '.[test]')"
    # lint-imports caches its import graph under .import_linter_cache; --no-cache keeps the tree clean
    result = subprocess.run([binary, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    returncode, output = result.returncode, result.stdout + result.stderr
    assert returncode == 0, f"lint-imports failed:\n{output}"


def test_no_module_is_longer_than_the_limit():
    """A file over the limit is a module doing more than one job: split it by what it does."""
    too_long = []
    for folder in ("lab", "flows"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                too_long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert too_long == [], f"modules over {MAX_LINES} lines:\n" + "\n".join(too_long)


# Runs in a fresh interpreter: each invocation goes through the real Typer app, and the first one after
# which Prefect (or the flow package, which imports it) is loaded is named.
_PROBE = """
import sys
from typer.testing import CliRunner
from lab.cli import app

runner = CliRunner()
for args in {invocations!r}:
    result = runner.invoke(app, args)
    print("EXIT", result.exit_code, " ".join(args))
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("prefect", "flows"))
    if loaded:
        print("IMPORTED", " ".join(args), loaded[:5])
        break
"""


def _commands():
    import typer.main

    from lab.cli import app

    def walk(group, prefix):
        for name, sub in group.commands.items():
            if hasattr(sub, "commands"):
                yield from walk(sub, [*prefix, name])
            else:
                yield [*prefix, name]

    return list(walk(typer.main.get_command(app), []))


def test_help_and_schema_never_import_prefect():
    """Only `lab run` and `lab demo` run the flow; the help of every command (theirs too) and `lab schema`
    must stay light, so Prefect is imported inside the commands that need it and nowhere at import time."""
    invocations = [["--help"], *([*cmd, "--help"] for cmd in _commands()), ["schema"], ["schema", "--json"]]
    assert ["run", "--help"] in invocations and ["demo", "--help"] in invocations
    code = _PROBE.format(invocations=invocations)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    lines = out.stdout.splitlines()
    assert [ln for ln in lines if ln.startswith("IMPORTED")] == []
    # every invocation ran and succeeded: a crash before the check would otherwise pass silently
    assert [ln for ln in lines if ln.startswith("EXIT")] == [f"EXIT 0 {' '.join(a)}" for a in invocations]


def test_lab_help_loads_no_database_web_or_template_library():
    """`lab --help` is the first thing a facilitator types: it reads the stage registry (for the stage names)
    but names the tables for typing only, so no database, web or template library is loaded for it."""
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom lab.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "print(r.exit_code, sorted({m.split('.')[0] for m in sys.modules} & "
        "{'sqlmodel', 'sqlalchemy', 'fastapi', 'starlette', 'uvicorn', 'prefect', 'jinja2'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "0 []"
