"""Hostile input against the jury sheet, the XLSX reader, the reminders and cohort.toml: U+FFFF in team text,
a worksheet part outside xl/worksheets/ past the cell limit, a team whose id is an Apprise keyword ("all"),
a cohort.toml nested too deeply. Each failed before its fix."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from lab.cli import app
from lab.domain.models import Review
from lab.workflow.roster import import_roster
from lab.workspace.cohort import workspace_session
from lab.workspace.settings import open_workspace
from tests import factories, helpers
from tests.test_remind import SENDER, _body, _urls, smtp  # noqa: F401 - smtp is a fixture

runner = CliRunner()
PEOPLE = ["Ir. Bambang Hermanto", "Dra. Sri Rahayu"]


def lab(*args):
    return runner.invoke(app, [str(a) for a in args])


def _with_people(ws):
    path = ws.root / "cohort.toml"
    path.write_text(path.read_text().replace("coordinators = []", f"coordinators = {json.dumps(PEOPLE)}"))
    return open_workspace(ws.root)


def _scores(ws) -> list[dict]:
    with workspace_session(ws) as (session, _):
        return [r.scores for r in session.exec(select(Review).order_by(Review.id))]


def test_a_score_sheet_imported_after_judging_is_closed_changes_no_score(ws, tmp_path):
    ws = _with_people(ws)
    helpers.drive_to_display(ws, 1)
    code = next(c for c, s in helpers.proposals(ws).items() if s == "showcased")
    sheet = tmp_path / "nilai.csv"
    head = "proposal,reviewer,novelty,benefit,collaboration,replicability,mastery,note\n"
    sheet.write_text(head + f"{code},{PEOPLE[0]},7,7,7,7,7,\n")
    assert lab("review", "import", ws.root, sheet).exit_code == 0
    assert lab("review", "close", ws.root, "--by", "Dr. Ratna").exit_code == 0
    sheet.write_text(head + f"{code},{PEOPLE[0]},10,10,10,10,10,\n")
    result = lab("review", "import", ws.root, sheet)
    assert result.exit_code == 6 and "Penilaian sudah ditutup oleh Dr. Ratna" in result.output, result.output
    assert [set(s.values()) for s in _scores(ws)] == [{7}]


def test_a_team_whose_id_is_all_gets_its_reminder_only_through_its_own_urls(ws, tmp_path, smtp, monkeypatch):  # noqa: F811
    roster = tmp_path / "roster.csv"
    roster.write_text("unit,unit_type,member,role,email\nAll,opd,Ani,Ketua,ani@x.go.id\n"
                      "Dinas Kesehatan,opd,Budi,Ketua,budi@x.go.id\n")  # fmt: skip
    with workspace_session(ws) as (session, cohort):
        import_roster(ws, roster, session, cohort)
    helpers.run_once(ws)
    path = ws.root / "cohort.toml"
    path.write_text(path.read_text().replace("[schedule]\n", "[schedule]\ndrum-up = 2026-09-02\n")
                    + '\n[reminders]\nvia = "tags"\n')  # fmt: skip
    ws = open_workspace(ws.root)
    server = smtp.url.split("?")[0]
    config = tmp_path / "notify.yml"
    config.write_text(
        "urls:\n"
        f"  - {server}?from={SENDER}&to=grup-all@example.go.id&format=text:\n      tag: all\n"
        f"  - {server}?from={SENDER}&to=grup-dinkes@example.go.id&format=text:\n      tag: dinas-kesehatan\n"
    )
    monkeypatch.setenv("LAB_NOTIFY_URL", str(config))
    result = lab("remind", ws.root, "--today", "2026-09-03")
    assert result.exit_code == 0, result.output
    link = _urls(ws)["all"]
    to_dinkes = [m for rcpt, m in smtp.messages if rcpt == ["grup-dinkes@example.go.id"]]
    assert len(to_dinkes) == 1 and all(link not in _body(m) for m in to_dinkes)  # never team "all"'s link


def _jury_parts(ws) -> dict[str, bytes]:
    with zipfile.ZipFile(ws.root / "reviews" / "ir-bambang-hermanto.xlsx") as z:
        return {n: z.read(n) for n in z.namelist()}


def test_a_jury_sheet_kept_outside_xl_worksheets_is_held_to_the_cell_limit(ws, tmp_path):
    ws = _with_people(ws)
    helpers.drive_to_display(ws, 1)
    parts = _jury_parts(ws)
    sheet = parts.pop("xl/worksheets/sheet1.xml")
    parts["xl/s1.xml"] = sheet.replace(
        b"</sheetData>", b'<row r="4000">' + b"<c/>" * 250_000 + b"</row></sheetData>"
    )
    for name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
        parts[name] = parts[name].replace(b"/xl/worksheets/sheet1.xml", b"/xl/s1.xml")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    hostile = tmp_path / "juri.xlsx"
    hostile.write_bytes(out.getvalue())
    result = lab("review", "import", ws.root, hostile)
    assert result.exit_code == 2 and "berisi lebih dari 200,000 sel" in result.output, result.output


def test_a_noncharacter_in_a_team_text_never_breaks_the_jury_sheet_or_an_xlsx_export(ws):
    ws = _with_people(ws)

    def diagnose():
        made = factories.diagnose()
        made["ideas"][0]["title"] = "Ide \uffff 1"  # legal UTF-8, not allowed in XML
        return made

    helpers.drive_to_display(ws, 1, answers={"diagnose": diagnose})  # lab run writes the jury sheets
    from openpyxl import load_workbook

    rows = list(load_workbook(ws.root / "reviews" / "ir-bambang-hermanto.xlsx")["Penilaian"].values)
    assert ["Ide \ufffd 1"] == [r[1] for r in rows[4:]], rows
    for profile in ([], ["--profile", "iid"], ["--profile", "kipp"]):
        result = lab("export", ws.root, "--format", "xlsx", *profile)
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output


def test_cohort_toml_nested_past_the_stack_is_one_clear_error(ws):
    path = ws.root / "cohort.toml"
    path.write_text(path.read_text() + "\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    result = lab("status", ws.root)
    assert result.exit_code != 0 and "not valid TOML" in result.output, result.output
    assert "Traceback" not in result.output and "RecursionError" not in repr(result.exception)


@pytest.fixture
def ws(tmp_path):
    from lab.workspace.cohort import init_workspace

    return init_workspace(tmp_path / "pbg", "Kabupaten Purbalingga", 2026, "PBG")
