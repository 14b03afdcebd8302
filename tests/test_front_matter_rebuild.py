"""The front matter is marked as the system's, and one deleted or damaged is rebuilt from the file's place in the
workspace when nothing left of it says otherwise; when something does, the clear error stays."""

from __future__ import annotations

import pytest

from tests.helpers import run_once, sheet, sheet_path, teams

TEAM = "unit-uji-001"
NOTE = (
    "> Bagian depan berkas (antara tanda '---') hilang atau rusak dan telah dipulihkan oleh sistem; jangan "
    "mengubah bagian itu"
)
FRONT = (
    "---\n# Diisi oleh sistem; jangan diubah.\ncohort: PBG-2026\nstage: drum-up\nteam: unit-uji-001\nschema: 1\n"
    "lang: id\n---\n"
)


def test_a_written_worksheet_marks_its_front_matter_as_the_systems(two_teams):
    assert sheet_path(two_teams, "drum-up", TEAM).read_text().startswith(FRONT)


def _body(text: str) -> str:
    return text.split("---\n", 2)[2]


DAMAGE = [
    ("deleted", lambda t: _body(t)),
    ("opening-line-deleted", lambda t: t.split("\n", 1)[1]),
    ("closing-line-deleted", lambda t: t.replace("lang: id\n---\n", "lang: id\n", 1)),
    ("emptied", lambda t: "---\n---\n" + _body(t)),
    ("team-line-deleted", lambda t: t.replace("team: unit-uji-001\n", "", 1)),
    ("half-left", lambda t: "stage: drum-up\n" + _body(t)),
]


@pytest.mark.parametrize("case,damage", DAMAGE, ids=[c for c, _ in DAMAGE])
def test_a_lost_front_matter_is_rebuilt_from_where_the_file_is(two_teams, case, damage):
    ws = two_teams
    path = sheet_path(ws, "drum-up", TEAM)
    good = path.read_text()
    path.write_text(damage(good))
    run_once(ws)
    assert sheet(ws, "drum-up", TEAM).status == "valid" and teams(ws)[TEAM] == "committed"
    rebuilt = path.read_text()
    assert rebuilt.startswith(FRONT + NOTE + "\n")
    assert _body(rebuilt).split("\n", 1)[1] == _body(good)  # the answers as they were, after the note
    run_once(ws)  # read once: the repaired file is what the record now knows
    assert path.read_text() == rebuilt


def test_a_rebuilt_worksheet_that_is_still_wrong_says_both(two_teams):
    ws = two_teams
    path = sheet_path(ws, "drum-up", TEAM)
    path.write_text(_body(path.read_text()).replace("2026-03-10", "kemarin"))
    run_once(ws)
    row = sheet(ws, "drum-up", TEAM)
    assert row.status == "invalid" and [e["field"] for e in row.errors] == ["commitment_date"]
    fixes = path.with_name("1-drum-up.perbaikan.md").read_text()
    assert (
        f"- Baris 1 · {NOTE[2:]}\n" in fixes
    )  # a sentence of its own, capitalised and "Tanggal penandatanganan komitmen" in fixes


@pytest.mark.parametrize(
    "case,damage,reason",
    [("other-team", lambda t: t.replace("team: unit-uji-001", "team: unit-uji-002"),
      "bagian depan berkas menyebut team: 'unit-uji-002', padahal berkas ini milik team 'unit-uji-001'; "
      "kembalikan bagian antara tanda '---' seperti semula"),
     ("deleted-but-a-line-names-another-team", lambda t: "team: unit-uji-002\n" + _body(t),
      "bagian depan berkas hilang: berkas harus diawali baris '---'"),
     ("deleted-with-text-before-the-title", lambda t: "jawaban saya\n" + _body(t),
      "bagian depan berkas hilang: berkas harus diawali baris '---'")],
)  # fmt: skip
def test_an_unclear_front_matter_keeps_its_clear_error(two_teams, case, damage, reason):
    ws = two_teams
    path = sheet_path(ws, "drum-up", TEAM)
    broken = damage(path.read_text())
    path.write_text(broken)
    run_once(ws)
    row = sheet(ws, "drum-up", TEAM)
    assert row.status == "invalid" and [e["reason"] for e in row.errors] == [reason]
    assert path.read_text() == broken  # untouched
