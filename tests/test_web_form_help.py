"""The worksheet forms speak of the browser, not of the Markdown file (found by the browser journey): no help
asks for a '- ' bullet, an '### Anggota' block to copy or a file put in a folder; a bullet typed anyway (or
pasted from a chat) is not kept in the answer; a problem beside its field names the field by its label."""

from __future__ import annotations

import re

import pytest

from lab.stages import STAGES, get_stage
from lab.web.forms import answers_from_form, form_fields
from tests import factories
from tests.helpers import teams
from tests.test_web_forms import client_for, expected, posted, send

FILE_WORDS = ("'- '", "'###", "blok", "block", "folder evidence/", "evidence/ folder")


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("stage", [s.slug for s in STAGES])
def test_no_help_in_a_form_speaks_of_the_markdown_file(stage, lang):
    for f in form_fields(get_stage(stage).schema, {}, lang):
        for g in [f, *(s for r in f.records for s in r.fields)]:
            assert not any(word in g.help for word in FILE_WORDS), (g.name, g.help)
            assert g.help == g.help.strip() and ",." not in g.help


def test_a_bullet_typed_before_a_list_item_is_not_kept():
    schema = get_stage("drum-up").schema
    typed = "- Imunisasi dasar\r\n• Posyandu balita\n*  Kelas ibu hamil\n---\n-5 derajat bukan butir"
    answers = answers_from_form(schema, [("service_areas", typed)])
    assert answers["service_areas"] == [
        "Imunisasi dasar", "Posyandu balita", "Kelas ibu hamil", "---", "-5 derajat bukan butir",
    ]  # fmt: skip


def test_a_problem_beside_its_field_names_the_field_not_the_files_anchor(two_teams):
    ws = two_teams
    mine = sorted(teams(ws))[0]
    client = client_for(ws, mine)
    page = client.get(f"/lembar/drum-up/{mine}")
    file_hash = re.search(r'name="_hash" value="([0-9a-f]*)"', page.text).group(1)
    fields = form_fields(get_stage("drum-up").schema, expected("drum-up", factories.drum_up()), "id")
    items = [(k, "31/02/2026" if k == "commitment_date" else v) for k, v in posted(fields)[2:]]
    shown = send(client, f"/lembar/drum-up/{mine}", [("csrf", "tok"), ("_hash", file_hash), *items])
    assert shown.status_code == 422
    beside = re.search(r'<ul class="problems" id="p-commitment_date"[^>]*>\s*<li>([^<]*)</li>', shown.text)
    assert beside is not None, shown.text
    assert beside.group(1) == (
        "Tanggal penandatanganan komitmen: &#34;31/02/2026&#34; belum terbaca sebagai tanggal; tulis TTTT-BB-HH, "
        "misalnya 2026-10-12"
    )
    assert "{#commitment_date}" not in shown.text


def test_a_long_choice_is_a_drop_down_prefilled_and_marked_when_wrong():
    from lab.web.deps import environment
    from lab.web.worksheet_words import worksheet_words

    ui = environment().get_template("worksheet_fields.html.j2").module
    fields = {f.id: f for f in form_fields(get_stage("design").schema, {"affair": "health", "kind": "digital"},
                                           "id", {"affair": ["{#affair}: choose one"]})}  # fmt: skip
    affair = str(ui.field(fields["affair"], worksheet_words("id"), None))
    assert '<select id="i-affair" name="affair"' in affair and 'aria-invalid="true"' in affair
    assert '<option value="health" selected>Kesehatan</option>' in affair
    assert '<option value="">— pilih satu —</option>' in affair and affair.count("<option") == 41
    assert "Urusan pemerintahan: choose one" in affair
    kind = str(ui.field(fields["kind"], worksheet_words("id"), None))  # two options: radios, one tap each
    assert "<select" not in kind and 'type="radio" name="kind" value="digital" checked' in kind
