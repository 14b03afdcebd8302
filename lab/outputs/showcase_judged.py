"""What an innovation's page shows for the criteria the jury scores beyond novelty and benefit: its legal basis
and stage, the trial period, partners and their form of collaboration, sustainability, replications and the
video or presentation link, each with its label from the worksheet schemas (one source of words) and its dates
written the way a reader of the cohort's language writes them ("2 September 2026")."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from lab.stages import get_stage
from lab.worksheets.spec import FieldSpec, describe

MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip
FULL_REFERENCE = (
    "keputusan",
    "peraturan",
    "sk ",
    "perbup",
    "perwali",
    "perda",
    "nomor",
    "no.",
    "decree",
    "regulation",
)
"""How a decree number that is already a whole reference begins ('Keputusan Bupati ... Nomor ...')."""
WORDS = {
    "id": {"heading": "Kolaborasi, keberlanjutan dan replikasi", "presentation": "Presentasi di depan juri",
           "trial": "Masa uji coba", "until": "sampai", "none": "belum diisi", "number": "Nomor"},
    "en": {"heading": "Collaboration, sustainability and replication", "presentation": "Presentation to the jury",
           "trial": "Trial period", "until": "to", "none": "not filled in", "number": "No."},
}  # fmt: skip


def long_date(value: Any, lang: str) -> str:
    """A date as text in the cohort's language (2026-09-02 -> '2 September 2026'); '' for none, and a value
    that is not a date is given back as it is."""
    if not value:
        return ""
    try:
        d = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{d.day} {MONTHS.get(lang, MONTHS['en'])[d.month - 1]} {d.year}"


def _label(spec: FieldSpec, lang: str) -> str:
    """A field's label as a page heading: without the worksheet's '(optional)' or date-format hint."""
    return re.sub(r"\s*\((?:opsional|optional|TTTT-BB-HH[^)]*|YYYY-MM-DD[^)]*)\)$", "", spec.label(lang))


def _spec(stage: str, fid: str) -> FieldSpec:
    return next(s for s in describe(get_stage(stage).schema) if s.id == fid)


def _sub(spec: FieldSpec, fid: str) -> FieldSpec:
    return next(s for s in spec.record_fields if s.id == fid)


def _rows(answers: Any) -> list[dict]:
    """Stored records as dicts (anything else in their place is skipped: the page shows what it can)."""
    return [r for r in answers if isinstance(r, dict)] if isinstance(answers, list) else []


def judged_view(design: dict, deliver: dict, display: dict, lang: str) -> dict[str, Any]:
    """The page's section on legal basis, collaboration, sustainability and replication, labelled (the
    presentation date is the cohort's, `[schedule] presentation`, which the page reads from its settings)."""
    words = WORDS.get(lang, WORDS["en"])
    level, partners, sustain, replications = (
        _spec("deliver", "decree_level"), _spec("display", "partners"), _spec("display", "sustainability"),
        _spec("display", "replications"),
    )  # fmt: skip
    kind = level.option_label(deliver["decree_level"], lang) if deliver.get("decree_level") else ""
    number = str(deliver.get("decree") or "")
    if (
        kind and number and number.casefold().startswith(FULL_REFERENCE)
    ):  # a worksheet of before: the whole title
        legal = number if number.casefold().startswith(kind.casefold()) else f"{kind} ({number})"
    else:
        legal = " ".join(x for x in (kind, f"{words['number']} {number}" if kind and number else number) if x)
    if deliver.get("decree_date"):
        legal = (
            f"{legal}, {long_date(deliver['decree_date'], lang)}"
            if legal
            else long_date(deliver["decree_date"], lang)
        )
    start, end = long_date(design.get("trial_start"), lang), long_date(design.get("trial_end"), lang)
    form, status = _sub(partners, "collaboration"), _sub(replications, "status")
    return {
        "words": words,
        "labels": {f: _label(_spec(s, f), lang) for s, f in (("deliver", "decree_level"), ("deliver", "maturity"),
                                                           ("display", "partners"), ("display", "sustainability"),
                                                           ("display", "replications"), ("display", "video"))},
        "legal": legal, "maturity": _spec("deliver", "maturity").option_label(deliver.get("maturity") or "", lang),
        "trial": f"{start} {words['until']} {end}" if start and end else start,
        "months": MONTHS.get(lang, MONTHS["en"]),
        "partners": [{"name": str(r.get("name", "")), "form": form.option_label(str(r.get("collaboration", "")), lang),
                      "role": str(r.get("contribution") or "")} for r in _rows(display.get("partners"))],
        "sustainability": [sustain.option_label(str(v), lang) for v in display.get("sustainability") or []
                           if isinstance(v, str)],
        "sustainability_note": display.get("sustainability_note") or "",
        "replications": [{"place": str(r.get("place", "")), "date": long_date(r.get("date"), lang),
                          "status": status.option_label(str(r.get("status", "")), lang)}
                         for r in _rows(display.get("replications"))],
        "video": display.get("video") if str(display.get("video") or "").startswith("https://") else "",
    }  # fmt: skip
