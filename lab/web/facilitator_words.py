"""The facilitator page's words for what the status read model keeps in its own terms: team and proposal states
and why a worksheet waits, in the cohort's language (lab.outputs.status says them in English for `lab status`)."""

from __future__ import annotations

STATES: dict[str, dict[str, str]] = {
    "id": {
        "enrolled": "terdaftar",
        "committed": "berkomitmen",
        "diagnosed": "selesai diagnosis",
        "idea": "ide",
        "shortlisted": "terpilih untuk desain",
        "designed": "desain selesai",
        "approved": "disetujui",
        "launched": "diluncurkan",
        "showcased": "dipamerkan",
        "reviewed": "dinilai",
        "dropped": "dihentikan",
        "withdrawn": "ditarik",
    },
    "en": {
        "enrolled": "enrolled",
        "committed": "committed",
        "diagnosed": "diagnosed",
        "idea": "idea",
        "shortlisted": "shortlisted",
        "designed": "designed",
        "approved": "approved",
        "launched": "launched",
        "showcased": "showcased",
        "reviewed": "reviewed",
        "dropped": "dropped",
        "withdrawn": "withdrawn",
    },
}

WAITING: dict[str, dict[str, str]] = {
    "id": {
        "waiting": "belum diisi",
        "returned": "dikembalikan oleh fasilitator",
        "missing": "berkas hilang; akan dibuat lagi pada proses berikutnya",
        "decision": "desain sudah lengkap: menunggu keputusan fasilitator",
    },
    "en": {
        "waiting": "not filled in yet",
        "returned": "returned by a facilitator",
        "missing": "file is missing; the next run writes it again",
        "decision": "design is complete: waiting for a facilitator's decision",
    },
}


def state_words(lang: str) -> dict[str, str]:
    """State names in `lang` (Bahasa Indonesia unless English)."""
    return STATES["en" if lang == "en" else "id"]


def waiting_words(lang: str) -> dict[str, str]:
    """Why a worksheet waits, by its status ('decision' for a design waiting for a decision)."""
    return WAITING["en" if lang == "en" else "id"]
