"""The export's profile columns come from the stage schemas; a field id that is not there stops the import."""

from __future__ import annotations

import pytest

from lab.outputs import export
from lab.stages import get_stage
from lab.worksheets.spec import describe


def test_each_profile_column_is_a_field_of_its_stage():
    assert len(export.PROFILE_COLUMNS) == len(export.PROFILE_FIELDS)
    for (slug, fid), col in zip(export.PROFILE_FIELDS, export.PROFILE_COLUMNS, strict=True):
        assert col.stage == slug and col.spec in describe(get_stage(slug).schema) and col.spec.id == fid
    assert export.BASE_COLUMNS[5:-3] == tuple(c.name for c in export.PROFILE_COLUMNS)


@pytest.mark.parametrize(
    "fields,message",
    [
        ((("design", "nope"),), "export column ('design', 'nope'): the design worksheet has no field 'nope'"),
        (
            (("deliver", "form"),),
            "export column ('deliver', 'form'): the deliver worksheet has no field 'form'",
        ),
        (
            (("diagnose", "problems"),),
            "export column ('diagnose', 'problems'): a profile carries no answers of 'diagnose'",
        ),
    ],
)
def test_an_unknown_field_fails_loudly(monkeypatch, fields, message):
    monkeypatch.setattr(export, "PROFILE_FIELDS", fields)
    with pytest.raises(LookupError) as exc:
        export._profile_columns()
    assert str(exc.value) == message


def test_a_yes_no_column_must_answer_every_value(monkeypatch):
    monkeypatch.setattr(export, "YES_NO", {("design", "kind"): ("digital", {"digital": "yes"})})
    with pytest.raises(LookupError, match="say yes or no for each of digital, non_digital"):
        export._profile_columns()


def test_cells_follow_the_field_kind():
    cols = {c.name: c for c in export.PROFILE_COLUMNS}
    design = {"form": "public_service", "kind": "non_digital", "trial_start": "2026-01-05"}
    assert cols["form"].value(design, "id") == "Inovasi pelayanan publik"
    assert cols["form"].value(design, "en") == "Public-service innovation"
    assert cols["digital"].value(design, "en") == "no" and cols["digital"].value({}, "en") == ""
    assert (
        cols["trial_start"].value(design, "en") == "2026-01-05"
        and cols["objectives"].value(design, "en") == ""
    )
    assert cols["beneficiaries"].value({"beneficiaries": 0}, "en") == 0
    assert cols["beneficiaries"].value({}, "en") == ""
