"""Human-readable output of `lab status` and `lab schema` (rich tables)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lab.domain.text import visible
from lab.worksheets.spec import describe

SHOW = 15  # rows of long lists shown before "… and N more"


def print_status(data: dict[str, Any]) -> None:
    """The funnel per stage (with its planned date, when the cohort has a schedule), then what is invalid
    and what waits."""
    console = Console()
    c = data["cohort"]
    # user text (region, paths, reasons quoting a team's lines) is printed with markup off and controls escaped
    console.print(Text.assemble((visible(c["id"]), "bold"), f" · {visible(c['region'])} · {c['year']}"))
    counted = ("worksheets", "waiting", "invalid", "valid", "returned", "passed")
    dated = any(row.get("due") for row in data["stages"].values())  # a cohort without [schedule]: no column
    table = Table("stage", *counted)
    table.columns[0].no_wrap = True  # stage names and dates are never cut short; a narrow terminal shortens
    if dated:  # the count headers instead
        table.add_column("due", no_wrap=True)
    for slug, row in data["stages"].items():
        table.add_row(slug, *(str(row[k]) for k in counted), *((row["due"] or "",) if dated else ()))
    console.print(table)
    teams = ", ".join(f"{k} {v}" for k, v in data["states"]["teams"].items() if v) or "none"
    props = ", ".join(f"{k} {v}" for k, v in data["states"]["proposals"].items() if v) or "none"
    console.print(f"teams: {teams}\nproposals: {props}", highlight=False)
    if data.get("coverage"):
        from lab.outputs.coverage import coverage_line

        console.print(coverage_line(data["coverage"]), highlight=False, markup=False)
    _print_overdue(console, data.get("overdue", []))
    if data["invalid"]:
        console.print(f"\n[bold red]invalid worksheets ({len(data['invalid'])} problem(s))[/bold red]")
        for item in data["invalid"][:SHOW]:
            console.print(
                visible(
                    f"  {item['path']}:{item['line']}: {item['reason']}"
                    + (f" [{item['field']}]" if item.get("field") else "")  # the id, for the facilitator
                ),
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        _more(console, data["invalid"])
    total = data.get("waiting_total", len(data["waiting"]))
    if total:
        console.print(f"\n[bold]waiting ({total})[/bold]")
        for item in data["waiting"][:SHOW]:
            where = item["path"] or item["proposal"]
            line = visible(f"  {where}: {item['reason']}")
            console.print(line, highlight=False, markup=False, soft_wrap=True)
        if total > SHOW:
            console.print(f"  … and {total - SHOW} more (`lab status --json` lists all)")


def _print_overdue(console: Console, rows: list[dict[str, Any]]) -> None:
    """The worksheets past their due date and the returned designs, per team (lab.outputs.overdue)."""
    if not rows:
        return
    teams = len({r["team"] for r in rows})
    console.print(f"\n[bold red]overdue ({teams} team(s), {len(rows)} worksheet(s))[/bold red]")
    for r in rows[:SHOW]:
        what = r["stage"] + (f" {r['proposal']}" if r["proposal"] else "")
        if r["days_late"]:
            when = f"due {r['due']}, {r['days_late']} day(s) late"
        else:
            when = f"due {r['due']}" if r["due"] else "no due date"
        why = "returned, waiting for the team" if r["status"] == "returned" else r["status"]
        line = visible(f"  {r['team']}: {what}, {when} ({why})")
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    _more(console, rows)


def _more(console: Console, items: list) -> None:
    if len(items) > SHOW:
        console.print(f"  … and {len(items) - SHOW} more (`lab status --json` lists all)")


def print_schema(stage) -> None:
    """The fields of a stage's worksheet: id, kind, required, labels."""
    console = Console()
    table = Table("field id", "kind", "required", "label (id)", "label (en)",
                  title=f"{stage.number}. {stage.slug} — {stage.title['id']} / {stage.title['en']} "
                        f"(one per {stage.granularity})")  # fmt: skip
    table.columns[0].no_wrap = True
    for spec in describe(stage.schema):
        kind = spec.kind + (f": {', '.join(spec.options)}" if spec.options else "")
        table.add_row(spec.id, kind, "yes" if spec.required else "no", spec.label("id"), spec.label("en"))
        for sub in spec.record_fields:
            table.add_row(f"  {spec.id}.N.{sub.id}", sub.kind, "yes" if sub.required else "no",
                          sub.label("id"), sub.label("en"))  # fmt: skip
    console.print(table)
    console.print(
        'rules the engine also checks, beyond the JSON Schema ("x-rules" in --json):', highlight=False
    )
    for rule in stage.schema.rules():
        console.print(f"  {rule.id}: {rule.text['en']}\n  {' ' * len(rule.id)}  {rule.text['id']}",
                      highlight=False, markup=False, soft_wrap=True)  # fmt: skip
