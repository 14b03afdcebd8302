"""Plain factory functions: rosters and valid answers for every stage."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lab.stages.design import PRINCIPLE

UNIT_TYPES = ("opd", "kecamatan", "puskesmas", "rsud", "bumd", "kelurahan", "upt")
WORDS = ("layanan warga pelayanan data kader desa puskesmas waktu antrean izin usaha ibu anak sekolah "
         "petugas laporan pemantauan evaluasi uji coba penerapan manfaat sasaran").split()  # fmt: skip


def roster_csv(n_units: int, members: int = 2) -> str:
    """A roster of `n_units` units with `members` people each."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["unit", "unit_type", "member", "role", "email"])
    for i in range(1, n_units + 1):
        for j in range(members):
            w.writerow([f"Unit Uji {i:03d}", UNIT_TYPES[i % len(UNIT_TYPES)], f"Pegawai {i}-{j}",
                        "Ketua" if j == 0 else "Anggota", f"p{i}.{j}@example.go.id"])  # fmt: skip
    return out.getvalue()


def write_roster(path: Path, n_units: int, members: int = 2) -> Path:
    path.write_text(roster_csv(n_units, members), encoding="utf-8")
    return path


def words(n: int, seed: int = 0) -> str:
    return " ".join(WORDS[(seed + i * 7) % len(WORDS)] for i in range(n))


def drum_up(members: int = 2) -> dict:
    return {
        "signatory": "dr. Hanung Wikantono", "signatory_position": "Kepala Dinas", "commitment_date": "2026-03-10",
        "committed": True, "service_areas": ["Imunisasi", "Posyandu"],
        "members": [{"name": f"Anggota {k}", "role": "Anggota", "email": None} for k in range(members)],
    }  # fmt: skip


def diagnose(ideas: int = 2, forward: int = 1) -> dict:
    return {
        "readiness_leadership": 4, "readiness_culture": 3, "readiness_resources": 3, "readiness_data": 2,
        "readiness_collaboration": 5,
        "problems": [{"title": "Antrean panjang", "data": "63 pengunjung per hari (2025).", "affected": "Warga",
                      "causes": ["Satu loket"], "urgency": 5, "impact": 4, "feasibility": 3}],
        "ideas": [{"title": f"Ide {k}", "description": "Antrean daring.", "problem": 1, "target_users": "Warga",
                   "forward": k <= forward} for k in range(1, ideas + 1)],
    }  # fmt: skip


def design(title: str = "Ide 1") -> dict:
    return {
        "title": title, "problem": "Antrean panjang", "form": "public_service", "kind": "digital",
        "affair": "civil_registration", "initiator": "agency", "design": words(320),
        "main_changes": "Nomor antrean dari rumah.", "objectives": "Memangkas antrean.", "benefits": "Warga hemat waktu.",
        "expected_results": "Waktu tunggu di bawah 15 menit.", "trial_start": "2026-05-04", "budget": 15000000,
        "principles": list(PRINCIPLE.values),
        "milestones": [{"what": "Uji coba", "owner": "Ketua tim", "due": "2026-07-31"}],
    }  # fmt: skip


def deliver(files: tuple[str, ...] = ("sk.pdf",)) -> dict:
    return {
        "launch_date": "2026-09-01", "launch_event": "Peluncuran oleh Bupati", "decree": "800/1/2026",
        "decree_level": "agency_head", "maturity": "trial", "beneficiaries": 420, "results": "Antrean turun.",
        "measures": [{"indicator": "Waktu tunggu", "before": "60 menit", "after": "15 menit"}],
        "evidence": [{"file": f, "proves": "Penetapan"} for f in files],
    }  # fmt: skip


def display() -> dict:
    return {"summary": "Warga mengambil nomor antrean dari rumah.", "highlights": ["Antrean turun 75%"],
            "contact": "Ketua tim (ketua@example.go.id)"}  # fmt: skip


ANSWERS = {
    "drum-up": drum_up,
    "diagnose": diagnose,
    "design": design,
    "deliver": deliver,
    "display": display,
}
