"""The worksheet fields a jury and the national profile need: partners, sustainability, replications and a
video link on the display worksheet; the legal basis, its number and date, and the stage of the innovation on
deliver; a trial period and the complete list of government affairs on design; the presentation date in
`[schedule]`. Answers given with the earlier fields and values still read."""

from __future__ import annotations

import pytest

from lab.domain.errors import LabError
from lab.stages import get_stage
from lab.stages.deliver import DECREE_LEVEL, MATURITY
from lab.stages.design import AFFAIR
from lab.stages.display import COLLABORATION, REPLICATION_STATUS, SUSTAINABILITY
from lab.workspace.settings import load_settings
from tests import factories
from tests.test_worksheet_format import parse, render

DISPLAY = get_stage("display")
DELIVER = get_stage("deliver")
DESIGN = get_stage("design")


def _judged() -> dict:
    return factories.display() | {
        "partners": [
            {
                "name": "Baznas Kabupaten Purbalingga",
                "collaboration": "co_funding",
                "contribution": "Bahan jamban",
            },
            {"name": "Karang Taruna Pengadegan", "collaboration": "community"},
        ],
        "sustainability": ["sop", "budget"],
        "sustainability_note": "Insentif kader masuk APBDes 2027.",
        "replications": [{"place": "Puskesmas Kejobong", "date": "2027-02-01", "status": "planned"}],
        "video": "https://www.youtube.com/watch?v=abc123&t=5",
    }


def _problems(stage, text: str) -> list[tuple[int, str]]:
    parsed, model = parse(stage, text)
    assert model is None
    return [(p.line, p.reason) for p in parsed.problems]


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


def test_display_asks_what_the_jury_scores_and_reads_it_back():
    model = DISPLAY.schema.model_validate(_judged())
    text = render(DISPLAY, model.model_dump())
    for heading in ("Mitra dan bentuk kolaborasi {#partners}", "Keberlanjutan {#sustainability}",
                    "Replikasi dan rencana replikasi {#replications}", "{#video}"):  # fmt: skip
        assert f"## {heading}" in text or heading in text
    assert (
        "- [x] Pendanaan bersama {#co_funding}" in text and "- [ ] Pendampingan teknis {#technical}" in text
    )
    parsed, again = parse(DISPLAY, text)
    assert parsed.problems == [] and again == model
    assert again.sustainability == ["budget", "sop"]  # ticked, in the worksheet's order
    assert again.partners[1].contribution is None and again.replications[0].status == "planned"


def test_the_new_display_fields_may_stay_blank():
    model = DISPLAY.schema.model_validate(factories.display())
    parsed, again = parse(DISPLAY, render(DISPLAY, model.model_dump()))
    assert parsed.problems == [] and again == model
    assert (again.partners, again.sustainability, again.replications, again.video) == (None, None, None, None)


@pytest.mark.parametrize(
    "link",
    ["http://www.youtube.com/watch?v=abc", "javascript:alert(1)", "https://", "https://exa mple.org/v",
     "www.youtube.com/watch?v=abc", "https://example.org/<script>", "https://example.org/" + "a" * 600],
)  # fmt: skip
def test_the_video_link_is_one_https_link(link):
    text = render(DISPLAY, _judged() | {"video": "https://example.org/placeholder"})
    text = text.replace("https://example.org/placeholder", link)
    (line, reason), *_ = _problems(DISPLAY, text)
    assert line >= _line_of(text, "{#video}")
    assert "must be one https:// link without spaces" in reason  # the key https_link (parse reads in English)


def test_a_replication_needs_its_place_date_and_status():
    text = render(DISPLAY, _judged())
    text = text.replace("2027-02-01", "tahun depan")
    [(line, reason)] = _problems(DISPLAY, text)
    assert _line_of(text, "{#replications}") < line <= _line_of(text, "tahun depan")
    assert "tahun depan" in reason


def test_deliver_names_the_legal_basis_its_number_date_and_the_stage_of_the_innovation():
    assert [DECREE_LEVEL.labels[v]["id"] for v in DECREE_LEVEL.values] == [
        "Keputusan Kepala Perangkat Daerah", "Keputusan Kepala Daerah", "Peraturan Kepala Daerah", "Peraturan Daerah"
    ]  # fmt: skip
    assert [MATURITY.labels[v]["id"] for v in MATURITY.values] == ["Inisiatif", "Uji coba", "Penerapan"]
    answers = factories.deliver() | {"decree_level": "regional_regulation", "decree": "27 Tahun 2026",
                                     "decree_date": "2026-08-20", "maturity": "initiative"}  # fmt: skip
    model = DELIVER.schema.model_validate(answers)
    text = render(DELIVER, model.model_dump())
    assert "## Dasar hukum penetapan inovasi {#decree_level}" in text
    assert "- [x] Peraturan Kepala Daerah {#regional_regulation}" in text
    assert "## Tahapan inovasi {#maturity}" in text and "- [x] Inisiatif {#initiative}" in text
    parsed, again = parse(DELIVER, text)
    assert parsed.problems == [] and again == model and str(again.decree_date) == "2026-08-20"


def test_a_deliver_worksheet_with_the_earlier_values_still_reads():
    """Before: one decree line with its kind written in it, 'Peraturan/keputusan kepala daerah' as one option
    (`regional_head`), maturity `trial` or `implementation`, no decree date. Those values read as they were."""
    old = factories.deliver() | {"decree": "Keputusan Bupati Purbalingga Nomor 100.3.3.2/412/2026",
                                 "decree_level": "regional_head", "maturity": "implementation"}  # fmt: skip
    text = render(DELIVER, old)
    text = text.replace("- [x] Keputusan Kepala Daerah {#regional_head}",
                        "- [x] Peraturan/keputusan kepala daerah {#regional_head}")  # the earlier label  # fmt: skip
    parsed, model = parse(DELIVER, text)
    assert parsed.problems == []
    assert (model.decree_level, model.maturity, model.decree_date) == (
        "regional_head",
        "implementation",
        None,
    )
    assert model.decree == "Keputusan Bupati Purbalingga Nomor 100.3.3.2/412/2026"
    for value in ("trial", "implementation", "agency_head", "regional_head", "bylaw"):  # every earlier id
        assert value in MATURITY.values or value in DECREE_LEVEL.values


def test_a_design_has_a_trial_period_that_does_not_end_before_it_starts():
    model = DESIGN.schema.model_validate(factories.design() | {"trial_end": "2026-07-31"})
    text = render(DESIGN, model.model_dump())
    assert "## Masa uji coba: mulai" in text and "## Masa uji coba: selesai" in text
    assert "\n## Target waktu" not in text and "\n#### Target waktu" in text  # the action plan's due date
    assert parse(DESIGN, text)[1] == model
    text = text.replace("2026-07-31\n", "2026-04-30\n", 1)
    [(line, reason)] = _problems(DESIGN, text)
    assert line == _line_of(text, "{#trial_end}") and "2026-04-30" in reason and "2026-05-04" in reason
    assert "the trial ends (2026-04-30) before it starts (2026-05-04); check both dates" in reason
    assert DESIGN.schema.model_validate(factories.design()).trial_end is None  # optional


def test_the_government_affairs_are_those_of_a_regency():
    labels = [AFFAIR.labels[v]["id"] for v in AFFAIR.values]
    for affair in ("Pertanahan", "Statistik", "Persandian", "Kehutanan", "Energi dan sumber daya mineral",
                   "Transmigrasi", "Perencanaan pembangunan", "Keuangan daerah", "Penelitian dan pengembangan",
                   "Pemerintahan umum"):  # fmt: skip
        assert affair in labels
    assert len(labels) == len(set(labels)) == 40 and labels[-1] == "Lainnya"
    earlier = ("education", "health", "civil_registration", "investment", "finance", "planning", "staffing")
    assert set(earlier) <= set(AFFAIR.values)  # a worksheet's earlier answer keeps its meaning


def test_choices_of_the_new_fields_have_both_languages():
    for choices in (COLLABORATION, SUSTAINABILITY, REPLICATION_STATUS, DECREE_LEVEL, MATURITY, AFFAIR):
        for value in choices.values:
            assert choices.labels[value]["id"] and choices.labels[value]["en"]
    assert "Nota kesepahaman (MoU) / perjanjian kerja sama (PKS)" == COLLABORATION.labels["agreement"]["id"]


def _settings(tmp_path, schedule: str):
    from lab.workspace.settings import render_settings

    text = render_settings("Kabupaten Purbalingga", 2026, "PBG", "id")
    (tmp_path / "cohort.toml").write_text(text.replace("[schedule]\n", f"[schedule]\n{schedule}\n", 1))
    return tmp_path


def test_the_schedule_takes_the_presentation_date_beside_the_stages(tmp_path):
    s = load_settings(_settings(tmp_path, "design = 2026-06-01\npresentation = 2026-09-02"))
    assert str(s.schedule["presentation"]) == "2026-09-02" and str(s.schedule["design"]) == "2026-06-01"
    with pytest.raises(LabError) as exc:
        load_settings(_settings(tmp_path, "presentasi = 2026-09-02"))
    assert "unknown stage 'presentasi'; did you mean 'presentation'? Stages are drum-up, diagnose" in str(
        exc.value
    )
    with pytest.raises(LabError) as exc:
        load_settings(_settings(tmp_path, "drumup = 2026-10-12"))
    assert "unknown stage 'drumup'; did you mean 'drum-up'? Stages are drum-up, diagnose, design" in str(
        exc.value
    )


@pytest.fixture
def judged_ws(ws):
    """One innovation showcased with every new field answered (a partner's name is hostile markup), in a
    cohort whose [schedule] names its presentation date."""
    from lab.workspace.settings import open_workspace
    from tests.helpers import drive_to_display

    toml = ws.root / "cohort.toml"
    toml.write_text(toml.read_text().replace("[schedule]\n", "[schedule]\npresentation = 2026-09-02\n", 1))
    ws = open_workspace(ws.root)
    display = _judged()
    display["partners"][1]["name"] = "<script>alert(1)</script> Karang Taruna"
    deliver = factories.deliver() | {"decree_level": "regional_regulation", "decree": "27 Tahun 2026",
                                     "decree_date": "2026-08-20", "maturity": "implementation"}  # fmt: skip
    design = factories.design() | {"trial_end": "2026-07-31"}
    drive_to_display(
        ws, 1, {"display": lambda: display, "deliver": lambda: deliver, "design": lambda: design}
    )
    return ws


def test_the_innovation_page_shows_partners_sustainability_replications_and_the_presentation(judged_ws):
    from lab.outputs.showcase import build_showcase
    from lab.workspace.cohort import workspace_session

    ws = judged_ws
    with workspace_session(ws) as (session, cohort):
        build_showcase(ws, session, cohort)
    page = (ws.root / "showcase" / "p" / "PBG-2026-001.html").read_text(encoding="utf-8")
    section = page[page.index('<section class="judged">') :]
    for text in ("Kolaborasi, keberlanjutan dan replikasi", "Presentasi di depan juri</dt><dd>2 September 2026",
                 "Peraturan Kepala Daerah Nomor 27 Tahun 2026, 20 Agustus 2026", "Tahapan inovasi</dt><dd>Penerapan",
                 "4 Mei 2026 sampai 31 Juli 2026", "<strong>Baznas Kabupaten Purbalingga</strong> — Pendanaan bersama: "
                 "Bahan jamban", "Dianggarkan dalam APBD/DPA perangkat daerah", "Ada SOP atau petunjuk teknis",
                 "Puskesmas Kejobong — 1 Februari 2027 (Direncanakan)",
                 '<a href="https://www.youtube.com/watch?v=abc123&amp;t=5" rel="noopener noreferrer nofollow">'):  # fmt: skip
        assert text in section, text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Karang Taruna" in section


def test_the_plain_export_has_the_legal_basis_trial_end_and_video(judged_ws):
    import csv

    from typer.testing import CliRunner

    from lab.cli import app

    result = CliRunner().invoke(app, ["export", str(judged_ws.root), "--format", "csv"])
    assert result.exit_code == 0, result.output
    [out] = (judged_ws.root / "exports").glob("*.csv")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        [row] = [r for r in csv.DictReader(fh) if r["id"] == "PBG-2026-001"]
    assert row["decree_level"] == "Peraturan Kepala Daerah" and row["decree"] == "27 Tahun 2026"
    assert (row["decree_date"], row["trial_start"], row["trial_end"]) == (
        "2026-08-20",
        "2026-05-04",
        "2026-07-31",
    )
    assert row["maturity"] == "Penerapan" and row["video"] == "https://www.youtube.com/watch?v=abc123&t=5"


def test_the_web_form_shows_and_posts_back_the_new_fields():
    """Partners (a record with a choice), sustainability (ticks), replications and the video link go through the
    browser's form and come back as answered."""
    from lab.web.forms import answers_from_form, form_fields
    from tests.test_web_forms import posted

    answers = DISPLAY.schema.model_validate(_judged()).model_dump(mode="json")
    fields = form_fields(DISPLAY.schema, answers, "id")
    back = answers_from_form(DISPLAY.schema, posted(fields))
    assert DISPLAY.schema.model_validate(back) == DISPLAY.schema.model_validate(_judged())
