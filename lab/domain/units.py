"""The kinds of unit that send an innovation team to a lab, named in Bahasa Indonesia and English.

A roster's `unit_type` column holds one of these ids (anything else is refused); the showcase filters and
labels the innovations by them. The order is the one the roster's error message lists them in.
"""

from __future__ import annotations

UNIT_TYPES: dict[str, dict[str, str]] = {
    "opd": {"id": "Perangkat daerah (OPD)", "en": "Regional agency (OPD)"},
    "kecamatan": {"id": "Kecamatan", "en": "Sub-district"},
    "kelurahan": {"id": "Kelurahan", "en": "Urban village"},
    "desa": {"id": "Desa", "en": "Village"},
    "puskesmas": {"id": "Puskesmas", "en": "Community health centre"},
    "rsud": {"id": "RSUD", "en": "Regional hospital"},
    "upt": {"id": "UPT", "en": "Technical unit"},
    "bumd": {"id": "BUMD", "en": "Regional enterprise"},
    "other": {"id": "Lainnya", "en": "Other"},
}
"""Unit type id -> its label per language."""
