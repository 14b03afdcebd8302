"""Personal links to the lab in a browser: `lab links PATH` (the same as `lab links list PATH`),
`lab links revoke PATH ID`, `lab links rotate PATH`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from lab.cli.app import LabGroup, Workspace, app, open_ws, say


class ListByDefault(LabGroup):
    """`lab links PATH …` lists: a first word that is not one of the group's commands starts `list`'s."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["list", *args]
        return super().parse_args(ctx, args)


links_app = typer.Typer(cls=ListByDefault, no_args_is_help=True, add_completion=False,
                        pretty_exceptions_enable=False, rich_markup_mode=None,
                        help="Personal links to the lab in a browser: `lab links PATH` lists them.")  # fmt: skip
app.add_typer(links_app, name="links")


class Role(StrEnum):
    team = "team"
    coordinator = "coordinator"
    facilitator = "facilitator"


@links_app.command("list")
def list_links(
    path: Workspace,
    json_out: Annotated[bool, typer.Option("--json", help="Print [{role, id, name, url, expires}].")] = False,
    role: Annotated[Role | None, typer.Option(help="Only the links of this role.")] = None,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Also write them to this CSV (for a mail merge or WhatsApp).")
    ] = None,
) -> None:
    """One working link per team, coordinator and facilitator (made where missing or expired)."""
    from lab.workflow.links import issue
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    with workspace_session(ws) as (session, cohort):
        links = issue(ws, session, cohort, role.value if role else None)
    if csv is not None:
        from lab.workflow.link_sheet import write_csv

        say(f"links: {len(links)} written to {write_csv(ws, links, csv)}", err=json_out)
    _hints(ws, path, links, role.value if role else None)
    if json_out:
        from dataclasses import asdict

        from lab.domain.text import json_text

        typer.echo(json_text([asdict(link) for link in links]))
    elif csv is None:
        _table(links)


def _hints(ws, path: Path, links, role: str | None) -> None:
    """One line on stderr for each kind of person who gets no link, and how to change that."""
    if role in (None, "team") and not any(link.role == "team" for link in links):
        say(f"note: no teams yet; `lab roster import {path} roster.csv` enrols them", err=True)
    s = ws.settings
    missing = [k for k in ("coordinators", "facilitators") if role in (None, k[:-1]) and not getattr(s, k)]
    if missing:
        example = " and ".join(f'{k} = ["Name"]' for k in missing)
        say(f"note: cohort.toml lists no {' and no '.join(missing)}, so they get no links; add them, e.g. "
            f"{example}, then run `lab links {path}` again", err=True)  # fmt: skip


def _table(links) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from lab.domain.text import visible

    rows = [(link.role, visible(link.id), visible(link.name), link.url, link.expires) for link in links]
    table = Table("role", "id", "name", "url", "expires")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    # a URL is copied whole: the table is as wide as its longest cells, even past a narrow terminal's edge
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(5)]
    console = Console()
    console.width = max(console.width, sum(widths) + 16)
    console.print(table)


@links_app.command("revoke")
def revoke(
    path: Workspace,
    id: Annotated[
        str,
        typer.Argument(
            help="A team id (its slug) or a person's name; 'coordinator:NAME' if two links share the name.",
            show_default=False,
        ),
    ],  # fmt: skip
) -> None:
    """End one link and its browser sessions now (the next `lab links PATH` issues a new one)."""
    from lab.workflow.links import revoke as end_link
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    with workspace_session(ws) as (session, cohort):
        link = end_link(ws, session, cohort, id)
    say(f"revoked: the link of {link.role} {link.id} ({link.name}) and its sessions no longer work; "
        f"`lab links {path}` issues a new one (to keep them out, remove them from "
        f"{'the roster' if link.role == 'team' else 'cohort.toml'})")  # fmt: skip


@links_app.command("rotate")
def rotate(path: Workspace) -> None:
    """Re-issue every link: all earlier URLs and browser sessions stop working."""
    from lab.workflow.links import rotate as rotate_links
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    with workspace_session(ws) as (session, cohort):
        links = rotate_links(ws, session, cohort)
    say(
        f"rotated: every earlier link and session ended; {len(links)} new link(s); `lab links {path}` lists them"
    )
