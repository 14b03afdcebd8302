"""What each demo innovation designs, delivers and displays: its own figures, measured before and after, its
legal basis, partners, sustainability and replications. Names follow real Kabupaten Purbalingga entries (KIPP
2023, shared/DOMAIN.md §7); every figure, person, decree number and partner's role is invented for the demo.

Evidence is (file, what it proves, the IID indicator it backs, the level claimed). Each entry is keyed by the
innovation's name as the diagnose worksheet gives it; `lab.runtime.demo` turns them into the answers of the
design, deliver and display worksheets. Acronyms are written as they are spelled (RSUD, IGD, UMKM, TTD) and no
text is lower-cased by the demo.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

VIDEO = "https://video.purbalinggakab.example/{slug}"  # an .example address: the demo links nowhere real

INNOVATIONS: dict[str, dict[str, Any]] = {
    "Puspita": {
        "design": {
            "kind": "digital", "affair": "health", "initiator": "asn",
            "objectives": "Setiap ibu hamil di wilayah Puskesmas Karangreja memeriksakan kehamilannya pada "
                          "trimester pertama.",
            "benefits": "Kehamilan berisiko dikenali lebih awal; bidan desa tahu setiap kehamilan baru dalam "
                        "seminggu tanpa menunggu ibu datang.",
            "expected_results": "Cakupan pemeriksaan kehamilan pertama (K1) pada trimester pertama naik dari 71% "
                                "menjadi sedikitnya 90% dalam enam bulan.",
            "implementation": "2026-08-12", "trial": ("2026-05-04", "2026-07-31"), "budget": 12_500_000,
        },
        "deliver": {
            "launch": ("2026-08-12", "Peluncuran oleh Kepala Dinas Kesehatan di Balai Desa Karangreja"),
            "decree": ("agency_head", "440/215/2026", "2026-08-05"), "maturity": "implementation",
            "beneficiaries": 412,
            "results": "Sejak Mei 2026 kader posyandu di 7 desa melaporkan 412 kehamilan baru lewat pesan singkat; "
                       "bidan desa menjemput pemeriksaan pertama rata-rata 4 hari setelah laporan.",
            "measures": [("Cakupan K1 pada trimester pertama", "71%", "93%"),
                         ("Usia kehamilan rata-rata saat pemeriksaan pertama", "14 minggu", "9 minggu"),
                         ("Kehamilan baru yang dilaporkan kader dalam 7 hari", "belum dicatat", "88%")],
            "evidence": [("sk-kadinkes-puspita.pdf", "Keputusan Kepala Dinas Kesehatan tentang inovasi Puspita", "regulation", "1"),
                         ("rekap-k1-2026.pdf", "Rekap cakupan K1 Januari–Juli 2026 per desa", "benefit", "2")],
        },
        "display": {
            "summary": "Puspita menghubungkan kader posyandu dengan bidan desa. Kader yang mengetahui ada warga "
                       "hamil mengirim pesan singkat kepada bidan, lalu bidan menjemput pemeriksaan pertama di "
                       "rumah atau di posyandu terdekat. Ibu hamil di desa perbukitan Karangreja kini diperiksa "
                       "pada trimester pertama.",
            "highlights": ["Cakupan K1 trimester pertama naik dari 71% menjadi 93%",
                           "412 ibu hamil didampingi kader di 7 desa",
                           "Usia kehamilan saat pemeriksaan pertama turun dari 14 menjadi 9 minggu"],
            "partners": [("Pemerintah Desa se-Kecamatan Karangreja", "co_funding",
                          "Insentif kader dari dana desa"),
                         ("TP PKK Kecamatan Karangreja", "community", "Menggerakkan kader posyandu"),
                         ("Dinas Kesehatan Kabupaten Purbalingga", "technical", "Pelatihan bidan dan kader")],
            "sustainability": ["budget", "regulation", "sop"],
            "sustainability_note": "Insentif kader masuk APBDes 2027 di tujuh desa; alur pelaporan ditetapkan "
                                   "dalam SOP puskesmas sehingga tetap berjalan bila bidan berganti.",
            "replications": [("Puskesmas Rembang", "2026-08-17", "ongoing"),
                             ("Puskesmas Bobotsari", "2027-01-04", "planned")],
        },
    },
    "Gemah Ripah": {
        "design": {
            "kind": "non_digital", "affair": "health", "initiator": "asn",
            "objectives": "Menurunkan kasus diare balita di Kecamatan Pengadegan dengan rumah yang sehat: jamban, "
                          "air bersih dan kebiasaan cuci tangan pakai sabun.",
            "benefits": "Keluarga dengan balita mendapat pendampingan rumah sehat dari tokoh agama dan pemuda yang "
                        "mereka kenal; puskesmas tahu RT mana yang paling berisiko.",
            "expected_results": "Kasus diare balita turun sedikitnya 30% dan rumah tangga dengan jamban sehat "
                                "mencapai 85% dalam masa uji coba.",
            "trial": ("2026-05-04", "2026-08-31"), "budget": 21_000_000,
        },
        "deliver": {
            "launch": ("2026-08-19", "Pencanangan Gerakan Rumah Sehat bersama Camat Pengadegan"),
            "decree": ("agency_head", "440/231/2026", "2026-08-14"), "maturity": "trial",
            "beneficiaries": 1860,
            "results": "Selama uji coba 46 RT dipantau setiap bulan; 131 jamban keluarga dibangun bersama Baznas "
                       "dan kasus diare balita turun dari 61 menjadi 34 per triwulan.",
            "measures": [("Kasus diare balita per triwulan", "61 kasus", "34 kasus"),
                         ("Rumah tangga dengan jamban sehat", "78%", "89%"),
                         ("Keluarga yang mencuci tangan pakai sabun (survei)", "42%", "71%")],
            "evidence": [("sk-kadinkes-gemah-ripah.pdf", "Keputusan Kepala Dinas Kesehatan tentang Gemah Ripah", "regulation", "1"),
                         ("laporan-pemantauan-rt.pdf", "Laporan pemantauan jamban dan air bersih per RT", "monitoring", "1"),
                         ("daftar-keluarga-dampingan.pdf", "Daftar 1.860 keluarga dengan balita yang didampingi", "benefit", "3")],
        },
        "display": {
            "summary": "Gemah Ripah adalah gerakan rumah sehat di Kecamatan Pengadegan. Tokoh agama dan karang "
                       "taruna mendampingi keluarga dengan balita memperbaiki jamban, menjaga air bersih dan "
                       "membiasakan cuci tangan pakai sabun, sementara puskesmas memantau setiap RT setiap bulan.",
            "highlights": ["Kasus diare balita turun dari 61 menjadi 34 per triwulan",
                           "131 jamban keluarga dibangun bersama Baznas",
                           "1.860 keluarga dengan balita didampingi"],
            "partners": [("Baznas Kabupaten Purbalingga", "co_funding", "Bantuan bahan jamban keluarga"),
                         ("Forum tokoh agama Kecamatan Pengadegan", "community", "Pesan rumah sehat di pengajian"),
                         ("Karang Taruna Kecamatan Pengadegan", "community", "Pemantauan jamban per RT"),
                         ("Dinas Perumahan dan Kawasan Permukiman", "technical", "Desain jamban sehat murah")],
            "sustainability": ["sop", "team", "partner_funding"],
            "sustainability_note": "Tim pemantau RT ditetapkan camat; Baznas menganggarkan bantuan jamban lagi "
                                   "pada 2027.",
            "replications": [("Puskesmas Kejobong", "2027-02-01", "planned")],
        },
    },
    "Laskar Fast Track": {
        "design": {
            "kind": "digital", "affair": "health", "initiator": "agency",
            "objectives": "Pasien rujukan gawat darurat ditangani dokter RSUD dalam waktu kurang dari 30 menit "
                          "sejak tiba.",
            "benefits": "Tim IGD sudah siap sebelum pasien rujukan tiba; puskesmas mendapat jawaban penerimaan "
                        "rujukan dalam beberapa menit.",
            "expected_results": "Waktu dari kedatangan sampai penanganan dokter pada triase kuning turun dari 47 "
                                "menjadi di bawah 20 menit.",
            "implementation": "2026-08-05", "trial": ("2026-05-04", "2026-07-31"), "budget": 35_000_000,
        },
        "deliver": {
            "launch": ("2026-08-05", "Peluncuran oleh Bupati Purbalingga pada Hari Jadi RSUD"),
            "decree": ("regional_head", "100.3.3.2/412/2026", "2026-07-29"), "maturity": "implementation",
            "beneficiaries": 2340,
            "results": "Seluruh 22 puskesmas mengirim data pasien rujukan sebelum berangkat; IGD menerima 2.340 "
                       "pasien rujukan lewat jalur cepat sejak Mei 2026.",
            "measures": [("Waktu tunggu penanganan dokter IGD (triase kuning)", "47 menit", "18 menit"),
                         ("Rujukan puskesmas yang diberitahukan sebelum tiba", "12%", "86%"),
                         ("Pasien rujukan ditangani dalam 30 menit", "38%", "91%")],
            "evidence": [("keputusan-bupati-laskar.pdf", "Keputusan Bupati tentang jalur cepat rujukan IGD", "regulation", "1"),
                         ("rekap-waktu-tunggu-igd.pdf", "Rekap waktu tunggu IGD Januari–Juli 2026", "monitoring", "1"),
                         ("register-jalur-cepat.pdf", "Register 2.340 pasien rujukan jalur cepat", "benefit", "3")],
        },
        "display": {
            "summary": "Laskar Fast Track adalah jalur cepat pasien rujukan di IGD RSUD dr. Goeteng "
                       "Taroenadibrata. Puskesmas mengirim data pasien sebelum berangkat, sehingga dokter, "
                       "perawat dan tempat tidur sudah siap ketika pasien tiba.",
            "highlights": ["Waktu tunggu IGD triase kuning turun dari 47 menjadi 18 menit",
                           "22 puskesmas terhubung dengan IGD",
                           "91% pasien rujukan ditangani dalam 30 menit"],
            "partners": [("22 Puskesmas se-Kabupaten Purbalingga", "data_sharing", "Mengirim data pasien rujukan"),
                         ("PSC 119 Kabupaten Purbalingga", "data_sharing", "Koordinasi ambulans"),
                         ("Dinas Kesehatan Kabupaten Purbalingga", "technical", "Standar rujukan antarfasilitas")],
            "sustainability": ["budget", "regulation", "sop", "team"],
            "sustainability_note": "Dibiayai dari anggaran BLUD RSUD dan ditetapkan dengan Keputusan Bupati; "
                                   "petugas jalur cepat ada di setiap jadwal jaga IGD.",
            "replications": [("RSUD Kabupaten Banjarnegara (studi tiru)", "2026-11-16", "planned")],
        },
    },
    "Si Purba": {
        "design": {
            "kind": "digital", "affair": "investment", "initiator": "agency",
            "objectives": "Izin usaha mikro terbit cepat dan pemohon cukup datang sekali, juga dari desa yang jauh "
                          "dari kantor DPMPTSP.",
            "benefits": "Pelaku UMKM tahu persyaratan sejak awal, dilayani di kecamatannya dan dapat bertanya "
                        "secara daring.",
            "expected_results": "Perizinan UMKM lebih cepat dan lebih sedikit kunjungan berulang.",
            "expected_results_revised": "Izin usaha mikro selesai paling lama 3 hari kerja dan 90% pemohon cukup "
                                        "datang sekali, dalam enam bulan uji coba.",
            "implementation": "2026-08-26", "trial": ("2026-05-04", "2026-07-31"),
            "budget": 15_000_000, "budget_revised": 18_500_000,
        },
        "deliver": {
            "launch": ("2026-08-26", "Layanan keliling perdana di Kecamatan Bobotsari"),
            "decree": ("regional_regulation", "27 Tahun 2026", "2026-08-20"), "maturity": "implementation",
            "beneficiaries": 1120,
            "results": "Layanan keliling hadir dua kali sebulan di 18 kecamatan; 1.120 pelaku UMKM dilayani dan "
                       "izin usaha mikro rata-rata terbit dalam 2,5 hari kerja.",
            "measures": [("Lama penerbitan izin usaha mikro", "9 hari kerja", "2,5 hari kerja"),
                         ("Pemohon yang datang lebih dari dua kali", "38%", "7%"),
                         ("Izin usaha mikro terbit per bulan", "46 izin", "131 izin")],
            "evidence": [("perbup-27-2026-si-purba.pdf", "Peraturan Bupati tentang layanan perizinan keliling", "regulation", "2"),
                         ("laporan-layanan-keliling.pdf", "Laporan layanan keliling Mei–Agustus 2026", "monitoring", "1"),
                         ("daftar-izin-terbit.pdf", "Daftar 1.120 izin usaha mikro yang terbit", "benefit", "3")],
        },
        "display": {
            "summary": "Si Purba membawa layanan perizinan DPMPTSP ke kecamatan dan mendampingi UMKM secara "
                       "daring. Daftar periksa persyaratan yang sama dipakai di semua loket, sehingga berkas "
                       "lengkap sejak kunjungan pertama.",
            "highlights": ["Izin usaha mikro terbit dalam 2,5 hari kerja, dari sebelumnya 9 hari",
                           "Pemohon yang datang lebih dari dua kali turun dari 38% menjadi 7%",
                           "1.120 pelaku UMKM dilayani di 18 kecamatan"],
            "partners": [("Dinas Koperasi, Usaha Kecil dan Menengah", "outreach", "Menjangkau UMKM binaan"),
                         ("Bank Jateng Cabang Purbalingga", "facilities", "Mobil layanan keliling"),
                         ("Kantor kecamatan se-Kabupaten Purbalingga", "facilities", "Tempat layanan keliling")],
            "sustainability": ["budget", "plan", "regulation", "sop"],
            "sustainability_note": "Layanan keliling diatur Peraturan Bupati dan masuk Renstra DPMPTSP 2026–2031.",
            "replications": [("Gerai UMKM di Mal Pelayanan Publik Kabupaten Purbalingga", "2026-08-31", "done"),
                             ("DPMPTSP Kabupaten Pemalang", "2027-03-01", "planned")],
        },
    },
    "Puspa Ungu": {
        "design": {
            "kind": "non_digital", "affair": "health", "initiator": "asn",
            "objectives": "Remaja putri SMP di wilayah Puskesmas Karangmoncol minum tablet tambah darah (TTD) "
                          "setiap minggu sehingga anemia berkurang.",
            "benefits": "Remaja putri saling mengingatkan lewat pendamping sebaya; guru UKS dan puskesmas "
                        "melihat kepatuhan setiap kelas.",
            "expected_results": "Remaja putri kelas 7 yang anemia turun dari 29% menjadi di bawah 20% pada "
                                "skrining berikutnya.",
            "trial": ("2026-05-04", "2026-10-31"), "budget": 9_750_000,
        },
        "deliver": {
            "launch": ("2026-08-29", "Aksi Bergizi serentak di SMP Negeri 1 Karangmoncol"),
            "decree": ("agency_head", "440/248/2026", "2026-08-24"), "maturity": "trial",
            "beneficiaries": 780,
            "results": "Enam SMP dan MTs memiliki 48 pendamping sebaya; 780 remaja putri minum TTD bersama setiap "
                       "Jumat dan skrining ulang akhir Juli menemukan 17% anemia.",
            "measures": [("Remaja putri kelas 7 yang anemia", "29%", "17%"),
                         ("Kepatuhan minum TTD mingguan", "34%", "82%"),
                         ("Sekolah dengan pendamping sebaya", "0 sekolah", "6 sekolah")],
            "evidence": [("sk-kadinkes-puspa-ungu.pdf", "Keputusan Kepala Dinas Kesehatan tentang Puspa Ungu", "regulation", "1"),
                         ("hasil-skrining-hb-2026.pdf", "Hasil skrining hemoglobin remaja putri 2026", "monitoring", "1"),
                         ("rekap-kartu-kepatuhan.pdf", "Rekap kartu kepatuhan minum TTD 780 remaja putri", "benefit", "3")],
        },
        "display": {
            "summary": "Puspa Ungu melatih remaja putri menjadi pendamping sebaya di sekolah. Setiap Jumat mereka "
                       "mengajak teman sekelas minum tablet tambah darah bersama dan mencatatnya pada kartu "
                       "kepatuhan yang diperiksa guru UKS dan petugas puskesmas.",
            "highlights": ["Anemia remaja putri kelas 7 turun dari 29% menjadi 17%",
                           "Kepatuhan minum TTD naik dari 34% menjadi 82%",
                           "48 pendamping sebaya di 6 SMP dan MTs"],
            "partners": [("Dinas Pendidikan dan Kebudayaan", "agreement", "PKS dengan enam SMP dan MTs"),
                         ("Kantor Kementerian Agama Kabupaten Purbalingga", "agreement", "Pelaksanaan di MTs"),
                         ("TP PKK Kecamatan Karangmoncol", "outreach", "Penyuluhan gizi bagi orang tua")],
            "sustainability": ["sop", "team"],
            "sustainability_note": "Minum TTD bersama masuk jadwal UKS setiap sekolah; pendamping sebaya dipilih "
                                   "ulang setiap tahun ajaran.",
            "replications": [("Puskesmas Rembang", "2027-01-11", "planned")],
        },
    },
    "Kutasari Sigap": {  # designed, then dropped at the design gate: nothing delivered or displayed
        "design": {
            "kind": "digital", "affair": "civil_registration", "initiator": "asn",
            "objectives": "Warga Kutasari mengambil nomor antrean dan mengisi formulir surat keterangan dari rumah.",
            "benefits": "Warga datang ke kecamatan hanya untuk mengambil surat yang sudah siap.",
            "expected_results": "Pengunjung yang menunggu lebih dari satu jam turun dari 63 menjadi di bawah 15 "
                                "per hari.",
            "trial": ("2026-05-04", "2026-07-31"), "budget": 8_000_000,
            "legal_basis": "agency_head",
            "partners": [("Dinas Kependudukan dan Pencatatan Sipil", "data_sharing", "Data kependudukan warga")],
            "indicators": ["Pengunjung yang menunggu lebih dari satu jam per hari"],
        },
    },
}  # fmt: skip

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")  # fmt: skip


def long_date(iso: str) -> str:
    """A date as an Indonesian text writes it: 2026-09-02 -> 2 September 2026."""
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def lower_first(text: str) -> str:
    """`text` to follow other words: its first letter lower-cased unless its first word is an acronym (IGD, UMKM)."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]
