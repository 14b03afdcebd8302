"""Today's new inputs attacked as a hostile team, coordinator or facilitator would: a cohort's IID table nested past
Python's stack, a cohort's document template that would loop for hours or write gigabytes, and a jury sheet that
hides a DTD from the archive check by being UTF-16."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from docx import Document
from typer.testing import CliRunner

from lab.cli import app
from lab.outputs.documents_sandbox import MAX_STEPS
from lab.workspace.settings import open_workspace
from tests import helpers

runner = CliRunner()


def lab(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def showcased(ws):
    """One unit's innovation on the showcase, with two coordinators (so `lab run` writes jury sheets)."""
    path = ws.root / "cohort.toml"
    people = json.dumps(["Ir. Bambang Hermanto", "Dra. Sri Rahayu"])
    path.write_text(path.read_text().replace("coordinators = []", f"coordinators = {people}"))
    ws = open_workspace(ws.root)
    helpers.drive_to_display(ws, 1)
    code = next(c for c, s in helpers.proposals(ws).items() if s == "showcased")
    return ws, code


# --- a cohort's iid/<year>.toml -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nested", ["a = " + "[" * 5000 + "]" * 5000, "a = " + "{b = " * 3000 + "1" + "}" * 3000]
)
def test_a_cohort_iid_table_nested_past_the_stack_is_one_clear_error_and_the_showcase_still_builds(
    showcased, nested
):
    ws, code = showcased
    (ws.root / "iid").mkdir()
    (ws.root / "iid" / "2023.toml").write_text(nested)  # 15-20 KB: far under the 256 KB a table may take
    said = "iid/2023.toml: not valid TOML: arrays or tables nested too deeply"
    for command in (["iid", ws.root], ["export", ws.root, "--profile", "iid"]):
        result = lab(*command)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert said in " ".join(result.output.split())
    result = lab("showcase", ws.root)
    assert result.exit_code == 0, result.output
    board = (ws.root / "scoreboard" / "index.html").read_text()
    assert said in board and code in board  # the pre-check left out with its reason; the innovations shown


# --- a cohort's own document template -------------------------------------------------------------------------

BUDGET = f"the template takes more than {MAX_STEPS:,} steps (loop rounds and calls); simplify its loops"


@pytest.mark.parametrize(
    ("template", "said"),
    [
        # 1000 x 1000 rounds printing nothing: a million steps (with range(100000) twice: hours)
        ("{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}", BUDGET),
        # loops over the team's own text: its length cubed
        (
            "{% for a in p.design %}{% for b in p.design %}{% for c in p.design %}{% endfor %}{% endfor %}"
            "{% endfor %}",
            BUDGET,
        ),  # fmt: skip
        # no loop at all: a macro calling itself twice makes 2^19 calls
        (
            "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(19) }}",
            BUDGET,
        ),
        # each value under the sandbox's size limit, 60 MB together
        (
            '{% for a in range(60) %}{{ "x" * 1000000 }}{% endfor %}',
            "the template writes more than 50 million characters",
        ),  # fmt: skip
        (
            "{% for x in [1] recursive %}{{ loop([x]) }}{% endfor %}",
            "a recursive loop ({% for … recursive %}) is not allowed in a document",
        ),  # fmt: skip
    ],
)
def test_a_cohort_document_template_that_would_run_for_hours_or_fill_the_memory_is_refused(
    showcased, template, said
):
    ws, code = showcased
    own = ws.root / "templates" / "documents" / "id" / "proposal.docx"
    own.parent.mkdir(parents=True)
    doc = Document()
    doc.add_paragraph(template)
    doc.save(str(own))
    result = lab("documents", ws.root, code, "--kind", "proposal")
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert result.output.startswith(
        "error: templates/documents/id/proposal.docx: the document template fails"
    )
    assert said in " ".join(result.output.split())
    assert not (ws.root / "documents" / f"{code}-usulan-inovasi.docx").exists()

    own.unlink()  # the standard template is well inside the budget
    assert lab("documents", ws.root, code).exit_code == 0
    assert (ws.root / "documents" / f"{code}-usulan-inovasi.docx").is_file()


# --- a jury sheet (held; pinned) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entities",
    [
        '<!ENTITY x SYSTEM "file://{secret}">',  # XXE: the file's text would come back in a message
        '<!ENTITY a "lollollollol">'
        + "".join(
            f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + '<!ENTITY x "&i;">',
    ],
)
def test_a_jury_sheet_in_utf16_with_a_dtd_is_refused_and_reads_no_file(showcased, tmp_path, entities):
    """The archive check looks for `<!DOCTYPE` in UTF-8 bytes; a part saved as UTF-16 passes it, so the XML parser
    itself must refuse the entity (it does: undefined external entity, amplification limit)."""
    ws, _ = showcased
    secret = tmp_path / "secret.txt"
    secret.write_text("RAHASIA-PEMDA-42")
    book = ws.root / "reviews" / "ir-bambang-hermanto.xlsx"
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    assert "<t>Ir. Bambang Hermanto</t>" in sheet
    dtd = f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE worksheet [{entities.format(secret=secret)}]>'
    parts["xl/worksheets/sheet1.xml"] = (
        dtd + sheet.replace("<t>Ir. Bambang Hermanto</t>", "<t>&x;</t>")
    ).encode("utf-16")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    hostile = tmp_path / "juri.xlsx"
    hostile.write_bytes(out.getvalue())
    result = lab("review", "import", ws.root, hostile)
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "bukan berkas Excel .xlsx yang dapat dibaca" in result.output
    assert "RAHASIA" not in result.output and "lol" not in result.output
