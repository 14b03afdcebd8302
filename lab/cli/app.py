"""The `lab` application: the error mapping, the sub-apps and the argument types every command shares.

Heavy modules (SQLModel, Jinja, Prefect) are imported inside commands so `lab --help` stays fast;
only `lab run`, `lab demo`, `lab deploy`, `lab undeploy` and `lab worker` import Prefect.
"""

from __future__ import annotations

from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from lab.domain.errors import LabError
from lab.domain.text import visible


def say(text: str, err: bool = False) -> None:
    """One line that may quote what a team, an archive or an import wrote: shown, never obeyed."""
    typer.echo(visible(text), err=err)


class LabGroup(TyperGroup):
    """Maps every LabError to one clear line and its exit code, in one place."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LabError as exc:
            say(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except OSError as exc:  # disk full, permission denied, …: the user can act on these
            where = f" ({exc.filename})" if exc.filename else ""
            say(f"error: {exc.strerror or exc}{where}", err=True)
            raise typer.Exit(1) from None
        except Exception as exc:
            if type(exc).__module__.startswith("sqlalchemy"):
                reason = (str(getattr(exc, "orig", exc)).splitlines() or [""])[0]
                say(f"error: database: {reason}", err=True)
                raise typer.Exit(9) from None
            raise


def _app(help_text: str) -> typer.Typer:
    return typer.Typer(cls=LabGroup, help=help_text, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False, rich_markup_mode=None)  # fmt: skip


app = _app(
    "Labinov: run an Innovation Laboratory cohort through drum-up, diagnose, design, deliver, display."
)
roster_app = _app("The roster of units and team members.")
answers_app = _app("Answers collected outside the worksheet files.")
review_app = _app("Coordinators' score sheets.")
app.add_typer(roster_app, name="roster")
app.add_typer(answers_app, name="answers")
app.add_typer(review_app, name="review")

Workspace = Annotated[Path, typer.Argument(help="The cohort's workspace folder.", show_default=False)]
ProposalId = Annotated[str, typer.Argument(help="Proposal id, e.g. PBG-2026-001.")]


class Lang(StrEnum):
    id = "id"
    en = "en"


def _stage_names() -> type[Enum]:
    from lab.stages import SLUGS

    return Enum("StageName", {s: s for s in SLUGS}, type=str)  # type: ignore[return-value]


StageName = _stage_names()


def open_ws(path: Path):
    """The workspace at `path` (its settings read and checked)."""
    from lab.workspace.settings import open_workspace

    return open_workspace(path)


def main() -> None:
    """Console-script entry point."""
    app()
