"""Deliver — *hasil dan bukti*, results and evidence.

An approved innovation is launched and put to work. The team records the launch, its legal basis (which
kind of decree or regulation establishes it, with its number and date), its stage (tahapan inovasi:
initiative, trial or implementation), beneficiaries, before/after measures, and the
evidence files (*bukti dukung*) that prove it, each saved in the proposal's `evidence/` folder. A
proposal is launched when the worksheet is valid and every listed evidence file is on disk.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from pydantic import field_validator

from lab.domain.errors import UnsafePath, mb
from lab.domain.iid import DEFAULT_YEAR, LEVELS, packaged_table
from lab.stages.base import Stage
from lab.storage import safefs
from lab.worksheets.messages import Said, figures
from lab.worksheets.spec import END, ONE_CHAR, SPACE, Choices, Date, Line, Record, Rule, Sheet, Text, field

DECREE_LEVEL = Choices(
    agency_head=("Keputusan Kepala Perangkat Daerah", "Decree of the head of the regional agency"),
    regional_head=("Keputusan Kepala Daerah", "Decree of the regional head"),
    regional_regulation=("Peraturan Kepala Daerah", "Regulation of the regional head"),
    bylaw=("Peraturan Daerah", "Regional bylaw"),
)
"""The legal basis that establishes an innovation, lowest to highest (IID indicator 16). A worksheet written
before 'Peraturan Kepala Daerah' was its own option ticked `regional_head` for "Peraturan/keputusan kepala
daerah": it reads as the regional head's decree, the lower of the two."""
MATURITY = Choices(
    initiative=("Inisiatif", "Initiative"), trial=("Uji coba", "Trial"), implementation=("Penerapan", "Implementation")
)  # fmt: skip
"""The stage of an innovation (tahapan inovasi) as the national innovation index records it."""
MAX_BENEFICIARIES = 10**9  # more people than live in Indonesia
_SEP = r"[/\\]"
OUTSIDE_PATTERN = rf"^{SPACE}*{_SEP}|^{SPACE}*{ONE_CHAR}:|(?:^{SPACE}*|{_SEP})\.\.(?:{_SEP}|{SPACE}*{END})"
"""An evidence path that leaves the folder: absolute, a drive (`C:`), or a '..' part (what `_stays_inside` refuses)."""


class Measure(Record):
    LABEL = {"id": "Ukuran", "en": "Measure"}
    indicator: Line = field("Indikator", "Indicator")
    before: Line = field("Sebelum inovasi", "Before")
    after: Line = field("Sesudah inovasi", "After")


INDICATOR = Choices(
    **{i.key: (i.label("id"), i.label("en")) for i in packaged_table(DEFAULT_YEAR).indicators}
)
"""The IID indicators an evidence file may prove, generated from the indicator table (lab/data/iid/); every
year's table uses the same keys (tests/test_iid.py checks it), so the choice holds whichever year a cohort picks."""
LEVEL = Choices(**{str(n): (f"Tingkat {n}", f"Level {n}") for n in LEVELS})
"""The level claimed for an indicator, 1 (lowest) to 3; its meaning is the indicator's own wording."""


class EvidenceItem(Record):
    LABEL = {"id": "Bukti dukung", "en": "Evidence"}
    file: Line = field(
        "Berkas (di folder evidence/)",
        "File (in the evidence/ folder)",
        "Nama berkas relatif terhadap folder evidence/ usulan ini, misalnya sk-inovasi.pdf.",
        "File name relative to this proposal's evidence/ folder, e.g. decree.pdf.",
        json_schema_extra={"not": {"pattern": OUTSIDE_PATTERN}},
    )
    proves: Line = field("Keterangan bukti", "What it proves")
    indicator: INDICATOR.type | None = INDICATOR.field(
        "Indikator IID yang dibuktikan",
        "IID indicator it proves",
        "Pilih satu indikator Indeks Inovasi Daerah (16-35) yang dibuktikan berkas ini; boleh dikosongkan.",
        "Choose the Regional Innovation Index indicator (16-35) this file proves; may be left blank.",
        default=None,
    )
    level: LEVEL.type | None = LEVEL.field(
        "Tingkat yang diklaim",
        "Level claimed",
        "Tingkat 1 (terendah) sampai 3 (tertinggi) menurut uraian indikator itu dalam pedoman IID tahun penilaian.",
        "Level 1 (lowest) to 3 (highest) as the indicator's wording in the year's IID guide defines it.",
        default=None,
    )

    @field_validator("file")
    @classmethod
    def _stays_inside(cls, v: str) -> str:
        path = PurePosixPath(v.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or (len(v) > 1 and v[1] == ":"):
            raise Said("evidence_inside")
        return v


class Deliver(Sheet):
    """Launch, results and evidence (one worksheet per proposal)."""

    RULES = (
        Rule("evidence-on-disk", {
            "id": "Setiap berkas bukti dukung yang disebut ada di folder evidence/ usulan ini, berupa berkas biasa "
                  "(bukan tautan, dan tidak di bawah folder tautan).",
            "en": "Each listed evidence file is in this proposal's evidence/ folder, as a regular file (not a link, "
                  "and not under a linked folder)."}),
        Rule("evidence-size", {
            "id": "Ukuran setiap berkas dan jumlah ukuran bukti dukung satu usulan tidak melebihi batas di cohort.toml "
                  "([evidence] max_file_mb, max_proposal_mb).",
            "en": "Each file, and all the evidence of one proposal together, stay within the limits in cohort.toml "
                  "([evidence] max_file_mb, max_proposal_mb)."}),
    )  # fmt: skip

    launch_date: Date = field("Tanggal peluncuran (TTTT-BB-HH)", "Launch date (YYYY-MM-DD)")
    launch_event: Line = field("Acara peluncuran", "Launch event")
    decree_level: DECREE_LEVEL.type = DECREE_LEVEL.field(
        "Dasar hukum penetapan inovasi",
        "Legal basis establishing the innovation",
        "Pilih satu.",
        "Choose one.",
    )
    decree: Line = field(
        "Nomor keputusan atau peraturan",
        "Number of the decree or regulation",
        "Misalnya 800/123/2026.",
        "For example 800/123/2026.",
    )
    decree_date: Date | None = field(
        "Tanggal penetapan (TTTT-BB-HH)", "Date of establishment (YYYY-MM-DD)", default=None
    )
    maturity: MATURITY.type = MATURITY.field(
        "Tahapan inovasi", "Stage of the innovation", "Pilih satu.", "Choose one."
    )
    beneficiaries: int = field(
        "Jumlah penerima manfaat", "Number of beneficiaries", ge=0, le=MAX_BENEFICIARIES
    )
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
    """Every listed evidence file is a regular file inside the proposal's evidence folder, reached without
    following a link, within the size limits per file and per proposal (`[evidence]` in cohort.toml)."""
    limits = run.settings.evidence
    folder = run.rel(run.proposal_dir(proposal) / "evidence")
    problems, seen, total = [], set(), 0
    for n, item in enumerate(sheet.evidence):
        where = ("evidence", n, "file")
        try:
            st = safefs.check(run.ws.root, f"{folder}/{item.file}")
        except UnsafePath as exc:
            problems.append((where, str(exc)))
            continue
        if st is None:
            reason = Said("evidence_missing", file=item.file, folder=folder)
        elif st.st_size > limits.max_file_bytes:
            reason = Said(
                "evidence_big",
                file=item.file,
                size=figures(mb(st.st_size)),
                limit=figures(mb(limits.max_file_bytes)),
            )
        elif (st.st_dev, st.st_ino) in seen:
            continue  # the same file listed twice counts once
        else:
            seen.add((st.st_dev, st.st_ino))
            total, before = total + st.st_size, total
            if total <= limits.max_proposal_bytes or before > limits.max_proposal_bytes:
                continue  # within the limit, or over it already (said once)
            reason = Said(
                "evidence_total",
                file=item.file,
                size=figures(mb(total)),
                limit=figures(mb(limits.max_proposal_bytes)),
            )
        problems.append((where, reason))
    return problems


def on_valid(run, fresh: list) -> None:
    """Store the evidence listed by each newly valid deliver worksheet (sizes as checked, links never
    followed; a file made unsafe since the check is left out)."""
    items = {}
    for proposal, sheet in fresh:
        folder = run.rel(run.proposal_dir(proposal) / "evidence")
        rows = items[proposal.id] = []
        for e in sheet.evidence:
            try:
                st = safefs.check(run.ws.root, f"{folder}/{e.file}")
            except UnsafePath:
                continue
            if st is not None:
                rows.append((e.file, e.proves, st.st_size))
    run.record_evidence(items)


STAGE = Stage(
    number=4, slug="deliver", title={"id": "Hasil dan bukti", "en": "Results and evidence"},
    schema=Deliver, granularity="proposal",
    generate_states=("approved",), ingest_states=("approved",), advance_state="approved",
    done_state="launched", exit_event="deliver_complete", check=check, on_valid=on_valid,
)  # fmt: skip
