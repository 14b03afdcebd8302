"""Words of the showcase in Bahasa Indonesia and English; option labels come from the stage schemas."""

from __future__ import annotations

from functools import cache

from lab.domain.units import UNIT_TYPES
from lab.stages import STAGES
from lab.worksheets.spec import describe

LABELS = {
    "id": {
        "showcase": "Etalase Inovasi", "funnel": "Perjalanan usulan", "all": "Semua", "search": "Cari inovasi…",
        "unit_type": "Jenis unit", "form": "Bentuk", "affair": "Urusan", "maturity": "Tahapan inovasi",
        "scoreboard": "Papan skor", "innovations": "inovasi", "none": "Belum ada inovasi di etalase.",
        "problem": "Masalah", "idea": "Ide", "objectives": "Tujuan", "benefits": "Manfaat",
        "milestones": "Rencana aksi", "launch": "Peluncuran", "decree": "Penetapan", "beneficiaries": "Penerima manfaat",
        "results": "Hasil", "measures": "Sebelum dan sesudah", "evidence": "Bukti dukung", "highlights": "Dampak utama",
        "media": "Foto dan video", "contact": "Narahubung", "score": "Skor", "spread": "Selisih antarpenilai",
        "reviews": "Penilaian", "missing": "Belum menilai", "rank": "Peringkat", "unit": "Unit", "back": "Kembali ke etalase",
        "not_scored": "belum dinilai", "design": "Rancangan", "type": "Jenis", "weighted": "rata-rata tertimbang",
        "file_missing": "berkas tidak ada", "file_too_large": "berkas terlalu besar untuk etalase",
        "file_refused": "berkas ditolak: bukan berkas biasa di folder evidence/",
        "evidence_active": "tidak ditampilkan karena jenis berkas ini dapat menjalankan skrip saat dibuka",
        "unavailable": "Halaman inovasi ini belum dapat ditampilkan; tim sedang memperbaikinya.",
        "before": "Sebelum", "after": "Sesudah", "indicator": "Indikator",
        "shown": "ditampilkan", "what": "Kegiatan", "owner": "Penanggung jawab", "due": "Target waktu",
        "state_idea": "Ide", "state_shortlisted": "Terpilih", "state_designed": "Dirancang", "state_approved": "Disetujui",
        "state_launched": "Diluncurkan", "state_showcased": "Dipamerkan", "state_reviewed": "Dinilai",
        "innovation": "Inovasi", "crit_novelty": "Kebaruan", "crit_benefit": "Kemanfaatan",
        "crit_collaboration": "Kewenangan dan kolaborasi", "crit_replicability": "Replikasi", "crit_mastery": "Penguasaan materi",
        "board_title": "Rekapitulasi Penilaian", "scale": "skala 1–10, rata-rata tertimbang",
        "internal": "Dokumen internal untuk fasilitator dan tim penilai: memuat nilai dan nama penilai. Jangan dipublikasikan; "
                    "yang boleh dipublikasikan hanya folder showcase/.",
        "judging_open": "Penilaian masih berlangsung: etalase publik belum menampilkan nilai maupun peringkat.",
        "judging_closed": "Penilaian telah ditutup oleh", "details": "Rincian nilai",
        "winners": "Hasil penilaian", "place_1": "Juara I", "place_2": "Juara II", "place_3": "Juara III", "no_winners": "Belum ada inovasi yang dinilai.",
        "tie": "Inovasi dengan nilai akhir yang sama berbagi peringkat; peringkat berikutnya dilewati.",
    },
    "en": {
        "showcase": "Innovation Showcase", "funnel": "Proposal funnel", "all": "All", "search": "Search innovations…",
        "unit_type": "Unit type", "form": "Form", "affair": "Government affair", "maturity": "Stage of innovation",
        "scoreboard": "Scoreboard", "innovations": "innovations", "none": "No innovation in the showcase yet.",
        "problem": "Problem", "idea": "Idea", "objectives": "Objectives", "benefits": "Benefits",
        "milestones": "Action plan", "launch": "Launch", "decree": "Establishment", "beneficiaries": "Beneficiaries",
        "results": "Results", "measures": "Before and after", "evidence": "Evidence", "highlights": "Impact highlights",
        "media": "Photos and videos", "contact": "Contact", "score": "Score", "spread": "Spread between reviewers",
        "reviews": "Reviews", "missing": "Not scored yet by", "rank": "Rank", "unit": "Unit", "back": "Back to the showcase",
        "not_scored": "not scored yet", "design": "Design", "type": "Type", "weighted": "weighted mean",
        "file_missing": "file missing", "file_too_large": "file too large for the showcase",
        "file_refused": "file refused: not a plain file in the evidence/ folder",
        "evidence_active": "not shown: this kind of file could run scripts when opened",
        "unavailable": "This innovation's page cannot be shown yet; the team is fixing it.",
        "before": "Before", "after": "After", "indicator": "Indicator",
        "shown": "shown", "what": "What", "owner": "Owner", "due": "Due",
        "state_idea": "Ideas", "state_shortlisted": "Shortlisted", "state_designed": "Designed", "state_approved": "Approved",
        "state_launched": "Launched", "state_showcased": "Showcased", "state_reviewed": "Reviewed",
        "innovation": "Innovation", "crit_novelty": "Novelty", "crit_benefit": "Benefit",
        "crit_collaboration": "Regional authority and collaboration", "crit_replicability": "Replicability",
        "crit_mastery": "Mastery",
        "board_title": "Scoring summary", "scale": "scale 1–10, weighted mean",
        "internal": "Internal document for facilitators and the jury: it shows scores and jurors' names. Do not publish "
                    "it; only the showcase/ folder is meant to be published.",
        "judging_open": "Judging is open: the public showcase shows no scores or ranks yet.",
        "judging_closed": "Judging was closed by", "details": "Score details",
        "winners": "Results", "place_1": "First place", "place_2": "Second place", "place_3": "Third place", "no_winners": "No innovation has been scored.",
        "tie": "Innovations with the same final score share a place; the next place is skipped.",
    },
}  # fmt: skip


@cache
def _options() -> dict[str, dict[str, dict[str, str]]]:
    out: dict[str, dict[str, dict[str, str]]] = {"unit_type": UNIT_TYPES}
    for stage in STAGES:
        for spec in describe(stage.schema):
            if spec.option_labels and spec.id not in out:
                out[spec.id] = spec.option_labels
    return out


def option_label(field: str, value: str | None, lang: str) -> str:
    """The label of a choice value in a language ('' for no value)."""
    if not value:
        return ""
    return _options().get(field, {}).get(value, {}).get(lang, value)
