"""The worksheet format: render → parse is an exact round trip, and every problem has a line and a reason."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lab.stages import STAGES, get_stage
from lab.worksheets.markdown import Parsed, decode, parse_text, validate
from lab.worksheets.render import render_worksheet
from lab.worksheets.spec import describe
from tests import factories

META = {"cohort": "PBG-2026", "stage": "x", "team": "dinkes", "schema": 1, "lang": "id"}
CONTEXT = {"team": SimpleNamespace(unit="Dinas Kesehatan"),
           "proposal": SimpleNamespace(code="PBG-2026-001", title="Puspita"), "note": ""}  # fmt: skip


def render(stage, values, lang="id") -> str:
    return render_worksheet(stage, lang, META | {"stage": stage.slug}, values, CONTEXT)


def parse(stage, text):
    parsed = parse_text(text, stage.schema)
    return parsed, validate(parsed, stage.schema)


# Text that participants type: any printable characters, markdown-looking lines included.
line_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40
).map(lambda s: s if s.strip() else "x" + s)
para_text = st.lists(
    st.one_of(
        line_text,
        st.sampled_from(
            ["# judul", "> kutipan", "\\x", "## x {#title}", "- [x] a {#b}", "---", "{{ 7*7 }}", ""]
        ),
    ),
    min_size=1,
    max_size=6,
).map("\n".join)


def value_strategy(spec):
    """Values a participant could give for a field spec."""
    if spec.kind == "records":
        return st.lists(st.fixed_dictionaries({s.id: value_strategy(s) for s in spec.record_fields}),
                        min_size=1, max_size=3)  # fmt: skip
    if spec.kind == "choice":
        return st.booleans() if spec.python is bool else st.sampled_from(spec.options)
    if spec.kind == "multi":
        return st.lists(st.sampled_from(spec.options), unique=True)
    if spec.kind == "list":
        return st.lists(line_text.map(str.strip), min_size=1, max_size=4)
    if spec.python is dt.date:
        return st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))
    if spec.python is int:
        return st.integers(1, 5)
    return para_text


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.slug)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_render_then_parse_gives_back_the_same_worksheet(stage, data):
    values = {s.id: data.draw(value_strategy(s), label=s.id) for s in describe(stage.schema)}
    if stage.slug == "diagnose":
        values["problems"] = values["problems"][:1]
        values["ideas"] = [dict(i, problem=1, title=f"ide {n}") for n, i in enumerate(values["ideas"])]
    if stage.slug == "design":
        values["design"] = factories.words(300) + "\n\n" + values["design"]
        values["principles"] = list(describe(stage.schema)[-2].options)
    if stage.slug == "display":
        values["summary"] = " ".join(values["summary"].split())[:150] or "ringkas"
    try:
        model = stage.schema.model_validate(values)
    except ValueError:
        return  # not a valid worksheet in the first place (e.g. a name that is only spaces)
    lang = data.draw(st.sampled_from(["id", "en"]))
    text = render(stage, model.model_dump(), lang)
    parsed, again = parse(stage, text)
    assert parsed.problems == []
    assert again == model
    assert render(stage, again.model_dump(), lang) == text


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.slug)
def test_a_blank_worksheet_parses_without_answers(stage):
    parsed, model = parse(stage, render(stage, {}))
    assert model is None
    assert all("required" in p.reason for p in parsed.problems)


def _filled(slug="drum-up") -> str:
    stage = get_stage(slug)
    return render(stage, stage.schema.model_validate(factories.ANSWERS[slug]()).model_dump())


def _problems(text: str, slug="drum-up"):
    parsed, model = parse(get_stage(slug), text)
    assert model is None
    return [(p.line, p.reason) for p in parsed.problems]


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


def test_wrong_date_names_the_field_and_its_line():
    text = _filled().replace("2026-03-10", "kemarin")
    assert _problems(text) == [
        (_line_of(text, "{#commitment_date}"),
         'Date the commitment was signed: "kemarin" could not be read as a date; write YYYY-MM-DD, e.g. 2026-10-12')
    ]  # fmt: skip


def test_unknown_duplicate_and_missing_fields_are_each_reported():
    text = _filled()
    text = text.replace("{#signatory_position}", "{#jabatan}")
    text += "\n## Lagi {#service_areas}\n\n- X\n"
    problems = _problems(text)
    reasons = [r for _, r in problems]
    assert (
        _line_of(text, "{#jabatan}"),
        "unknown field id {#jabatan}; restore the original heading",
    ) in problems
    assert any(r.startswith("Services the team owns: this field's heading appears twice") for r in reasons)
    assert (
        text.split("\n").index("---", 1) + 2,  # the first line after the front matter
        "Position: this field's heading is missing; restore the line '## Position {#signatory_position}'",
    ) in problems


def test_two_ticks_on_a_single_choice_are_refused():
    text = _filled().replace("- [ ] Tidak {#no}", "- [x] Tidak {#no}")
    assert _problems(text) == [
        (
            _line_of(text, "{#committed}"),
            "The unit commits to all stages of the innovation lab: tick only one option (2 are ticked)",
        )
    ]


def test_text_outside_any_field_is_reported_not_lost():
    text = _filled().replace("## Kepala unit", "jawaban nyasar\n\n## Kepala unit")
    assert (
        _line_of(text, "jawaban nyasar"),
        "text outside any field; write answers under a field heading",
    ) in _problems(text)


def test_front_matter_must_be_there_and_be_yaml():
    text = _filled()
    assert _problems(text.split("---\n", 2)[2])[0] == (
        1,
        "missing front matter: the file must start with a '---' line",
    )
    broken = text.replace("team: dinkes", "team: [dinkes")
    assert _problems(broken)[0][1].startswith("front matter is not valid YAML")


def test_bom_and_crlf_are_accepted():
    text = _filled()
    data = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    parsed = Parsed()
    decoded = decode(data, parsed)
    assert parsed.problems == [] and decoded == text
    assert parse(get_stage("drum-up"), decoded)[1] is not None


def test_non_utf8_bytes_name_their_line():
    data = _filled().encode().replace(b"Imunisasi", b"Imunisasi \xff")
    parsed = Parsed()
    assert decode(data, parsed) is None
    text = _filled()
    assert [(p.line, p.reason) for p in parsed.problems] == [
        (_line_of(text, "- Imunisasi"), "not UTF-8 text (byte 0xff); save the file as UTF-8")
    ]


def test_a_huge_file_is_refused_with_its_size():
    parsed = Parsed()
    assert decode(b"x" * 50_000_000, parsed) is None
    assert parsed.problems[0].reason == "file is 50.0 MB; worksheets are limited to 2 MB"


def test_heading_and_quote_lines_inside_answers_are_escaped_and_come_back():
    stage = get_stage("display")
    values = factories.display() | {"summary": "# bukan judul > bukan kutipan"}
    model = stage.schema.model_validate(values)
    text = render(stage, model.model_dump())
    assert "\\# bukan judul" in text
    assert parse(stage, text)[1].summary == "# bukan judul > bukan kutipan"


def test_template_syntax_typed_by_a_team_is_kept_as_text():
    stage = get_stage("display")
    model = stage.schema.model_validate(factories.display() | {"summary": "{{ 7*7 }} {% raw %}"})
    text = render(stage, model.model_dump())
    assert "{{ 7*7 }} {% raw %}" in text and "49" not in text


def test_english_worksheets_keep_the_same_field_ids():
    stage = get_stage("design")
    ids = lambda text: [ln.rsplit("{#", 1)[1].rstrip("}") for ln in text.split("\n") if ln.startswith("## ")]  # noqa: E731
    assert (
        ids(render(stage, {}, "id")) == ids(render(stage, {}, "en")) == [s.id for s in describe(stage.schema)]
    )
    assert "## Name of the innovation {#title}" in render(stage, {}, "en")


def test_ideas_must_point_at_listed_problems():
    values = factories.diagnose()
    values["ideas"][0]["problem"] = 3
    text = render(get_stage("diagnose"), values)
    reasons = [r for _, r in _problems(text, "diagnose")]
    assert reasons == ["Worksheet: idea 1 (Ide 1) answers problem 3, but only 1 problem(s) are listed"]
