"""Drum-up — *kemauan berinovasi*, the will to innovate.

The regional head opens the lab and every unit's head commits to it: each team records who signed the
commitment and when, who is on the team and which services the team owns. A team leaves drum-up
(enrolled -> committed) when its worksheet is complete and valid.
"""

from __future__ import annotations

from lab.stages.base import Problems, Stage, StageContext
from lab.worksheets.messages import Said
from lab.worksheets.spec import Date, Line, Record, Sheet, field


class TeamMember(Record):
    LABEL = {"id": "Anggota", "en": "Member"}
    name: Line = field("Nama", "Name")
    role: Line = field(
        "Peran dalam tim",
        "Role in the team",
        "Misalnya Ketua, Anggota, Sekretaris.",
        "For example Leader, Member, Secretary.",
    )
    email: Line | None = field("Surel (opsional)", "E-mail (optional)", default=None)


class DrumUp(Sheet):
    """Commitment of the unit head and the team (one worksheet per team)."""

    signatory: Line = field(
        "Kepala unit yang menandatangani komitmen",
        "Unit head who signs the commitment",
        "Nama lengkap kepala perangkat daerah / camat / kepala puskesmas / direktur.",
        "Full name of the head of the agency, sub-district, health centre or company.",
    )
    signatory_position: Line = field("Jabatan", "Position")
    commitment_date: Date = field(
        "Tanggal penandatanganan komitmen",
        "Date the commitment was signed",
        "Tulis dengan format TTTT-BB-HH, misalnya 2026-10-12.",
        "Write it as YYYY-MM-DD, e.g. 2026-10-12.",
    )
    committed: bool = field(
        "Unit berkomitmen mengikuti seluruh tahap laboratorium inovasi",
        "The unit commits to all stages of the innovation lab",
        "Centang Ya bila komitmen sudah ditandatangani.",
        "Tick Yes once the commitment is signed.",
        json_schema_extra={"const": True},  # `check` refuses No: the team cannot go on without the commitment
    )
    members: list[TeamMember] = field(
        "Anggota tim inovasi",
        "Innovation team members",
        "Satu butir per orang. Salin blok '### Anggota' untuk menambah orang.",
        "One record per person. Copy an '### Member' block to add people.",
        min_length=1,
        json_schema_extra={"blank_records": 3},
    )
    service_areas: list[Line] = field(
        "Layanan yang menjadi tanggung jawab tim",
        "Services the team owns",
        "Satu layanan per baris, diawali '- '.",
        "One service per line, starting with '- '.",
        min_length=1,
    )


def prefill(run: StageContext, team) -> dict:
    """Members come from the roster."""
    return {"members": [{"name": m.name, "role": m.role or None, "email": m.email or None}
                        for m in run.members_of(team)]}  # fmt: skip


def check(run: StageContext, team, sheet: DrumUp) -> Problems:
    if not sheet.committed:
        return [(("committed",), Said("committed"))]
    return []


STAGE = Stage(
    number=1, slug="drum-up", title={"id": "Kemauan berinovasi", "en": "Will to innovate"},
    schema=DrumUp, granularity="team",
    generate_states=("enrolled",), ingest_states=("enrolled",), advance_state="enrolled",
    done_state="committed", exit_event="drum_up_complete", prefill=prefill, check=check,
)  # fmt: skip
