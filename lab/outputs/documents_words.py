"""The words of the formal documents (`lab documents`) in Bahasa Indonesia and English, and the sections of a
KIPP proposal with their word limits (DOMAIN §4c). Data only: the documents' builders and fillers read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

KINDS = ("proposal", "commitment", "kipp")
"""The documents a cohort can file: the PP 38/2017 proposal form, the unit head's commitment letter, a KIPP draft."""

FILE_WORDS = {
    "id": {"proposal": "usulan-inovasi", "commitment": "surat-komitmen", "kipp": "proposal-kipp"},
    "en": {"proposal": "innovation-proposal", "commitment": "commitment-letter", "kipp": "kipp-proposal"},
}
"""The second half of a document's file name (`<proposal or team>-<word>.docx`), in the cohort's language."""

MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip


def long_date(value: object, lang: str) -> str:
    """A date as an office writes it: '12 Oktober 2026' / '12 October 2026' ('' for no date; text kept)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.date):
        return ""
    return f"{value.day} {MONTHS[lang][value.month - 1]} {value.year}"


def rupiah(value: object, lang: str) -> str:
    """An amount of money: 'Rp25.000.000' in Indonesian, 'IDR 25,000,000' in English ('' for none)."""
    if not isinstance(value, int) or isinstance(value, bool):
        return ""
    return f"Rp{value:,}".replace(",", ".") if lang == "id" else f"IDR {value:,}"


WORDS = {
    "id": {
        "proposal_title": "USULAN INOVASI DAERAH",
        "proposal_basis": "Berdasarkan Peraturan Pemerintah Nomor 38 Tahun 2017 tentang Inovasi Daerah",
        "code": "Nomor usulan", "name": "Nama inovasi", "unit": "Perangkat daerah / unit pengusul",
        "form": "Bentuk inovasi", "kind": "Jenis inovasi", "affair": "Urusan pemerintahan",
        "initiator": "Inisiator", "stage": "Tahapan inovasi", "trial_start": "Masa uji coba",
        "implementation_start": "Waktu penerapan", "budget": "Anggaran", "problem": "Masalah yang dijawab",
        "design": "Rancang bangun", "main_changes": "Pokok perubahan yang dilakukan", "objectives": "Tujuan inovasi",
        "benefits": "Manfaat yang diperoleh", "expected_results": "Hasil yang diharapkan",
        "milestones": "Rencana aksi", "what": "Kegiatan", "owner": "Penanggung jawab", "due": "Target waktu",
        "principles": "Prinsip inovasi daerah (PP 38/2017 Pasal 3) yang dipenuhi", "words": "kata",
        "head_of": "Kepala", "signed_at": "Ditetapkan di", "none": "-", "not_set": "(belum diisi)",
        "stage_initiative": "Inisiatif",
        "commitment_title": "SURAT PERNYATAAN KOMITMEN",
        "commitment_subtitle": "Keikutsertaan dalam Laboratorium Inovasi",
        "undersigned": "Yang bertanda tangan di bawah ini:", "person": "Nama", "position": "Jabatan",
        "declares": "dengan ini menyatakan bahwa {unit} berkomitmen mengikuti seluruh tahapan {lab}, yaitu "
                    "drum-up, diagnose, design, deliver dan display, serta membentuk tim inovasi sebagai berikut:",
        "member": "Nama", "role": "Peran dalam tim", "no": "No.",
        "services": "Layanan yang menjadi tanggung jawab tim:",
        "closing": "Demikian surat pernyataan ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya.",
        "kipp_title": "DRAF PROPOSAL KOMPETISI INOVASI PELAYANAN PUBLIK (KIPP)",
        "kipp_basis": "Disusun dari lembar kerja Laboratorium Inovasi; periksa setiap bagian sebelum diunggah ke SINOVIK.",
        "kipp_limit": "batas {limit} kata; terisi {words} kata",
        "kipp_over": "MELEBIHI BATAS: {words} dari paling banyak {limit} kata; ringkas bagian ini.",
        "kipp_empty": "PERLU DILENGKAPI: lembar kerja belum mengisi bagian ini.",
        "kipp_attachments": "Lampiran yang disiapkan",
        "kipp_age": "Inovasi diluncurkan {date}; KIPP mensyaratkan inovasi telah berjalan paling sedikit satu tahun.",
        "attach_video": "Video paling lama 3 menit", "attach_implementation": "Surat pernyataan implementasi inovasi",
        "attach_identity": "Surat pernyataan identitas inovator",
        "attach_replication": "Surat pernyataan kesediaan direplikasi",
        "attach_decree": "Keputusan penetapan inovator/inovasi",
        "launched": "Diluncurkan pada {date} dalam {event}.", "decreed": "Ditetapkan dengan {ref}.", "decree_ref": "{level} Nomor {decree}{date}", "dated": " tanggal {date}",
        "maturity": "Tahapan inovasi: {maturity}.", "beneficiaries": "Jumlah penerima manfaat: {n} orang.",
        "measure": "{indicator}: sebelum {before}, sesudah {after}.", "team_size": "Tim inovasi: {names}.",
        "budget_line": "Anggaran: {amount}.", "partner": "Mitra: {name} ({how}){what}.",
        "video_link": "Video: {link}",
    },
    "en": {
        "proposal_title": "REGIONAL INNOVATION PROPOSAL",
        "proposal_basis": "Under Government Regulation Number 38 of 2017 on Regional Innovation",
        "code": "Proposal number", "name": "Name of the innovation", "unit": "Proposing agency / unit",
        "form": "Form of innovation", "kind": "Type of innovation", "affair": "Government affair",
        "initiator": "Initiator", "stage": "Stage of the innovation", "trial_start": "Trial period",
        "implementation_start": "Implementation start", "budget": "Budget", "problem": "Problem it answers",
        "design": "Design", "main_changes": "Main changes", "objectives": "Objectives", "benefits": "Benefits",
        "expected_results": "Expected results", "milestones": "Action plan", "what": "What", "owner": "Owner",
        "due": "Due", "principles": "Principles of regional innovation met (PP 38/2017 Art. 3)", "words": "words",
        "head_of": "Head of", "signed_at": "Signed at", "none": "-", "not_set": "(not filled in yet)",
        "stage_initiative": "Initiative",
        "commitment_title": "LETTER OF COMMITMENT",
        "commitment_subtitle": "Taking part in the Innovation Laboratory",
        "undersigned": "I, the undersigned:", "person": "Name", "position": "Position",
        "declares": "hereby declare that {unit} commits to every stage of the {lab}: drum-up, diagnose, design, "
                    "deliver and display, and forms the following innovation team:",
        "member": "Name", "role": "Role in the team", "no": "No.",
        "services": "Services the team owns:",
        "closing": "This letter is made truthfully, to be used as required.",
        "kipp_title": "DRAFT PROPOSAL FOR THE PUBLIC-SERVICE INNOVATION COMPETITION (KIPP)",
        "kipp_basis": "Drawn from the Innovation Laboratory worksheets; check every section before uploading to SINOVIK.",
        "kipp_limit": "limit {limit} words; {words} written",
        "kipp_over": "OVER THE LIMIT: {words} of at most {limit} words; shorten this section.",
        "kipp_empty": "TO COMPLETE: the worksheets do not fill this section yet.",
        "kipp_attachments": "Attachments to prepare",
        "kipp_age": "The innovation was launched on {date}; KIPP requires an innovation to have run for at least a year.",
        "attach_video": "Video of at most 3 minutes", "attach_implementation": "Statement of implementation",
        "attach_identity": "Statement of the innovator's identity",
        "attach_replication": "Statement of willingness to be replicated",
        "attach_decree": "Decree naming the innovator/innovation",
        "launched": "Launched on {date} at {event}.", "decreed": "Established by {ref}.", "decree_ref": "{level} number {decree}{date}", "dated": " of {date}",
        "maturity": "Stage of innovation: {maturity}.", "beneficiaries": "Beneficiaries: {n} people.",
        "measure": "{indicator}: before {before}, after {after}.", "team_size": "Innovation team: {names}.",
        "budget_line": "Budget: {amount}.", "partner": "Partner: {name} ({how}){what}.",
        "video_link": "Video: {link}",
    },
}  # fmt: skip


@dataclass(frozen=True)
class KippSection:
    """One section of a KIPP proposal: its title, its weight in the evaluation (%) and its word limit."""

    id: str
    title: dict[str, str]
    weight: int
    max_words: int


KIPP_SECTIONS = (
    KippSection("summary", {"id": "Ringkasan", "en": "Summary"}, 0, 200),
    KippSection("background", {"id": "Latar belakang dan tujuan", "en": "Background and objectives"}, 10, 300),
    KippSection("novelty", {"id": "Kebaruan", "en": "Novelty"}, 15, 200),
    KippSection("implementation", {"id": "Implementasi", "en": "Implementation"}, 5, 200),
    KippSection("significance", {"id": "Signifikansi (dampak sebelum dan sesudah)",
                                 "en": "Significance (impact before and after)"}, 30, 600),
    KippSection("replicated", {"id": "Adaptabilitas: telah direplikasi oleh",
                               "en": "Adaptability: replicated by"}, 20, 100),
    KippSection("potential", {"id": "Adaptabilitas: potensi replikasi",
                              "en": "Adaptability: potential for replication"}, 0, 200),
    KippSection("resources", {"id": "Sumber daya", "en": "Resources"}, 5, 200),
    KippSection("sustainability", {"id": "Keberlanjutan (kelembagaan, manajerial, sosial)",
                                   "en": "Sustainability (institutional, managerial, social)"}, 15, 500),
)  # fmt: skip
"""KIPP (SINOVIK) proposal sections in order, from DOMAIN §4c; adaptability (20 %) has two parts, 100 + 200 words."""
