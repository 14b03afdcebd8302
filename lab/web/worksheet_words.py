"""The words of the worksheet pages (forms, saving, conflicts, evidence), per language."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "id": {
        "back": "Kembali ke beranda",
        "save": "Simpan",
        "saved": "Tersimpan.",
        "saved_invalid": "Tersimpan, tetapi masih ada yang perlu diperbaiki (lihat catatan di samping isian).",
        "not_saved": "Belum tersimpan.",
        "closed": "Lembar kerja ini sudah ditutup: tahapnya sudah dilewati. Isinya hanya bisa dibaca.",
        "conflict": "Berkas lembar kerja ini berubah sejak formulir dibuka, jadi isian Anda belum disimpan. "
        "Di bawah ini isi berkas sekarang untuk setiap isian yang berbeda; isian Anda tetap ada di formulir. "
        "Periksa, lalu simpan lagi.",
        "in_file": "Di berkas sekarang",
        "yours": "Isian Anda",
        "field": "Isian",
        "required": "wajib",
        "one_per_line": "Satu butir per baris.",
        "date_hint": "TTTT-BB-HH",
        "choose": "— pilih satu —",
        "blank_record": "(kosong: isi untuk menambah)",
        "evidence": "Berkas bukti dukung",
        "evidence_none": "Belum ada berkas.",
        "evidence_help": "Unggah berkas di sini, lalu sebutkan namanya dan apa yang dibuktikannya pada isian "
        "Bukti dukung di bawah. Jenis yang diterima: {kinds}; paling besar {file_mb} MB per berkas, "
        "{proposal_mb} MB untuk semua berkas usulan ini.",
        "upload": "Unggah",
        "unreadable": "kiriman tidak dapat dibaca; pilih berkasnya lagi",
        "not_listed": "belum disebut di isian Bukti dukung di bawah",
        "choose_file": "Pilih berkas",
        "uploaded": "Berkas tersimpan; daftarnya ada di bawah.",
        "removed": "Berkas dikeluarkan dari bukti dukung. Bila keliru, fasilitator dapat mengembalikannya.",
        "remove": "Keluarkan",
        "upload_refused": "Berkas tidak disimpan: {reason}",
        "size": "Ukuran",
        "note": "Catatan fasilitator",
        "form_too_large": "Isian terlalu panjang: {reason}",
    },
    "en": {
        "back": "Back to the home page",
        "save": "Save",
        "saved": "Saved.",
        "saved_invalid": "Saved, but some answers still need fixing (see the notes beside the fields).",
        "not_saved": "Not saved.",
        "closed": "This worksheet is closed: its stage is behind you. It can only be read.",
        "conflict": "This worksheet's file changed since the form was opened, so your answers are not saved yet. "
        "Below is what the file holds now for each answer that differs; your answers stay in the form. "
        "Check them, then save again.",
        "in_file": "In the file now",
        "yours": "Your answer",
        "field": "Field",
        "required": "required",
        "one_per_line": "One item per line.",
        "date_hint": "YYYY-MM-DD",
        "choose": "— choose one —",
        "blank_record": "(blank: fill it in to add one)",
        "evidence": "Evidence files",
        "evidence_none": "No file yet.",
        "evidence_help": "Upload files here, then give each name and what it proves in the Evidence field "
        "below. Accepted kinds: {kinds}; at most {file_mb} MB per file, {proposal_mb} MB for all the files of "
        "this proposal.",
        "upload": "Upload",
        "unreadable": "the upload could not be read; choose the files again",
        "not_listed": "not yet listed in the Evidence field below",
        "choose_file": "Choose files",
        "uploaded": "Files saved; they are listed below.",
        "removed": "File taken out of the evidence. If that was a mistake, the facilitator can put it back.",
        "remove": "Remove",
        "upload_refused": "File not saved: {reason}",
        "size": "Size",
        "note": "Facilitator's note",
        "form_too_large": "An answer is too long: {reason}",
    },
}

# A field's help in the browser where the file's help speaks of the file (by field path: records' fields as
# <field>.<subfield>); every other help is the file's, without its Markdown-only instructions (lab.web.forms).
WEB_HELP: dict[str, dict[str, str]] = {
    "evidence": {
        "id": "Unggah setiap berkas di bagian Berkas bukti dukung di atas, lalu sebutkan di sini.",
        "en": "Upload each file in the Evidence files part above, then list it here.",
    },
    "evidence.file": {
        "id": "Nama berkas seperti pada daftar Berkas bukti dukung di atas, misalnya sk-inovasi.pdf.",
        "en": "The file's name as in the Evidence files list above, e.g. decree.pdf.",
    },
    "media": {
        "id": "Tautan https:// atau nama berkas bukti dukung yang sudah diunggah, satu per baris.",
        "en": "https:// links or names of evidence files already uploaded, one per line.",
    },
}


def worksheet_words(lang: str) -> dict[str, str]:
    """The worksheet pages' words in `lang` (Bahasa Indonesia unless English)."""
    return WORDS["en" if lang == "en" else "id"]
