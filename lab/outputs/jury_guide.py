"""What the jury sheet's "Petunjuk" sheet says: how to fill the sheet, and per criterion what it means and what
a 1, a 5 and a 10 look like.

The criteria are the IGA presentation criteria (Kemendagri/BSKDN: kebaruan 30%, kemanfaatan 25%, kewenangan
daerah dan kolaborasi 15%, replikasi 20%, penguasaan materi 10%), read with the PP 38/2017 criteria of a
regional innovation (renewal, benefit, within regional competence, replicable) and the IID's evidence levels
(beneficiaries, replication by other regions). A criterion a cohort adds itself gets a general scale.
"""

from __future__ import annotations

# criterion id -> language -> (what it means, what a 1 looks like, a 5, a 10)
CRITERIA: dict[str, dict[str, tuple[str, str, str, str]]] = {
    "novelty": {
        "id": (
            "Seberapa baru inovasi ini bagi daerah dan bagi layanannya: ada pembaruan seluruh atau sebagian "
            "unsur (PP 38/2017), bukan sekadar nama baru untuk kegiatan rutin.",
            "Kegiatan rutin atau program lama yang diberi nama baru; cara kerja tidak berubah.",
            "Mengadaptasi inovasi dari daerah lain dengan penyesuaian nyata pada proses atau sasaran setempat.",
            "Cara kerja atau layanan yang belum ada di daerah ini maupun daerah sekitar; pokok perubahannya "
            "jelas dan dapat ditunjukkan.",
        ),
        "en": (
            "How new the innovation is for the region and its service: part or all of it is renewed "
            "(PP 38/2017), not a routine activity under a new name.",
            "A routine activity or existing programme with a new name; the way of working is unchanged.",
            "Adapts an innovation from another region with real changes to the local process or target group.",
            "A way of working or service not found in this region or its neighbours; the main changes are "
            "clear and can be shown.",
        ),
    },
    "benefit": {
        "id": (
            "Manfaat nyata bagi masyarakat atau bagi kinerja pemerintah daerah, didukung data sebelum dan "
            "sesudah serta jumlah penerima manfaat.",
            "Manfaat hanya disebut sebagai harapan; tidak ada data penerima manfaat atau ukuran sebelum dan "
            "sesudah.",
            "Ada data penerima manfaat (ratusan orang) dan satu ukuran yang membaik, tetapi buktinya masih "
            "terbatas.",
            "Penerima manfaat luas (lebih dari 500 orang atau seluruh sasaran), beberapa ukuran membaik dengan "
            "data sebelum dan sesudah yang dapat diperiksa, dan warga merasakannya.",
        ),
        "en": (
            "Real benefit for citizens or for the regional government's performance, shown by before-and-after "
            "data and the number of beneficiaries.",
            "Benefit is only hoped for; no beneficiary numbers or before-and-after measures.",
            "Beneficiary numbers (hundreds of people) and one measure that improved, but little evidence.",
            "Wide reach (more than 500 people or the whole target group), several measures improved with "
            "before-and-after data that can be checked, and citizens notice it.",
        ),
    },
    "collaboration": {
        "id": (
            "Inovasi berada dalam urusan pemerintahan yang menjadi kewenangan daerah, dan melibatkan mitra: "
            "perangkat daerah lain, desa, swasta, perguruan tinggi atau komunitas.",
            "Di luar kewenangan unit atau daerah, atau dijalankan sendiri tanpa mitra.",
            "Sesuai kewenangan; ada satu atau dua mitra, tetapi peran dan bentuk kerja samanya belum tertulis.",
            "Jelas dalam kewenangan daerah; beberapa mitra berperan jelas dan kerja samanya dituangkan dalam "
            "PKS, MoU atau keputusan.",
        ),
        "en": (
            "The innovation lies within the region's government affairs and involves partners: other agencies, "
            "villages, business, universities or communities.",
            "Outside the unit's or region's authority, or run alone without partners.",
            "Within authority; one or two partners, but their roles and the form of cooperation are not written "
            "down.",
            "Clearly within the region's authority; several partners with clear roles, set out in an agreement "
            "(PKS, MoU) or a decree.",
        ),
    },
    "replicability": {
        "id": (
            "Seberapa mudah inovasi diterapkan di unit atau daerah lain, dan apakah sudah ditiru.",
            "Sangat bergantung pada orang, alat atau anggaran khusus; belum ada yang dapat menirunya.",
            "Dapat ditiru dengan panduan sederhana; sudah ada rencana replikasi atau minat dari unit lain.",
            "Sudah direplikasi unit atau daerah lain (ada surat atau bukti dari pihak yang meniru), tersedia "
            "panduan teknis, dan biayanya terjangkau.",
        ),
        "en": (
            "How easily the innovation can be applied in another unit or region, and whether it has been.",
            "Depends on particular people, tools or a special budget; nobody could copy it yet.",
            "Could be copied with a simple guide; a replication plan exists or another unit has shown interest.",
            "Already replicated by another unit or region (a letter or proof from the adopter), with a technical "
            "guide and an affordable cost.",
        ),
    },
    "mastery": {
        "id": (
            "Penguasaan tim atas inovasinya saat presentasi dan tanya jawab: masalah, data, cara kerja, hasil "
            "dan rencana keberlanjutan.",
            "Penyaji tidak dapat menjelaskan masalah, cara kerja atau hasil; jawaban tidak menjawab pertanyaan.",
            "Cara kerja dijelaskan dengan baik, tetapi data hasil dan rencana keberlanjutan kurang dikuasai.",
            "Paparan runtut dan meyakinkan, data dikuasai, pertanyaan dijawab dengan bukti, rencana "
            "keberlanjutan jelas.",
        ),
        "en": (
            "How well the team knows its innovation in the presentation and questions: the problem, data, how "
            "it works, results and how it will be sustained.",
            "The presenter cannot explain the problem, how it works or the results; answers miss the question.",
            "Explains how it works well, but is unsure of the result data and of how it will be sustained.",
            "Clear and convincing, knows the data, answers with evidence, and has a clear plan to sustain it.",
        ),
    },
}

GENERAL = {
    "id": (
        "Kriteria yang ditetapkan fasilitator dalam cohort.toml.",
        "Sangat lemah: hampir tidak ada yang dapat dinilai.",
        "Cukup: sebagian terpenuhi, buktinya terbatas.",
        "Sangat kuat: terpenuhi sepenuhnya dengan bukti yang jelas.",
    ),
    "en": (
        "A criterion the facilitator set in cohort.toml.",
        "Very weak: almost nothing to judge.",
        "Fair: partly met, with limited evidence.",
        "Very strong: fully met with clear evidence.",
    ),
}

HOW = {
    "id": [
        "Cara mengisi",
        "1. Pada lembar Penilaian, isi satu nilai bilangan bulat 1 sampai 10 untuk setiap kriteria "
        "inovasi yang Anda nilai.",
        "2. Kolom Kode, Nama inovasi dan Unit dikunci; jangan diubah. Kolom Catatan boleh diisi bebas.",
        "3. Inovasi yang belum Anda nilai biarkan kosong seluruhnya; baris kosong tidak dihitung dan nilai "
        "yang sudah masuk tidak terhapus.",
        "4. Skor akhir adalah rata-rata tertimbang: jumlah (nilai x bobot) dibagi jumlah bobot, pada skala "
        "1 sampai 10.",
        "5. Simpan sebagai Excel Workbook (.xlsx), lalu kirim kepada fasilitator untuk diimpor "
        "(lab review import).",
    ],
    "en": [
        "How to fill in this sheet",
        "1. On the Scores sheet, give each criterion of an innovation you judge one whole number from 1 to 10.",
        "2. The Code, Innovation and Unit columns are locked; do not change them. Write what you like under Note.",
        "3. Leave an innovation you have not judged yet blank; blank rows do not count and keep scores already "
        "imported.",
        "4. The final score is the weighted mean: the sum of (score x weight) divided by the sum of the weights, "
        "on the 1 to 10 scale.",
        "5. Save as an Excel Workbook (.xlsx) and send it to the facilitator to import (lab review import).",
    ],
}

COLUMNS = {
    "id": ("Kriteria", "Bobot", "Artinya", "Nilai 1", "Nilai 5", "Nilai 10"),
    "en": ("Criterion", "Weight", "What it means", "Score 1", "Score 5", "Score 10"),
}


def describe(criterion: str, lang: str) -> tuple[str, str, str, str]:
    """(meaning, 1, 5, 10) of a criterion in `lang`."""
    return CRITERIA.get(criterion, GENERAL)[lang]
