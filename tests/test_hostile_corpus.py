"""Hostile input corpus: every case gets its exact, located error (or is accepted safely), never a traceback;
nothing else is blocked or lost, and nothing is written outside the workspace."""

from __future__ import annotations

import json
import os

import pytest

from lab.cli import app
from lab.worksheets.markdown import MAX_BYTES
from tests import factories
from tests.helpers import answer, diagnosed, proposals, run_once, sheet, sheet_path, teams

PATH = "teams/unit-uji-001/1-drum-up.md"


def _swap(old: str, new: str):
    return lambda text: text.replace(old, new, 1)


def at(needle: str, after: int = 0):
    """The line where `needle` first appears in the file as the case wrote it: derived, not counted by hand."""
    return lambda text: next(n for n, line in enumerate(text.split("\n"), 1) if needle in line) + after


def body(text: str) -> int:
    """The first line after the front matter (where a missing field is reported)."""
    return text.split("\n").index("---", 1) + 2


# (id, transform of a valid drum-up file -> bytes or str, expected [(line, reason)] or "valid"); a line is a
# number only where the format fixes it (1: the file's start); otherwise it is found in the file (at, body), and
# a reason that names a line may be a function of the file too.
WORKSHEETS = [
    ('no-front-matter', lambda t: t.split("---\n", 2)[2],
     'valid'),  # rebuilt from the file's place (tests/test_front_matter_rebuild.py)
    ('empty-file', lambda t: "",
     [(1, "bagian depan berkas hilang: berkas harus diawali baris '---'")]),
    ('only-spaces', lambda t: "   \n\n  ",
     [(1, "bagian depan berkas hilang: berkas harus diawali baris '---'")]),
    ('unclosed-front-matter', lambda t: "---\ncohort: PBG-2026\n",
     [(1, "bagian depan berkas tidak ditutup dengan baris '---'")]),
    ('front-matter-not-yaml', _swap("team: unit-uji-001", "team: [unit-uji-001"),
     [(at("team: [", after=1), "bagian depan berkas bukan YAML yang sah: did not find expected ',' or ']'")]),
    ('front-matter-a-list', lambda t: "---\n- a\n- b\n---\n" + t.split("---\n", 2)[2],
     [(at("- a"), "bagian depan berkas harus berupa baris 'kunci: nilai'")]),
    ('other-team', _swap("team: unit-uji-001", "team: unit-uji-002"),
     [(at("team:"), "bagian depan berkas menyebut team: 'unit-uji-002', padahal berkas ini milik team 'unit-uji-001'; kembalikan bagian antara tanda '---' seperti semula")]),
    ('other-stage', _swap("stage: drum-up", "stage: diagnose"),
     [(at("stage:"), "bagian depan berkas menyebut stage: 'diagnose', padahal berkas ini milik stage 'drum-up'; kembalikan bagian antara tanda '---' seperti semula")]),
    ('other-cohort', _swap("cohort: PBG-2026", "cohort: PSR-2026"),
     [(at("cohort:"), "bagian depan berkas menyebut cohort: 'PSR-2026', padahal berkas ini milik cohort 'PBG-2026'; kembalikan bagian antara tanda '---' seperti semula")]),
    ('unknown-field', _swap("{#signatory_position}", "{#jabatan}"),
     [(at('{#jabatan}'), 'judul dengan penanda {#jabatan} tidak ada di lembar kerja ini; kembalikan judul aslinya'), (body, "Jabatan: judul isian ini hilang; kembalikan baris '## Jabatan {#signatory_position}'")]),
    ('missing-field', _swap("## Jabatan {#signatory_position}\n\nKepala Dinas\n", ""),
     [(body, "Jabatan: judul isian ini hilang; kembalikan baris '## Jabatan {#signatory_position}'")]),
    ('duplicated-field', lambda t: t + "\n## Jabatan lagi {#signatory_position}\n\nCamat\n",
     [(at('## Jabatan lagi'), lambda t: f'Jabatan: judul isian ini muncul dua kali (pertama di baris {at("{#signatory_position}")(t)}); hapus salah satunya')]),
    ('heading-without-id', _swap("## Jabatan {#signatory_position}", "## Jabatan"),
     [(at('## Jabatan'), "judul '## Jabatan' tidak diakhiri penanda isian seperti {#problem}; kembalikan judul aslinya"), (body, "Jabatan: judul isian ini hilang; kembalikan baris '## Jabatan {#signatory_position}'")]),
    ('date-is-a-word', _swap("2026-03-10", "kemarin"),
     [(at('{#commitment_date}'), 'Tanggal penandatanganan komitmen: "kemarin" belum terbaca sebagai tanggal; tulis TTTT-BB-HH, misalnya 2026-10-12')]),
    ('date-impossible', _swap("2026-03-10", "2026-02-30"),
     [(at('{#commitment_date}'), 'Tanggal penandatanganan komitmen: "2026-02-30" belum terbaca sebagai tanggal; tulis TTTT-BB-HH, misalnya 2026-10-12')]),
    ('date-the-indonesian-way', _swap("2026-03-10", "10 Maret 2026"),
     'valid'),
    ('two-ticks', _swap("- [ ] Tidak {#no}", "- [x] Tidak {#no}"),
     [(at('{#committed}'), 'Unit berkomitmen mengikuti seluruh tahap laboratorium inovasi: centang satu pilihan saja (2 tercentang)')]),
    ('unknown-option', _swap("- [ ] Tidak {#no}", "- [ ] Mungkin {#maybe}"),
     [(at('{#maybe}'), 'Unit berkomitmen mengikuti seluruh tahap laboratorium inovasi: pilihan {#maybe} tidak dikenal; pilih dari: Ya {#yes}, Tidak {#no}')]),
    ('checklist-prose', _swap("- [ ] Tidak {#no}", "iya dong"),
     [(at('iya dong'), "Unit berkomitmen mengikuti seluruh tahap laboratorium inovasi: centang pilihan dengan '- [x] …' dan biarkan baris lainnya seperti semula")]),
    ('list-without-bullets', _swap("- Imunisasi", "Imunisasi"),
     [(at('Imunisasi'), "Layanan yang menjadi tanggung jawab tim: tulis setiap butir di baris sendiri, diawali '- '")]),
    ('text-outside-fields', _swap("## Kepala unit", "jawaban nyasar\n\n## Kepala unit"),
     [(at('jawaban nyasar'), 'teks di luar isian; tulis jawaban di bawah judul isiannya')]),
    ('unknown-record-field', _swap("#### Nama {#name}", "#### Nama {#nama}"),
     [(at('{#nama}'), 'Anggota ke-1: judul dengan penanda {#nama} tidak ada dalam butir ini; kembalikan judul aslinya'), (at('### Anggota 1'), "Anggota ke-1 · Nama: judul isian ini hilang dari butir; kembalikan baris '#### Nama {#name}'")]),
    ('not-committed', _swap("- [x] Ya {#yes}\n- [ ] Tidak {#no}", "- [ ] Ya {#yes}\n- [x] Tidak {#no}"),
     [(at('{#committed}'), 'Unit berkomitmen mengikuti seluruh tahap laboratorium inovasi: tim baru dapat melanjutkan setelah kepala unit menandatangani komitmen; centang Ya')]),
    ('required-left-blank', _swap("dr. Hanung Wikantono\n", ""),
     [(at('{#signatory}'), 'Kepala unit yang menandatangani komitmen: wajib diisi')]),
    ('non-utf8', lambda t: t.encode().replace(b"Imunisasi", b"Imunisasi \xe9"),
     [(at('Imunisasi'), 'bukan teks UTF-8 (bita 0xe9); simpan berkas sebagai UTF-8')]),
    ('png-renamed', lambda t: b"\x89PNG\r\n\x1a\n\x00\x00",
     [(1, 'bukan teks UTF-8 (bita 0x89); simpan berkas sebagai UTF-8')]),
    ('huge-file', lambda t: b"x" * 50_000_000,
     [(1, 'berkas berukuran 50,0 MB; lembar kerja paling besar 2 MB')]),
    ('bom-and-crlf', lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode(),
     'valid'),
    ('html-and-template-syntax', _swap("Kepala Dinas", "<script>alert(1)</script> {{ 7*7 }} {% raw %}"),
     'valid'),
]  # fmt: skip


def _outside(ws) -> set[str]:
    root = ws.root.parent
    return {str(p) for p in root.rglob("*") if ws.root not in p.parents and p != ws.root}


@pytest.mark.parametrize("case,transform,expected", WORKSHEETS, ids=[c[0] for c in WORKSHEETS])
def test_hostile_worksheets(two_teams, case, transform, expected):
    ws = two_teams
    path = sheet_path(ws, "drum-up", "unit-uji-001")
    data = transform(path.read_text())
    data = data.encode() if isinstance(data, str) else data
    path.write_bytes(data)
    before = _outside(ws)
    run_once(ws)
    assert teams(ws)["unit-uji-002"] == "committed"  # the other team carries on
    row = sheet(ws, "drum-up", "unit-uji-001")
    if expected == "valid":
        assert row.status == "valid" and teams(ws)["unit-uji-001"] == "committed"
    else:
        assert row.status == "invalid"
        text = data[:MAX_BYTES].decode("utf-8", "replace")
        expected = [(line(text) if callable(line) else line, reason(text) if callable(reason) else reason)
                    for line, reason in expected]  # fmt: skip
        assert [(e["line"], e["reason"]) for e in row.errors] == expected
        assert path.read_bytes() == data  # untouched
        assert teams(ws)["unit-uji-001"] == "enrolled"
    assert _outside(ws) == before


ROSTERS = [
    ("missing-columns", "unit,member\nDinas Kesehatan,Budi\n",
     "{f}:1: missing column(s) unit_type, role, email; expected unit,unit_type,member,role,email"),
    ("unknown-unit-type", "unit,unit_type,member,role,email\nDinas Kesehatan,dinas,Budi,Ketua,\n",
     "{f}:2: unit_type 'dinas' is not one of opd, kecamatan, kelurahan, desa, puskesmas, rsud, upt, bumd, other"),
    ("same-slug", "unit,unit_type,member,role,email\nDinas Kesehatan,opd,A,,\nDINAS kesehatan!,opd,B,,\n",
     "{f}:3: unit 'DINAS kesehatan!' has the same id 'dinas-kesehatan' as 'Dinas Kesehatan' (line 2); rename one"),
    ("duplicate-unit-two-types", "unit,unit_type,member,role,email\nRSUD Goeteng,rsud,A,,\nRSUD Goeteng,opd,B,,\n",
     "{f}:3: unit 'RSUD Goeteng' is 'opd' here but 'rsud' on line 2"),
    ("no-letters", "unit,unit_type,member,role,email\n../..,opd,A,,\n", "{f}:2: unit name '../..' has no letters or digits to name its folder"),
    ("empty-unit", "unit,unit_type,member,role,email\n,opd,A,,\n", "{f}:2: unit is empty"),
    ("header-only", "unit,unit_type,member,role,email\n", "{f}: no units in the roster"),
    ("not-utf8", b"unit,unit_type,member,role,email\nDinas \xe9,opd,A,,\n", "{f}:2: not UTF-8 text; save the roster as UTF-8 CSV"),
    ("dot-dot-path-name", "unit,unit_type,member,role,email\n../../etc/passwd,opd,A,,\n", "ok:etc-passwd"),
    ("absolute-path-name", "unit,unit_type,member,role,email\n/etc/cron.d,opd,A,,\n", "ok:etc-cron-d"),
]  # fmt: skip


@pytest.mark.parametrize("case,content,expected", ROSTERS, ids=[c[0] for c in ROSTERS])
def test_hostile_rosters(ws, runner, tmp_path, case, content, expected):
    f = tmp_path / "roster.csv"
    f.write_bytes(content.encode() if isinstance(content, str) else content)
    before = _outside(ws)
    result = runner.invoke(app, ["roster", "import", str(ws.root), str(f)])
    assert "Traceback" not in result.output
    if expected.startswith("ok:"):
        assert result.exit_code == 0
        run_once(ws)
        assert (ws.root / "teams" / expected[3:] / "1-drum-up.md").is_file()
    else:
        assert result.exit_code == 4
        assert result.output.strip() == "error: " + expected.format(f=f)
    assert _outside(ws) - {str(f)} == before - {str(f)}


def _design_ready(ws):
    diagnosed(ws, 1, ideas=2, forward=1)


ANSWERS = [
    ("unknown-team", {"worksheets": [{"team": "dinas-x", "stage": "drum-up", "answers": {}}]},
     "a.json: worksheets[0]: no team 'dinas-x' in this cohort"),
    ("unknown-proposal", {"worksheets": [{"proposal": "PBG-2026-404", "stage": "design", "answers": {}}]},
     "a.json: worksheets[0]: no proposal 'PBG-2026-404' in this cohort"),
    ("unknown-stage", {"worksheets": [{"team": "unit-uji-001", "stage": "documentation", "answers": {}}]},
     "a.json: worksheets[0]: unknown stage 'documentation'; stages are drum-up, diagnose, design, deliver, display"),
    ("team-for-proposal-stage", {"worksheets": [{"team": "unit-uji-001", "stage": "design", "answers": {}}]},
     'a.json: worksheets[0]: the design worksheet belongs to a proposal: give "proposal"'),
    ("unknown-field", {"worksheets": [{"proposal": "PBG-2026-001", "stage": "design", "answers": {**factories.design(), "anggaran": 5}}]},
     "a.json: worksheets[0]: PBG-2026-001 design: {#anggaran}: extra inputs are not permitted"),
    ("wrong-type", {"worksheets": [{"proposal": "PBG-2026-001", "stage": "design", "answers": {**factories.design(), "trial_start": "besok"}}]},
     'a.json: worksheets[0]: PBG-2026-001 design: Trial period: start (YYYY-MM-DD): "besok" could not be read as a '
     'date; write YYYY-MM-DD, e.g. 2026-10-12'),
    ("closed-stage", {"worksheets": [{"team": "unit-uji-001", "stage": "drum-up", "answers": factories.drum_up()}]},
     "a.json: worksheets[0]: unit-uji-001 is diagnosed; its drum-up worksheet is closed"),
    ("not-json", "{worksheets: [", "{f}:1: not valid JSON: Expecting property name enclosed in double quotes"),
    ("wrong-shape", ["drum-up"], '{f}: expected an object {"worksheets": [...]}'),
]  # fmt: skip


@pytest.mark.parametrize("case,doc,expected", ANSWERS, ids=[c[0] for c in ANSWERS])
def test_hostile_answers(ws, runner, tmp_path, case, doc, expected):
    _design_ready(ws)
    f = tmp_path / "a.json"
    f.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    result = runner.invoke(app, ["answers", "import", str(ws.root), str(f)])
    assert result.exit_code == 5 and "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("error: ")]
    assert lines[0] == "error: " + expected.replace("{f}", str(f)), lines
    assert proposals(ws) == {"PBG-2026-001": "shortlisted", "PBG-2026-002": "idea"}


EVIDENCE = [
    ("dot-dot", "../../../cohort.toml", "import", "Evidence 1 · File (in the evidence/ folder): must be a file inside the evidence/ folder (no '..' and no absolute path)"),
    ("absolute", "/etc/passwd", "import", "Evidence 1 · File (in the evidence/ folder): must be a file inside the evidence/ folder (no '..' and no absolute path)"),
    ("windows-absolute", "C:\\\\Windows\\\\win.ini", "import", "Evidence 1 · File (in the evidence/ folder): must be a file inside the evidence/ folder (no '..' and no absolute path)"),
    ("symlink-outside", "tautan.pdf", "ingest",
     "teams/unit-uji-001/PBG-2026-001/evidence/tautan.pdf is a symbolic link; links are not followed: replace it with a real file"),
    ("missing-file", "tidak-ada.pdf", "ingest",
     "Bukti dukung ke-1 · Berkas (di folder evidence/): berkas 'tidak-ada.pdf' tidak ada di "
     "teams/unit-uji-001/PBG-2026-001/evidence/; simpan berkasnya di sana atau perbaiki namanya"),
]  # fmt: skip


@pytest.mark.parametrize("case,file,where,expected", EVIDENCE, ids=[c[0] for c in EVIDENCE])
def test_hostile_evidence(ws, case, file, where, expected):
    from lab.workflow.decisions import decide
    from lab.workspace.cohort import find_proposal, workspace_session

    _design_ready(ws)
    answer(ws, "design", "PBG-2026-001", factories.design())
    run_once(ws)
    with workspace_session(ws) as (session, cohort):
        decide(ws, session, cohort, find_proposal(session, cohort, "PBG-2026-001"), "approve", "Fasilitator")
    run_once(ws)
    folder = ws.root / "teams/unit-uji-001/PBG-2026-001/evidence"
    os.symlink(ws.root / "cohort.toml", folder / "tautan.pdf")
    report = answer(ws, "deliver", "PBG-2026-001", factories.deliver((file,)))
    if where == "import":
        assert report.written == [] and report.problems == [
            f"test: PBG-2026-001 deliver: {expected} (at evidence.1.file)"
        ]
        return
    run_once(ws)
    assert proposals(ws)["PBG-2026-001"] == "approved"
    assert [e["reason"] for e in sheet(ws, "deliver", "PBG-2026-001").errors] == [expected]


def test_the_corpus_is_large_enough():
    assert len(WORKSHEETS) + len(ROSTERS) + len(ANSWERS) + len(EVIDENCE) >= 30
