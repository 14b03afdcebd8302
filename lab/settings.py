"""Facilitator inputs of a cohort (`cohort.toml`) and the workspace that holds them.

`cohort.toml` is written once by `lab init` and then edited by the facilitator; every stage task
re-reads it (the "collect" step), so a change takes effect on the next run.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import tomllib
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lab import safefs
from lab.errors import TooLarge, UnsafePath, WorkspaceError, mb

SETTINGS_FILE = "cohort.toml"
MAX_SETTINGS_BYTES = 1_000_000  # a facilitator's settings are a few KB
DEFAULT_RUBRIC = {
    "novelty": 30,
    "benefit": 25,
    "collaboration": 15,
    "replicability": 20,
    "mastery": 10,
}


class Strict(BaseModel):
    """A settings table: an unknown (misspelled) key is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Gates(Strict):
    """Who lets a proposal through a gate."""

    design: Literal["facilitator", "auto"] = "facilitator"


class ReviewPolicy(Strict):
    """When a showcased proposal counts as reviewed."""

    min_reviewers: int = Field(default=0, ge=0)  # 0: every listed coordinator must score


class EvidencePolicy(Strict):
    """Limits on the evidence files (*bukti dukung*) of one proposal."""

    max_file_mb: float = Field(default=25, gt=0, le=2000)  # one file
    max_proposal_mb: float = Field(default=100, gt=0, le=20000)  # all files of one proposal

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    @property
    def max_proposal_bytes(self) -> int:
        return int(self.max_proposal_mb * 1_000_000)


class CohortSettings(Strict):
    """The validated contents of `cohort.toml`."""

    uid: str
    region: str = Field(min_length=2)
    year: int = Field(ge=2015, le=2100)
    code: str = Field(pattern=r"^[A-Z0-9]{2,10}$")
    lang: Literal["id", "en"] = "id"
    title: str = ""
    facilitators: list[str] = []
    coordinators: list[str] = []
    schedule: dict[str, dt.date] = {}
    gates: Gates = Gates()
    rubric: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_RUBRIC))
    review: ReviewPolicy = ReviewPolicy()
    evidence: EvidencePolicy = EvidencePolicy()

    @field_validator("schedule")
    @classmethod
    def _stages(cls, v: dict[str, dt.date]) -> dict[str, dt.date]:
        from lab.stages import SLUGS

        for key in v:
            if key not in SLUGS:
                raise ValueError(
                    f"unknown stage {key!r}{_closest(key, SLUGS)} Stages are {', '.join(SLUGS)}."
                )
        return v

    @field_validator("rubric")
    @classmethod
    def _rubric(cls, v: dict[str, int]) -> dict[str, int]:
        if not v or any(w <= 0 for w in v.values()):
            raise ValueError("the rubric needs at least one criterion, each with a positive weight")
        bad = [k for k in v if not k.replace("_", "").isalnum() or not k.islower()]
        if bad:
            raise ValueError(f"criterion ids must be lower-case words: {', '.join(bad)}")
        return v

    @field_validator("code", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v

    @property
    def cohort_id(self) -> str:
        """Human id of the cohort, e.g. PBG-2026."""
        return f"{self.code}-{self.year}"


def default_code(region: str) -> str:
    """A short code from the region's name: 'Kabupaten Purbalingga' -> 'PBG'."""
    words = [w for w in region.split() if w.lower() not in {"kabupaten", "kota", "provinsi", "kab.", "kab"}]
    name = "".join(ch for ch in " ".join(words).upper() if ch.isalnum())
    if not name:
        return "LAB"
    consonants = name[0] + "".join(c for c in name[1:] if c not in "AEIOU")
    return (consonants if len(consonants) >= 3 else name)[:3]


def render_settings(region: str, year: int, code: str, lang: str) -> str:
    """The initial `cohort.toml` text, commented for the facilitator."""
    title = f"Laboratorium Inovasi {region} {year}" if lang == "id" else f"Innovation Lab {region} {year}"
    return f"""# Labinov cohort settings: the facilitator's inputs, re-read by every `lab run`.
uid = "{uuid.uuid4()}"   # identifies this cohort in a shared database; do not change
region = "{_toml_escape(region)}"
year = {year}
code = "{code}"          # proposal ids are {code}-{year}-NNN
lang = "{lang}"            # language of worksheets and showcase: id or en
title = "{_toml_escape(title)}"

# Names allowed to decide at gates (`lab decide --by NAME`); empty allows anyone.
facilitators = []
# Coordinators who score the showcase.
coordinators = []

[schedule]
# Planned dates per stage, e.g. drum-up = {year}-10-12

[gates]
design = "facilitator"   # "facilitator": designs wait for `lab decide --approve`; "auto": valid designs pass

[review]
min_reviewers = 0        # 0: a proposal is reviewed when every coordinator has scored it

[evidence]
max_file_mb = 25         # largest evidence file (bukti dukung) accepted, in MB
max_proposal_mb = 100    # all evidence files of one proposal together, in MB

[rubric]
# Display-stage scoring weights (IGA presentation weights by default); scores are 1-10
novelty = 30
benefit = 25
collaboration = 15
replicability = 20
mastery = 10
"""


def _toml_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def load_settings(path: Path) -> CohortSettings:
    """Read and validate `cohort.toml`, with one clear line on any problem."""
    file = path / SETTINGS_FILE
    try:  # a regular file in the workspace's real folder, never a link, a pipe or a device, never past the limit
        raw = safefs.read_bytes(path, SETTINGS_FILE, MAX_SETTINGS_BYTES)
    except FileNotFoundError:
        raise WorkspaceError(f"{path} is not a cohort workspace (no {SETTINGS_FILE}); run `lab init` first") from None
    except TooLarge as exc:
        raise WorkspaceError(f"{file} is {mb(exc.size)} MB; settings are limited to {mb(exc.limit)} MB") from None
    except UnsafePath as exc:
        raise UnsafePath(str(path / exc.rel), exc.reason) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{file}: not valid TOML: {exc}") from None
    try:
        return CohortSettings.model_validate(data)
    except ValidationError as exc:
        raise WorkspaceError(f"{file}: {_describe(exc.errors()[0])}") from None


def _describe(err: dict) -> str:
    """One settings error in words; an unknown key names the closest known one."""
    loc = [str(p) for p in err["loc"]]
    where = ".".join(loc)
    if err["type"] == "extra_forbidden":
        model: type[BaseModel] = CohortSettings
        for part in loc[:-1]:
            model = model.model_fields[part].annotation  # type: ignore[assignment]
        return f"unknown setting {where!r}{_closest(loc[-1], list(model.model_fields))}".rstrip(";")
    if err["type"].startswith("date"):
        return f"{where}: {err.get('input')!r} is not a date; write it as a TOML date without quotes, e.g. 2026-10-12"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{where}: {msg}"


def _closest(key: str, known) -> str:
    match = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ";"


@dataclass(frozen=True)
class Workspace:
    """A cohort's folder: its settings, files and database location."""

    root: Path

    @cached_property
    def settings(self) -> CohortSettings:
        return load_settings(self.root)

    @property
    def database_url(self) -> str:
        return os.environ.get("LAB_DATABASE_URL") or f"sqlite:///{self.root / 'lab.db'}"

    @property
    def teams_dir(self) -> Path:
        return self.root / "teams"

    @property
    def roster_file(self) -> Path:
        return self.root / "roster.csv"


def open_workspace(path: str | Path) -> Workspace:
    """A Workspace for an existing cohort folder (settings validated now)."""
    ws = Workspace(Path(path).absolute())
    ws.settings  # noqa: B018 - validate early, one clear error
    return ws
