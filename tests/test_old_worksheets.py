"""A worksheet written before the fields of issue 14 were added still reads: the new optional headings may be
missing from the file, and its earlier values keep their meaning."""

from __future__ import annotations

from lab.stages import get_stage
from tests import factories
from tests.test_worksheet_format import parse, render


def _without(text: str, *ids: str, within: str = "") -> str:
    """`text` without the blocks of the given field ids (as a file written before those fields existed); the
    fields of records only in the records of the field `within`."""
    out, field, sub, top = [], False, False, ""
    for line in text.split("\n"):
        named = any(line.rstrip().endswith(f"{{#{i}}}") for i in ids)
        if line.startswith("## "):
            field, sub, top = named, False, line.rstrip()
        elif line.startswith("### "):
            sub = False
        elif line.startswith("#### "):
            sub = named and top.endswith(f"{{#{within}}}")
        if not (field or sub):
            out.append(line)
    return "\n".join(out)


def test_a_deliver_worksheet_of_before_reads_with_its_values():
    stage = get_stage("deliver")
    old = factories.deliver() | {"decree": "Keputusan Bupati Purbalingga Nomor 100.3.3.2/412/2026",
                                 "decree_level": "regional_head", "maturity": "trial"}  # fmt: skip
    text = _without(_without(render(stage, old), "decree_date"), "indicator", "level", within="evidence")
    text = text.replace(
        "Keputusan Kepala Daerah {#regional_head}", "Peraturan/keputusan kepala daerah {#regional_head}"
    )
    assert "{#decree_date}" not in text and "{#level}" not in text
    parsed, model = parse(stage, text)
    assert parsed.problems == []
    assert (model.decree_level, model.maturity, model.decree_date) == ("regional_head", "trial", None)


def test_a_display_and_a_design_of_before_read():
    display = _without(render(get_stage("display"), factories.display()),
                       "partners", "sustainability", "sustainability_note", "replications", "video")  # fmt: skip
    parsed, model = parse(get_stage("display"), display)
    assert parsed.problems == [] and model.partners is None and model.video is None
    design = _without(render(get_stage("design"), factories.design()), "trial_end")
    parsed, model = parse(get_stage("design"), design)
    assert parsed.problems == [] and model.trial_end is None


def test_a_required_heading_is_still_missed():
    parsed, model = parse(
        get_stage("display"), _without(render(get_stage("display"), factories.display()), "summary")
    )
    assert model is None and "{#summary}" in parsed.problems[0].reason
