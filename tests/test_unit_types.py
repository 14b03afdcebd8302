"""Unit types are listed once (lab.domain.units): the roster accepts exactly them, the showcase labels them."""

from __future__ import annotations

import pytest

from lab.domain.errors import RosterError
from lab.domain.units import UNIT_TYPES
from lab.outputs.showcase_text import option_label
from lab.workflow.roster import parse_roster

HEAD = "unit,unit_type,member,role,email\n"


def test_every_unit_type_has_a_label_in_both_languages():
    assert list(UNIT_TYPES)[:3] == ["opd", "kecamatan", "kelurahan"] and "puskesmas" in UNIT_TYPES
    for kind, labels in UNIT_TYPES.items():
        assert set(labels) == {"id", "en"} and all(labels.values()), kind


@pytest.mark.parametrize("kind", list(UNIT_TYPES))
def test_the_roster_accepts_each_unit_type_in_any_case(kind):
    units = parse_roster(f"{HEAD}Unit Uji,{kind.upper()},Budi,Ketua,\n".encode(), "roster.csv")
    assert [(u.name, u.unit_type) for u in units] == [("Unit Uji", kind)]


def test_the_roster_refuses_another_type_naming_the_listed_ones():
    with pytest.raises(RosterError) as exc:
        parse_roster(f"{HEAD}Dinas X,dinas,Budi,Ketua,\n".encode(), "roster.csv")
    assert str(exc.value) == f"roster.csv:2: unit_type 'dinas' is not one of {', '.join(UNIT_TYPES)}"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_showcase_shows_the_same_labels(lang):
    assert {k: option_label("unit_type", k, lang) for k in UNIT_TYPES} == {
        k: v[lang] for k, v in UNIT_TYPES.items()
    }
