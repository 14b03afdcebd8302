"""The showcase: hostile answers render as harmless text, scores and exports agree, review sheets behave."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from lab.domain.models import Proposal, Review
from lab.outputs.export import export
from lab.outputs.showcase import build_showcase
from lab.outputs.showcase_html import render_text
from lab.workflow.review import import_reviews
from lab.workspace.cohort import workspace_session
from lab.workspace.settings import open_workspace
from tests import hostile
from tests.helpers import drive_to_display, proposals

COORDINATORS = ["Ir. Bambang Hermanto", "Dra. Sri Rahayu", "Prof. Agus Salim"]
RUBRIC = ("novelty", "benefit", "collaboration", "replicability", "mastery")


def _with_coordinators(ws, min_reviewers: int = 0):
    path = ws.root / "cohort.toml"
    text = path.read_text().replace("coordinators = []", f"coordinators = {json.dumps(COORDINATORS)}")
    path.write_text(text.replace("min_reviewers = 0", f"min_reviewers = {min_reviewers}"))
    return open_workspace(ws.root)


@pytest.fixture
def evil_ws(ws):
    ws = _with_coordinators(ws)
    drive_to_display(ws, 3, hostile.ANSWERS)
    return ws


def _pages(ws):
    pages = {
        p.relative_to(ws.root / "showcase").as_posix(): p.read_text()
        for p in (ws.root / "showcase").rglob("*.html")
    }
    pages["../scoreboard/index.html"] = (ws.root / "scoreboard/index.html").read_text()  # the internal board
    return pages


class _Tags(HTMLParser):
    """Every real element and attribute of a page, as a browser would see them."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_hostile_answers_are_shown_as_harmless_text_on_every_page(evil_ws):
    pages = _pages(evil_ws)
    assert {"index.html", "../scoreboard/index.html"} <= set(pages) and len(pages) == 2 + 3
    for name, html in pages.items():
        elements = _elements(html)
        scripts = [a.get("src") for t, a in elements if t == "script"]
        assert scripts in ([], ["./assets/showcase.js"]), name  # only our own script
        assert not [t for t, _ in elements if t in ("iframe", "object", "embed", "frame")], name
        assert len([t for t, _ in elements if t == "svg"]) == (name == "index.html")  # only the funnel chart
        assert not [(t, k) for t, a in elements for k in a if k.startswith("on")], name
        assert not [
            a for _, a in elements for k, v in a.items() if v and v.strip().lower().startswith("javascript:")
        ]
    page = pages["p/PBG-2026-001.html"]
    assert (
        "{{ 7*7 }}" in page and "{% if true %}jinja{% endif %}" in page
    )  # typed template syntax stays literal
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in page  # single-line fields are escaped text
    assert "javascript:alert(7)" in page  # shown as text, not as a link


def test_render_text_keeps_safe_markdown():
    html = str(render_text("**tebal** dan [tautan](https://example.go.id) <script>x</script>"))
    assert (
        "<strong>tebal</strong>" in html and 'href="https://example.go.id"' in html and "<script" not in html
    )


def _fill_sheet(ws, coordinator, scores_by_code, note=""):
    from lab.domain.slug import slugify

    sheet = ws.root / "reviews" / f"{slugify(coordinator)}.csv"
    rows = list(csv.DictReader(sheet.open(encoding="utf-8-sig")))
    for row in rows:
        if row["proposal"] in scores_by_code:
            row.update(zip(RUBRIC, map(str, scores_by_code[row["proposal"]]), strict=True))
            row["note"] = note
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return sheet


def _import(ws, sheet):
    with workspace_session(ws) as (session, cohort):
        report = import_reviews(ws, session, cohort, sheet)
        build_showcase(ws, session, cohort)
    return report


SCORES = {  # per coordinator: (novelty, benefit, collaboration, replicability, mastery)
    "PBG-2026-001": [(8, 9, 7, 8, 8), (7, 9, 8, 7, 8), (9, 8, 7, 8, 9)],
    "PBG-2026-003": [(6, 8, 9, 7, 7), (7, 7, 8, 8, 7), None],
}
EXPECTED = {
    "PBG-2026-001": (8.03, 0.5, 3),
    "PBG-2026-003": (7.3, 0.1, 2),
}  # means of 8.10/7.75/8.25 and 7.25/7.35


def _score_all(ws):
    for n, who in enumerate(COORDINATORS):
        mine = {code: s[n] for code, s in SCORES.items() if s[n]}
        _import(ws, _fill_sheet(ws, who, mine))


def test_three_coordinators_give_the_right_weighted_means_everywhere(evil_ws, tmp_path):
    ws = evil_ws
    assert sorted((ws.root / "reviews").iterdir()) == sorted(
        ws.root / "reviews" / f
        for name in ("dra-sri-rahayu", "ir-bambang-hermanto", "prof-agus-salim")
        for f in (f"{name}.csv", f"{name}.xlsx")
    )
    _score_all(ws)
    assert proposals(ws)["PBG-2026-001"] == "reviewed" and proposals(ws)["PBG-2026-003"] == "showcased"
    board = (ws.root / "scoreboard/index.html").read_text()
    assert ">8,03<" in board and ">7,30<" in board and "Prof. Agus Salim" in board  # who has not scored 003
    assert all(f">{spread:.2f}<".replace(".", ",") in board for _, spread, _ in EXPECTED.values())

    with workspace_session(ws) as (session, cohort):
        outs = {
            fmt: export(ws, session, cohort, fmt, tmp_path / f"x.{fmt}")[0] for fmt in ("csv", "xlsx", "json")
        }
    raw = outs["csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    from_csv = list(csv.DictReader(outs["csv"].open(encoding="utf-8-sig", newline="")))
    from openpyxl import load_workbook

    book = load_workbook(outs["xlsx"])
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b and sheet.column_dimensions["S"].width == 60
    from_xlsx = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    from_json = json.loads(outs["json"].read_text())["proposals"]
    for rows in (from_csv, from_xlsx, from_json):
        assert len(rows) == len(proposals(ws)) == 6  # one row per proposal
        by_id = {r["id"]: r for r in rows}
        for code, (score, _, n) in EXPECTED.items():
            assert float(by_id[code]["score"]) == score and int(by_id[code]["reviews"]) == n
        assert float(by_id["PBG-2026-001"]["score_novelty"]) == 8.0
        assert by_id["PBG-2026-001"]["evidence_count"] in (1, "1")
    assert from_xlsx[0]["name"].startswith("'Si <b") is False  # text is kept as text


def test_reimporting_a_sheet_replaces_that_reviewers_scores(evil_ws):
    ws = evil_ws
    _score_all(ws)
    _import(ws, _fill_sheet(ws, COORDINATORS[0], {"PBG-2026-001": (10, 10, 10, 10, 10)}))
    board = (ws.root / "scoreboard/index.html").read_text()
    assert ">8,67<" in board  # (10 + 7.75 + 8.25) / 3


def test_bad_rows_are_reported_with_their_line_and_the_rest_is_kept(evil_ws):
    ws = evil_ws
    sheet = ws.root / "reviews" / "ir-bambang-hermanto.csv"
    rows = [
        "proposal,reviewer,novelty,benefit,collaboration,replicability,mastery,note",
        "PBG-2026-001,Ir. Bambang Hermanto,8,9,7,8,8,baik",
        "PBG-2026-003,Ir. Bambang Hermanto,11,9,7,8,8,",
        "PBG-2026-005,Ir. Bambang Hermanto,8,,7,8,8,",
        "PBG-2026-999,Ir. Bambang Hermanto,8,8,7,8,8,",
        "PBG-2026-001,Orang Lain,8,8,7,8,8,",
    ]
    sheet.write_text("\n".join(rows) + "\n")
    report = _import(ws, sheet)
    assert report.imported == 1
    assert report.problems == [
        "ir-bambang-hermanto.csv:3: PBG-2026-003: novelty score 11 is outside 1-10",
        "ir-bambang-hermanto.csv:4: PBG-2026-005: no score for benefit",
        "ir-bambang-hermanto.csv:5: PBG-2026-999 is not a showcased proposal of this cohort",
        "ir-bambang-hermanto.csv:6: 'Orang Lain' is not a coordinator of this cohort (cohort.toml)",
    ]


def test_a_minimum_number_of_reviewers_can_be_set(ws):
    ws = _with_coordinators(ws, min_reviewers=2)
    drive_to_display(ws, 2)
    _import(ws, _fill_sheet(ws, COORDINATORS[0], {"PBG-2026-001": (8, 8, 8, 8, 8)}))
    assert proposals(ws)["PBG-2026-001"] == "showcased"
    _import(ws, _fill_sheet(ws, COORDINATORS[2], {"PBG-2026-001": (6, 6, 6, 6, 6)}))
    assert proposals(ws)["PBG-2026-001"] == "reviewed"


def test_an_edited_review_sheet_is_not_overwritten_only_extended(ws):
    ws = _with_coordinators(ws)
    drive_to_display(ws, 1)
    sheet = _fill_sheet(ws, COORDINATORS[0], {"PBG-2026-001": (8, 8, 8, 8, 8)}, note="catatan saya")
    edited = sheet.read_bytes()
    from tests.helpers import run_once

    run_once(ws)
    assert sheet.read_bytes() == edited


def test_the_showcase_is_english_for_an_english_cohort(tmp_path):
    from lab.workspace.cohort import init_workspace

    ws = init_workspace(tmp_path / "en", "Kota Pasuruan", 2026, "PSR", "en")
    drive_to_display(ws, 1)
    index = (ws.root / "showcase/index.html").read_text()
    assert '<html lang="en">' in index and "Innovation Showcase" in index and "Proposal funnel" in index


def test_the_showcase_is_rebuilt_only_where_something_changed(ws):
    from tests.helpers import run_once, sheet_path

    drive_to_display(ws, 3)
    site = ws.root / "showcase"

    def stamps():
        return {
            p.relative_to(ws.root).as_posix(): p.stat().st_mtime_ns
            for folder in (site, ws.root / "scoreboard")
            for p in folder.rglob("*.html")
        }

    before = stamps()
    run_once(ws)
    assert stamps() == before  # nothing new: nothing written
    path = sheet_path(ws, "display", "PBG-2026-003")
    path.write_text(
        path.read_text().replace("Warga mengambil nomor antrean dari rumah.", "Ringkasan baru dari tim.")
    )
    run_once(ws)
    after = stamps()
    assert {p for p in after if after[p] != before[p]} == {
        "showcase/index.html",
        "scoreboard/index.html",
        "showcase/p/PBG-2026-003.html",
    }
    assert "Ringkasan baru dari tim." in (site / "p/PBG-2026-003.html").read_text()


def test_a_sheet_import_keeps_the_scores_it_leaves_blank(evil_ws):
    """A coordinator who scored one innovation in the browser and then imports the sheet with another row
    scored keeps both: a blank row is not a retraction, and no score is lost."""
    from lab.workflow.review import score

    ws = evil_ws
    who = COORDINATORS[0]
    with workspace_session(ws) as (session, cohort):
        score(ws, session, cohort, "PBG-2026-001", who, dict(zip(RUBRIC, "99999", strict=True)), "dari web")
    _import(ws, _fill_sheet(ws, who, {"PBG-2026-003": (6, 6, 6, 6, 6)}))
    with workspace_session(ws) as (session, cohort):
        mine = {
            r.proposal_id: (r.scores, r.source)
            for r in session.exec(select(Review).where(Review.reviewer == who))
        }
        codes = {p.id: p.code for p in session.exec(select(Proposal))}
    assert {codes[k]: v for k, v in mine.items()} == {
        "PBG-2026-001": (dict.fromkeys(RUBRIC, 9), "web"),
        "PBG-2026-003": (dict.fromkeys(RUBRIC, 6), "cli"),
    }
