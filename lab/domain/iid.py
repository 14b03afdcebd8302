"""The Indeks Inovasi Daerah (IID) per-innovation indicators of one assessment year, as data.

Each year is a TOML file, `lab/data/iid/<year>.toml` (a cohort may keep a corrected copy in
`<workspace>/iid/<year>.toml`): the indicators 16-35 with their weight, mandatory flag, the wording of each
of their three levels and the evidence each asks for; the scoring constants of that year's formula; the
predicate bands; and the sources it was taken from. A newer year is one new file. `parse_table()` checks a
file strictly: an unknown key, a missing level, a duplicate indicator or totals that do not add up is one
clear error naming the file.

How a score is estimated (the year's formula, BSKDN 2023):

- an indicator scores weight x level (1-3) when a file backs the level, 0 without evidence;
- an innovation scores the sum over its indicators (0 to 3 x the sum of the weights: 111 in 2023);
- the innovation part of a region is the sum of its innovations' scores / MAX(divisor_min, n), plus
  count_points per innovation up to count_cap;
- the index is (regional part + innovation part) / total_max x 100, and its band the first whose `min`
  the index (rounded to 2 decimals) reaches.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from lab.domain.errors import UsageError

PACKAGED = Path(__file__).resolve().parent.parent / "data" / "iid"
DEFAULT_YEAR = 2023
MAX_TABLE_BYTES = 256_000
LEVELS = (1, 2, 3)

Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Wording(_Strict):
    """A text in Bahasa Indonesia and English."""

    id: Words
    en: Words

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.id


class Source(_Strict):
    key: Words
    title: Words
    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=300)]
    used_for: Words


class Scoring(_Strict):
    divisor_min: int = Field(ge=1, le=1000)
    count_points: float = Field(ge=0, le=100)
    count_cap: int = Field(ge=0, le=100_000)
    regional_max: float = Field(ge=0, le=1000)
    total_max: float = Field(gt=0, le=10_000)


class Band(_Strict):
    name: Wording
    min: float = Field(ge=0, le=100)


class Indicator(_Strict):
    number: int = Field(ge=1, le=99)
    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,30}$")]
    name: Wording
    weight: int = Field(ge=1, le=20)
    mandatory: bool
    levels: list[Wording] = Field(min_length=3, max_length=3)
    evidence: Wording

    def label(self, lang: str) -> str:
        """'16. Regulasi inovasi daerah (wajib)'."""
        flag = (" (mandatory)" if lang == "en" else " (wajib)") if self.mandatory else ""
        return f"{self.number}. {self.name(lang)}{flag}"


class IndicatorTable(_Strict):
    """One assessment year's per-innovation indicators, scoring constants, bands and sources."""

    year: int = Field(ge=2015, le=2100)
    title: Wording
    sources: list[Source] = Field(min_length=1)
    scoring: Scoring
    bands: list[Band] = Field(min_length=2)
    indicators: list[Indicator] = Field(min_length=1, max_length=60)

    @model_validator(mode="after")
    def _consistent(self) -> IndicatorTable:
        for what, values in (("number", [i.number for i in self.indicators]),
                             ("key", [i.key for i in self.indicators])):  # fmt: skip
            twice = sorted({str(v) for v in values if values.count(v) > 1})
            if twice:
                raise ValueError(f"indicator {what} {', '.join(twice)} is listed twice")
        mins = [b.min for b in self.bands]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins) or mins[-1] != 0:
            raise ValueError("bands must go from the highest `min` down to a last band with min = 0")
        s = self.scoring
        total = s.regional_max + self.innovation_max + s.count_points * s.count_cap
        if abs(total - s.total_max) > 0.01:
            raise ValueError(
                f"scoring.total_max is {s.total_max:g} but regional_max + 3 x the weights + count_points x "
                f"count_cap is {total:g}; correct a weight or a constant"
            )
        return self

    @property
    def innovation_max(self) -> int:
        """The highest score one innovation can reach (every indicator at level 3)."""
        return 3 * sum(i.weight for i in self.indicators)

    @property
    def source_line(self) -> str:
        """The sources, as one line: 'S34 https://…; S39 https://…'."""
        return "; ".join(f"{s.key} {s.url}" for s in self.sources)

    def indicator(self, key: str) -> Indicator | None:
        return next((i for i in self.indicators if i.key == key), None)

    def band(self, index: float) -> Band:
        """The predicate band of an index (0-100)."""
        value = round(index, 2)
        return next(b for b in self.bands if value >= b.min)


def parse_table(text: str, origin: str, year: int | None = None) -> IndicatorTable:
    """The table in `text` (TOML), checked strictly; `origin` names the file in an error."""
    try:
        table = IndicatorTable.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{origin}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively: `a = [[[[…`
        raise UsageError(f"{origin}: not valid TOML: arrays or tables nested too deeply") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "".join(f"{p}: " if i == len(err["loc"]) - 1 else f"{p}." for i, p in enumerate(err["loc"]))
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise UsageError(f"{origin}: {where}{err['msg'].removeprefix('Value error, ')}{more}") from None
    if year is not None and table.year != year:
        raise UsageError(f"{origin}: says year = {table.year}, but it is the table of {year}")
    return table


def packaged_years() -> tuple[int, ...]:
    """The assessment years the lab ships a table for, oldest first."""
    return tuple(sorted(int(p.stem) for p in PACKAGED.glob("*.toml") if re.fullmatch(r"\d{4}", p.stem)))


@cache
def packaged_table(year: int = DEFAULT_YEAR) -> IndicatorTable:
    """The table shipped with the lab for `year`; a year without one is a clear error."""
    path = PACKAGED / f"{year}.toml"
    if not path.is_file():
        have = ", ".join(map(str, packaged_years()))
        raise UsageError(
            f"no IID indicator table for {year} (the lab has {have}); set [assessment] year in cohort.toml "
            f"to one of them, or add iid/{year}.toml to the workspace"
        )
    return parse_table(path.read_text(encoding="utf-8"), f"lab/data/iid/{year}.toml", year)
