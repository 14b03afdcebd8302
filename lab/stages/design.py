"""Design — *rencana aksi*, the action plan.

Each shortlisted idea is designed as a regional-innovation proposal in the terms of PP 38/2017: its form,
type (digital or not), government affair, initiator, design and main changes, objectives, benefits,
expected results, trial start and budget; the team confirms the eight principles and plans milestones.
A valid design waits for a facilitator, who approves it or returns it with a note (`lab decide`).
"""

from __future__ import annotations

import datetime as dt

from pydantic import ValidationInfo, field_validator

from lab.stages.base import Stage
from lab.worksheets.messages import Said
from lab.worksheets.spec import Choices, Date, Line, Record, Rule, Sheet, Text, field, words_at_least

MIN_DESIGN_WORDS = 300  # the national innovation profile asks for at least 300 words of design
MAX_BUDGET = 10**14  # Rp 100 trillion: beyond any regional innovation, and exact in a spreadsheet

FORM = Choices(
    governance=("Inovasi tata kelola pemerintahan daerah", "Regional governance innovation"),
    public_service=("Inovasi pelayanan publik", "Public-service innovation"),
    other=(
        "Inovasi daerah lainnya sesuai urusan pemerintahan",
        "Other innovation within the region's affairs",
    ),
)
KIND = Choices(digital=("Digital", "Digital"), non_digital=("Non-digital", "Non-digital"))
INITIATOR = Choices(
    regional_head=("Kepala daerah", "Regional head"), dprd=("Anggota DPRD", "Member of the DPRD"),
    asn=("Aparatur sipil negara", "Civil servant (ASN)"), agency=("Perangkat daerah", "Regional agency"),
    community=("Anggota masyarakat", "Community member"),
)  # fmt: skip
AFFAIR = Choices(
    # UU 23/2014 Art. 12: concurrent affairs, compulsory and tied to basic services
    education=("Pendidikan", "Education"), health=("Kesehatan", "Health"),
    public_works=("Pekerjaan umum dan penataan ruang", "Public works and spatial planning"),
    housing=("Perumahan rakyat dan kawasan permukiman", "Housing and settlements"),
    public_order=("Ketenteraman, ketertiban umum dan pelindungan masyarakat", "Public order and protection"),
    social=("Sosial", "Social affairs"),
    # compulsory, not tied to basic services
    labour=("Tenaga kerja", "Labour"),
    women_children=("Pemberdayaan perempuan dan pelindungan anak", "Women's empowerment and child protection"),
    food=("Pangan", "Food"), land=("Pertanahan", "Land affairs"), environment=("Lingkungan hidup", "Environment"),
    civil_registration=("Administrasi kependudukan dan pencatatan sipil", "Population and civil registration"),
    village=("Pemberdayaan masyarakat dan desa", "Community and village empowerment"),
    family_planning=("Pengendalian penduduk dan keluarga berencana", "Population control and family planning"),
    transport=("Perhubungan", "Transport"), ict=("Komunikasi dan informatika", "Communication and informatics"),
    smes=("Koperasi, usaha kecil dan menengah", "Cooperatives and SMEs"),
    investment=("Penanaman modal", "Investment"), youth_sport=("Kepemudaan dan olahraga", "Youth and sport"),
    statistics=("Statistik", "Statistics"), cryptography=("Persandian", "Government cryptography"),
    culture=("Kebudayaan", "Culture"), library=("Perpustakaan", "Libraries"), archives=("Kearsipan", "Archives"),
    # elective affairs (Art. 12(3))
    fisheries=("Kelautan dan perikanan", "Marine affairs and fisheries"), tourism=("Pariwisata", "Tourism"),
    agriculture=("Pertanian", "Agriculture"), forestry=("Kehutanan", "Forestry"),
    energy=("Energi dan sumber daya mineral", "Energy and mineral resources"),
    trade=("Perdagangan", "Trade"), industry=("Perindustrian", "Industry"),
    transmigration=("Transmigrasi", "Transmigration"),
    # supporting functions of government affairs (UU 23/2014 Art. 232, PP 18/2016)
    planning=("Perencanaan pembangunan", "Development planning"), finance=("Keuangan daerah", "Regional finance"),
    staffing=("Kepegawaian serta pendidikan dan pelatihan", "Civil-service management and training"),
    research=("Penelitian dan pengembangan", "Research and development"),
    oversight=("Pengawasan penyelenggaraan pemerintahan daerah", "Oversight of regional government"),
    secretariat=("Kesekretariatan dan hukum", "Secretariat and legal affairs"),
    general_government=("Pemerintahan umum", "General government affairs"),
    other=("Lainnya", "Other"),
)  # fmt: skip
"""The government affairs of a regency or city (UU 23/2014: the 24 compulsory and 8 elective affairs, then the
supporting functions and general government). A worksheet's ticked id never changes meaning: ids are only added."""
PRINCIPLE = Choices(
    efficiency=("Peningkatan efisiensi", "Greater efficiency"),
    effectiveness=("Perbaikan efektivitas", "Better effectiveness"),
    service_quality=("Perbaikan kualitas pelayanan", "Better service quality"),
    no_conflict=("Tidak menimbulkan konflik kepentingan", "No conflict of interest"),
    public_interest=("Berorientasi pada kepentingan umum", "Oriented to the public interest"),
    openness=("Dilakukan secara terbuka", "Done openly"),
    propriety=("Memenuhi nilai-nilai kepatutan", "Meets the values of propriety"),
    accountability=("Hasilnya dapat dipertanggungjawabkan, tidak untuk kepentingan diri sendiri",
                    "Results are accountable, not for self-interest"),
)  # fmt: skip


class Milestone(Record):
    LABEL = {"id": "Tonggak", "en": "Milestone"}
    what: Line = field("Kegiatan", "What")
    owner: Line = field("Penanggung jawab", "Owner")
    due: Date = field("Target waktu (TTTT-BB-HH)", "Due date (YYYY-MM-DD)")


class Design(Sheet):
    """The PP 38/2017 proposal and action plan (one worksheet per proposal)."""

    RULES = (
        Rule("trial-period-order", {
            "id": "Masa uji coba tidak selesai sebelum dimulai.",
            "en": "The trial period does not end before it starts."}),
    )  # fmt: skip

    title: Line = field("Nama inovasi", "Name of the innovation")
    problem: Text = field(
        "Masalah yang dijawab",
        "Problem it answers",
        "Diisi dari tahap diagnose; perbaiki bila perlu.",
        "Filled from diagnose; refine it.",
    )
    form: FORM.type = FORM.field("Bentuk inovasi", "Form of innovation", "Pilih satu.", "Choose one.")
    kind: KIND.type = KIND.field("Jenis inovasi", "Type of innovation", "Pilih satu.", "Choose one.")
    affair: AFFAIR.type = AFFAIR.field(
        "Urusan pemerintahan", "Government affair", "Pilih satu urusan utama.", "Choose the main affair."
    )
    initiator: INITIATOR.type = INITIATOR.field("Inisiator", "Initiator", "Pilih satu.", "Choose one.")
    design: Text = field(
        "Rancang bangun",
        "Design",
        f"Uraikan rancang bangun inovasi, minimal {MIN_DESIGN_WORDS} kata.",
        f"Describe the design of the innovation, at least {MIN_DESIGN_WORDS} words.",
        json_schema_extra={"pattern": words_at_least(MIN_DESIGN_WORDS)},
    )
    main_changes: Text = field("Pokok perubahan yang dilakukan", "Main changes")
    objectives: Text = field("Tujuan inovasi", "Objectives")
    benefits: Text = field("Manfaat yang diperoleh", "Benefits")
    expected_results: Text = field("Hasil yang diharapkan", "Expected results")
    trial_start: Date = field("Masa uji coba: mulai (TTTT-BB-HH)", "Trial period: start (YYYY-MM-DD)")
    trial_end: Date | None = field(
        "Masa uji coba: selesai (TTTT-BB-HH, opsional)",
        "Trial period: end (YYYY-MM-DD, optional)",
        "Tidak boleh sebelum tanggal mulai.",
        "Not before the start.",
        default=None,
    )
    implementation_start: Date | None = field(
        "Waktu penerapan (TTTT-BB-HH, opsional)",
        "Implementation start (YYYY-MM-DD, optional)",
        default=None,
    )
    budget: int | None = field(
        "Anggaran (Rp, opsional)",
        "Budget (IDR, optional)",
        "Angka saja, misalnya 25000000.",
        "Digits only, e.g. 25000000.",
        default=None,
        ge=0,
        le=MAX_BUDGET,
    )
    principles: list[PRINCIPLE.type] = PRINCIPLE.field(
        "Prinsip inovasi daerah (PP 38/2017 Pasal 3)",
        "Principles of regional innovation (PP 38/2017 Art. 3)",
        "Centang setiap prinsip yang dipenuhi; kedelapannya wajib.",
        "Tick each principle met; all eight are required.",
        json_schema_extra={"minItems": len(PRINCIPLE.values), "uniqueItems": True},
    )
    milestones: list[Milestone] = field(
        "Rencana aksi",
        "Action plan",
        "Satu butir per tonggak kegiatan.",
        "One record per milestone.",
        min_length=1,
        json_schema_extra={"blank_records": 3},
    )

    @field_validator("trial_end")
    @classmethod
    def _after_start(cls, v: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("trial_start")
        if v is not None and start is not None and v < start:
            raise Said("trial_order", end=v.isoformat(), start=start.isoformat())
        return v

    @field_validator("design")
    @classmethod
    def _long_enough(cls, v: str) -> str:
        if (n := len(v.split())) < MIN_DESIGN_WORDS:
            raise Said("few_words", n=n, min=MIN_DESIGN_WORDS)
        return v

    @field_validator("principles")
    @classmethod
    def _all_principles(cls, v: list[str]) -> list[str]:
        missing = [p for p in PRINCIPLE.values if p not in v]
        if missing:
            raise Said(
                "principles",
                missing={k: ", ".join(PRINCIPLE.labels[p][k] for p in missing) for k in ("id", "en")},
            )
        if len(v) != len(set(v)):
            raise Said("principle_twice")
        return list(PRINCIPLE.values)  # a set: kept in the worksheet's order


def prefill(run, proposal) -> dict:
    """Name, problem and idea come from the team's diagnose worksheet."""
    idea, problem = run.idea_of(proposal)
    text = None
    if problem:
        text = f"{problem.get('title', '')}\n\n{problem.get('data', '')}".strip()
    return {"title": proposal.title, "problem": text}


def on_exit(run, advanced: list) -> None:
    """With `gates.design = "auto"` a valid design is approved at once."""
    if run.settings.gates.design == "auto":
        run.move([p for p, _ in advanced], "approve", actor="system", note="gates.design = auto")


STAGE = Stage(
    number=3, slug="design", title={"id": "Rencana aksi", "en": "Action plan"},
    schema=Design, granularity="proposal",
    generate_states=("shortlisted",), ingest_states=("shortlisted", "designed"), advance_state="shortlisted",
    done_state="approved", exit_event="design_complete", prefill=prefill, on_exit=on_exit,
)  # fmt: skip
