"""Content of the demo cohort. Unit and innovation names follow real Kabupaten Purbalingga entries
(KIPP 2023, see shared/DOMAIN.md §7); the people, figures and descriptions are invented for the demo."""

from __future__ import annotations

REGION, YEAR, CODE = "Kabupaten Purbalingga", 2026, "PBG"
PRESENTATION = "2026-09-02"  # the teams present to the jury ([schedule] presentation in cohort.toml)
FACILITATOR = "Dr. Ratna Wulandari (LAN)"
COORDINATORS = ["Ir. Bambang Hermanto (Bappelitbangda)", "Dra. Sri Rahayu (LAN)", "Prof. Agus Salim (Unsoed)"]
# novelty, benefit, collaboration, replicability, mastery per coordinator and innovation (1-10)
SCORES = {
    "Puspita": [(8, 9, 7, 8, 8), (7, 9, 8, 7, 8), (9, 8, 7, 8, 9)],
    "Gemah Ripah": [(6, 8, 9, 7, 7), (7, 7, 8, 8, 7), (6, 8, 8, 7, 8)],
    "Laskar Fast Track": [(9, 9, 8, 7, 9), (8, 9, 9, 8, 8), (9, 9, 8, 8, 9)],
    "Si Purba": [(7, 8, 7, 9, 7), (8, 7, 7, 9, 8), None],
    "Puspa Ungu": [(8, 7, 8, 9, 8), (7, 8, 7, 9, 7), (8, 8, 8, 8, 8)],
}

UNITS = [
    # unit, type, members [(name, role)], head, service areas, problems [(title, data, affected, causes)],
    # ideas [(name, description, target users, forward?, number of the problem it answers)]
    {
        "unit": "Puskesmas Karangreja", "type": "puskesmas",
        "members": [("drg. Wahyu Hidayat", "Ketua"), ("Sri Handayani, Amd.Keb", "Anggota"), ("Agus Pranoto, SKM", "Anggota")],
        "head": ("drg. Wahyu Hidayat", "Kepala Puskesmas Karangreja"),
        "services": ["Pelayanan kesehatan ibu dan anak", "Imunisasi", "Posyandu"],
        "problems": [
            ("Pemeriksaan kehamilan pertama terlambat", "Tahun 2025 baru 71% ibu hamil memeriksakan diri pada trimester pertama (target 95%).", "Ibu hamil di desa perbukitan",
             ["Jarak ke puskesmas jauh", "Bidan desa tidak punya data kehamilan baru"]),
            ("Balita gizi kurang", "Penimbangan Agustus 2025 menemukan 9,4% balita gizi kurang di 7 desa.", "Balita dan ibunya",
             ["MP-ASI kurang beragam", "Ibu balita jarang ikut penyuluhan gizi"]),
        ],
        "ideas": [
            ("Puspita", "Pendampingan ibu hamil oleh kader desa yang melapor lewat pesan singkat sehingga bidan dapat menjemput pemeriksaan pertama.", "Ibu hamil dan kader posyandu", True, 1),
            ("Kelas Gizi Balita", "Kelas memasak makanan pendamping ASI dari bahan lokal di posyandu.", "Ibu balita", False, 2),
        ],
    },
    {
        "unit": "Puskesmas Pengadegan", "type": "puskesmas",
        "members": [("dr. Fitri Nurhayati", "Ketua"), ("Bambang Sutrisno, AMKL", "Anggota")],
        "head": ("dr. Fitri Nurhayati", "Kepala Puskesmas Pengadegan"),
        "services": ["Kesehatan lingkungan", "Pengendalian penyakit menular"],
        "problems": [("Kasus diare balita tinggi", "Tercatat 214 kasus diare balita pada 2025, naik 18% dari 2024; 61 kasus di antaranya pada triwulan terakhir.", "Balita dan keluarganya",
                      ["Akses air bersih terbatas", "Perilaku cuci tangan rendah"])],
        "ideas": [("Gemah Ripah", "Gerakan rumah sehat bersama tokoh agama dan karang taruna dengan pemantauan jamban dan air bersih per RT.", "Keluarga dengan balita", True, 1)],
    },
    {
        "unit": "RSUD dr. Goeteng Taroenadibrata", "type": "rsud",
        "members": [("dr. Teguh Santoso, Sp.PD", "Ketua"), ("Ns. Dewi Kartika", "Anggota"), ("Hendra Wijaya, S.Kom", "Anggota")],
        "head": ("dr. Teguh Santoso, Sp.PD", "Direktur RSUD dr. Goeteng Taroenadibrata"),
        "services": ["Instalasi gawat darurat", "Rawat jalan"],
        "problems": [("Waktu tunggu pasien gawat darurat lama", "Rata-rata 47 menit dari kedatangan sampai penanganan dokter pada triase kuning (2025).", "Pasien IGD",
                      ["Alur triase manual", "Rujukan puskesmas tidak diberitahukan lebih dulu"])],
        "ideas": [("Laskar Fast Track", "Jalur cepat pasien rujukan: puskesmas mengirim data pasien sebelum tiba sehingga tim IGD siap menerima.", "Pasien rujukan dan puskesmas", True, 1)],
    },
    {
        "unit": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "type": "opd",
        "members": [("Yuliana Prasetyo, S.Sos", "Ketua"), ("Rizky Ramadhan, S.T", "Anggota")],
        "head": ("Drs. Sugeng Riyadi, M.Si", "Kepala DPMPTSP"),
        "services": ["Perizinan berusaha", "Pengaduan layanan perizinan"],
        "problems": [("Perizinan UMKM lambat", "Izin usaha mikro rata-rata selesai dalam 9 hari kerja; 38% pemohon datang lebih dari dua kali.", "Pelaku usaha mikro",
                      ["Persyaratan tidak jelas", "Berkas diperiksa berulang"])],
        "ideas": [("Si Purba", "Layanan perizinan keliling dan pendampingan daring untuk UMKM dengan daftar periksa persyaratan yang sama di semua loket.", "Pelaku UMKM", True, 1)],
    },
    {
        "unit": "Puskesmas Karangmoncol", "type": "puskesmas",
        "members": [("dr. Anita Rahmawati", "Ketua"), ("Lestari Wulandari, Amd.Keb", "Anggota")],
        "head": ("dr. Anita Rahmawati", "Kepala Puskesmas Karangmoncol"),
        "services": ["Kesehatan remaja", "Pencegahan anemia"],
        "problems": [("Anemia pada remaja putri", "Skrining 2025 menemukan 29% remaja putri kelas 7 anemia.", "Remaja putri SMP",
                      ["Tablet tambah darah tidak diminum", "Pola makan kurang zat besi"])],
        "ideas": [("Puspa Ungu", "Pendamping sebaya di sekolah yang mengingatkan minum tablet tambah darah setiap Jumat dan mencatatnya.", "Remaja putri", True, 1)],
    },
    {
        "unit": "Kecamatan Kutasari", "type": "kecamatan",
        "members": [("Heru Susanto, S.IP", "Ketua"), ("Nur Aini, S.E", "Anggota")],
        "head": ("Heru Susanto, S.IP", "Camat Kutasari"),
        "services": ["Administrasi kependudukan di kecamatan", "Pelayanan surat keterangan"],
        "problems": [("Antrean surat keterangan di kantor kecamatan", "Rata-rata 63 pengunjung per hari menunggu lebih dari satu jam (2025).", "Warga Kutasari",
                      ["Formulir diisi di tempat", "Hanya satu petugas loket"])],
        "ideas": [("Kutasari Sigap", "Pengambilan nomor antrean dan pengisian formulir dari rumah lewat aplikasi pesan.", "Warga Kutasari", True, 1)],
    },
]  # fmt: skip

DESIGN_PARAGRAPHS = [
    "{name} dirancang oleh tim {unit} untuk menjawab masalah {problem}. Rancangan ini berangkat dari data layanan tahun lalu dan dari diskusi dengan {users} yang selama ini merasakan langsung hambatan layanan. Tim memetakan alur layanan yang berjalan sekarang, menandai langkah yang paling banyak membuang waktu, lalu menyusun alur baru yang lebih sederhana dan dapat dipantau setiap minggu oleh pimpinan unit.",
    "Inti perubahannya adalah sebagai berikut: {idea} Dengan cara ini petugas tidak lagi menunggu warga datang, tetapi menjemput kebutuhan layanan sejak awal. Setiap langkah dicatat dalam satu lembar pemantauan bersama sehingga kepala unit dapat melihat kemajuan, hambatan dan capaian tanpa harus meminta laporan terpisah dari setiap petugas.",
    "Pelaksanaan dibagi dalam tiga tahap. Tahap pertama adalah persiapan: penetapan tim, penyusunan petunjuk teknis, pelatihan petugas dan kader, serta sosialisasi kepada warga melalui perangkat desa, tokoh masyarakat dan media sosial resmi pemerintah daerah. Tahap kedua adalah uji coba dari {trial_from} sampai {trial_to} di wilayah yang paling terdampak, dengan evaluasi bulanan bersama Bappelitbangda. Tahap ketiga adalah penerapan di seluruh wilayah kerja, disertai penetapan {legal_basis} agar inovasi tetap berjalan ketika terjadi pergantian pejabat.",
    "Inovasi ini melibatkan banyak pihak: {partners}. Sementara itu warga memberi masukan melalui survei kepuasan dan kanal pengaduan. Anggaran yang dibutuhkan kecil karena memanfaatkan sarana yang sudah ada, terutama telepon genggam petugas, ruang pertemuan desa dan jaringan kader yang telah terbentuk. Risiko utama adalah menurunnya semangat petugas setelah masa uji coba; untuk itu tim menyiapkan penghargaan bulanan bagi petugas dan kader terbaik serta berbagi hasil secara terbuka.",
    "Keberhasilan diukur dengan indikator yang sederhana dan dapat diperiksa: {indicators}. Data dikumpulkan setiap bulan dan dibandingkan dengan kondisi sebelum inovasi. Bila hasil uji coba baik, tim akan menyusun panduan replikasi agar unit lain di {region} maupun daerah lain dapat meniru {name} dengan penyesuaian seperlunya, sejalan dengan prinsip inovasi daerah dalam PP 38/2017.",
]
