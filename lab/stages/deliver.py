"""Deliver — *hasil dan bukti*, results and evidence.

An approved innovation is launched and put to work. The team records the launch, the decree that
establishes it, its maturity (trial or implementation), beneficiaries, before/after measures, and the
evidence files (*bukti dukung*) that prove it, each saved in the proposal's `evidence/` folder. A
proposal is launched when the worksheet is valid and every listed evidence file is on disk.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath
from typing import Literal

from pydantic import field_validator

from lab.stages.base import Stage
from lab.worksheets.spec import Line, Record, Sheet, Text, field, options

DECREE_LEVELS = options(
    agency_head=("Keputusan kepala perangkat daerah", "Decree of the agency head"),
    regional_head=(
        "Peraturan/keputusan kepala daerah",
        "Regulation or decree of the regional head",
    ),
    bylaw=("Peraturan daerah", "Regional bylaw"),
)
MATURITY = options(trial=("Uji coba", "Trial"), implementation=("Penerapan", "Implementation"))


class Measure(Record):
    LABEL = {"id": "Ukuran", "en": "Measure"}
    indicator: Line = field("Indikator", "Indicator")
    before: Line = field("Sebelum inovasi", "Before")
    after: Line = field("Sesudah inovasi", "After")


class EvidenceItem(Record):
    LABEL = {"id": "Bukti dukung", "en": "Evidence"}
    file: Line = field(
        "Berkas (di folder evidence/)",
        "File (in the evidence/ folder)",
        "Nama berkas relatif terhadap folder evidence/ usulan ini, misalnya sk-inovasi.pdf.",
        "File name relative to this proposal's evidence/ folder, e.g. decree.pdf.",
    )
    proves: Line = field("Yang dibuktikan", "What it proves")

    @field_validator("file")
    @classmethod
    def _stays_inside(cls, v: str) -> str:
        path = PurePosixPath(v.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or (len(v) > 1 and v[1] == ":"):
            raise ValueError("must be a file inside the evidence/ folder (no '..' and no absolute path)")
        return v


class Deliver(Sheet):
    """Launch, results and evidence (one worksheet per proposal)."""

    launch_date: dt.date = field("Tanggal peluncuran (TTTT-BB-HH)", "Launch date (YYYY-MM-DD)")
    launch_event: Line = field("Acara peluncuran", "Launch event")
    decree: Line = field(
        "Nomor keputusan penetapan inovasi",
        "Reference of the establishing decree",
        "Misalnya Keputusan Kepala Dinas Kesehatan Nomor 800/123/2026.",
        "For example the agency head's decree number.",
    )
    decree_level: Literal["agency_head", "regional_head", "bylaw"] = field(
        "Tingkat keputusan",
        "Level of the decree",
        "Pilih satu.",
        "Choose one.",
        json_schema_extra=DECREE_LEVELS,
    )
    maturity: Literal["trial", "implementation"] = field(
        "Tahap kematangan", "Maturity", "Pilih satu.", "Choose one.", json_schema_extra=MATURITY
    )
    beneficiaries: int = field("Jumlah penerima manfaat", "Number of beneficiaries", ge=0)
    results: Text = field("Hasil yang dicapai", "Results achieved")
    measures: list[Measure] = field(
        "Ukuran sebelum dan sesudah",
        "Before and after measures",
        min_length=1,
        json_schema_extra={"blank_records": 2},
    )
    evidence: list[EvidenceItem] = field(
        "Bukti dukung",
        "Evidence",
        "Simpan setiap berkas di folder evidence/ usulan ini lalu sebutkan di sini.",
        "Save each file in this proposal's evidence/ folder, then list it here.",
        min_length=1,
        json_schema_extra={"blank_records": 3},
    )


def check(run, proposal, sheet: Deliver) -> list[tuple[tuple, str]]:
    """Every listed evidence file must exist inside the proposal's evidence folder."""
    folder = run.proposal_dir(proposal) / "evidence"
    problems = []
    for n, item in enumerate(sheet.evidence):
        target = folder / item.file
        resolved = target.resolve()
        if not resolved.is_relative_to(folder.resolve()):
            problems.append(
                (
                    ("evidence", n, "file"),
                    f"evidence '{item.file}' points outside the evidence folder",
                )
            )
        elif not resolved.is_file():
            problems.append(
                (
                    ("evidence", n, "file"),
                    f"evidence file '{item.file}' is not in {run.rel(folder)}/; add the file or fix the name",
                )
            )
    return problems


def on_valid(run, fresh: list) -> None:
    """Store the evidence listed by each newly valid deliver worksheet."""
    items = {}
    for proposal, sheet in fresh:
        folder = run.proposal_dir(proposal) / "evidence"
        items[proposal.id] = [(e.file, e.proves, (folder / e.file).stat().st_size) for e in sheet.evidence]
    run.record_evidence(items)


STAGE = Stage(
    number=4, slug="deliver", title={"id": "Hasil dan bukti", "en": "Results and evidence"},
    schema=Deliver, granularity="proposal",
    generate_states=("approved",), ingest_states=("approved",), advance_state="approved",
    done_state="launched", exit_event="deliver_complete", check=check, on_valid=on_valid,
)  # fmt: skip
