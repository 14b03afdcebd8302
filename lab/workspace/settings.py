"""Facilitator inputs of a cohort (`cohort.toml`) and the workspace that holds them.

`cohort.toml` is written once by `lab init` and then edited by the facilitator; every stage task
re-reads it (the "collect" step), so a change takes effect on the next run.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import tomllib
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from lab.domain.errors import TooLarge, UnsafePath, UsageError, WorkspaceError, mb
from lab.domain.slug import slugify
from lab.domain.text import one_line
from lab.storage import safefs
from lab.workspace.settings_tables import (
    Assessment,
    DeploySettings,
    EvidencePolicy,
    Gates,
    ReminderPolicy,
    ReviewPolicy,
    Strict,
    WebSettings,
    _shown,
)

SETTINGS_FILE = "cohort.toml"
MAX_SETTINGS_BYTES = 1_000_000  # a facilitator's settings are a few KB
UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # as `lab init` writes it
CODE = re.compile(r"[A-Z0-9]{2,10}")  # proposal ids are CODE-YEAR-NNN
CODE_RULE = "2 to 10 letters A-Z or digits, e.g. PBG"
MAX_PERSON = 100  # characters of a facilitator's or coordinator's name
MAX_WEIGHT = 1000
# columns of the review sheet besides the criteria: a criterion may not take one of their names
SHEET_COLUMNS = ("proposal", "reviewer", "note", "title", "unit")
DEFAULT_RUBRIC = {
    "novelty": 30,
    "benefit": 25,
    "collaboration": 15,
    "replicability": 20,
    "mastery": 10,
}


SCHEDULE_EVENTS = ("presentation",)
"""Dated events of `[schedule]` besides the stages' due dates: `presentation`, when teams present to the jury."""


class CohortSettings(Strict):
    """The validated contents of `cohort.toml`."""

    uid: str  # never changed after `lab init`: a different uid is a different (new, empty) cohort
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
    web: WebSettings = WebSettings()
    reminders: ReminderPolicy = ReminderPolicy()
    assessment: Assessment = Assessment()
    deploy: DeploySettings = DeploySettings()

    @field_validator("schedule")
    @classmethod
    def _stages(cls, v: dict[str, dt.date]) -> dict[str, dt.date]:
        from lab.stages import SLUGS

        for key in v:
            if key not in SLUGS and key not in SCHEDULE_EVENTS:
                raise ValueError(
                    f"unknown stage {key!r}{_closest(key, (*SLUGS, *SCHEDULE_EVENTS))} Stages are {', '.join(SLUGS)}."
                )
        return v

    @field_validator("uid")
    @classmethod
    def _uid(cls, v: str) -> str:
        if not UID.fullmatch(v):
            raise ValueError(
                f"'{_shown(v)}' is not the uid `lab init` wrote (lower-case, like "
                "'6d9dfdf7-9c74-4f45-929b-3007942db73e'); put the original back: it must never be changed"
            )
        return v

    @field_validator("rubric", mode="before")
    @classmethod
    def _weights(cls, v: object) -> object:
        if isinstance(v, dict):  # other types get pydantic's message
            for key, weight in v.items():
                if type(weight) is not int or not 1 <= weight <= MAX_WEIGHT:
                    raise ValueError(
                        f"the weight of {_shown(str(key))!r} must be a whole number from 1 to {MAX_WEIGHT}, "
                        f"not {_shown(repr(weight) if not isinstance(weight, bool) else str(weight).lower())}"
                    )
        return v

    @field_validator("rubric")
    @classmethod
    def _rubric(cls, v: dict[str, int]) -> dict[str, int]:
        if not v:
            raise ValueError("the rubric needs at least one criterion, each with a positive weight")
        bad = [k for k in v if not k.replace("_", "").isalnum() or not k.islower() or not k.isascii()]
        if bad:
            raise ValueError(f"criterion ids must be lower-case words: {', '.join(_shown(k) for k in bad)}")
        taken = [k for k in v if k in SHEET_COLUMNS]
        if taken:
            raise ValueError(
                f"criterion id {taken[0]!r} is a column of the review sheet ({', '.join(SHEET_COLUMNS)}); "
                "rename the criterion"
            )
        return v

    @field_validator("facilitators", "coordinators")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        seen: dict[str, str] = {}
        for name in v:
            if not name.strip():
                raise ValueError("a name is empty; write the name or remove the entry")
            try:
                one_line(name, f"the name '{_shown(name)}'")
            except UsageError as exc:
                raise ValueError(str(exc)) from None
            if len(name) > MAX_PERSON:
                raise ValueError(
                    f"the name '{_shown(name)}' is longer than {MAX_PERSON} characters; shorten it"
                )
            key = " ".join(name.split()).casefold()
            if key in seen:
                raise ValueError(f"{seen[key]!r} and {name!r} are the same name; list each person once")
            seen[key] = name
        return v

    @field_validator("coordinators")
    @classmethod
    def _sheets(cls, v: list[str]) -> list[str]:
        sheets: dict[str, str] = {}
        for name in v:
            rel = sheet_rel(name)
            if rel in sheets:
                raise ValueError(
                    f"{sheets[rel]!r} and {name!r} would share the review sheet {rel}; "
                    "write their names so they differ in letters or digits"
                )
            sheets[rel] = name
        return v

    @model_validator(mode="after")
    def _enough_coordinators(self) -> CohortSettings:
        wanted, listed = self.review.min_reviewers, len(self.coordinators)
        if self.coordinators and wanted > listed:
            raise ValueError(
                f"review.min_reviewers is {wanted} but only {listed} coordinator(s) are listed, so no proposal "
                "could ever be reviewed; lower it or list more coordinators"
            )
        return self

    @field_validator("code", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v

    @property
    def cohort_id(self) -> str:
        """Human id of the cohort, e.g. PBG-2026."""
        return f"{self.code}-{self.year}"


def default_code(region: str) -> str:
    """A short code from the region's name: 'Kabupaten Purbalingga' -> 'PBG'; always a valid code."""
    words = [w for w in region.split() if w.lower() not in {"kabupaten", "kota", "provinsi", "kab.", "kab"}]
    name = "".join(ch for ch in " ".join(words).upper() if ch.isascii() and ch.isalnum())
    if len(name) < 2:
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
# Planned dates per stage, e.g. drum-up = {year}-10-12; and the presentation to the jury, e.g. presentation = {year}-09-02

[gates]
design = "facilitator"   # "facilitator": designs wait for `lab decide --approve`; "auto": valid designs pass

[review]
min_reviewers = 0        # 0: a proposal is reviewed when every coordinator has scored it

[evidence]
max_file_mb = 25         # largest evidence file (bukti dukung) accepted, in MB
max_proposal_mb = 100    # all evidence files of one proposal together, in MB

[web]
base_url = "http://127.0.0.1:8000"   # the address teams open (`lab serve`); personal links start with it
link_days = 30           # a personal link (`lab links`) works this many days, 1-365
session_hours = 12       # a browser stays signed in this many hours, 1-720

# Reminders to teams and the cohort as a Prefect deployment: remove the '# ' to change a default.
# [reminders]
# enabled = false          # true: every run (a deployed cohort: on its schedule) sends the reminders due; else `lab remind`
# via = "mailto"           # "mailto": e-mail to each member (SMTP URL in LAB_NOTIFY_URL); "tags": an Apprise config file
# before = [3]             # days before a stage's due date (the dates of the schedule table)
# on_due = true            # on the due date itself
# after = [1, 7]           # days late
# returned = true          # a design the facilitator returned
#
# [deploy]
# run = "0 7 * * 1-5"      # when `lab deploy` schedules the cohort's run (cron; 07:00 Monday-Friday); "" for none
# timezone = "Asia/Jakarta"  # WIB; Asia/Makassar (WITA), Asia/Jayapura (WIT)
# pool = "lab"             # the Prefect work pool its runs go to

[assessment]
year = 2023              # IID indicator table for `lab iid` (lab/data/iid/<year>.toml, or iid/<year>.toml here)
target = 1               # "1 OPD 1 Inovasi": live innovations per unit (`lab coverage`); per type: [assessment.targets]

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
        raise WorkspaceError(
            f"{path} is not a cohort workspace (no {SETTINGS_FILE}); run `lab init` first"
        ) from None
    except TooLarge as exc:
        raise WorkspaceError(
            f"{file} is {mb(exc.size)} MB; settings are limited to {mb(exc.limit)} MB"
        ) from None
    except UnsafePath as exc:
        raise UnsafePath(str(path / exc.rel), exc.reason) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{file}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise WorkspaceError(f"{file}: not valid TOML: arrays or tables nested too deeply") from None
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
    return f"{where}: {msg}" if where else msg


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


def sheet_rel(coordinator: str) -> str:
    """The workspace-relative path of a coordinator's review sheet."""
    return f"reviews/{slugify(coordinator, 'coordinator') or 'coordinator'}.csv"
