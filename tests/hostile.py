"""Answers with hostile text in every field a team can type into."""

from __future__ import annotations

from tests import factories

EVIL = (
    '<script>alert("xss")</script> <img src=x onerror="alert(1)"> <a href="javascript:alert(2)">klik</a> '
    '<iframe src="https://example.org/"></iframe> <svg onload="alert(3)"></svg> {{ 7*7 }} {% if true %}jinja{% endif %}'
)
LINE = 'Si <b onmouseover="alert(4)">Evil</b> {{ 7*7 }} <script>alert(5)</script>'


def diagnose() -> dict:
    d = factories.diagnose()
    d["ideas"][0]["title"] = LINE
    d["ideas"][0]["description"] = EVIL
    d["problems"][0]["data"] = EVIL
    return d


def design() -> dict:
    d = factories.design(LINE)
    for f in ("problem", "main_changes", "objectives", "benefits", "expected_results"):
        d[f] = EVIL
    d["design"] = factories.words(320) + "\n\n" + EVIL
    d["milestones"][0]["what"] = LINE
    return d


def deliver() -> dict:
    d = factories.deliver()
    d["launch_event"] = LINE
    d["decree"] = LINE
    d["results"] = EVIL
    d["measures"][0]["indicator"] = LINE
    d["evidence"][0]["proves"] = LINE
    return d


def display() -> dict:
    return {"summary": EVIL, "highlights": [LINE, "javascript:alert(6)"], "media": ["javascript:alert(7)", LINE],
            "contact": LINE}  # fmt: skip


ANSWERS = {"diagnose": diagnose, "design": design, "deliver": deliver, "display": display}
