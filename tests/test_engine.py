"""The stage engine at the service layer: what facilitators and teams rely on, without Prefect."""

from __future__ import annotations

from lab.domain.errors import TransitionNotAllowed
from lab.workflow.decisions import decide
from lab.workspace.cohort import find_proposal, workspace_session
from tests import factories
from tests.helpers import (
    answer,
    diagnosed,
    drive_to_display,
    enrol,
    evidence,
    proposals,
    run_once,
    sheet,
    sheet_path,
    teams,
)  # fmt: skip


def _dump(ws) -> list:
    from sqlalchemy import text

    from lab.storage.db import engine_for

    tables = ("team", "member", "proposal", "worksheet", "transition", "evidence", "cohort")
    with engine_for(ws.database_url).connect() as conn:
        return [conn.execute(text(f"select * from {t} order by id")).all() for t in tables]


def _files(ws) -> dict[str, bytes]:
    return {p.relative_to(ws.root).as_posix(): p.read_bytes() for p in sorted(ws.root.rglob("*.md"))}


def test_first_run_generates_a_drum_up_worksheet_per_team(ws):
    enrol(ws, 3)
    report = run_once(ws)
    assert report[0]["generated"] == 3
    assert sorted(_files(ws)) == [f"teams/unit-uji-00{i}/1-drum-up.md" for i in (1, 2, 3)]
    text = (ws.root / "teams/unit-uji-001/1-drum-up.md").read_text()
    assert "team: unit-uji-001" in text and "Pegawai 1-0" in text  # members prefilled from the roster


def test_a_whole_cohort_reaches_display_and_an_idle_run_changes_nothing(ws):
    drive_to_display(ws, 4)
    assert set(teams(ws).values()) == {"diagnosed"}
    states = sorted(proposals(ws).values())
    assert states == ["idea"] * 4 + ["showcased"] * 4  # each team: one idea forward, one kept in the pool
    before, files = _dump(ws), _files(ws)
    run_once(ws)
    assert _dump(ws) == before and _files(ws) == files


def test_proposal_ids_follow_code_year_number_and_folders(ws):
    diagnosed(ws, 2, ideas=2, forward=2)
    assert sorted(proposals(ws)) == ["PBG-2026-001", "PBG-2026-002", "PBG-2026-003", "PBG-2026-004"]
    assert (ws.root / "teams/unit-uji-002/PBG-2026-003/3-design.md").is_file()
    assert (ws.root / "teams/unit-uji-002/PBG-2026-003/evidence").is_dir()


def test_an_invalid_worksheet_is_reported_and_the_other_teams_carry_on(ws):
    enrol(ws, 3)
    run_once(ws)
    for slug in teams(ws):
        answer(ws, "drum-up", slug, factories.drum_up())
    bad = sheet_path(ws, "drum-up", "unit-uji-003")
    good = bad.read_text()
    text = good.replace("2026-03-10", "kemarin")  # the team types a word where a date belongs
    bad.write_text(text)
    run_once(ws)
    assert teams(ws) == {
        "unit-uji-001": "committed",
        "unit-uji-002": "committed",
        "unit-uji-003": "enrolled",
    }
    row = sheet(ws, "drum-up", "unit-uji-003")
    date_line = next(n for n, ln in enumerate(text.split("\n"), 1) if "{#commitment_date}" in ln)
    assert (row.status, row.errors) == (
        "invalid",
        [
            {
                "line": date_line,
                "reason": (
                    'Tanggal penandatanganan komitmen: "kemarin" belum terbaca sebagai tanggal; tulis TTTT-BB-HH, '
                    "misalnya 2026-10-12"
                ),
                "field": "commitment_date",
            }
        ],
    )
    assert bad.read_text() == text  # left untouched
    run_once(ws)
    assert sheet(ws, "drum-up", "unit-uji-003").status == "invalid"  # still reported, not forgotten
    bad.write_text(good.replace("2026-03-10", "2026-03-11"))  # the team fixes it
    run_once(ws)
    assert teams(ws)["unit-uji-003"] == "committed"


def test_an_edited_worksheet_is_never_overwritten(ws):
    enrol(ws, 1)
    run_once(ws)
    path = sheet_path(ws, "drum-up", "unit-uji-001")
    edited = path.read_text() + "\n"  # a participant's change, even a tiny one
    path.write_text(edited)
    path.unlink()
    path.write_text(edited)
    run_once(ws)
    run_once(ws)
    assert path.read_text() == edited
    report = answer(ws, "drum-up", "unit-uji-001", factories.drum_up())
    assert report.written == [] and "was edited by the team" in report.problems[0]
    assert path.read_text() == edited
    report = answer(ws, "drum-up", "unit-uji-001", factories.drum_up(), force=True)
    assert report.written and report.backups
    assert (ws.root / report.backups[0]).read_text() == edited


def test_a_file_found_without_a_record_is_adopted_not_overwritten(ws):
    enrol(ws, 1)
    path = ws.root / "teams/unit-uji-001/1-drum-up.md"
    path.parent.mkdir(parents=True)
    path.write_text("tulisan tim sebelum lab run\n")
    run_once(ws)
    assert path.read_text() == "tulisan tim sebelum lab run\n"
    assert sheet(ws, "drum-up", "unit-uji-001").status == "invalid"


def test_a_deleted_worksheet_is_generated_again(ws):
    enrol(ws, 1)
    run_once(ws)
    path = sheet_path(ws, "drum-up", "unit-uji-001")
    original = path.read_bytes()
    path.unlink()
    run_once(ws)
    assert path.read_bytes() == original
    assert sheet(ws, "drum-up", "unit-uji-001").status == "waiting"


def test_worksheet_records_hold_the_stat_of_the_files_written(ws):
    """So that a file nobody touched is not read again: generated, proposal-stage and regenerated files."""
    diagnosed(ws, 2)
    written = [("drum-up", "unit-uji-001"), ("diagnose", "unit-uji-002")]
    written += [("design", code) for code in proposals(ws)]
    for stage, key in written:
        record, st = sheet(ws, stage, key), sheet_path(ws, stage, key).stat()
        assert (record.mtime_ns, record.size) == (st.st_mtime_ns, st.st_size), (stage, key)
    path = sheet_path(ws, "design", written[-1][1])
    path.unlink()
    run_once(ws)
    st = path.stat()
    assert (sheet(ws, "design", written[-1][1]).mtime_ns, sheet(ws, "design", written[-1][1]).size) == (
        st.st_mtime_ns,
        st.st_size,
    )


def _to_design(ws, n_units=1):
    diagnosed(ws, n_units)
    for code in proposals(ws):
        answer(ws, "design", code, factories.design())
    run_once(ws)


def _decide(ws, code, decision, note=""):
    with workspace_session(ws) as (session, cohort):
        return decide(
            ws, session, cohort, find_proposal(session, cohort, code), decision, "Fasilitator", note
        )


def test_a_returned_design_waits_until_the_team_changes_it(ws):
    _to_design(ws)
    assert proposals(ws) == {"PBG-2026-001": "designed"}
    _decide(ws, "PBG-2026-001", "return", "Lengkapi anggaran")
    run_once(ws)
    assert proposals(ws) == {"PBG-2026-001": "shortlisted"}  # unchanged file: still returned
    assert sheet(ws, "design", "PBG-2026-001").status == "returned"
    path = sheet_path(ws, "design", "PBG-2026-001")
    path.write_text(path.read_text().replace("\n15000000\n", "\n18500000\n"))
    run_once(ws)
    assert proposals(ws) == {"PBG-2026-001": "designed"}
    assert sheet(ws, "design", "PBG-2026-001").answers["budget"] == 18500000


def test_approving_needs_a_valid_design(ws):
    _to_design(ws)
    path = sheet_path(ws, "design", "PBG-2026-001")
    path.write_text(path.read_text().replace("2026-05-04", "besok"))
    run_once(ws)
    try:
        _decide(ws, "PBG-2026-001", "approve")
    except TransitionNotAllowed as exc:
        assert "design worksheet is invalid" in str(exc)
    else:
        raise AssertionError("an invalid design was approved")


def test_launch_waits_for_every_evidence_file(ws):
    _to_design(ws)
    _decide(ws, "PBG-2026-001", "approve")
    run_once(ws)
    answer(ws, "deliver", "PBG-2026-001", factories.deliver(("sk.pdf", "foto.jpg")))
    evidence(ws, "PBG-2026-001", "sk.pdf")
    run_once(ws)
    assert proposals(ws) == {"PBG-2026-001": "approved"}
    errors = sheet(ws, "deliver", "PBG-2026-001").errors
    assert [e["reason"] for e in errors] == [
        "Bukti dukung ke-2 · Berkas (di folder evidence/): berkas 'foto.jpg' tidak ada di "
        "teams/unit-uji-001/PBG-2026-001/evidence/; simpan berkasnya di sana atau perbaiki namanya"
    ]
    evidence(ws, "PBG-2026-001", "foto.jpg")  # the worksheet itself is not touched
    run_once(ws)
    assert proposals(ws) == {"PBG-2026-001": "launched"}


def test_evidence_paths_cannot_leave_the_evidence_folder(ws):
    _to_design(ws)
    _decide(ws, "PBG-2026-001", "approve")
    run_once(ws)
    (ws.root / "cohort-secret.pdf").write_bytes(b"x")
    report = answer(ws, "deliver", "PBG-2026-001", factories.deliver(("../../../cohort-secret.pdf",)))
    assert "no '..' and no absolute path" in report.problems[0]
    folder = ws.root / "teams/unit-uji-001/PBG-2026-001/evidence"
    (folder / "link.pdf").symlink_to(ws.root / "cohort-secret.pdf")
    answer(ws, "deliver", "PBG-2026-001", factories.deliver(("link.pdf",)))
    run_once(ws)
    assert proposals(ws) == {"PBG-2026-001": "approved"}
    assert (
        "link.pdf is a symbolic link; links are not followed"
        in sheet(ws, "deliver", "PBG-2026-001").errors[0]["reason"]
    )


def test_auto_gate_approves_valid_designs(ws):
    settings = ws.root / "cohort.toml"
    settings.write_text(settings.read_text().replace('design = "facilitator"', 'design = "auto"'))
    from lab.workspace.settings import open_workspace

    ws = open_workspace(ws.root)
    _to_design(ws)
    assert proposals(ws) == {"PBG-2026-001": "approved"}


def test_dropped_ideas_can_be_reopened_with_a_note(ws):
    _to_design(ws)
    _decide(ws, "PBG-2026-001", "drop", "Tumpang tindih")
    assert proposals(ws) == {"PBG-2026-001": "dropped"}
    assert _decide(ws, "PBG-2026-001", "reopen", "Ternyata berbeda") == "shortlisted"
    run_once(ws)  # its design worksheet is still valid: it becomes designed again
    assert proposals(ws) == {"PBG-2026-001": "designed"}


def test_a_cohort_worked_in_small_chunks_ends_as_in_one_pass(tmp_path, monkeypatch):
    """Stages work through the cohort in chunks to bound memory; the result must not depend on it."""
    from lab.workflow import runner
    from lab.workspace.cohort import init_workspace
    from tests.helpers import snapshot, snapshot_diff

    whole = init_workspace(tmp_path / "whole", "Kabupaten Purbalingga", 2026, "PBG")
    drive_to_display(whole, 5)
    monkeypatch.setattr(runner, "CHUNK", 2)
    chunked = init_workspace(tmp_path / "chunked", "Kabupaten Purbalingga", 2026, "PBG")
    drive_to_display(chunked, 5)
    assert snapshot_diff(snapshot(chunked), snapshot(whole)) == {}
    assert sorted(proposals(chunked).values()) == ["idea"] * 5 + ["showcased"] * 5
