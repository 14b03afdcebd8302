"""Display — *promosi dan pemanfaatan*, promotion and use.

Launched innovations are shown to citizens and peers: a one-paragraph story, impact highlights, photo or
video links and a contact. A valid display worksheet puts the innovation in the showcase, where
coordinators score it.
"""

from __future__ import annotations

from pydantic import field_validator

from lab.stages.base import Stage, StageContext
from lab.worksheets.spec import BLANK_LINE_PATTERN, Line, Sheet, Text, field, words_at_most

MAX_SUMMARY_WORDS = 200


class Display(Sheet):
    """The showcase entry (one worksheet per proposal)."""

    summary: Text = field(
        "Ringkasan satu paragraf",
        "One-paragraph summary",
        f"Paling banyak {MAX_SUMMARY_WORDS} kata, untuk masyarakat umum.",
        f"At most {MAX_SUMMARY_WORDS} words, for the general public.",
        json_schema_extra={
            "pattern": words_at_most(MAX_SUMMARY_WORDS),
            "not": {"pattern": BLANK_LINE_PATTERN},
        },
    )
    highlights: list[Line] = field(
        "Dampak utama",
        "Impact highlights",
        "Satu hal per baris, diawali '- '.",
        "One point per line, starting with '- '.",
        min_length=1,
    )
    media: list[Line] | None = field(
        "Foto dan video (opsional)",
        "Photos and videos (optional)",
        "Tautan https:// atau nama berkas di folder evidence/, satu per baris.",
        "https:// links or file names in the evidence/ folder, one per line.",
        default=None,
    )
    contact: Line = field("Narahubung", "Contact", "Nama dan surel/telepon.", "Name and e-mail/phone.")

    @field_validator("summary")
    @classmethod
    def _short(cls, v: str) -> str:
        if "\n\n" in v:
            raise ValueError("must be one paragraph (no blank lines)")
        if (n := len(v.split())) > MAX_SUMMARY_WORDS:
            raise ValueError(f"has {n} words; at most {MAX_SUMMARY_WORDS} are allowed")
        return v

    @field_validator("media")
    @classmethod
    def _none_is_empty(cls, v: list[str] | None) -> list[str] | None:
        return v or None  # no links given, whichever way: the worksheet shows an empty field for both


def prefill(run: StageContext, proposal) -> dict:
    """The contact defaults to the team leader from the roster."""
    leader = run.leader_of(proposal)
    return {"contact": f"{leader.name} ({leader.email})" if leader and leader.email else None}


STAGE = Stage(
    number=5, slug="display", title={"id": "Promosi dan pemanfaatan", "en": "Promotion and use"},
    schema=Display, granularity="proposal",
    generate_states=("launched",), ingest_states=("launched", "showcased"), advance_state="launched",
    done_state="showcased", exit_event="display_complete", prefill=prefill,
)  # fmt: skip
