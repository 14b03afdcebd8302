"""The tables of `cohort.toml` besides the cohort's own keys: one Strict model per `[table]`.

`CohortSettings` in settings.py holds one line per table; a new table is a model here and that one line.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lab.domain.text import visible

# the lab's address: http(s), a host name or [IPv6] address, perhaps a port and a folder; ASCII, no query
BASE_URL = re.compile(r"https?://(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:/[A-Za-z0-9._~\-/]*)?")


class Strict(BaseModel):
    """A settings table: an unknown (misspelled) key is an error, never silently ignored, and a value is never
    converted from another type (`min_reviewers = true` is not 1)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Gates(Strict):
    """Who lets a proposal through a gate."""

    design: Literal["facilitator", "auto"] = "facilitator"


class ReviewPolicy(Strict):
    """When a showcased proposal counts as reviewed."""

    min_reviewers: int = Field(default=0, ge=0)  # 0: every listed coordinator must score


class EvidencePolicy(Strict):
    """Limits on the evidence files (*bukti dukung*) of one proposal."""

    max_file_mb: float = Field(default=25, ge=0.01, le=2000, allow_inf_nan=False)  # one file
    max_proposal_mb: float = Field(
        default=100, ge=0.01, le=20000, allow_inf_nan=False
    )  # all files of one proposal

    @model_validator(mode="after")
    def _proposal_holds_a_file(self) -> EvidencePolicy:
        if self.max_proposal_mb < self.max_file_mb:
            raise ValueError(
                f"max_proposal_mb ({self.max_proposal_mb:g}) is less than max_file_mb ({self.max_file_mb:g}); "
                "a proposal must be allowed at least one file of the largest size"
            )
        return self

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    @property
    def max_proposal_bytes(self) -> int:
        return int(self.max_proposal_mb * 1_000_000)


class WebSettings(Strict):
    """The lab in a browser (`lab serve`, `lab links`): where it is reached and how long a link and a session last."""

    base_url: str = "http://127.0.0.1:8000"  # personal links are <base_url>/l/<token>
    link_days: int = Field(default=30, ge=1, le=365)
    session_hours: int = Field(default=12, ge=1, le=720)

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not BASE_URL.fullmatch(v):
            raise ValueError(
                f"'{_shown(v)}' is not the address of the lab; write http:// or https://, a host and "
                'perhaps a port and a folder, e.g. "https://lab.example.go.id" (no spaces, no ? or #)'
            )
        return v.rstrip("/")


POOL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}")  # a Prefect work pool name as `lab deploy` makes it
# an IANA time zone name (Asia/Jakarta), never a path
ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9][A-Za-z0-9_+\-]*){0,2}")


class DeploySettings(Strict):
    """The cohort as a Prefect deployment (`lab deploy`): when its flow runs by itself, and on which work pool."""

    run: str = "0 7 * * 1-5"  # cron; "" registers no schedule (runs only on demand)
    timezone: str = "Asia/Jakarta"
    pool: str = "lab"

    @field_validator("run")
    @classmethod
    def _cron(cls, v: str) -> str:
        from lab.domain.cron import check_cron

        return check_cron(v) if v.strip() else ""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        import zoneinfo

        try:
            if ZONE.fullmatch(v):
                zoneinfo.ZoneInfo(v)
                return v
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
        raise ValueError(
            f'\'{_shown(v)}\' is not a time zone name; write e.g. "Asia/Jakarta", "Asia/Makassar"'
        )

    @field_validator("pool")
    @classmethod
    def _pool(cls, v: str) -> str:
        if not POOL.fullmatch(v):
            raise ValueError(
                f"'{_shown(v)}' is not a work pool name; use letters, digits, '-', '_' or '.', e.g. \"lab\""
            )
        return v


class Assessment(Strict):
    """The national assessment a cohort prepares for: the IID table's year (`lab iid`) and the "1 OPD 1
    Inovasi" target of live innovations per unit (`lab coverage`), perhaps per unit type."""

    year: int = Field(default=2023, ge=2015, le=2100)  # lab/data/iid/<year>.toml, or iid/<year>.toml here
    target: int = Field(default=1, ge=1, le=100)  # live innovations each unit should have
    targets: dict[str, int] = {}  # per unit type, e.g. {puskesmas = 2}; other types take `target`
    regional_score: float | None = Field(default=None, ge=0, le=1000, allow_inf_nan=False)  # IID 1-15 (SPD)

    @field_validator("targets")
    @classmethod
    def _unit_types(cls, v: dict[str, int]) -> dict[str, int]:
        from lab.domain.units import UNIT_TYPES

        for kind, n in v.items():
            if kind not in UNIT_TYPES:
                raise ValueError(f"'{_shown(kind)}' is not a unit type; use one of {', '.join(UNIT_TYPES)}")
            if not 1 <= n <= 100:
                raise ValueError(f"the target for {kind} is {n}; write a number from 1 to 100")
        return v

    def target_for(self, unit_type: str) -> int:
        """How many live innovations a unit of this type should have."""
        return self.targets.get(unit_type, self.target)


MAX_RULES = 10  # reminder days per rule


class ReminderPolicy(Strict):
    """Reminders to teams (`lab remind`): which rules send one, and by what. The address and password of the
    sender are never here: they are the Apprise URL in the environment variable LAB_NOTIFY_URL."""

    # "mailto": e-mail to each member of the team (roster.csv's email column); "tags": the URLs of an Apprise
    # configuration file tagged with the team's id (Telegram, a WhatsApp gateway, …); see lab.workflow.remind_send
    via: Literal["mailto", "tags"] = "mailto"
    enabled: bool = False  # the cohort flow sends them after each run (a deployed cohort: on its schedule)
    before: list[int] = Field(default_factory=lambda: [3])  # days before the due date
    on_due: bool = True  # on the due date itself
    after: list[int] = Field(default_factory=lambda: [1, 7])  # days late
    returned: bool = True  # a design the facilitator returned

    @field_validator("before", "after")
    @classmethod
    def _days(cls, v: list[int]) -> list[int]:
        if len(v) > MAX_RULES:
            raise ValueError(f"at most {MAX_RULES} days; list fewer")
        for n in v:
            if not 1 <= n <= 365:
                raise ValueError(f"{n} is not a number of days from 1 to 365")
        if len(set(v)) < len(v):
            raise ValueError("a day is listed twice; list each once")
        return sorted(v)


def _shown(text: str, limit: int = 40) -> str:
    """A value quoted in a message: control characters as escapes, long text cut."""
    text = visible(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
