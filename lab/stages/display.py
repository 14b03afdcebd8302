"""Display — *promosi dan pemanfaatan*, promotion and use.

Launched innovations are shown to citizens and peers: a one-paragraph story, impact highlights, photo or
video links and a contact. What the coordinators judge beyond novelty and benefit is asked here too: the
partners and the form of each collaboration, how the innovation is kept going (sustainability), where it has
been or will be replicated, and a link to its video or presentation. A valid display worksheet puts the
innovation in the showcase, where coordinators score it.
"""

from __future__ import annotations

import re

from pydantic import field_validator

from lab.stages.base import Stage, StageContext
from lab.worksheets.messages import Said
from lab.worksheets.spec import (
    BLANK_LINE_PATTERN,
    END,
    Choices,
    Date,
    Line,
    Record,
    Sheet,
    Text,
    field,
    words_at_most,
)

MAX_SUMMARY_WORDS = 200
MAX_LINK = 500
_URL_CHAR = r"[-A-Za-z0-9._~:/?#\[\]@!$&()*+,;=%]"  # RFC 3986's characters, less the quote
LINK_PATTERN = (
    rf"^https://[A-Za-z0-9.-]{{1,253}}(?::[0-9]{{1,5}})?(?:[/?#]{_URL_CHAR}{{0,{MAX_LINK - 20}}})?{END}"
)
"""A link the showcase may open: https:// only, a host name, then the characters of a URL (no space, quote or
angle bracket); the same pattern in JSON Schema and in Python."""
_LINK = re.compile(LINK_PATTERN)

COLLABORATION = Choices(
    agreement=("Nota kesepahaman (MoU) / perjanjian kerja sama (PKS)", "Memorandum (MoU) or cooperation agreement (PKS)"),
    co_funding=("Pendanaan bersama", "Joint funding"),
    technical=("Pendampingan teknis", "Technical assistance"),
    data_sharing=("Berbagi data atau integrasi sistem", "Data sharing or system integration"),
    facilities=("Penyediaan sarana dan prasarana", "Facilities and equipment"),
    outreach=("Sosialisasi dan publikasi", "Outreach and publicity"),
    community=("Pelibatan masyarakat atau relawan", "Community or volunteer involvement"),
    other=("Lainnya", "Other"),
)  # fmt: skip
"""How a partner works with the innovation (IGA: regional authority and collaboration; IID indicator 22)."""
SUSTAINABILITY = Choices(
    budget=("Dianggarkan dalam APBD/DPA perangkat daerah", "Funded in the regional budget (APBD/DPA)"),
    plan=("Masuk dalam RKPD atau Renstra perangkat daerah", "Included in the regional work plan (RKPD/Renstra)"),
    regulation=("Ditetapkan dengan keputusan atau peraturan", "Established by a decree or regulation"),
    sop=("Ada SOP atau petunjuk teknis", "Has a standard operating procedure or technical guideline"),
    team=("Ada tim pelaksana tetap", "Has a standing implementation team"),
    partner_funding=("Didukung dana mitra atau CSR", "Supported by partner or CSR funds"),
)  # fmt: skip
"""What keeps an innovation going after its launch and a change of officials (KIPP: sustainability)."""
REPLICATION_STATUS = Choices(
    planned=("Direncanakan", "Planned"), ongoing=("Sedang berjalan", "Under way"), done=("Sudah diterapkan", "In use")
)  # fmt: skip


class Partner(Record):
    LABEL = {"id": "Mitra", "en": "Partner"}
    name: Line = field("Nama mitra", "Partner", "Instansi, lembaga, perusahaan atau kelompok masyarakat.",
                       "Agency, institution, company or community group.")  # fmt: skip
    collaboration: COLLABORATION.type = COLLABORATION.field(
        "Bentuk kolaborasi", "Form of collaboration", "Pilih satu.", "Choose one."
    )
    contribution: Line | None = field(
        "Peran mitra (opsional)", "What the partner does (optional)", default=None
    )


class Replication(Record):
    LABEL = {"id": "Replikasi", "en": "Replication"}
    place: Line = field("Tempat replikasi", "Where", "Unit atau daerah yang meniru inovasi ini.",
                        "The unit or region that adopts the innovation.")  # fmt: skip
    date: Date = field("Waktu (TTTT-BB-HH)", "When (YYYY-MM-DD)", "Tanggal mulai atau rencana mulai.",
                       "Start date, or planned start.")  # fmt: skip
    status: REPLICATION_STATUS.type = REPLICATION_STATUS.field(
        "Status", "Status", "Pilih satu.", "Choose one."
    )


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
    partners: list[Partner] | None = field(
        "Mitra dan bentuk kolaborasi",
        "Partners and forms of collaboration",
        "Satu butir per mitra; kosongkan bila belum ada mitra.",
        "One record per partner; leave blank when there is none yet.",
        default=None,
        json_schema_extra={"blank_records": 2},
    )
    sustainability: list[SUSTAINABILITY.type] | None = SUSTAINABILITY.field(
        "Keberlanjutan",
        "Sustainability",
        "Centang setiap hal yang sudah menjamin inovasi tetap berjalan.",
        "Tick everything that already keeps the innovation going.",
        default=None,
        json_schema_extra={"uniqueItems": True},
    )
    sustainability_note: Text | None = field(
        "Uraian keberlanjutan (opsional)",
        "How it is kept going (optional)",
        "Bagaimana inovasi tetap berjalan setelah peluncuran dan pergantian pejabat.",
        "How the innovation keeps going after its launch and a change of officials.",
        default=None,
    )
    replications: list[Replication] | None = field(
        "Replikasi dan rencana replikasi",
        "Replications and replication plans",
        "Satu butir per tempat yang sudah atau akan meniru inovasi ini.",
        "One record per place that has adopted, or plans to adopt, the innovation.",
        default=None,
        json_schema_extra={"blank_records": 2},
    )
    video: Line | None = field(
        "Tautan video atau bahan presentasi (opsional)",
        "Video or presentation link (optional)",
        "Satu tautan https://, misalnya video YouTube paling lama 3 menit.",
        "One https:// link, e.g. a YouTube video of at most 3 minutes.",
        default=None,
        json_schema_extra={"pattern": LINK_PATTERN},
    )

    @field_validator("summary")
    @classmethod
    def _short(cls, v: str) -> str:
        if "\n\n" in v:
            raise Said("one_paragraph")
        if (n := len(v.split())) > MAX_SUMMARY_WORDS:
            raise Said("many_words", n=n, max=MAX_SUMMARY_WORDS)
        return v

    @field_validator("media", "partners", "replications")
    @classmethod
    def _none_is_empty(cls, v: list | None) -> list | None:
        return v or None  # none given, whichever way: the worksheet shows an empty field for both

    @field_validator("sustainability")
    @classmethod
    def _ticked(cls, v: list[str] | None) -> list[str] | None:
        return [k for k in SUSTAINABILITY.values if k in v] or None if v else None  # the worksheet's order

    @field_validator("video")
    @classmethod
    def _https(cls, v: str | None) -> str | None:
        if v is not None and not _LINK.search(v):
            raise Said("https_link")
        return v


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
