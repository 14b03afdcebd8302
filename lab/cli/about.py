"""What the lab is made of, read from its declarations: `lab schema`, `lab states`; and `lab demo`, a whole
example cohort that shows them at work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lab.cli.app import StageName, app


@app.command()
def schema(
    stage: Annotated[StageName | None, typer.Argument(help="A stage; all stages when omitted.")] = None,  # type: ignore[valid-type]
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help='Print the JSON Schema (2020-12); rules it cannot express are in "x-rules".'
        ),
    ] = False,
) -> None:
    """The worksheet schema of a stage (fields, types, labels, rules), or its JSON Schema."""
    from lab.stages import STAGES, get_stage

    chosen = [get_stage(stage.value)] if stage else list(STAGES)
    if as_json:
        docs = {s.slug: s.schema.model_json_schema() for s in chosen}
        typer.echo(json.dumps(docs[chosen[0].slug] if stage else docs, ensure_ascii=False, indent=2))
        return
    from lab.cli.report import print_schema

    for s in chosen:
        print_schema(s)


@app.command()
def states(
    mermaid: Annotated[bool, typer.Option("--mermaid", help="Print a Mermaid state diagram.")] = False,
    team: Annotated[
        bool, typer.Option("--team", help="The team life cycle instead of the proposal's.")
    ] = False,
) -> None:
    """The proposal life cycle (or the team's), drawn from the transition table."""
    from lab.domain import lifecycle

    kind = "team" if team else "proposal"
    if mermaid:
        typer.echo(lifecycle.mermaid(kind))
        return
    for m in lifecycle.MOVES[kind]:
        note = "  (needs --note)" if m.needs_note else ""
        typer.echo(f"{m.source:>12} --{m.event}--> {m.target}{note}")


@app.command()
def demo(
    path: Annotated[Path, typer.Argument(help="Where to create the demo cohort.")] = Path(
        "workspaces/demo-purbalingga"
    ),
    fresh: Annotated[bool, typer.Option(help="Delete an earlier demo in PATH first.")] = True,
) -> None:
    """A whole example cohort, all five stages, end to end (about six units of Kabupaten Purbalingga)."""
    from lab.runtime.demo import run_demo

    run_demo(path, fresh=fresh, echo=typer.echo)
