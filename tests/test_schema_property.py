"""`lab schema STAGE --json` states what the engine checks.

Answers generated from the printed JSON Schema alone are accepted by the stage's model unless they break a rule
the schema lists in words under "x-rules" (each rule has a predicate here, and breaking it is refused), and the
accepted answers come back unchanged through the worksheet file: render -> parse -> validate.
"""

from __future__ import annotations

import json
import os
import re
from types import SimpleNamespace

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from pydantic import ValidationError
from typer.testing import CliRunner

from lab.cli import app
from lab.stages import SLUGS, get_stage
from lab.worksheets.markdown import MAX_BYTES, Parsed, decode, parse_text, validate
from lab.worksheets.render import render_worksheet
from lab.worksheets.spec import TEXT_PATTERN, words_at_least
from tests import factories

EXAMPLES = int(os.environ.get("LAB_SCHEMA_EXAMPLES", "30"))
SURROGATE = re.compile("[\ud800-\udfff]")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


# A predicate per rule listed in words: True when the answers keep the rule. None: the rule is about files on
# disk, checked at ingest (tests/test_hostile_corpus.py EVIDENCE cases), not by the model.
RULES = {
    "idea-problem-exists": lambda a: all(i["problem"] <= len(a["problems"]) for i in a["ideas"]),
    "idea-names-unique": lambda a: (
        len({i["title"].strip().casefold() for i in a["ideas"]}) == len(a["ideas"])
    ),
    "trial-period-order": lambda a: a.get("trial_end") is None or a["trial_end"] >= a["trial_start"],
    "unicode": lambda a: not any(SURROGATE.search(s) for s in _strings(a)),
    "file-size": None,  # checked below on the written file
    "evidence-on-disk": None,
    "evidence-size": None,
}


# Hypothesis cannot draw a 300-word string from the pattern in reasonable time (its choice buffer overruns), so
# a property with a minimum word count is drawn as a Text from the schema and then padded with one-character
# words; the whole answers are then checked against the printed schema as printed.
SPACES = [c for c in map(chr, range(0x3001)) if c.isspace()]
PADDING_WORD = st.tuples(st.sampled_from(SPACES),
                         st.characters(exclude_categories=("Cs",), exclude_characters=[*SPACES, "\x00"]))  # fmt: skip


def _assisted(schema: dict):
    """The answers strategy: from_schema, with word-count minimums padded as described above."""
    relaxed, minimums = json.loads(json.dumps(schema)), {}
    for name, prop in relaxed["properties"].items():
        m = re.search(r"\)\{(\d+)\}", prop.get("pattern", ""))
        if m and prop["pattern"] == words_at_least(int(m.group(1)) + 1):
            minimums[name], prop["pattern"] = int(m.group(1)) + 1, TEXT_PATTERN

    @st.composite
    def answers(draw):
        drawn = draw(from_schema(relaxed))
        for name, n in minimums.items():
            if isinstance(drawn.get(name), str):
                drawn[name] += "".join(map("".join, draw(st.lists(PADDING_WORD, min_size=n, max_size=n + 3))))
        return drawn

    return answers()


def _json_schema(slug: str) -> dict:
    result = CliRunner().invoke(app, ["schema", slug, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _render(stage, lang: str, values: dict) -> str:
    meta = {
        "cohort": "PBG-2026",
        "stage": stage.slug,
        "team": "unit-uji-001",
        "schema": stage.version,
        "lang": lang,
    }
    if stage.granularity == "proposal":
        meta["proposal"] = "PBG-2026-001"
    context = {"team": SimpleNamespace(unit="Unit Uji 001", slug="unit-uji-001"),
               "proposal": SimpleNamespace(code="PBG-2026-001", title="Ide 1"), "note": ""}  # fmt: skip
    return render_worksheet(stage, lang, meta, values, context)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_listed_rule_has_a_predicate_and_the_schema_is_a_json_schema(slug):
    schema = _json_schema(slug)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    listed = [r["id"] for r in schema["x-rules"]]
    assert listed == [r.id for r in get_stage(slug).schema.rules()] and set(listed) <= set(RULES)
    for rule in schema["x-rules"]:
        assert set(rule["text"]) == {"id", "en"} and all(rule["text"].values())


@pytest.mark.parametrize("slug", SLUGS)
def test_the_factories_answers_fit_the_schema(slug):
    """The answers the suite uses everywhere are valid under the printed schema (a check of the schema too)."""
    jsonschema.validate(
        factories.ANSWERS[slug](), _json_schema(slug), format_checker=jsonschema.FormatChecker()
    )


@pytest.mark.parametrize("slug", SLUGS)
def test_answers_generated_from_the_json_schema_are_accepted_and_survive_the_worksheet(slug):
    stage = get_stage(slug)
    schema = _json_schema(slug)
    listed = [r["id"] for r in schema["x-rules"]]
    checks = {rid: RULES[rid] for rid in listed if RULES[rid] is not None}
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
    @given(answers=_assisted(schema), lang=st.sampled_from(("id", "en")))
    def accepted(answers, lang):
        assert validator.is_valid(answers)  # the generator and the validator agree on the schema
        broken = [rid for rid, keeps in checks.items() if not keeps(answers)]
        try:
            model = stage.schema.model_validate(answers)
        except ValidationError as exc:
            assert broken, f"the JSON Schema allows answers the engine refuses: {exc}"
            return
        assert not broken, f"the engine accepts answers that break {broken}"
        if stage.slug == "drum-up":  # its stage check reads nothing but the answers
            assert stage.check(None, None, model) == []
        data = _render(stage, lang, model.model_dump()).encode("utf-8")
        if len(data) > MAX_BYTES:
            assert "file-size" in listed
            return
        parsed = Parsed()
        parsed = parse_text(decode(data, parsed), stage.schema)
        again = validate(parsed, stage.schema)
        assert parsed.problems == []
        assert again == model

    accepted()


# Characters where Python and ECMA-262 disagree about space, line ends and "any character", and path signs.
TRICKY = list("ab:/\\. -0") + ["..", "\n", "\r", "\r\n", "\t", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0",
                               "\u1680", "\u2000", "\u200b", "\u2028", "\u2029", "\u3000", "\ufeff", "\x00",
                               "\U0001f600", "é"]  # fmt: skip
# (stage, where the string goes in the factory's answers)
STRING_FIELDS = [
    ("drum-up", ("signatory",)),
    ("drum-up", ("service_areas", 0)),
    ("diagnose", ("problems", 0, "data")),
    ("deliver", ("evidence", 0, "file")),
    ("display", ("summary",)),
]


@pytest.mark.parametrize(
    "slug,where", STRING_FIELDS, ids=[f"{s}:{'.'.join(map(str, w))}" for s, w in STRING_FIELDS]
)
def test_the_schema_and_the_engine_agree_on_every_string_both_ways(slug, where):
    stage = get_stage(slug)
    validator = jsonschema.Draft202012Validator(_json_schema(slug), format_checker=jsonschema.FormatChecker())

    @settings(max_examples=EXAMPLES * 10, deadline=None, database=None)
    @given(value=st.lists(st.sampled_from(TRICKY), max_size=10).map("".join))
    def agree(value):
        answers = factories.ANSWERS[slug]()
        target = answers
        for key in where[:-1]:
            target = target[key]
        target[where[-1]] = value
        try:
            stage.schema.model_validate(answers)
            accepted = True
        except ValidationError:
            accepted = False
        assert validator.is_valid(answers) == accepted

    agree()
