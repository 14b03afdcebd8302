"""The public showcase and the internal scoreboard: no score, rank or juror in public while judging is open;
`lab review close` (who and when in the audit trail, refused twice, reopened with a note) lets the public site
name Juara I-III with ties shared; scores are refused while closed; the region's logo is checked as hostile; the
pages fit a 390-px phone without sideways scrolling."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from lab.cli import app
from lab.domain.errors import TransitionNotAllowed
from lab.domain.models import Transition
from lab.outputs.scores import places
from lab.workflow.judging import ensure_open
from lab.workflow.review import score
from lab.workspace.cohort import workspace_session
from tests.helpers import drive_to_display, proposals
from tests.web_support import COORDINATORS, FACILITATOR, csrf, people, signed_in

RUBRIC = ("novelty", "benefit", "collaboration", "replicability", "mastery")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def _give(ws, code: str, who: str, value: int) -> None:
    with workspace_session(ws) as (session, cohort):
        score(ws, session, cohort, code, who, dict.fromkeys(RUBRIC, str(value)), "catatan juri")


@pytest.fixture
def scored(ws):
    """Three showcased innovations: 9.00 and 7.00 from both coordinators, 7.00 from one (a tie for second)."""
    drive_to_display(ws, 3)
    ws = people(ws)
    codes = sorted(c for c, s in proposals(ws).items() if s == "showcased")
    for who in COORDINATORS:
        _give(ws, codes[0], who, 9)
        _give(ws, codes[1], who, 7)
    _give(ws, codes[2], COORDINATORS[0], 7)
    return ws, codes


def _public(ws) -> dict[str, str]:
    return {p.relative_to(ws.root).as_posix(): p.read_text() for p in (ws.root / "showcase").rglob("*.html")}


def _winners(index: str) -> str:
    return index.split('<section class="winners"', 1)[1].split("</section>", 1)[0]


def test_the_public_showcase_shows_no_score_rank_or_juror_while_judging_is_open(scored, runner):
    ws, codes = scored
    stale = ws.root / "showcase" / "scoreboard.html"  # where an earlier release put scores in public
    stale.write_text("<p>Skor 9.00 Dra. Sri Rahayu</p>")
    result = runner.invoke(app, ["showcase", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert "showcase/index.html  (public: safe to publish)" in result.output
    assert "scoreboard/index.html  (internal: scores and jurors, do not publish)" in result.output
    assert not stale.exists()
    pages = _public(ws)
    assert set(pages) == {"showcase/index.html", *(f"showcase/p/{c}.html" for c in codes)}
    for name, html in pages.items():
        for secret in ("9,00", "7,00", "9.00", "7.00", "Skor", "Belum menilai", "Peringkat", "Juara",
                       "catatan juri", "scoreboard", *COORDINATORS):  # fmt: skip
            assert secret not in html, (name, secret)
    assert "Kabupaten Purbalingga" in pages["showcase/index.html"].split("</header>")[0]
    assert "PBG-2026" not in pages["showcase/index.html"].split("</header>")[0]  # the region, not a code

    board = (ws.root / "scoreboard" / "index.html").read_text()
    assert "Rekapitulasi Penilaian" in board and "Jangan dipublikasikan" in board and "noindex" in board
    rows = re.findall(r'<td class="rank">(.*?)</td>.*?<strong>([0-9,]+)</strong>', board, re.S)
    assert rows == [("1", "9,00"), ("2", "7,00"), ("2", "7,00")]  # a tie shares its place
    assert f"{codes[2]} · " in board and ">Ir. Bambang<" in board  # who has not scored the third yet
    assert "Penilaian masih berlangsung" in board


def test_closing_judging_names_the_winners_ties_shared_and_is_recorded(scored, runner):
    ws, codes = scored
    result = runner.invoke(app, ["review", "close", str(ws.root), "--by", FACILITATOR])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"judging closed by {FACILITATOR} at ")
    assert f"  {codes[2]}: not scored by Ir. Bambang" in lines
    assert any("safe to publish" in line and "Juara I-III" in line for line in lines)
    with workspace_session(ws) as (session, cohort):
        (row,) = session.exec(select(Transition).where(Transition.kind == "judging")).all()
        assert (row.from_state, row.to_state, row.event, row.actor, row.source) == (
            "open", "closed", "close_judging", FACILITATOR, "cli"
        )  # fmt: skip

    index = (ws.root / "showcase" / "index.html").read_text()
    podium = _winners(index)
    assert "Hasil penilaian" in podium and "berbagi peringkat" in podium
    assert podium.count("Juara I<") == 1 and podium.count("Juara II<") == 2 and "Juara III" not in podium
    assert f"p/{codes[0]}.html" in podium.split("Juara II")[0]  # the first is named first
    assert "Juara I<" in (ws.root / "showcase" / "p" / f"{codes[0]}.html").read_text()
    for html in _public(ws).values():
        assert (
            not any(name in html for name in COORDINATORS) and "9,00" not in html
        )  # still no juror nor score
    assert (
        "Penilaian telah ditutup oleh Dr. Ratna Sari" in (ws.root / "scoreboard" / "index.html").read_text()
    )

    again = runner.invoke(app, ["review", "close", str(ws.root), "--by", FACILITATOR])
    assert again.exit_code == 6 and "judging is already closed (by Dr. Ratna Sari" in again.output
    assert "--reopen --note" in again.output
    bare = runner.invoke(app, ["review", "close", str(ws.root), "--by", FACILITATOR, "--reopen"])
    assert bare.exit_code == 2 and "reopening judging needs --note" in bare.output
    stranger = runner.invoke(
        app, ["review", "close", str(ws.root), "--by", "Orang Lain", "--reopen", "--note", "x"]
    )
    assert stranger.exit_code == 2 and "'Orang Lain' is not a facilitator of this cohort" in stranger.output

    opened = runner.invoke(
        app,
        ["review", "close", str(ws.root), "--by", FACILITATOR, "--reopen", "--note", "Satu juri menyusul"],
    )
    assert opened.exit_code == 0 and opened.output.startswith(f"judging reopened by {FACILITATOR}")
    assert "Juara" not in (ws.root / "showcase" / "index.html").read_text()
    with workspace_session(ws) as (session, cohort):
        rows = session.exec(select(Transition).where(Transition.kind == "judging")).all()
        assert [(r.to_state, r.note) for r in rows] == [("closed", ""), ("open", "Satu juri menyusul")]
    nothing = runner.invoke(
        app, ["review", "close", str(ws.root), "--by", FACILITATOR, "--reopen", "--note", "x"]
    )
    assert nothing.exit_code == 6 and "judging is open: there is nothing to reopen" in nothing.output


def test_scores_are_refused_while_judging_is_closed(scored, runner):
    ws, codes = scored
    c = signed_in(ws, COORDINATORS[1])
    form = dict.fromkeys(RUBRIC, "8")
    assert runner.invoke(app, ["review", "close", str(ws.root), "--by", FACILITATOR]).exit_code == 0
    with workspace_session(ws) as (session, cohort), pytest.raises(TransitionNotAllowed) as refused:
        ensure_open(ws, session, cohort)
    assert str(refused.value).startswith("Penilaian sudah ditutup oleh Dr. Ratna Sari pada ")
    page = c.get(f"/nilai/{codes[2]}")
    assert page.status_code == 200 and "Penilaian sudah ditutup" in page.text
    scoring = page.text.split("<main>", 1)[1]
    assert 'type="submit"' not in scoring and scoring.count(" disabled") == len(RUBRIC) + 1
    r = c.post(f"/nilai/{codes[2]}", data=form | {"csrf": csrf(c, f"/nilai/{codes[0]}")})
    assert r.status_code == 409 and "Penilaian sudah ditutup oleh Dr. Ratna Sari" in r.text
    home = c.get("/").text
    assert "Penilaian sudah ditutup" in home and f'href="/nilai/{codes[2]}"' in home  # read-only, still open
    # a score sheet imported from the command line is refused whole, and the service refuses a score too
    sheet = ws.root / "late.csv"
    sheet.write_text(f"proposal,reviewer,{','.join(RUBRIC)},note\n{codes[2]},{COORDINATORS[1]},8,8,8,8,8,\n")
    late = runner.invoke(app, ["review", "import", str(ws.root), str(sheet)])
    assert late.exit_code != 0 and "Penilaian sudah ditutup oleh Dr. Ratna Sari" in late.output
    with pytest.raises(TransitionNotAllowed):
        _give(ws, codes[2], COORDINATORS[1], 8)
    assert proposals(ws)[codes[2]] == "showcased"

    reopen = [
        "review",
        "close",
        str(ws.root),
        "--by",
        FACILITATOR,
        "--reopen",
        "--note",
        "Juri kedua menyusul",
    ]
    assert runner.invoke(app, reopen).exit_code == 0
    r = c.post(f"/nilai/{codes[2]}", data=form | {"csrf": csrf(c, f"/nilai/{codes[0]}")})
    assert r.status_code == 303
    assert proposals(ws)[codes[2]] == "reviewed"


def test_places_share_a_tie_and_skip_the_places_it_fills():
    board = {1: {"score": 9.0}, 2: {"score": 7.5}, 3: {"score": 7.5}, 4: {"score": 6.0}, 5: {"score": 9.0}}
    assert places(board) == {1: 1, 5: 1, 2: 3, 3: 3, 4: 5}
    assert places({}) == {}


def _header(ws, page: str = "showcase/index.html") -> str:
    return (ws.root / page).read_text().split("</header>")[0]


def test_the_regions_logo_is_shown_only_as_a_checked_image(scored, runner, tmp_path):
    ws, codes = scored
    (ws.root / "logo.png").write_bytes(PNG)
    assert runner.invoke(app, ["showcase", str(ws.root)]).exit_code == 0
    assert (ws.root / "showcase/assets/logo.png").read_bytes() == PNG
    assert (ws.root / "scoreboard/assets/logo.png").read_bytes() == PNG
    assert '<img class="logo" src="./assets/logo.png" alt="">' in _header(ws)
    assert '<img class="logo" src="../assets/logo.png" alt="">' in _header(ws, f"showcase/p/{codes[0]}.html")
    assert '<img class="logo" src="assets/logo.png" alt="">' in _header(ws, "scoreboard/index.html")

    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG)
    hostile = [  # (what is put in the workspace, the warning, the file it names)
        (lambda: (ws.root / "logo.png").write_bytes(b'<svg onload="alert(1)"></svg>'),
         "logo.png is not shown: it is not a PNG, JPEG or WebP image"),
        (lambda: (ws.root / "logo.png").write_bytes(PNG + b"\x00" * 600_000),
         "logo.png is not shown: it is 0.6 MB; the limit is 0.5 MB; make it smaller"),
        (lambda: (ws.root / "logo.png").symlink_to(outside), "logo.png is not shown: logo.png is a symbolic link"),
        (lambda: (ws.root / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'),
         "logo.svg is not shown: an SVG can carry scripts; save the logo as PNG"),
    ]  # fmt: skip
    for put, warning in hostile:
        (ws.root / "logo.png").unlink(missing_ok=True)
        put()
        result = runner.invoke(app, ["showcase", str(ws.root)])
        assert result.exit_code == 0, result.output
        assert f"warning: {warning}" in result.output
        assert "<img" not in _header(ws) and not list((ws.root / "showcase/assets").glob("logo.*"))
        assert not list((ws.root / "scoreboard/assets").glob("logo.*"))
    assert not (ws.root / "showcase/assets/logo.svg").exists()


@pytest.mark.parametrize("lang,first,title", [("en", "First place", "Scoring summary")])
def test_an_english_cohort_reads_english_places(ws, runner, lang, first, title):
    drive_to_display(ws, 1)
    ws = people(ws, lang=lang)
    (code,) = [c for c, s in proposals(ws).items() if s == "showcased"]
    _give(ws, code, COORDINATORS[0], 8)
    assert runner.invoke(app, ["review", "close", str(ws.root), "--by", FACILITATOR]).exit_code == 0
    assert f"{first}<" in _winners((ws.root / "showcase/index.html").read_text())
    board = (ws.root / "scoreboard/index.html").read_text()
    assert title in board and ">8.00<" in board  # English decimals


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_on_a_phone_nothing_scrolls_sideways_and_the_public_pages_show_no_score(browser, scored):
    ws, codes = scored
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    trouble: list[str] = []
    page.on("pageerror", lambda e: trouble.append(str(e)))
    page.on("console", lambda m: trouble.append(m.text) if m.type == "error" else None)
    public = [ws.root / "showcase/index.html", *(ws.root / f"showcase/p/{c}.html" for c in codes)]
    for path in public:
        page.goto(path.as_uri())
        assert _no_sideways_scroll(page), path.name
        text = page.locator("body").inner_text()
        assert not re.search(r"\b[0-9]+[,.][0-9]{2}\b", text), path.name  # no score such as 9,00
        assert "Skor" not in text and not any(name in text for name in COORDINATORS)
    label = page.goto(public[0].as_uri()) and page.locator(".funnel text.bar-label").first
    assert label.bounding_box()["height"] >= 11  # the funnel's labels are drawn near their own size

    page.goto((ws.root / "scoreboard/index.html").as_uri())
    assert _no_sideways_scroll(page)
    first = page.locator("table.scoreboard tbody tr").first
    assert first.locator("td.rank").inner_text() == "1" and first.locator("td.score").inner_text() == "9,00"
    assert not first.locator("td.crit").first.is_visible()  # criteria folded on a phone
    first.locator("details.fold summary").click()
    assert (
        first.locator("details.fold dl").is_visible()
        and "Kebaruan" in first.locator("details.fold").inner_text()
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    assert first.locator("td.crit").first.is_visible() and not first.locator("details.fold").is_visible()
    assert _no_sideways_scroll(page)
    assert trouble == []


def test_innovation_pages_write_dates_the_indonesian_way_and_name_the_stage_of_innovation(scored, runner):
    import re

    ws, codes = scored
    assert runner.invoke(app, ["showcase", str(ws.root)]).exit_code == 0
    page = (ws.root / "showcase" / "p" / f"{codes[0]}.html").read_text()
    plan = page.split("<th>Target waktu</th>", 1)[1].split("</table>", 1)[0]
    months = "Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember"
    assert re.search(rf"<td>\d{{1,2}} (?:{months}) \d{{4}}</td>", plan)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", plan)  # no ISO date left in the action plan
    assert "Tahapan inovasi" in page and "Kematangan" not in page
