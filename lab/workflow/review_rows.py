"""One row of scores (a row of a CSV or XLSX sheet, or a form in the browser), checked the same way everywhere.

A problem is a `RowProblem`: which column it is about and why, with its English text as `str()` (what the CSV
import and the web page say) and `text(lang)` in the cohort's language for the XLSX import, which names the
cell.
"""

from __future__ import annotations

import re

from lab.outputs.scores import same_name
from lab.storage.tables import clip, unsafe_name

MAX_NAME = 255  # characters of a reviewer's name
SCORE = re.compile(r"[0-9]+(?:[.,][0-9]+)?")  # 7, 7.5 or 7,5: ASCII digits only

MESSAGES = {
    "en": {
        "reviewer_empty": "reviewer is empty",
        "reviewer_unsafe": "reviewer {reason}",
        "reviewer_long": "reviewer is longer than {n} characters; shorten it",
        "not_coordinator": "{name!r} is not a coordinator of this cohort (cohort.toml)",
        "unknown_code": "{code} is not a showcased proposal of this cohort",
        "no_score": "{code}: no score for {criterion}",
        "not_number": "{code}: {criterion} score {cell!r} is not a number",
        "outside": "{code}: {criterion} score {cell} is outside 1-10",
        "not_whole": "{code}: {criterion} score {cell} is not a whole number; give 1 to 10",
    },
    "id": {
        "reviewer_empty": "nama penilai kosong",
        "reviewer_unsafe": "nama penilai memuat karakter kendali atau tanda arah tak terlihat; hapus karakter itu",
        "reviewer_long": "nama penilai lebih dari {n} karakter; persingkat",
        "not_coordinator": "{name!r} bukan koordinator penilai cohort ini (cohort.toml)",
        "unknown_code": "{code} bukan inovasi yang dipamerkan di cohort ini",
        "no_score": "{code}: nilai {criterion} belum diisi; isi semua kriteria atau kosongkan seluruh baris",
        "not_number": "{code}: nilai {criterion} {cell!r} bukan angka; isi bilangan bulat 1 sampai 10",
        "outside": "{code}: nilai {criterion} {cell} di luar rentang 1-10; isi bilangan bulat 1 sampai 10",
        "not_whole": "{code}: nilai {criterion} {cell} bukan bilangan bulat; isi bilangan bulat 1 sampai 10",
    },
}


class RowProblem(ValueError):
    """What is wrong with a row: `column` is proposal, reviewer or a criterion id; str() is the English text."""

    def __init__(self, column: str, key: str, **params: object) -> None:
        self.column, self.key, self.params = column, key, params
        super().__init__(self.text("en"))

    def text(self, lang: str, criterion: str | None = None) -> str:
        """The message in `lang`, naming the criterion by `criterion` (its label) when given."""
        params = dict(self.params)
        if params.get("code") == "":
            params["code"] = "(kosong)" if lang == "id" else "(empty)"
        if criterion is not None and "criterion" in params:
            params["criterion"] = criterion
        return MESSAGES.get(lang, MESSAGES["en"])[self.key].format(**params)


def parse_row(row: dict, rubric: dict, coordinators: dict, proposals: dict):
    """(proposal, reviewer, scores, note) of a scored row, None for a row not scored yet; RowProblem if wrong."""
    code = (row.get("proposal") or "").strip().upper()
    raw_reviewer = " ".join((row.get("reviewer") or "").split())
    cells = {c: (row.get(c) or "").strip() for c in rubric}
    if not any(cells.values()):
        return None  # not scored yet
    if not raw_reviewer:
        raise RowProblem("reviewer", "reviewer_empty")
    if reason := unsafe_name(raw_reviewer):
        raise RowProblem("reviewer", "reviewer_unsafe", reason=reason)
    if len(raw_reviewer) > MAX_NAME:
        raise RowProblem("reviewer", "reviewer_long", n=MAX_NAME)
    reviewer = coordinators.get(same_name(raw_reviewer), raw_reviewer)
    if coordinators and same_name(raw_reviewer) not in coordinators:
        raise RowProblem("reviewer", "not_coordinator", name=clip(raw_reviewer))
    if code not in proposals:
        raise RowProblem("proposal", "unknown_code", code=clip(code))
    scores = {}
    for criterion, cell in cells.items():
        if not cell:
            raise RowProblem(criterion, "no_score", code=code, criterion=criterion)
        if not SCORE.fullmatch(cell):  # float() would also take 1_0, 1e1, nan and other scripts' digits
            raise RowProblem(criterion, "not_number", code=code, criterion=criterion, cell=clip(cell))
        value = float(cell.replace(",", "."))
        if not 1 <= value <= 10:
            raise RowProblem(criterion, "outside", code=code, criterion=criterion, cell=clip(cell))
        scores[criterion] = value
    return proposals[code], reviewer, scores, (row.get("note") or "").strip()
