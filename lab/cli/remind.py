"""`lab remind PATH [--dry-run] [--today DATE]`: reminders to teams with work due, late or returned."""

from __future__ import annotations

from typing import Annotated

import typer

from lab.cli.app import Workspace, app, open_ws, say


@app.command()
def remind(
    path: Workspace,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Show the reminders that would go, with their text; send and record none."
        ),
    ] = False,
    today: Annotated[
        str | None,
        typer.Option(help="Plan as on this date (YYYY-MM-DD) instead of today.", show_default=False),
    ] = None,
) -> None:
    """Send each team one reminder per rule of [reminders] (before, on and after a due date; a returned design)
    with its personal link, through Apprise (LAB_NOTIFY_URL: an SMTP URL, or with via = "tags" an Apprise
    configuration file); none is sent twice."""
    import datetime as dt

    from lab.domain.errors import UsageError
    from lab.workflow.remind import failures
    from lab.workflow.remind import remind as send_reminders

    try:
        day = dt.date.fromisoformat(today) if today is not None else None
    except ValueError:
        raise UsageError(
            f"--today {today!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-09-02"
        ) from None
    outcomes = send_reminders(open_ws(path), day, dry_run)
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.result] = counts.get(o.result, 0) + 1
        due = f" (due {o.due.isoformat()})" if o.due else ""
        line = f"{o.result}: {o.team} {o.rule} {o.stage}{due} {o.worksheet}"
        if o.recipients:
            line += f" to {o.recipients} recipient(s)"
        say(line + (f": {o.reason}" if o.reason else ""))
        if dry_run and o.body:
            say(f"  subject: {o.subject}")
            for text in o.body.splitlines():
                say(f"  | {text}" if text else "  |")
    order = ("would send" if dry_run else "sent", "skipped", "failed")
    say("reminders: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in order))
    error = failures(outcomes)
    if error is not None:
        raise error
