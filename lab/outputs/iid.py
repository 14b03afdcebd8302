"""The IID pre-check: what the national assessment would likely give the cohort's innovations, an estimate.

Per live innovation (approved or further), each indicator of the cohort's year table (`[assessment] year`;
`iid/<year>.toml` in the workspace wins over the lab's own `lab/data/iid/<year>.toml`) is read from the
evidence entries of its deliver worksheet (the last valid answers): the level claimed, whether a file backs it
(an entry naming the indicator and a level, its file a regular file in the proposal's evidence/ folder now),
the score (weight x level when backed, else 0), and what is missing. Several entries for one indicator: the
highest backed level counts. The cohort's estimate follows the year's formula (see lab.domain.iid).

An innovation is at risk of scoring zero when it has no backed indicator at all, or a mandatory indicator
without backing (the assessment's portal asks for all of them).

The `--json` object of `lab iid`: `estimate` (always true), `year`, `table` (title), `sources` (key, title,
url, used_for), `method`, `cohort` (id, innovations, innovation_part, count_part, regional_part or null,
index {low, high}, band {low, high}: equal when `[assessment] regional_score` is set, else with the regional
part at 0 and at its maximum), `at_risk` (id, title, reasons), `innovations` (id, title, unit, unit_type,
state, deliver, score, max, at_risk, missing, indicators: number, key, name, weight, mandatory, level,
backed, score, files, missing).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlmodel import Session, select

from lab.domain.errors import UnsafePath, UsageError
from lab.domain.iid import MAX_TABLE_BYTES, IndicatorTable, packaged_table, parse_table
from lab.domain.models import Cohort, Proposal, Team, Worksheet
from lab.outputs.coverage import LIVE
from lab.storage import safefs
from lab.workspace.settings import Workspace

METHOD = (
    "estimate: each indicator scores weight x level when an evidence file on disk backs the level, 0 "
    "otherwise; an innovation scores the sum; the innovation part is the sum over live innovations / "
    "MAX({divisor}, n), the count part {points} per innovation (up to {cap}); index = (regional part + "
    "innovation part + count part) / {total} x 100; without [assessment] regional_score the index is shown "
    "with the regional part at 0 and at its maximum {regional}"
)


WORDS = {
    "none": {"id": "belum ada bukti: {evidence}", "en": "no evidence: {evidence}"},
    "no_level": {"id": "tingkat belum dipilih: pilih 1-3 di lembar kerja deliver",
                 "en": "no level claimed: choose 1-3 in the deliver worksheet"},
    "not_on_disk": {"id": "berkas bukti tidak ada di folder evidence/: {files}",
                    "en": "evidence file not in the evidence/ folder: {files}"},
    "lower": {"id": "diklaim tingkat {claimed}, yang berkasnya ada hanya tingkat {backed}",
              "en": "level {claimed} claimed, only level {backed} has its file on disk"},
    "mandatory": {"id": "indikator wajib {number} ({name}) belum didukung bukti",
                  "en": "mandatory indicator {number} ({name}) not backed by evidence"},
    "zero": {"id": "tidak ada indikator yang didukung bukti: perkiraan nilai 0",
             "en": "no indicator backed by evidence: estimated score 0"},
}  # fmt: skip
"""What the pre-check says of an indicator or an innovation, in the cohort's language."""


def _said(key: str, lang: str, **params: Any) -> str:
    words = WORDS[key]
    return (words.get(lang) or words["en"]).format(**params)


@dataclass(frozen=True)
class Claim:
    """One evidence entry as the pre-check reads it."""

    file: str
    indicator: str | None
    level: int | None
    on_disk: bool


@dataclass
class IndicatorCheck:
    number: int
    key: str
    name: str
    weight: int
    mandatory: bool
    level: int | None = None  # the highest level claimed
    backed: bool = False
    score: int = 0
    files: list[str] = field(default_factory=list)
    missing: str = ""


def table_for(ws: Workspace) -> IndicatorTable:
    """The cohort's indicator table: its own iid/<year>.toml if it keeps one, else the lab's."""
    year = ws.settings.assessment.year
    rel = f"iid/{year}.toml"
    try:
        raw = safefs.read_bytes(ws.root, rel, MAX_TABLE_BYTES)
    except FileNotFoundError:
        return packaged_table(year)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{rel}: not UTF-8 text") from None
    return parse_table(text, rel, year)


def score_innovation(table: IndicatorTable, claims: list[Claim], lang: str = "id") -> list[IndicatorCheck]:
    """Each indicator of the table scored from the claims (weight x highest backed level; 0 unbacked)."""
    out = []
    for ind in table.indicators:
        mine = [c for c in claims if c.indicator == ind.key]
        check = IndicatorCheck(ind.number, ind.key, ind.name(lang), ind.weight, ind.mandatory)
        check.files = [c.file for c in mine]
        levels = [c.level for c in mine if c.level]
        check.level = max(levels) if levels else None
        backed = [c.level for c in mine if c.level and c.on_disk]
        if backed:
            check.backed, check.score = True, ind.weight * max(backed)
        if not mine:
            check.missing = _said("none", lang, evidence=ind.evidence(lang))
        elif not levels:
            check.missing = _said("no_level", lang)
        elif not backed:
            check.missing = _said("not_on_disk", lang, files=", ".join(c.file for c in mine if not c.on_disk))
        elif max(backed) < max(levels):
            check.missing = _said("lower", lang, claimed=max(levels), backed=max(backed))
        out.append(check)
    return out


def estimate(
    table: IndicatorTable, scores: list[int], regional: float | None, lang: str = "id"
) -> dict[str, Any]:
    """The cohort's estimated index and band from its innovations' scores (the year's formula)."""
    s, n = table.scoring, len(scores)
    part = sum(scores) / max(s.divisor_min, n)
    count = s.count_points * min(n, s.count_cap)
    low, high = (regional, regional) if regional is not None else (0.0, s.regional_max)
    index = {k: round((r + part + count) / s.total_max * 100, 2) for k, r in (("low", low), ("high", high))}
    return {
        "innovations": n, "innovation_part": round(part, 2), "count_part": round(count, 2),
        "regional_part": regional, "index": index,
        "band": {k: table.band(v).name(lang) for k, v in index.items()},
    }  # fmt: skip


def precheck(ws: Workspace, session: Session, cohort: Cohort) -> dict[str, Any]:
    """The pre-check of every live innovation of the cohort and the cohort's estimate."""
    table, lang = table_for(ws), ws.settings.lang
    regional = ws.settings.assessment.regional_score
    if regional is not None and regional > table.scoring.regional_max:
        raise UsageError(
            f"[assessment] regional_score in cohort.toml is {regional:g}, more than the {table.year} table's "
            f"maximum for the regional-government indicators ({table.scoring.regional_max:g})"
        )
    items = []
    for p in _live_deliveries(session, cohort):
        answers = p.answers if isinstance(p.answers, dict) else {}
        evidence = answers.get("evidence") if isinstance(answers.get("evidence"), list) else []
        claims = [_claim(ws, p.team, p.code, e) for e in evidence if isinstance(e, dict)]
        checks = score_innovation(table, claims, lang)
        score = sum(c.score for c in checks)
        unbacked = [c for c in checks if c.mandatory and not c.backed]
        reasons = ([_said("mandatory", lang, number=c.number, name=c.name) for c in unbacked]
                   + ([_said("zero", lang)] if not score else []))  # fmt: skip
        items.append({
            "id": p.code, "title": p.title, "unit": p.unit, "unit_type": p.unit_type, "state": p.state,
            "deliver": p.status or "not generated", "score": score, "max": table.innovation_max,
            "at_risk": bool(reasons), "reasons": reasons,
            "missing": [f"{_flagged(c, lang)}: {c.missing}"
                        for c in sorted(checks, key=lambda c: (not c.mandatory, c.number)) if c.missing],
            "indicators": [asdict(c) for c in checks],
        })  # fmt: skip
    s = table.scoring
    return {
        "estimate": True,
        "year": table.year,
        "table": table.title(lang),
        "sources": [src.model_dump() for src in table.sources],
        "method": METHOD.format(
            divisor=s.divisor_min,
            points=f"{s.count_points:g}",
            cap=s.count_cap,
            total=f"{s.total_max:g}",
            regional=f"{s.regional_max:g}",
        ),  # fmt: skip
        "cohort": {"id": ws.settings.cohort_id}
        | estimate(table, [i["score"] for i in items], regional, lang),
        "at_risk": [
            {"id": i["id"], "title": i["title"], "reasons": i["reasons"]} for i in items if i["at_risk"]
        ],
        "innovations": items,
    }


def _live_deliveries(session: Session, cohort: Cohort) -> list[Any]:
    """The live innovations with their team and their deliver worksheet's status and last valid answers (only
    that worksheet's: the pre-check reads nothing else), one query in id order."""
    return session.execute(
        select(Proposal.code, Proposal.title, Proposal.state, Team.slug.label("team"), Team.unit, Team.unit_type,
               Worksheet.status, Worksheet.answers)
        .join(Team, Team.id == Proposal.team_id)
        .outerjoin(Worksheet, (Worksheet.proposal_id == Proposal.id) & (Worksheet.stage == "deliver"))
        .where(Proposal.cohort_id == cohort.id, Proposal.state.in_(LIVE))
        .order_by(Proposal.id)
    ).all()  # fmt: skip


def _claim(ws: Workspace, team: str, code: str, entry: dict) -> Claim:
    """An evidence entry of the deliver answers, with whether its file is on disk now (links never followed)."""
    name = str(entry.get("file") or "")
    level = entry.get("level")
    try:
        st = safefs.check(ws.root, f"teams/{team}/{code}/evidence/{name}") if name else None
    except UnsafePath:
        st = None
    indicator = entry.get("indicator")
    return Claim(name, indicator if isinstance(indicator, str) else None,
                 int(level) if str(level) in ("1", "2", "3") else None, st is not None)  # fmt: skip


def _flagged(check: IndicatorCheck, lang: str) -> str:
    """'16. Regulasi inovasi daerah (wajib)'."""
    flag = (" (mandatory)" if lang == "en" else " (wajib)") if check.mandatory else ""
    return f"{check.number}. {check.name}{flag}"
