"""Human-readable output of `lab iid` and `lab coverage` (rich tables; team text shown, never obeyed)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lab.domain.text import visible

SHOW = 30  # units without an innovation listed before "… and N more"


def _line(console: Console, text: str, style: str = "") -> None:
    """One line of output; a leading newline is a blank line before it (the rest is shown, never obeyed)."""
    if text.startswith("\n"):
        console.print()
        text = text[1:]
    console.print(Text(visible(text), style=style), soft_wrap=True)


def _t(text: Any) -> Text:
    return Text(visible(str(text)))


def print_iid(data: dict[str, Any], detail: bool = False) -> None:
    """The pre-check: one row per innovation (or its indicators, with `detail`), the cohort's estimate, the
    innovations at risk, the method and the table's sources."""
    console = Console()
    c = data["cohort"]
    _line(console, f"IID pre-check {c['id']}: an ESTIMATE, not the national score · {data['table']}", "bold")
    if detail:
        for item in data["innovations"]:
            _innovation(console, item)
    else:
        _summary(console, data["innovations"])
    index, band = c["index"], c["band"]
    regional = (
        "not given ([assessment] regional_score)" if c["regional_part"] is None else f"{c['regional_part']:g}"
    )
    _line(console, f"\ncohort: {c['innovations']} live innovation(s); innovation part {c['innovation_part']:g}, "
                   f"count part {c['count_part']:g}, regional part {regional}")  # fmt: skip
    if index["low"] == index["high"]:
        _line(console, f"estimated index {index['low']:g} → {band['low']}", "bold")
    else:
        _line(console, f"estimated index {index['low']:g} (regional part 0) to {index['high']:g} (regional part at "
                       f"its maximum) → {_bands(band)}", "bold")  # fmt: skip
    if data["at_risk"]:
        _line(console, f"\nat risk of scoring zero ({len(data['at_risk'])})", "bold red")
        for r in data["at_risk"]:
            _line(console, f"  {r['id']} {r['title']}: {'; '.join(r['reasons'])}")
    _line(console, f"\n{data['method']}")
    _line(console, "sources: " + "; ".join(f"{s['key']} {s['url']}" for s in data["sources"]))
    if not detail and data["innovations"]:
        _line(
            console,
            "indicator by indicator: lab iid PATH ID [ID …]; the table itself: lab iid PATH --indicators",
        )


def _bands(band: dict[str, str]) -> str:
    return band["low"] if band["low"] == band["high"] else f"{band['low']} to {band['high']}"


def _summary(console: Console, items: list[dict]) -> None:
    table = Table("id", "innovation", "unit", "state", "score", "backed", "mandatory", "at risk")
    table.columns[0].no_wrap = True
    for i in items:
        checks = i["indicators"]
        mandatory = [c for c in checks if c["mandatory"]]
        table.add_row(_t(i["id"]), _t(i["title"]), _t(i["unit"]), i["state"], f"{i['score']}/{i['max']}",
                      f"{sum(c['backed'] for c in checks)}/{len(checks)}",
                      f"{sum(c['backed'] for c in mandatory)}/{len(mandatory)}", "yes" if i["at_risk"] else "")  # fmt: skip
    console.print(table)


def _innovation(console: Console, item: dict) -> None:
    title = (
        f"{item['id']} · {item['title']} ({item['unit']}) · score {item['score']} of {item['max']} (estimate)"
    )
    table = Table("#", "indicator", "weight", "level", "backed", "score", "files", title=_t(title))
    for c in item["indicators"]:
        name = c["name"] + (" *" if c["mandatory"] else "")
        table.add_row(str(c["number"]), _t(name), str(c["weight"]), str(c["level"] or "-"),
                      "yes" if c["backed"] else "no", str(c["score"]), _t(", ".join(c["files"])))  # fmt: skip
    console.print(table)
    _line(console, f"* mandatory · deliver worksheet: {item['deliver']}")
    if item["missing"]:
        _line(console, "missing (mandatory first):")
        for m in item["missing"]:
            _line(console, f"  {m}")


def print_table(table, lang: str) -> None:
    """The year's indicator table: weight, mandatory, the three levels and the evidence asked."""
    console = Console()
    _line(
        console,
        f"{table.title(lang)}: indicators {table.indicators[0].number}-{table.indicators[-1].number}",
        "bold",
    )
    out = Table("#", "indicator", "weight", "level 1", "level 2", "level 3", "evidence asked")
    for i in table.indicators:
        out.add_row(str(i.number), _t(i.label(lang)), str(i.weight), *(_t(lv(lang)) for lv in i.levels),
                    _t(i.evidence(lang)))  # fmt: skip
    console.print(out)
    bands = ", ".join(f"{b.name(lang)} ≥ {b.min:g}" for b in table.bands)
    _line(console, f"bands: {bands}")
    _line(console, "sources: " + "; ".join(f"{s.key} {s.title} {s.url}" for s in table.sources))


def print_coverage(data: dict[str, Any]) -> None:
    """Coverage per unit type, then per unit, then the units without a live innovation."""
    from lab.outputs.coverage import coverage_line

    console = Console()
    _line(console, f"{data['cohort']} · {coverage_line(data)}", "bold")
    by_type = Table("unit type", "target", "units", "met", "%", "live innovations")
    for r in data["by_type"]:
        by_type.add_row(_t(r["label"]), str(r["target"]), str(r["units"]), str(r["met"]), f"{r['percent']:g}",
                        str(r["innovations"]))  # fmt: skip
    console.print(by_type)
    by_unit = Table("unit", "type", "target", "live innovations", "met")
    for u in data["by_unit"]:
        by_unit.add_row(_t(u["unit"]), u["unit_type"], str(u["target"]), str(u["innovations"]),
                        "yes" if u["met"] else "no")  # fmt: skip
    console.print(by_unit)
    if data["without"]:
        _line(console, f"units without a live innovation ({len(data['without'])})", "bold red")
        for u in data["without"][:SHOW]:
            _line(console, f"  {u['unit']} ({u['unit_type']})")
        if len(data["without"]) > SHOW:
            _line(console, f"  … and {len(data['without']) - SHOW} more (`lab coverage --json` lists all)")
