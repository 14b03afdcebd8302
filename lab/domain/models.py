"""SQLModel tables: the database is the truth about a cohort; worksheet files are the record of answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Cohort(SQLModel, table=True):
    """One lab run in one region; `uid` ties it to its workspace's cohort.toml."""

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(unique=True, index=True)
    code: str
    year: int
    region: str
    next_seq: int = 1  # next proposal number
    created_at: dt.datetime = Field(default_factory=utcnow)


class Team(SQLModel, table=True):
    """The innovation team of one unit (OPD, Kecamatan, Puskesmas, …); its slug is its folder."""

    __table_args__ = (UniqueConstraint("cohort_id", "slug"),)
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    slug: str
    unit: str
    unit_type: str
    state: str = "enrolled"
    readiness: int | None = None  # diagnose self-assessment, 0-100
    version: int = 1


class Member(SQLModel, table=True):
    """A person on a team, from the roster."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    name: str
    role: str = ""
    email: str = ""


class Proposal(SQLModel, table=True):
    """An innovation idea and everything it becomes; `version` guards against lost updates."""

    __table_args__ = (UniqueConstraint("cohort_id", "code"), UniqueConstraint("team_id", "origin"))
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    code: str  # <CODE>-<YEAR>-<NNN>
    origin: int  # position of the idea in the team's diagnose worksheet (1-based)
    title: str
    state: str = "idea"
    version: int = 1


class Worksheet(SQLModel, table=True):
    """One worksheet file and what the engine knows about it."""

    __table_args__ = (
        UniqueConstraint("cohort_id", "path"),
        # status counts and the invalid/waiting lists read this index, not the rows (with their JSON)
        Index("ix_worksheet_cohort_status_stage", "cohort_id", "status", "stage"),
    )
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    stage: str = Field(index=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", index=True)
    path: str  # relative to the workspace
    generated_hash: str = ""  # sha256 of the blank worksheet as generated
    written_hash: str = ""  # sha256 of the last bytes the engine wrote (generation or answers import)
    seen_hash: str = ""  # sha256 of the bytes last ingested
    mtime_ns: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    size: int = Field(default=-1, sa_column=Column(BigInteger, nullable=False))
    status: str = "waiting"  # waiting | invalid | valid | returned | missing
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    answers: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    note: str = ""  # facilitator's note when a design is returned
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Transition(SQLModel, table=True):
    """Audit trail: one row per state change of a team or a proposal."""

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    kind: str  # "proposal" | "team"
    subject_id: int = Field(index=True)
    from_state: str
    to_state: str
    event: str
    actor: str
    at: dt.datetime = Field(default_factory=utcnow)
    note: str = ""
    source: str = ""  # through which door: cli, web, prefect (a decision), run (the engine); "" before 0004


class Evidence(SQLModel, table=True):
    """A supporting file (bukti dukung) listed in a deliver worksheet."""

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    file: str
    proves: str
    size: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class Review(SQLModel, table=True):
    """One coordinator's rubric scores for one showcased proposal."""

    __table_args__ = (UniqueConstraint("proposal_id", "reviewer"),)
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    reviewer: str
    scores: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON))
    note: str = ""
    at: dt.datetime = Field(default_factory=utcnow)
    source: str = ""  # through which door the scores came: cli (a review sheet) or web; "" before 0004


class SheetFile(SQLModel, table=True):
    """A file the engine writes for people to fill outside worksheets (review sheets), and its last hash."""

    __table_args__ = (UniqueConstraint("cohort_id", "path"),)
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    path: str
    written_hash: str = ""


class Link(SQLModel, table=True):
    """A personal link to the lab in a browser: one person's or one team's way in (`lab links`).

    The token itself is never stored: `token_hash` is its SHA-256. The token is derived again from the
    workspace's secret, the row id and `generation` (lab.workflow.links), so `lab links` can list it again."""

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    role: str  # team | coordinator | facilitator
    subject: str  # the team's slug, or the person's name as written in cohort.toml
    generation: int = 1  # bumped by `lab links rotate`: the old URL dies
    token_hash: str = Field(unique=True, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
    used_at: dt.datetime | None = None  # last redeemed


class WebSession(SQLModel, table=True):
    """A browser signed in through a personal link; the cookie's id is stored as its SHA-256 only."""

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    link_id: int = Field(foreign_key="link.id", index=True)
    sid_hash: str = Field(unique=True, index=True)
    csrf: str
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    last_ip: str = ""


class Reminder(SQLModel, table=True):
    """One reminder sent to a team (`lab remind`): at most one per rule, worksheet and occasion.

    `occasion` is what the rule was for: the due date (ISO) for a dated rule, so a moved due date earns new
    reminders; the moment the design was returned for a returned design, so each return earns one."""

    __table_args__ = (UniqueConstraint("team_id", "rule", "worksheet", "occasion"),)
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    rule: str  # before-N | on | after-N | returned
    stage: str
    worksheet: str  # the worksheet's path, relative to the workspace
    due: dt.date | None = None
    occasion: str
    channel: str  # the Apprise scheme it went through (mailto, tgram, …); never the URL with its secrets
    sent_at: dt.datetime = Field(default_factory=utcnow)


class Activity(SQLModel, table=True):
    """What a person changed through the web app that is not a state change (those are Transition rows): a
    worksheet saved, evidence uploaded or taken out, a personal link used. Who, from where, what, when."""

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    at: dt.datetime = Field(default_factory=utcnow)
    actor: str  # the team's id or the person's name, as their link says
    role: str  # team | coordinator | facilitator
    source: str  # web
    address: str = ""  # the client's address as the server saw it (behind a proxy: the proxy's)
    action: str  # sign-in | save | upload | remove-evidence
    path: str = ""  # the worksheet or evidence file, relative to the workspace
    detail: str = ""  # e.g. valid / invalid for a save, the kept name of a removed file
