"""`lab documents`: the PP 38/2017 proposal form, the commitment letter and the KIPP draft as Word files an
office can open and edit; team text printed as typed, never run as template code; edited files never replaced."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from docx import Document
from typer.testing import CliRunner

from lab.cli import app
from lab.workspace.cohort import init_workspace
from tests import factories, helpers

runner = CliRunner()


def lab(*args):
    return runner.invoke(app, [str(a) for a in args])


def texts(path: Path) -> list[str]:
    """Every paragraph and table cell of a Word file, in order."""
    doc = Document(str(path))
    out = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            out.extend(c.text for c in row.cells)
    return out


def table_rows(path: Path) -> dict[str, str]:
    """The label -> value rows of a document's first table."""
    return {r.cells[0].text: r.cells[-1].text for r in Document(str(path)).tables[0].rows}


def launched(ws, design=None):
    """One unit taken to the showcase (with its design answers changed by `design`)."""
    made = {"design": lambda: factories.design() | (design or {})} if design else None
    helpers.drive_to_display(ws, 1, answers=made)
    return next(c for c, s in helpers.proposals(ws).items() if s == "showcased")


def test_the_three_documents_open_in_word_and_carry_the_worksheets_answers(ws):
    code = launched(ws)
    result = lab("documents", ws.root)
    assert result.exit_code == 0, result.output
    folder = ws.root / "documents"
    form = folder / f"{code}-usulan-inovasi.docx"
    letter = folder / "unit-uji-001-surat-komitmen.docx"
    kipp = folder / f"{code}-proposal-kipp.docx"
    assert (
        f"proposal: documents/{form.name}" in result.output
        and f"kipp: documents/{kipp.name}" in result.output
    )

    rows = table_rows(form)
    assert rows["Nomor usulan"] == code and rows["Nama inovasi"] == "Ide 1"
    assert rows["Bentuk inovasi"] == "Inovasi pelayanan publik" and rows["Jenis inovasi"] == "Digital"
    assert rows["Urusan pemerintahan"] == "Administrasi kependudukan dan pencatatan sipil"
    assert rows["Masa uji coba"] == "4 Mei 2026" and rows["Anggaran"] == "Rp15.000.000"
    assert rows["Tahapan inovasi"] == "Uji coba"  # the deliver worksheet's maturity
    body = texts(form)
    assert "USULAN INOVASI DAERAH" in body and "Rancang bangun (320 kata)" in body
    assert "Nomor antrean dari rumah." in body and "Waktu tunggu di bawah 15 menit." in body
    assert (
        "Hasilnya dapat dipertanggungjawabkan, tidak untuk kepentingan diri sendiri" in body
    )  # 8 principles
    assert ["1", "Uji coba", "Ketua tim", "31 Juli 2026"] == [
        c.text for c in Document(str(form)).tables[1].rows[1].cells
    ]
    assert "dr. Hanung Wikantono" in body  # the unit head who signed the drum-up commitment signs the form

    letter_text = texts(letter)
    assert (
        "SURAT PERNYATAAN KOMITMEN" in letter_text and "Kabupaten Purbalingga, 10 Maret 2026" in letter_text
    )
    assert table_rows(letter)["Nama"] == "dr. Hanung Wikantono" and "Imunisasi" in letter_text
    assert {"Anggota 0", "Anggota 1"} <= set(letter_text)

    draft = texts(kipp)
    assert "1. Ringkasan (batas 200 kata; terisi 6 kata)" in draft
    assert "Warga mengambil nomor antrean dari rumah." in draft
    assert any("Waktu tunggu: sebelum 60 menit, sesudah 15 menit." in t for t in draft)
    assert any(t.startswith("9. Keberlanjutan") for t in draft)


def test_template_code_typed_by_a_team_is_printed_as_typed(ws):
    hostile = {
        "title": "{{ 7*7 }} Antre",
        "main_changes": "{% for x in range(3) %}ulang{% endfor %} {{ ''.__class__ }}",
        "objectives": "</w:t></w:r><w:r><w:t>sisip & <b>tebal</b>",
        "benefits": "{%p if true %} bel\a {{r x }} {_{ y }_} {_% z %_}",
    }
    code = launched(ws, hostile)
    assert lab("documents", ws.root, code).exit_code == 0
    form = ws.root / "documents" / f"{code}-usulan-inovasi.docx"
    body = texts(form)
    assert table_rows(form)["Nama inovasi"] == "{{ 7*7 }} Antre"
    assert "{% for x in range(3) %}ulang{% endfor %} {{ ''.__class__ }}" in body
    assert "</w:t></w:r><w:r><w:t>sisip & <b>tebal</b>" in body
    # a control character is shown, not a paragraph break; docxtpl's own escapes stay as typed (a zero-width
    # non-joiner keeps `{_{` from becoming `{{`)
    assert "{%p if true %} bel\ufffd {{r x }} {_{ y }_} {_% z %_}" in [t.replace("\u200c", "") for t in body]
    assert not any("{{ y }}" in t or "{% z %}" in t for t in body)
    assert not any("49" in t or "ulangulang" in t or "<class" in t for t in body)
    kipp = texts(ws.root / "documents" / f"{code}-proposal-kipp.docx")
    assert "{% for x in range(3) %}ulang{% endfor %} {{ ''.__class__ }}" in kipp


def test_a_kipp_section_over_its_word_limit_is_flagged_in_the_draft_and_the_output(ws):
    code = launched(ws, {"main_changes": factories.words(250)})
    result = lab("documents", ws.root, code, "--kind", "kipp")
    assert result.exit_code == 0, result.output
    flag = "MELEBIHI BATAS: 250 dari paling banyak 200 kata; ringkas bagian ini."
    assert f"Kebaruan: {flag}" in result.output
    doc = Document(str(ws.root / "documents" / f"{code}-proposal-kipp.docx"))
    heading = next(i for i, p in enumerate(doc.paragraphs) if p.text.startswith("3. Kebaruan"))
    assert doc.paragraphs[heading].text == "3. Kebaruan (batas 200 kata; terisi 250 kata)"
    run = doc.paragraphs[heading + 1].runs[0]
    assert run.text == flag and run.bold and str(run.font.color.rgb) == "C00000"
    assert not (ws.root / "documents" / f"{code}-usulan-inovasi.docx").exists()  # --kind kipp: the draft only
    # a section within its limit carries no flag
    summary = next(i for i, p in enumerate(doc.paragraphs) if p.text.startswith("1. Ringkasan"))
    assert doc.paragraphs[summary + 1].text == "Warga mengambil nomor antrean dari rumah."


def test_a_document_edited_in_word_is_kept_and_the_new_draft_gets_a_new_name(ws):
    code = launched(ws)
    assert lab("documents", ws.root, code, "--kind", "proposal").exit_code == 0
    form = ws.root / "documents" / f"{code}-usulan-inovasi.docx"
    again = lab("documents", ws.root, code, "--kind", "proposal")  # not edited: rewritten in place
    assert f"proposal: documents/{form.name}\n" in again.output
    edited = Document(str(form))
    edited.add_paragraph("Catatan Bappeda: sudah diparaf.")
    edited.save(str(form))
    mine = form.read_bytes()
    for _ in range(2):  # the second time the new draft (lab's own) is rewritten, not a third name made
        result = lab("documents", ws.root, code, "--kind", "proposal")
        assert result.exit_code == 0, result.output
        assert (
            f"proposal: documents/{code}-usulan-inovasi-2.docx (kept the edited documents/{form.name})"
            in result.output
        )
    assert form.read_bytes() == mine
    assert {p.name for p in form.parent.glob("*.docx")} == {form.name, f"{code}-usulan-inovasi-2.docx"}


def test_pdf_without_libreoffice_says_what_it_needs_and_writes_nothing(ws, monkeypatch, tmp_path):
    code = launched(ws)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = lab("documents", ws.root, code, "--format", "pdf")
    assert result.exit_code == 2
    assert "PDF needs LibreOffice (libreoffice or soffice on the PATH)" in result.output
    assert not (ws.root / "documents").exists()


def test_pdf_goes_through_libreoffice_when_it_is_there(ws, monkeypatch, tmp_path):
    code = launched(ws)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = (
        bin_dir / "soffice"
    )  # stands for LibreOffice: writes <outdir>/<stem>.pdf from the .docx it is given
    fake.write_text(
        '#!/bin/sh\nfor a; do last="$a"; done\nout="$5"\n'
        'printf "%%PDF-1.4 %s" "$(basename "$last" .docx)" > "$out/$(basename "$last" .docx).pdf"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    result = lab("documents", ws.root, code, "--kind", "proposal", "--format", "pdf")
    assert result.exit_code == 0, result.output
    pdf = ws.root / "documents" / f"{code}-usulan-inovasi.pdf"
    assert pdf.read_bytes() == f"%PDF-1.4 {code}-usulan-inovasi".encode()


def test_a_cohort_restyles_a_document_in_word_and_its_template_stays_in_the_sandbox(ws):
    code = launched(ws)
    result = lab("documents", ws.root, "--templates")
    assert "template: templates/documents/id/proposal.docx" in result.output
    own = ws.root / "templates" / "documents" / "id" / "proposal.docx"
    template = Document(str(own))
    template.paragraphs[0].insert_paragraph_before("PEMERINTAH KABUPATEN PURBALINGGA")
    template.save(str(own))
    assert (
        "kept the cohort's own templates/documents/id/proposal.docx"
        in lab("documents", ws.root, "--templates").output
    )
    assert lab("documents", ws.root, code, "--kind", "proposal").exit_code == 0
    body = texts(ws.root / "documents" / f"{code}-usulan-inovasi.docx")
    assert body[0] == "PEMERINTAH KABUPATEN PURBALINGGA" and table_rows(
        ws.root / "documents" / f"{code}-usulan-inovasi.docx")["Nama inovasi"] == "Ide 1"  # fmt: skip

    template.paragraphs[0].text = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    template.save(str(own))
    result = lab("documents", ws.root, code, "--kind", "proposal")
    assert result.exit_code == 2
    assert result.output.startswith(
        "error: templates/documents/id/proposal.docx: the document template fails"
    )
    assert "subclasses" not in "".join(texts(ws.root / "documents" / f"{code}-usulan-inovasi.docx"))

    own.write_bytes(b"not a zip")
    result = lab("documents", ws.root, code, "--kind", "proposal")
    assert result.exit_code == 2 and "is not a Word document (.docx)" in result.output

    with zipfile.ZipFile(own, "w", zipfile.ZIP_DEFLATED) as bomb:  # small on disk, 60 MB unpacked
        bomb.writestr("word/document.xml", b"\0" * 60_000_000)
    result = lab("documents", ws.root, code, "--kind", "proposal")
    assert result.exit_code == 2 and "unpacks to more than 50 MB" in result.output


def test_an_english_cohort_gets_english_documents(tmp_path):
    ws = init_workspace(tmp_path / "en", "Kabupaten Purbalingga", 2026, "PBG", lang="en")
    code = launched(ws)
    assert lab("documents", ws.root).exit_code == 0
    form = ws.root / "documents" / f"{code}-innovation-proposal.docx"
    rows = table_rows(form)
    assert rows["Form of innovation"] == "Public-service innovation" and rows["Trial period"] == "4 May 2026"
    assert rows["Budget"] == "IDR 15,000,000" and "REGIONAL INNOVATION PROPOSAL" in texts(form)
    assert "LETTER OF COMMITMENT" in texts(ws.root / "documents" / "unit-uji-001-commitment-letter.docx")
    assert "1. Summary (limit 200 words; 6 written)" in texts(
        ws.root / "documents" / f"{code}-kipp-proposal.docx"
    )


def test_an_unknown_proposal_and_one_not_designed_yet_are_said_plainly(ws):
    launched(ws)
    result = lab("documents", ws.root, "PBG-2026-999")
    assert result.exit_code == 2 and "no proposal PBG-2026-999 in cohort PBG-2026" in result.output
    idea = next(c for c, s in helpers.proposals(ws).items() if s == "idea")
    result = lab("documents", ws.root, idea, "--kind", "proposal")
    assert result.exit_code == 0 and f"not yet: {idea}: no valid design worksheet yet" in result.output


def test_a_linked_documents_folder_is_refused_and_nothing_is_written_through_it(ws, tmp_path):
    code = launched(ws)
    outside = tmp_path / "outside"
    outside.mkdir()
    (ws.root / "documents").symlink_to(outside)
    result = lab("documents", ws.root, code)
    assert result.exit_code != 0
    assert "documents is a symbolic link; links are not followed" in result.output
    assert list(outside.iterdir()) == []


def test_a_linked_document_file_is_refused_and_the_others_are_written(ws, tmp_path):
    code = launched(ws)
    target = tmp_path / "elsewhere.docx"
    target.write_bytes(b"keep me")
    (ws.root / "documents").mkdir()
    (ws.root / "documents" / f"{code}-usulan-inovasi.docx").symlink_to(target)
    result = lab("documents", ws.root, code)
    assert result.exit_code == 1
    assert f"error: documents/{code}-usulan-inovasi.docx is a symbolic link" in result.output
    assert f"kipp: documents/{code}-proposal-kipp.docx" in result.output
    assert target.read_bytes() == b"keep me"


def test_the_kipp_draft_takes_partners_sustainability_replications_and_video_from_display(ws):
    def display():
        return factories.display() | {
            "partners": [{"name": "Bank Jateng", "collaboration": "facilities", "contribution": "Mobil keliling"}],
            "sustainability": ["budget", "sop"], "sustainability_note": "Masuk Renstra 2026-2031.",
            "replications": [{"place": "Kabupaten Pemalang", "date": "2027-03-01", "status": "planned"},
                             {"place": "Mal Pelayanan Publik", "date": "2026-08-31", "status": "done"}],
            "video": "https://video.example.go.id/antre",
        }  # fmt: skip

    helpers.drive_to_display(ws, 1, answers={"display": display})
    code = next(c for c, s in helpers.proposals(ws).items() if s == "showcased")
    result = lab("documents", ws.root, code, "--kind", "kipp")
    assert result.exit_code == 0, result.output
    assert "PERLU DILENGKAPI" not in result.output  # every section has words now
    draft = texts(ws.root / "documents" / f"{code}-proposal-kipp.docx")

    def section(title: str) -> str:
        at = next(i for i, t in enumerate(draft) if title in t)
        return draft[at + 1]

    assert (
        section("Adaptabilitas: telah direplikasi oleh")
        == "- Mal Pelayanan Publik (Sudah diterapkan, 31 Agustus 2026)"
    )
    assert section("Adaptabilitas: potensi replikasi") == (
        "Warga hemat waktu.\n- Kabupaten Pemalang (Direncanakan, 1 Maret 2027)")  # fmt: skip
    assert "Mitra: Bank Jateng (Penyediaan sarana dan prasarana): Mobil keliling." in section("Sumber daya")
    assert section("Keberlanjutan") == (
        "Ditetapkan dengan Keputusan Kepala Perangkat Daerah Nomor 800/1/2026.\n"
        "- Dianggarkan dalam APBD/DPA perangkat daerah\n- Ada SOP atau petunjuk teknis\nMasuk Renstra 2026-2031."
    )
    assert "Video paling lama 3 menit (Video: https://video.example.go.id/antre)" in draft
    assert (
        "Keputusan penetapan inovator/inovasi (Keputusan Kepala Perangkat Daerah Nomor 800/1/2026)" in draft
    )
