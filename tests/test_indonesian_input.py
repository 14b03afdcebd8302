"""Answers written the Indonesian way are read and stored in the schema's one form; what can be read two ways gets
a message with an example in the expected form (lab.worksheets.indonesian through the worksheet reader)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from lab.stages import get_stage
from lab.worksheets.markdown import parse_text, validate
from lab.worksheets.render import render_worksheet
from lab.worksheets.spec import Percent, Sheet, field
from tests import factories

CONTEXT = {"team": SimpleNamespace(unit="Dinas Kesehatan", slug="dinkes"),
           "proposal": SimpleNamespace(code="PBG-2026-001", title="Ide 1"), "note": ""}  # fmt: skip


def _text(slug: str, values: dict, lang: str = "id") -> str:
    stage = get_stage(slug)
    meta = {"cohort": "PBG-2026", "stage": slug, "team": "dinkes", "schema": 1, "lang": lang}
    return render_worksheet(stage, lang, meta, stage.schema.model_validate(values).model_dump(), CONTEXT)


def _read(slug: str, text: str, lang: str = "id"):
    stage = get_stage(slug)
    parsed = parse_text(text, stage.schema, lang)
    return parsed, validate(parsed, stage.schema)


@pytest.mark.parametrize(
    "written",
    ["10 Maret 2026", "10 Mar 2026", "10 mar. 2026", "Selasa, 10 Maret 2026", "10 March 2026", "10/03/2026",
     "10-03-2026", "10.03.2026", "2026-03-10", "2026-3-10"],
)  # fmt: skip
def test_a_date_written_the_indonesian_way_is_stored_as_iso(written):
    text = _text("drum-up", factories.drum_up()).replace("2026-03-10", written)
    parsed, model = _read("drum-up", text)
    assert parsed.problems == []
    assert model.commitment_date == dt.date(2026, 3, 10)
    assert model.model_dump(mode="json")["commitment_date"] == "2026-03-10"  # what is stored and exported


def test_a_two_digit_year_gets_an_example_in_the_expected_form():
    text = _text("drum-up", factories.drum_up()).replace("2026-03-10", "03/04/26")
    parsed, model = _read("drum-up", text)
    line = next(n for n, ln in enumerate(text.split("\n"), 1) if ln == "03/04/26")
    assert model is None
    assert [(p.line, p.reason) for p in parsed.problems] == [
        (line, 'Tanggal penandatanganan komitmen: "03/04/26" bisa dibaca lebih dari satu cara; tulis tahunnya '
               "lengkap, misalnya 03/04/2026 (2026-04-03)")
    ]  # fmt: skip


def test_a_date_that_is_no_date_names_the_form_the_sheet_asks_for():
    text = _text("drum-up", factories.drum_up()).replace("2026-03-10", "31/02/2026")
    parsed, model = _read("drum-up", text)
    assert model is None
    reason = parsed.problems[0].reason
    assert reason == (
        'Tanggal penandatanganan komitmen: "31/02/2026" belum terbaca sebagai tanggal; tulis TTTT-BB-HH, '
        "misalnya 2026-10-12"
    )
    assert "TTTT-BB-HH" in text  # the sheet's own hint says the same form


def _budget(written: str) -> tuple:
    values = factories.design()
    values["budget"] = 4242
    text = _text("design", values).replace("\n4242\n", f"\n{written}\n")
    return _read("design", text)


@pytest.mark.parametrize(
    "written,stored",
    [("Rp 15.000.000", 15_000_000), ("Rp15.000.000,-", 15_000_000), ("Rp. 15.000.000,00", 15_000_000),
     ("15.000.000", 15_000_000), ("15 juta", 15_000_000), ("1,5 miliar", 1_500_000_000),
     ("2,5 jt", 2_500_000), ("750 ribu", 750_000), ("1.500", 1_500), ("15000000", 15_000_000),
     ("1,500,000", 1_500_000)],
)  # fmt: skip
def test_an_amount_written_the_indonesian_way_is_stored_as_a_number(written, stored):
    parsed, model = _budget(written)
    assert parsed.problems == []
    assert model.budget == stored and model.model_dump(mode="json")["budget"] == stored


def test_an_amount_with_sen_in_a_whole_number_field_says_so():
    parsed, model = _budget("15.000.000,50")
    assert model is None
    assert parsed.problems[0].reason == (
        'Anggaran (Rp, opsional): "15000000.5" bukan bilangan bulat; tulis tanpa pecahan, misalnya 15000000'
    )


def test_a_comma_group_that_could_be_thousands_or_a_fraction_gets_an_example():
    parsed, model = _budget("1,500")
    assert model is None
    assert parsed.problems[0].reason == (
        'Anggaran (Rp, opsional): "1,500" bisa berarti 1500 atau 1,500; tulis tanpa titik, misalnya 1500'
    )


class Rates(Sheet):
    """A sheet with a fraction and a percentage, as an indicator table has."""

    share: Percent = field("Cakupan layanan", "Service coverage")
    amount: float = field("Nilai", "Value")


@pytest.mark.parametrize(
    "share,amount,stored",
    [("85%", "15.000.000,50", (85.0, 15_000_000.5)), ("85 %", "1,5 juta", (85.0, 1_500_000.0)),
     ("85,5%", "0,75", (85.5, 0.75)), ("100", "2.000.000", (100.0, 2_000_000.0))],
)  # fmt: skip
def test_percentages_and_fractions_are_read(share, amount, stored):
    text = f"---\nteam: x\n---\n\n## Cakupan {{#share}}\n\n{share}\n\n## Nilai {{#amount}}\n\n{amount}\n"
    parsed = parse_text(text, Rates, "id")
    model = validate(parsed, Rates)
    assert parsed.problems == [] and (model.share, model.amount) == stored


def test_a_dot_group_in_a_field_that_takes_fractions_is_ambiguous():
    text = "---\nteam: x\n---\n\n## Cakupan {#share}\n\n50%\n\n## Nilai {#amount}\n\n1.500\n"
    parsed = parse_text(text, Rates, "en")
    assert validate(parsed, Rates) is None
    assert [p.reason for p in parsed.problems] == [
        'Value: "1.500" could mean 1500 or 1,500; write it without separators, e.g. 1500'
    ]


@pytest.mark.parametrize("tick", ["x", "X", "v", "V", "✓", "✔"])
def test_every_common_tick_ticks(tick):
    text = _text("drum-up", factories.drum_up()).replace("- [x] Ya {#yes}", f"- [{tick}] Ya {{#yes}}")
    assert f"[{tick}] Ya" in text
    parsed, model = _read("drum-up", text)
    assert parsed.problems == [] and model.committed is True


def test_a_score_is_still_a_plain_number():
    values = factories.diagnose()
    text = _text("diagnose", values)
    parsed, model = _read("diagnose", text)
    assert parsed.problems == [] and model.readiness_leadership == values["readiness_leadership"]
