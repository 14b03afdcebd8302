"""Diagnose — *ide inovasi*, readiness and ideas.

Each team assesses its innovation readiness, lists the problems it sees with their data and the people
they hurt, finds root causes, prioritises (urgency × impact × feasibility) and proposes ideas, each
linked to a problem. When the worksheet is valid the team is diagnosed: every idea becomes a proposal
(`<CODE>-<YEAR>-<NNN>`), and the ideas marked to go forward are shortlisted for design.
"""

from __future__ import annotations

from pydantic import model_validator

from lab.stages.base import Stage, StageContext
from lab.worksheets.messages import Said
from lab.worksheets.spec import Line, Record, Rule, Score, Sheet, Text, field

READINESS = ("readiness_leadership", "readiness_culture", "readiness_resources", "readiness_data",
             "readiness_collaboration")  # fmt: skip


class ProblemRecord(Record):
    LABEL = {"id": "Masalah", "en": "Problem"}
    title: Line = field("Masalah", "Problem")
    data: Text = field(
        "Data yang menunjukkan masalah",
        "Data that shows the problem",
        "Angka, sumber dan tahun.",
        "Figures, source and year.",
    )
    affected: Line = field("Siapa yang terdampak", "Who is affected")
    causes: list[Line] = field(
        "Akar masalah",
        "Root causes",
        "Satu akar masalah per baris, diawali '- '.",
        "One root cause per line, starting with '- '.",
        min_length=1,
    )
    urgency: Score = field("Urgensi (1-5)", "Urgency (1-5)")
    impact: Score = field("Dampak (1-5)", "Impact (1-5)")
    feasibility: Score = field("Kelayakan (1-5)", "Feasibility (1-5)")

    @property
    def priority(self) -> int:
        """Priority score: urgency × impact × feasibility (1-125)."""
        return self.urgency * self.impact * self.feasibility


class IdeaRecord(Record):
    LABEL = {"id": "Ide", "en": "Idea"}
    title: Line = field("Nama inovasi (dan akronimnya)", "Name of the innovation (and its acronym)")
    description: Text = field("Gambaran singkat ide", "Short description of the idea")
    problem: int = field(
        "Nomor masalah yang dijawab",
        "Number of the problem it answers",
        "Nomor urut masalah di atas, misalnya 1.",
        "The number of a problem above, e.g. 1.",
        ge=1,
    )
    target_users: Line = field("Sasaran pengguna", "Target users")
    forward: bool = field("Dilanjutkan ke tahap desain?", "Go forward to design?")


def _readiness(label_id: str, label_en: str):
    return field(
        f"Kesiapan: {label_id} (1-5)",
        f"Readiness: {label_en} (1-5)",
        "1 = belum siap, 5 = sangat siap.",
        "1 = not ready, 5 = fully ready.",
    )


class Diagnose(Sheet):
    """Readiness self-assessment, problems and ideas (one worksheet per team)."""

    RULES = (
        Rule("idea-problem-exists", {"id": "Nomor masalah pada setiap ide adalah nomor masalah yang tercantum (1 sampai jumlah masalah).",
                                     "en": "Each idea's problem number is the number of a listed problem (1 to the number of problems)."}),
        Rule("idea-names-unique", {"id": "Setiap ide punya nama sendiri (tanpa membedakan huruf besar dan kecil).",
                                   "en": "Each idea has its own name (ignoring upper and lower case)."}),
    )  # fmt: skip

    readiness_leadership: Score = _readiness("dukungan pimpinan", "leadership support")
    readiness_culture: Score = _readiness(
        "budaya kerja yang terbuka pada perubahan", "a culture open to change"
    )
    readiness_resources: Score = _readiness("SDM, anggaran dan sarana", "people, budget and tools")
    readiness_data: Score = _readiness("ketersediaan data layanan", "service data at hand")
    readiness_collaboration: Score = _readiness("jejaring dan kolaborasi", "networks and collaboration")
    problems: list[ProblemRecord] = field(
        "Masalah yang dihadapi",
        "Problems the unit faces",
        "Satu butir per masalah. Prioritas = urgensi × dampak × kelayakan.",
        "One record per problem. Priority = urgency × impact × feasibility.",
        min_length=1,
        json_schema_extra={"blank_records": 2},
    )
    ideas: list[IdeaRecord] = field(
        "Ide inovasi",
        "Innovation ideas",
        "Satu butir per ide; setiap ide menjadi usulan inovasi. Pilih Ya pada ide yang dilanjutkan.",
        "One record per idea; every idea becomes a proposal. Choose Yes for ideas that go forward.",
        min_length=1,
        json_schema_extra={"blank_records": 2},
    )

    @model_validator(mode="after")
    def _ideas_point_at_problems(self):
        for n, idea in enumerate(self.ideas, 1):
            if idea.problem > len(self.problems):
                raise Said(
                    "idea_problem", n=n, title=idea.title, problem=idea.problem, count=len(self.problems)
                )
        titles = [i.title.casefold() for i in self.ideas]
        if len(set(titles)) != len(titles):
            raise Said("idea_names")
        return self

    @property
    def readiness(self) -> int:
        """Readiness score 0-100 from the five 1-5 answers."""
        total = sum(getattr(self, f) for f in READINESS)
        return round((total - 5) / 20 * 100)


def on_exit(run: StageContext, advanced: list) -> None:
    """Every idea becomes a proposal; those marked to go forward are shortlisted."""
    run.set_readiness([(team, sheet.readiness) for team, sheet in advanced])
    made = run.create_proposals([(team, [idea.title for idea in sheet.ideas]) for team, sheet in advanced])
    forward = [
        p for (_, sheet), proposals in zip(advanced, made, strict=True)
        for p, idea in zip(proposals, sheet.ideas, strict=True) if idea.forward
    ]  # fmt: skip
    run.move(forward, "shortlist", actor=run.team_of)


STAGE = Stage(
    number=2, slug="diagnose", title={"id": "Ide inovasi", "en": "Innovation ideas"},
    schema=Diagnose, granularity="team",
    generate_states=("committed",), ingest_states=("committed",), advance_state="committed",
    done_state="diagnosed", exit_event="diagnose_complete", on_exit=on_exit,
)  # fmt: skip
