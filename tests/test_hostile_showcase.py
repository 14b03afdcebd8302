"""Hostile showcase corpus (issue 9, holes 2 and 3): nothing one team writes can make the showcase run a script
when a coordinator opens it, make the build read or write outside the workspace, or stop the showcase, the
scoreboard or the reviews of the other proposals. A problem of one proposal is recorded on its display worksheet
(`lab status`: path, line, reason) and its last good page is kept."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from lab.cli import app
from lab.domain.models import Worksheet, utcnow
from lab.outputs.showcase_evidence import PASSIVE
from lab.outputs.showcase_html import render_text
from lab.workflow.decisions import decide
from lab.workspace.cohort import find_proposal, workspace_session
from tests import factories
from tests.helpers import answer, enrol, proposals, run_once, sheet, sheet_path, teams

CODE = "PBG-2026-001"
OTHERS = ("PBG-2026-003", "PBG-2026-005")
FOLDER = f"teams/unit-uji-001/{CODE}"
DISPLAY = f"{FOLDER}/5-display.md"
EVIDENCE = f"{FOLDER}/evidence"
PDF = b"%PDF-1.4 test\n"
SUMMARY = "Warga mengambil nomor antrean dari rumah."
ACTIVE_NOTE = "tidak ditampilkan karena jenis berkas ini dapat menjalankan skrip saat dibuka"
REFUSED_NOTE = "berkas ditolak: bukan berkas biasa di folder evidence/"


def _drive(ws, files=None, deliver=("sk.pdf",), display=None, design=None, after_launch=None) -> None:
    """Three units to the showcase; the first proposal's evidence files, deliver list, display and design answers
    as given; `after_launch(ws)` runs once every proposal is launched, before the display worksheets are filled."""
    enrol(ws, 3)
    run_once(ws)
    for slug in teams(ws):
        answer(ws, "drum-up", slug, factories.drum_up())
    run_once(ws)
    for slug in teams(ws):
        answer(ws, "diagnose", slug, factories.diagnose())
    run_once(ws)
    for code, state in proposals(ws).items():
        if state == "shortlisted":
            answer(ws, "design", code, (design if code == CODE and design else factories.design)())
    run_once(ws)
    designed = [code for code, state in proposals(ws).items() if state == "designed"]
    with workspace_session(ws) as (session, cohort):
        for code in designed:
            decide(ws, session, cohort, find_proposal(session, cohort, code), "approve", "Fasilitator")
    run_once(ws)
    for code, state in proposals(ws).items():
        if state == "approved":
            folder = next(ws.root.glob(f"teams/*/{code}")) / "evidence"
            for name, data in (files if code == CODE and files else {"sk.pdf": PDF}).items():
                (folder / name).write_bytes(data)
            answer(ws, "deliver", code, factories.deliver(deliver if code == CODE else ("sk.pdf",)))
    run_once(ws)
    assert proposals(ws)[CODE] == "launched"
    if after_launch:
        after_launch(ws)
    for code, state in proposals(ws).items():
        if state == "launched":
            answer(ws, "display", code, display if code == CODE and display else factories.display())
    run_once(ws)


def _edit_summary(ws, text="Ringkasan baru dari tim.") -> None:
    """The team changes its summary: the page is built again."""
    path = sheet_path(ws, "display", CODE)
    path.write_text(path.read_text().replace(SUMMARY, text))


def _set_answers(ws, answers) -> None:
    """Stored display answers changed behind the worksheet's back (an old schema, a bad import, a bug)."""
    row = sheet(ws, "display", CODE)
    with workspace_session(ws) as (session, _):
        session.execute(
            update(Worksheet)
            .where(Worksheet.id == row.id)
            .values(answers=answers(row.answers), updated_at=utcnow())
        )


def _outside(ws) -> Path:
    folder = ws.root.parent / "outside"
    folder.mkdir(exist_ok=True)
    return folder


def _link_evidence(ws):
    secret = _outside(ws) / "secret.pdf"
    secret.write_bytes(b"%PDF secret of another office")
    (ws.root / EVIDENCE / "sk.pdf").unlink()
    os.symlink(secret, ws.root / EVIDENCE / "sk.pdf")


def _link_evidence_folder(ws):
    outside = _outside(ws) / "evidence"
    outside.mkdir()
    (outside / "sk.pdf").write_bytes(b"%PDF secret of another office")
    (ws.root / EVIDENCE / "sk.pdf").unlink()
    (ws.root / EVIDENCE).rmdir()
    os.symlink(outside, ws.root / EVIDENCE)


def _hard_link_evidence(ws):
    secret = _outside(ws) / "secret.pdf"
    secret.write_bytes(b"%PDF secret of another office")
    (ws.root / EVIDENCE / "sk.pdf").unlink()
    os.link(secret, ws.root / EVIDENCE / "sk.pdf")


def _sparse_evidence(ws):
    with open(ws.root / EVIDENCE / "sk.pdf", "r+b") as fh:
        fh.truncate(2**31)  # 2 GB that take no disk: copying it would cost 2 GB


def _fifo_evidence(ws):
    (ws.root / EVIDENCE / "sk.pdf").unlink()
    os.mkfifo(ws.root / EVIDENCE / "sk.pdf")  # reading it would block the build for ever


def _small_proposal_limit(ws):
    path = ws.root / "cohort.toml"
    text = path.read_text()
    assert "max_file_mb = 25 " in text and "max_proposal_mb = 100 " in text
    path.write_text(
        text.replace("max_file_mb = 25 ", "max_file_mb = 0.01 ").replace(
            "max_proposal_mb = 100 ", "max_proposal_mb = 0.01 "
        )
    )  # 10,000 bytes: each file fits, both together do not


def _link_page_folder(ws):
    page_folder = ws.root / "showcase" / "p" / CODE
    shutil.rmtree(page_folder)
    os.symlink(_outside(ws), page_folder)
    _edit_summary(ws)


def _stale_active_files(ws):
    folder = ws.root / "showcase" / "p" / CODE / "evidence"
    (folder / "lama.html").write_text("<script>alert(1)</script>")  # copied by an older build
    os.symlink("/etc/passwd", folder / "tautan.pdf")
    _edit_summary(ws)


def _after_page(attack):
    """`attack` on a page already built; then something else in the cohort changes (the site is built again)."""

    def later(ws):
        attack(ws)
        (ws.root / "showcase" / ".fingerprint").unlink()

    return later


def _new_pdf(ws):
    (ws.root / EVIDENCE / "sk.pdf").unlink()
    (ws.root / EVIDENCE / "sk.pdf").write_bytes(b"%PDF-1.7 newer decree")


def _page_is_a_folder(ws):
    (ws.root / "showcase" / "p" / f"{CODE}.html").unlink()
    (ws.root / "showcase" / "p" / f"{CODE}.html").mkdir()
    _edit_summary(ws)


def _delete_display(ws):
    sheet_path(ws, "display", CODE).unlink()


def _break_heading(ws):
    path = sheet_path(ws, "display", CODE)
    path.write_text(path.read_text().replace("{#summary}", "{#ringkasan}"))


def _break_front_matter(ws):
    path = sheet_path(ws, "display", CODE)
    # removed, and a line typed where it was: unclear, so not rebuilt (tests/test_front_matter_rebuild.py)
    path.write_text("catatan tim\n" + path.read_text().split("---\n", 2)[2])


def _odd_answers(ws):
    _set_answers(ws, lambda answers: answers | {"highlights": 5})


def _odd_design(form):
    def attack(ws):
        row = sheet(ws, "design", CODE)
        with workspace_session(ws) as (session, _):
            session.execute(
                update(Worksheet).where(Worksheet.id == row.id).values(answers=row.answers | {"form": form})
            )
        (ws.root / "showcase" / ".fingerprint").unlink()

    return attack


def _odd_answers_no_page(ws):
    _set_answers(ws, lambda answers: {k: v for k, v in answers.items() if k != "summary"})
    (ws.root / "showcase" / "p" / f"{CODE}.html").unlink()


def _manifest(data: str):
    def attack(ws):
        (ws.root / "showcase" / ".pages.json").write_text(data)
        (ws.root / "showcase" / ".fingerprint").write_text("stale")

    return attack


def _fingerprint_fifo(ws):
    (ws.root / "showcase" / ".fingerprint").unlink()
    os.mkfifo(ws.root / "showcase" / ".fingerprint")


def _media(*lines):
    return factories.display() | {"media": list(lines)}


def _problem(reason):
    return [(DISPLAY, 1, reason)]


# (id, _drive options, attack after the first showcase (then one more run) or None,
#  expected `lab status --json` invalid entries [(path, line, reason)], text expected in the page, text not in it)
CASES = [
    ("deleted-display-worksheet", {}, _delete_display, [], [SUMMARY], []),
    ("broken-heading", {}, _break_heading,
     [(DISPLAY, 21, "judul dengan penanda {#ringkasan} tidak ada di lembar kerja ini; kembalikan judul aslinya"),
      (DISPLAY, 10, "Ringkasan satu paragraf: judul isian ini hilang; kembalikan baris '## Ringkasan satu paragraf {#summary}'")],
     [SUMMARY], []),
    ("front-matter-removed", {}, _break_front_matter,
     [(DISPLAY, 1, "bagian depan berkas hilang: berkas harus diawali baris '---'")], [SUMMARY], []),
    ("html-evidence", {"files": {"sk.pdf": PDF, "demo.html": b"<script>alert(1)</script>"},
                       "deliver": ("sk.pdf", "demo.html")}, None, [],
     [f"demo.html ({ACTIVE_NOTE})", f'<a href="{CODE}/evidence/sk.pdf">sk.pdf</a>'], ['evidence/demo.html"']),
    ("svg-evidence", {"files": {"sk.pdf": PDF, "grafik.svg": b'<svg onload="alert(1)"/>'},
                      "deliver": ("sk.pdf", "grafik.svg")}, None, [], [f"grafik.svg ({ACTIVE_NOTE})"], ["grafik.svg\""]),
    ("xhtml-evidence", {"files": {"sk.pdf": PDF, "laporan.xhtml": b"<html/>"},
                        "deliver": ("sk.pdf", "laporan.xhtml")}, None, [], [f"laporan.xhtml ({ACTIVE_NOTE})"], []),
    ("evidence-without-extension", {"files": {"sk.pdf": PDF, "LAPORAN": b"<html><script>x</script>"},
                                    "deliver": ("sk.pdf", "LAPORAN")}, None, [], [f"LAPORAN ({ACTIVE_NOTE})"], []),
    ("upper-case-html-evidence", {"files": {"sk.pdf": PDF, "Demo.HTM": b"<script>x</script>"},
                                  "deliver": ("sk.pdf", "Demo.HTM")}, None, [], [f"Demo.HTM ({ACTIVE_NOTE})"], []),
    ("pdf-then-html-extension", {"files": {"sk.pdf": PDF, "sk.pdf.html": b"<script>x</script>"},
                                 "deliver": ("sk.pdf", "sk.pdf.html")}, None, [], [f"sk.pdf.html ({ACTIVE_NOTE})"], []),
    ("csv-formula-evidence", {"files": {"sk.pdf": PDF, "data.csv": b"nama,nilai\n=cmd|' /C calc'!A0,1\n"},
                              "deliver": ("sk.pdf", "data.csv")}, None, [], [f"data.csv ({ACTIVE_NOTE})"],
     ['evidence/data.csv"']),
    ("legacy-excel-evidence", {"files": {"sk.pdf": PDF, "anggaran.xls": b"\xd0\xcf\x11\xe0 macro sheet"},
                               "deliver": ("sk.pdf", "anggaran.xls")}, None, [], [f"anggaran.xls ({ACTIVE_NOTE})"],
     ['evidence/anggaran.xls"']),
    ("legacy-word-evidence", {"files": {"sk.pdf": PDF, "laporan.DOC": b"\xd0\xcf\x11\xe0 AutoOpen macro"},
                              "deliver": ("sk.pdf", "laporan.DOC")}, None, [], [f"laporan.DOC ({ACTIVE_NOTE})"],
     ['evidence/laporan.DOC"']),
    ("odf-text-evidence", {"files": {"sk.pdf": PDF, "laporan.odt": b"PK\x03\x04 Basic/script-lc.xml"},
                           "deliver": ("sk.pdf", "laporan.odt")}, None, [], [f"laporan.odt ({ACTIVE_NOTE})"],
     ['evidence/laporan.odt"']),
    ("media-javascript-links", {"display": _media("javascript:alert(1)", "JAVASCRIPT:alert(2)",
                                                  " javascript:alert(3)", "https:javascript:alert(4)")},
     None, [], ["<li>javascript:alert(1)</li>", "<li>JAVASCRIPT:alert(2)</li>"], ['href="javascript', 'href="https:javascript']),
    ("media-names-active-evidence", {"files": {"sk.pdf": PDF, "video.html": b"<script>x</script>"},
                                     "deliver": ("sk.pdf", "video.html"), "display": _media("video.html")},
     None, [], [f"<li>video.html ({ACTIVE_NOTE})</li>"], ['evidence/video.html"']),
    ("media-links-passive-evidence", {"display": _media("sk.pdf", "https://example.go.id/video")}, None, [],
     [f'<a href="{CODE}/evidence/sk.pdf" rel="noopener noreferrer nofollow">sk.pdf</a>',
      '<a href="https://example.go.id/video" rel="noopener noreferrer nofollow">'], []),
    ("evidence-replaced-by-link-after-launch", {"after_launch": _link_evidence}, None,
     _problem(f"evidence 'sk.pdf' is not in the showcase: {EVIDENCE}/sk.pdf is a symbolic link; links are not "
              "followed: replace it with a real file"), [f"sk.pdf ({REFUSED_NOTE})"], ["secret"]),
    ("evidence-replaced-by-hard-link-after-launch", {"after_launch": _hard_link_evidence}, None,
     _problem(f"evidence 'sk.pdf' is not in the showcase: {EVIDENCE}/sk.pdf has other names (a hard link); links "
              "are not followed: replace it with a copy of the file"), [f"sk.pdf ({REFUSED_NOTE})"], ["secret"]),
    ("evidence-folder-replaced-by-link-after-launch", {"after_launch": _link_evidence_folder}, None,
     _problem(f"evidence 'sk.pdf' is not in the showcase: {EVIDENCE} is a symbolic link; links are not followed: "
              "replace it with a real folder"), [f"sk.pdf ({REFUSED_NOTE})"], []),
    ("huge-sparse-evidence-after-launch", {"after_launch": _sparse_evidence}, None,
     _problem("evidence 'sk.pdf' is 2,147.5 MB; the showcase takes at most 25 MB per file ([evidence] max_file_mb): "
              "make it smaller"), ["sk.pdf (berkas terlalu besar untuk etalase)"], []),
    ("evidence-replaced-by-fifo-after-launch", {"after_launch": _fifo_evidence}, None,
     _problem(f"evidence 'sk.pdf' is not in the showcase: {EVIDENCE}/sk.pdf is a named pipe (FIFO), not a regular "
              "file: replace it with a real file"), [f"sk.pdf ({REFUSED_NOTE})"], []),
    ("evidence-deleted-after-launch", {"after_launch": lambda ws: (ws.root / EVIDENCE / "sk.pdf").unlink()}, None,
     _problem(f"evidence 'sk.pdf' is not in {EVIDENCE}/ any more: put the file back"),
     ["sk.pdf (berkas tidak ada)"], []),
    ("evidence-past-proposal-limit", {"files": {"sk.pdf": PDF, "foto.jpg": b"\xff\xd8\xff" + b"0" * 9_990},
                                      "deliver": ("sk.pdf", "foto.jpg"),
                                      "after_launch": _small_proposal_limit}, None,
     _problem("evidence 'foto.jpg' is left out of the showcase: this proposal's evidence passes 0.01 MB "
              "([evidence] max_proposal_mb): make the files smaller"),
     [f'<a href="{CODE}/evidence/sk.pdf">sk.pdf</a>', "foto.jpg (berkas terlalu besar untuk etalase)"], []),
    ("evidence-replaced-by-link-after-its-page", {}, _after_page(_link_evidence),
     _problem(f"evidence 'sk.pdf' is not in the showcase: {EVIDENCE}/sk.pdf is a symbolic link; links are not "
              "followed: replace it with a real file"), [f"sk.pdf ({REFUSED_NOTE})"], []),
    ("evidence-folder-replaced-by-link-after-its-page", {}, _after_page(_link_evidence_folder),
     _problem(f"evidence 'sk.pdf' is not in the showcase: {EVIDENCE} is a symbolic link; links are not followed: "
              "replace it with a real folder"), [f"sk.pdf ({REFUSED_NOTE})"], []),
    ("evidence-made-huge-after-its-page", {}, _after_page(_sparse_evidence),
     _problem("evidence 'sk.pdf' is 2,147.5 MB; the showcase takes at most 25 MB per file ([evidence] max_file_mb): "
              "make it smaller"), ["sk.pdf (berkas terlalu besar untuk etalase)"], []),
    ("page-folder-is-a-link", {}, _link_page_folder,
     _problem(f"evidence 'sk.pdf' is not in the showcase: showcase/p/{CODE} is a symbolic link; links are not "
              "followed: replace it with a real folder"), ["Ringkasan baru dari tim."], []),
    ("page-is-a-folder", {}, _page_is_a_folder,
     _problem(f"the showcase page of {CODE} could not be written: showcase/p/{CODE}.html is a folder where the "
              "showcase writes a file: remove it"), [], []),
    ("stale-active-files-in-page-folder", {}, _stale_active_files, [], ["Ringkasan baru dari tim."], []),
    ("odd-stored-answers", {}, _odd_answers,
     _problem(f"the showcase page of {CODE} could not be built ('int' object is not iterable); its last page is "
              "kept: check this worksheet's answers"), [SUMMARY], []),
    ("odd-stored-design-list", {}, _odd_design(["a", "b"]),
     _problem(f"the showcase page of {CODE} could not be built (unhashable type: 'list'); its last page is kept: "
              "check this worksheet's answers"), [SUMMARY], []),
    ("odd-stored-design-number", {}, _odd_design(5),
     _problem(f"the showcase page of {CODE} could not be built (form is int, not text); its last page is kept: "
              "check this worksheet's answers"), [SUMMARY], []),
    ("odd-stored-answers-without-page", {}, _odd_answers_no_page,
     _problem(f"the showcase page of {CODE} could not be built ('dict object' has no attribute 'summary'); a "
              "placeholder page is shown: check this worksheet's answers"),
     ["Halaman inovasi ini belum dapat ditampilkan; tim sedang memperbaikinya."], [SUMMARY]),
    ("deeply-nested-list-in-design", {"design": lambda: factories.design() | {"benefits": "- " * 1500 + "x"}},
     None, [], ["<p>- - - - "], []),
    ("manifest-names-outside", {}, _manifest(json.dumps({"../../teams": "x", "../../cohort.toml": "y"})), [],
     [SUMMARY], []),
    ("manifest-not-json", {}, _manifest("{not json"), [], [SUMMARY], []),
    ("manifest-a-list", {}, _manifest("[1, 2]"), [], [SUMMARY], []),
    ("fingerprint-is-a-fifo", {}, _fingerprint_fifo, [], [SUMMARY], []),
]  # fmt: skip


def _status(ws, runner) -> dict:
    result = runner.invoke(app, ["status", str(ws.root), "--json"])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    return json.loads(result.output)


def _site_is_passive(ws, links: tuple[str, ...] = ()) -> None:
    """Only our own pages, assets and bookkeeping, and passive regular files as evidence; no link anywhere
    (but `links`, left by an attack and refused)."""
    site = ws.root / "showcase"
    own = {
        "index.html",
        "scoreboard.html",
        "assets/style.css",
        "assets/showcase.js",
        ".pages.json",
        ".fingerprint",
    }
    for path in site.rglob("*"):
        rel = path.relative_to(site).as_posix()
        if rel in links:
            continue
        assert not path.is_symlink(), rel
        if (
            path.is_dir()
            or rel in own
            or (rel.startswith("p/") and rel.count("/") == 1 and rel.endswith(".html"))
        ):
            continue
        parts = rel.split("/")
        assert parts[0] == "p" and parts[2] == "evidence", rel
        assert path.is_file() and path.suffix.lower().removeprefix(".") in PASSIVE, rel


@pytest.mark.parametrize("case,options,attack,invalid,shown,hidden", CASES, ids=[c[0] for c in CASES])
def test_hostile_showcase(ws, runner, case, options, attack, invalid, shown, hidden):
    _drive(ws, **options)
    if attack:
        attack(ws)
        run_once(ws)
    status = _status(ws, runner)
    assert [(e["path"], e["line"], e["reason"]) for e in status["invalid"]] == invalid
    assert {p["id"]: p["state"] for p in status["proposals"] if p["id"] in (CODE, *OTHERS)} == dict.fromkeys(
        (CODE, *OTHERS), "showcased"
    )  # the state machine is untouched: it was showcased
    site = ws.root / "showcase"
    page = "" if case == "page-is-a-folder" else (site / "p" / f"{CODE}.html").read_text()
    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page
    for other in OTHERS:  # every other page, the index and the scoreboard are built
        assert SUMMARY in (site / "p" / f"{other}.html").read_text()
    index, board = (site / "index.html").read_text(), (ws.root / "scoreboard/index.html").read_text()
    assert all(f"p/{code}.html" in index and f"p/{code}.html" in board for code in (CODE, *OTHERS))
    _site_is_passive(ws, links=(f"p/{CODE}",) if case == "page-folder-is-a-link" else ())
    for text in shown:  # a file named as not shown has no copy in the site (an earlier one is removed)
        if text.endswith((f"({REFUSED_NOTE})", "(berkas terlalu besar untuk etalase)", f"({ACTIVE_NOTE})")):
            assert not (site / "p" / CODE / "evidence" / text.split(" (")[0]).exists(), text
    assert (ws.root / "teams").is_dir() and (ws.root / "cohort.toml").is_file()
    outside = ws.root.parent / "outside"
    if outside.exists():  # nothing was written through a link
        assert {p.name for p in outside.iterdir()} <= {"secret.pdf", "evidence"}


def test_a_showcase_problem_is_cleared_once_fixed(ws, runner):
    _drive(ws, after_launch=_link_evidence)
    assert len(_status(ws, runner)["invalid"]) == 1
    (ws.root / EVIDENCE / "sk.pdf").unlink()
    (ws.root / EVIDENCE / "sk.pdf").write_bytes(PDF)
    run_once(ws)
    assert _status(ws, runner)["invalid"] == []
    assert sheet(ws, "display", CODE).status == "valid"
    assert (ws.root / "showcase" / "p" / CODE / "evidence" / "sk.pdf").read_bytes() == PDF
    assert f'<a href="{CODE}/evidence/sk.pdf">' in (ws.root / "showcase" / "p" / f"{CODE}.html").read_text()


def test_a_worksheet_problem_is_not_hidden_by_a_showcase_problem(ws, runner):
    """A display worksheet the team broke keeps its own problem; the showcase does not overwrite it."""
    _drive(ws, after_launch=_link_evidence)
    _break_front_matter(ws)
    run_once(ws)
    assert [(e["path"], e["reason"]) for e in _status(ws, runner)["invalid"]] == [
        (DISPLAY, "bagian depan berkas hilang: berkas harus diawali baris '---'")
    ]


def test_a_page_folder_swapped_for_a_link_while_written_is_that_pages_problem(ws, runner, monkeypatch):
    from lab.outputs import showcase_site

    _drive(ws)
    outside = _outside(ws)
    folder = ws.root / "showcase" / "p" / CODE / "evidence"
    commit = showcase_site.Site.commit

    def swapped(site):  # another process swaps the folder after the copy, before the rename
        folder.rename(folder.with_name("moved"))
        os.symlink(outside, folder)
        commit(site)

    monkeypatch.setattr(showcase_site.Site, "commit", swapped)
    _edit_summary(ws)
    run_once(ws)
    monkeypatch.setattr(showcase_site.Site, "commit", commit)  # (undo() would also undo the test database)
    rel = f"showcase/p/{CODE}/evidence"
    assert [(e["path"], e["reason"]) for e in _status(ws, runner)["invalid"]] == [
        (DISPLAY, f"{rel}/sk.pdf could not be put in place: {rel} is a symbolic link; links are not followed: "
                  "replace it with a real folder")
    ]  # fmt: skip
    assert list(outside.iterdir()) == []
    assert "Ringkasan baru dari tim." in (ws.root / "showcase" / "p" / f"{CODE}.html").read_text()
    folder.unlink()  # the link is removed: the next run puts the evidence back and clears the problem
    run_once(ws)
    assert _status(ws, runner)["invalid"] == [] and (folder / "sk.pdf").read_bytes() == PDF


# (id, how the site's own folder is attacked, the one-line error); nothing is written through a link
SITE = [
    ("showcase-is-a-link", lambda ws, out: os.symlink(out, ws.root / "showcase"),
     "showcase is a symbolic link; links are not followed: replace it with a real folder"),
    ("showcase-is-a-file", lambda ws, out: (ws.root / "showcase").write_text("x"),
     "showcase is a file, not a folder: replace it with a real folder"),
    ("pages-folder-is-a-link", lambda ws, out: (ws.root / "showcase").mkdir() or os.symlink(out, ws.root / "showcase/p"),
     "showcase/p is a symbolic link; links are not followed: replace it with a real folder"),
    ("assets-folder-is-a-link",
     lambda ws, out: (ws.root / "showcase").mkdir() or os.symlink(out, ws.root / "showcase/assets"),
     "showcase/assets is a symbolic link; links are not followed: replace it with a real folder"),
    ("index-is-a-folder", lambda ws, out: (ws.root / "showcase/index.html").mkdir(parents=True),
     "showcase/index.html is a folder where the showcase writes a file: remove it"),
]  # fmt: skip


@pytest.mark.parametrize("case,attack,message", SITE, ids=[c[0] for c in SITE])
def test_hostile_site_folders(ws, runner, tmp_path, case, attack, message):
    _drive(ws)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "mine.txt").write_text("kept")
    for path in sorted((ws.root / "showcase").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (ws.root / "showcase").rmdir()
    attack(ws, outside)
    result = runner.invoke(app, ["showcase", str(ws.root)])
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == f"error: {message}"
    assert [p.name for p in outside.iterdir()] == ["mine.txt"]


def test_site_files_that_are_links_are_replaced_not_written_through(ws, runner, tmp_path):
    _drive(ws)
    victim = tmp_path / "victim.html"
    victim.write_text("kept")
    for name in ("index.html", "../scoreboard/index.html", ".pages.json", f"p/{CODE}.html"):
        (ws.root / "showcase" / name).unlink()
        os.symlink(victim, ws.root / "showcase" / name)
    result = runner.invoke(app, ["showcase", str(ws.root)])
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert victim.read_text() == "kept"
    _site_is_passive(ws)
    assert SUMMARY in (ws.root / "showcase" / "p" / f"{CODE}.html").read_text()


# (id, participant text that makes Markdown recurse or slow down, what the page shows)
TEXTS = [
    ("nested-list", "- " * 1500 + "x", "<p>" + "- " * 1500 + "x</p>"),
    ("nested-ordered-list", "1. " * 1500 + "x", "<p>" + "1. " * 1500 + "x</p>"),
    ("open-brackets", "[" * 6000, "<p>" + "[" * 6000 + "</p>"),
    ("unclosed-links", "[a](" * 2000, "<p>" + "[a](" * 2000 + "</p>"),
    ("unclosed-tags", "<a " * 3000, "<p>" + "&lt;a " * 2999 + "&lt;a</p>"),
    ("nested-divs", "<div>" * 20000, "<p>" + "&lt;div&gt;" * 20000 + "</p>"),
    ("setext-underlines", "=\n" * 5000, "<p>" + "=<br>\n" * 4999 + "=</p>"),
]  # fmt: skip


@pytest.mark.parametrize("case,text,html", TEXTS, ids=[c[0] for c in TEXTS])
def test_hostile_texts_render_quickly_as_plain_text(case, text, html):
    start = time.perf_counter()
    out = str(render_text(text))
    assert time.perf_counter() - start < 1.0
    assert out == html


# (id, a link in participant Markdown, the HTML it becomes): only absolute http(s) and mailto links survive
LINKS = [
    ("relative-to-raw-evidence", "[bukti](../../teams/unit-uji-001/PBG-2026-001/evidence/demo.html)",
     '<p><a rel="noopener noreferrer nofollow">bukti</a></p>'),
    ("same-folder", "[bukti](demo.html)", '<p><a rel="noopener noreferrer nofollow">bukti</a></p>'),
    ("absolute-path", "[sandi](/etc/passwd)", '<p><a rel="noopener noreferrer nofollow">sandi</a></p>'),
    ("protocol-relative", "[x](//evil.example/x.html)", '<p><a rel="noopener noreferrer nofollow">x</a></p>'),
    ("file-url", "[x](file:///etc/passwd)", '<p><a rel="noopener noreferrer nofollow">x</a></p>'),
    ("javascript", "[x](javascript:alert(1))", '<p><a rel="noopener noreferrer nofollow">x</a></p>'),
    ("data-url", "[x](data:text/html,<script>alert(1)</script>)", '<p><a rel="noopener noreferrer nofollow">x</a></p>'),
    ("web-link-kept", "[x](https://example.go.id/a)",
     '<p><a href="https://example.go.id/a" rel="noopener noreferrer nofollow">x</a></p>'),
]  # fmt: skip


@pytest.mark.parametrize("case,text,html", LINKS, ids=[c[0] for c in LINKS])
def test_hostile_links_in_text(case, text, html):
    assert str(render_text(text)) == html


def test_a_relative_link_in_a_summary_does_not_reach_raw_evidence(ws):
    link = f"[lihat](../../{EVIDENCE}/demo.html)"
    _drive(ws, files={"sk.pdf": PDF, "demo.html": b"<script>alert(1)</script>"}, deliver=("sk.pdf", "demo.html"),
           display=factories.display() | {"summary": f"Lihat {link}."})  # fmt: skip
    page = (ws.root / "showcase" / "p" / f"{CODE}.html").read_text()
    assert '<a rel="noopener noreferrer nofollow">lihat</a>' in page and 'demo.html"' not in page


def test_the_showcase_corpus_is_large_enough():
    assert len(CASES) + len(SITE) + len(TEXTS) + len(LINKS) >= 40


def test_evidence_changed_after_its_page_is_copied_again(ws):
    _drive(ws)
    _after_page(_new_pdf)(ws)
    run_once(ws)
    assert (
        ws.root / "showcase" / "p" / CODE / "evidence" / "sk.pdf"
    ).read_bytes() == b"%PDF-1.7 newer decree"


def test_passive_evidence_is_copied_as_is(ws):
    _drive(ws, files={"sk.pdf": PDF, "foto.JPG": b"\xff\xd8\xff jpeg", "data.xlsx": b"PK\x03\x04 sheet"},
           deliver=("sk.pdf", "foto.JPG", "data.xlsx"))  # fmt: skip
    folder = ws.root / "showcase" / "p" / CODE / "evidence"
    assert sorted(p.name for p in folder.iterdir()) == ["data.xlsx", "foto.JPG", "sk.pdf"]
    assert (folder / "foto.JPG").read_bytes() == b"\xff\xd8\xff jpeg"
