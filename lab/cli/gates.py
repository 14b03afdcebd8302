"""`lab decide`, `lab history` and `lab activity`: decisions at the gates, the audit trail, the web activity log.

The decision flags are not written here: each is a facilitator's event of the proposal table in
`lab.domain.lifecycle`, with the row's help, read each time the command is built. A new decision row
is a new flag.
"""

from __future__ import annotations

import inspect
import keyword
from pathlib import Path
from typing import Annotated

import typer

from lab.cli.app import ProposalId, Workspace, app, open_ws, say
from lab.domain import lifecycle


def decision_flags() -> tuple[str, ...]:
    """The facilitator's events of the proposal table, in table order: one `lab decide` flag each."""
    return lifecycle.decisions("proposal")


def flag_help(event: str) -> str:
    """The table's help for a decision, and whether it needs a note (any of its rows asks for one)."""
    rows = lifecycle.rows("proposal", event)
    text = next((m.help for m in rows if m.help), f"Decide {event}.")
    if any(m.needs_note for m in rows):
        return f"{text.removesuffix('.')} (needs --note)."
    return text


def _param(event: str) -> str:
    return f"{event}_" if keyword.iskeyword(event) else event.replace("-", "_")


def _listed(words: list[str]) -> str:
    return f"{', '.join(words[:-1])} or {words[-1]}" if len(words) > 1 else "".join(words)


class DecideCommand:
    """`lab decide`: Typer reads its signature and help from here, so both follow the table."""

    __name__ = "decide"
    __annotations__: dict = {}  # typing.get_type_hints() asks; the signature carries the real types

    @property
    def __doc__(self) -> str:  # type: ignore[override]
        return f"Decide at a gate: {_listed(list(decision_flags()))} a proposal."

    @property
    def __signature__(self) -> inspect.Signature:
        kw = inspect.Parameter.KEYWORD_ONLY
        flags = [
            inspect.Parameter(_param(e), kw, default=False,
                              annotation=Annotated[bool, typer.Option(f"--{e}", help=flag_help(e))])
            for e in decision_flags()
        ]  # fmt: skip
        note = Annotated[str, typer.Option(help="Why; shown to the team and kept in the history.")]
        by = Annotated[str, typer.Option(help="Who decides (a facilitator).")]
        return inspect.Signature([
            inspect.Parameter("path", kw, annotation=Workspace),
            inspect.Parameter("proposal", kw, annotation=ProposalId),
            inspect.Parameter("by", kw, annotation=by),
            *flags,
            inspect.Parameter("note", kw, default="", annotation=note),
        ])  # fmt: skip

    def __call__(self, *, path: Path, proposal: str, by: str, note: str = "", **flags: bool) -> None:
        from lab.domain.errors import UsageError
        from lab.workflow.decisions import decide as apply_decision
        from lab.workspace.cohort import find_proposal, workspace_session

        events = decision_flags()
        chosen = [e for e in events if flags.get(_param(e))]
        if len(chosen) != 1:
            raise UsageError(f"choose exactly one of {', '.join(f'--{e}' for e in events)}")
        ws = open_ws(path)
        with workspace_session(ws) as (session, cohort):
            p = find_proposal(session, cohort, proposal)
            before = p.state
            after = apply_decision(ws, session, cohort, p, chosen[0], by, note)
        say(f"{p.code}: {before} -> {after} ({chosen[0]} by {by.strip()})")


decide = app.command("decide")(DecideCommand())


@app.command()
def history(
    path: Workspace,
    proposal: ProposalId,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The audit trail of one proposal: every transition with who, when and why."""
    from lab.workflow.decisions import history as audit
    from lab.workspace.cohort import find_proposal, workspace_session

    ws = open_ws(path)
    with workspace_session(ws) as (session, cohort):
        p = find_proposal(session, cohort, proposal)
        rows = audit(session, p)
        code, title, state = p.code, p.title, p.state
    if as_json:
        from lab.domain.text import json_text

        keys = ("at", "from", "to", "event", "actor", "note", "source")
        typer.echo(json_text([dict(zip(keys, _cells(r), strict=True)) for r in rows]))
        return
    say(f"{code} · {title} · now {state}")
    for r in rows:
        note = f"  — {r.note}" if r.note else ""
        door = f" via {r.source}" if r.source in ("web", "prefect") else ""  # cli and run: as before
        say(
            f"{r.at:%Y-%m-%d %H:%M:%S}  {r.from_state or '·':>11} -> {r.to_state:<11} {r.event:<16} by {r.actor}{door}{note}"
        )


def _cells(r) -> tuple[str, ...]:
    return (r.at.isoformat(timespec="seconds"), r.from_state, r.to_state, r.event, r.actor, r.note, r.source)


@app.command()
def activity(
    path: Workspace,
    who: Annotated[str | None, typer.Option("--who", help="Only this team id or person.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="How many rows, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What people changed in the browser (saves, uploads, evidence taken out, sign-ins): who, from where, when."""
    from lab.workflow.activity import recent
    from lab.workspace.cohort import workspace_session

    ws = open_ws(path)
    with workspace_session(ws, writer=False) as (session, cohort):
        rows = recent(session, cohort, limit, who)
    keys = ("at", "actor", "role", "address", "action", "path", "detail")
    cells = [
        (r.at.isoformat(timespec="seconds"), r.actor, r.role, r.address, r.action, r.path, r.detail)
        for r in rows
    ]
    if as_json:
        from lab.domain.text import json_text

        typer.echo(json_text([dict(zip(keys, c, strict=True)) for c in cells]))
        return
    if not cells:
        say("No activity in the browser yet.")
    for at, actor, role, address, action, rel, detail in cells:
        say(
            f"{at}  {action:<15} {actor} ({role}, {address or '?'})  {rel}{'  — ' + detail if detail else ''}"
        )
