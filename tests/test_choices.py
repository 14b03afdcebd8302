"""Labelled choices declared once (lab.worksheets.spec.Choices): type, field, labels and JSON Schema agree."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lab.stages import STAGES
from lab.worksheets.spec import Choices, Sheet, describe

COLOUR = Choices(red=("Merah", "Red"), green=("Hijau", "Green"), blue=("Biru", "Blue"))


class Paint(Sheet):
    colour: COLOUR.type = COLOUR.field("Warna", "Colour", "Pilih satu.", "Choose one.")
    extras: list[COLOUR.type] = COLOUR.field(
        "Warna lain", "Other colours", json_schema_extra={"uniqueItems": True}
    )


def test_values_and_labels_keep_declaration_order():
    assert COLOUR.values == ("red", "green", "blue")
    assert COLOUR.labels == {"red": {"id": "Merah", "en": "Red"}, "green": {"id": "Hijau", "en": "Green"},
                             "blue": {"id": "Biru", "en": "Blue"}}  # fmt: skip


def test_the_type_accepts_only_the_values():
    assert Paint(colour="green", extras=["red", "blue"]).colour == "green"
    with pytest.raises(ValidationError):
        Paint(colour="purple", extras=[])
    with pytest.raises(ValidationError):
        Paint(colour="red", extras=["purple"])


def test_the_field_carries_labels_and_options_into_json_schema():
    props = Paint.model_json_schema()["properties"]
    colour, extras = props["colour"], props["extras"]
    assert colour["enum"] == ["red", "green", "blue"]
    assert colour["options"] == COLOUR.labels
    assert colour["labels"] == {"id": "Warna", "en": "Colour"}
    assert colour["help"] == {"id": "Pilih satu.", "en": "Choose one."}
    assert colour["title"] == "Colour" and colour["description"] == "Choose one."
    # a checklist: the options with the field's own keywords beside them
    assert extras["options"] == COLOUR.labels and extras["uniqueItems"] is True
    assert extras["items"]["enum"] == ["red", "green", "blue"]


def test_describe_reads_a_choice_and_a_checklist():
    colour, extras = describe(Paint)
    assert (colour.kind, colour.options, colour.option_labels) == ("choice", COLOUR.values, COLOUR.labels)
    assert (extras.kind, extras.options) == ("multi", COLOUR.values)
    assert colour.option_label("green", "id") == "Hijau" and extras.option_label("blue", "en") == "Blue"


def test_every_stage_choice_labels_each_option_in_both_languages():
    choices = [s for stage in STAGES for s in describe(stage.schema) if s.kind in ("choice", "multi")]
    assert {s.id for s in choices} >= {
        "form",
        "kind",
        "affair",
        "initiator",
        "principles",
        "decree_level",
        "maturity",
    }
    for spec in choices:
        assert spec.option_labels is not None and list(spec.option_labels) == list(spec.options), spec.id
        for value in spec.options:
            assert spec.option_labels[value]["id"] and spec.option_labels[value]["en"], (spec.id, value)
