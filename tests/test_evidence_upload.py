"""Evidence uploads: streamed into the proposal's evidence/ folder within the [evidence] limits, kept only when
the name's extension and the content agree on an allowed kind, under a safe name that never replaces a file;
through the service and through the page (the CSRF field first, checked before any file byte is kept)."""

from __future__ import annotations

import io
import os
import warnings
import zipfile
from types import SimpleNamespace

import pytest

from lab.domain.errors import UnsafePath
from lab.workflow.evidence import EvidenceRefused, Upload, list_evidence, safe_name
from lab.workspace.settings_tables import EvidencePolicy

FOLDER = "teams/unit/PBG-2026-001/evidence"
PDF = b"%PDF-1.7\n" + b"0" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 200


def office(part: str, macros: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(part, "<x/>")
        if macros:
            z.writestr("word/vbaProject.bin", b"\0")
    return out.getvalue()


def upload(ws, name: str, data: bytes, limits: EvidencePolicy | None = None, chunk: int = 7):
    """Stream `data` as an upload named `name`, in small chunks; what it kept (or EvidenceRefused)."""
    up = Upload(ws, FOLDER, limits or EvidencePolicy())
    try:
        up.start(name)
        for i in range(0, len(data), chunk):
            up.write(data[i : i + chunk])
        return up.finish()
    except BaseException:
        up.abort()
        raise


def kept(ws) -> dict[str, bytes]:
    folder = ws.root / FOLDER
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.is_dir() else {}


def test_allowed_files_are_kept_under_safe_names_and_a_clash_gets_a_suffix(ws):
    assert upload(ws, "SK Inovasi 2026.PDF", PDF).name == "sk-inovasi-2026.pdf"
    assert upload(ws, "sk inovasi 2026.pdf", PDF + b"second").name == "sk-inovasi-2026-2.pdf"
    assert kept(ws)["sk-inovasi-2026.pdf"] == PDF  # the first is never replaced
    for name, data in (("foto.png", PNG), ("laporan.docx", office("word/document.xml")),
                       ("data.xlsx", office("xl/workbook.xml")), ("catatan.txt", b"Antrean turun.\n"),
                       ("klip.mp4", b"\0\0\0\x18ftypmp42" + b"0" * 50)):  # fmt: skip
        assert upload(ws, name, data).name == name
    assert [s.name for s in list_evidence(ws, FOLDER)] == sorted(kept(ws))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("sk.pdf", PNG),  # a PNG called .pdf
        ("foto.png", PDF),
        ("page.txt", b"ok\x00binary"),
        ("latin1.txt", "caf\xe9".encode("latin-1")),
        ("doc.docx", office("xl/workbook.xml")),  # a zip, but not a Word document
        ("doc.docx", office("word/document.xml", macros=True)),
        ("doc.docx", b"PK\x03\x04 not really a zip" + b"0" * 40),
        ("page.html", b"<script>alert(1)</script>"),
        ("image.svg", b"<svg onload=alert(1)>"),
        (".htaccess", b"Options +ExecCGI"),
        ("noextension", PDF),
        ("laporan\u202efdp.exe", PDF),  # an RTL override hiding .exe
        ("empty.pdf", b""),
    ],
)
def test_wrong_types_by_name_or_content_are_refused_and_nothing_is_left(ws, name, data):
    with pytest.raises(EvidenceRefused):
        upload(ws, name, data)
    assert kept(ws) == {}  # no file, no temporary file


def test_path_tricks_and_odd_characters_become_a_plain_name_in_the_folder(ws):
    assert upload(ws, "../../x.pdf", PDF).name == "x.pdf"
    assert upload(ws, "..\\..\\windows.pdf", PDF).name == "windows.pdf"
    assert upload(ws, "/etc/passwd.pdf", PDF).name == "passwd.pdf"
    assert upload(ws, "a\x00b.pdf", PDF).name == "a-b.pdf"
    assert upload(ws, "laporan\u202egpj.pdf", PDF).name == "laporangpj.pdf"
    assert upload(ws, "...pdf.pdf", PDF).name == "pdf.pdf"
    assert len(upload(ws, "x" * 5000 + ".pdf", PDF).name) <= 84
    assert not (ws.root / "x.pdf").exists() and not (ws.root.parent / "x.pdf").exists()
    assert safe_name("Bukti Ä.JPG") == "bukti-a.jpg"


def test_a_folder_made_a_link_is_refused(ws, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (ws.root / FOLDER).parent.mkdir(parents=True)
    os.symlink(outside, ws.root / FOLDER)
    with pytest.raises(UnsafePath):
        upload(ws, "sk.pdf", PDF)
    assert list(outside.iterdir()) == []


def test_the_limits_are_checked_while_streaming(ws):
    small = EvidencePolicy(max_file_mb=0.01, max_proposal_mb=0.015)  # 10,000 and 15,000 bytes
    with pytest.raises(EvidenceRefused, match="max_file_mb"):
        upload(ws, "big.pdf", PDF + b"0" * 10_000, small, chunk=4096)
    assert kept(ws) == {}
    upload(ws, "a.pdf", PDF + b"0" * 9_000, small)
    with pytest.raises(EvidenceRefused, match="max_proposal_mb"):
        upload(ws, "b.pdf", PDF + b"0" * 9_000, small, chunk=4096)
    assert list(kept(ws)) == ["a.pdf"]


# the page -----------------------------------------------------------------------------------------------------
@pytest.fixture
def approved(ws):
    """One team whose one proposal is approved: its deliver worksheet is open."""
    from lab.workflow.decisions import decide
    from lab.workspace.cohort import find_proposal, workspace_session
    from tests import factories
    from tests.helpers import answer, diagnosed, proposals, run_once, teams

    diagnosed(ws, 2)
    codes = sorted(c for c, s in proposals(ws).items() if s == "shortlisted")
    for code in codes:
        answer(ws, "design", code, factories.design())
    run_once(ws)
    with workspace_session(ws) as (session, cohort):
        for code in codes:
            decide(ws, session, cohort, find_proposal(session, cohort, code), "approve", "Fasilitator")
    run_once(ws)
    return ws, sorted(teams(ws)), codes


def client_for(ws, slug: str):
    from fastapi import FastAPI
    from sqlmodel import select

    from lab.domain.models import Team
    from lab.web import deps, worksheet_pages
    from lab.workspace.cohort import workspace_session

    with warnings.catch_warnings():  # Starlette 1.x asks for `httpx2`; httpx is what is installed and works
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    with workspace_session(ws) as (session, cohort):
        tid = session.exec(select(Team).where(Team.slug == slug)).one().id
    app = FastAPI()
    app.state.ws = ws
    app.include_router(worksheet_pages.router)
    who = SimpleNamespace(role="team", id=slug, name=slug, link_id=1, team_id=tid)
    app.dependency_overrides[deps.viewer] = lambda: deps.Viewer(ws, who, "tok", "id")
    return TestClient(app, follow_redirects=False)


def body(*parts: tuple[str, str | None, bytes]) -> tuple[bytes, dict[str, str]]:
    """A multipart body with the parts in the given order: (name, filename or None, content)."""
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        out += f"--XyZ\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return out + b"--XyZ--\r\n", {"content-type": "multipart/form-data; boundary=XyZ"}


def evidence_dir(ws, code: str):
    return next(ws.root.glob(f"teams/*/{code}")) / "evidence"


def test_the_upload_page_keeps_files_after_the_csrf_token_and_lists_them(approved):
    ws, (mine, _), (code, other_code) = approved
    client = client_for(ws, mine)
    if code not in client.get(f"/lembar/deliver/{code}").text:
        code, other_code = other_code, code
    data, headers = body(("csrf", None, b"tok"), ("file", "../../SK Bupati.pdf", PDF), ("file", "", b""))
    done = client.post(f"/lembar/deliver/{code}/bukti", content=data, headers=headers)
    assert done.status_code == 303 and done.headers["location"].endswith(
        f"/lembar/deliver/{code}?pesan=bukti"
    )
    assert [p.name for p in evidence_dir(ws, code).iterdir()] == ["sk-bupati.pdf"]
    page = client.get(f"/lembar/deliver/{code}?pesan=bukti")
    assert "sk-bupati.pdf</code> · 1 KB" in page.text and 'name="evidence.1.proves"' in page.text
    assert "belum disebut" in page.text  # uploaded, not yet said what it proves
    from tests import factories
    from tests.helpers import answer

    answer(ws, "deliver", code, factories.deliver(("sk-bupati.pdf",)) | {"evidence": [
        {"file": "sk-bupati.pdf", "proves": "Penetapan inovasi oleh Bupati"}]})  # fmt: skip
    page = client.get(f"/lembar/deliver/{code}").text
    assert "sk-bupati.pdf</code> · 1 KB · Penetapan inovasi oleh Bupati" in page
    # another team's proposal is not there for this team
    data, headers = body(("csrf", None, b"tok"), ("file", "x.pdf", PDF))
    assert (
        client.post(f"/lembar/deliver/{other_code}/bukti", content=data, headers=headers).status_code == 404
    )


@pytest.mark.parametrize(
    "parts",
    [
        (("file", "x.pdf", PDF), ("csrf", None, b"tok")),  # the token after the file
        (("csrf", None, b"wrong"), ("file", "x.pdf", PDF)),
        (("file", "x.pdf", PDF),),
    ],
)
def test_no_file_byte_is_kept_without_the_csrf_token_first(approved, parts):
    ws, (mine, _), codes = approved
    client = client_for(ws, mine)
    code = next(c for c in codes if c in client.get(f"/lembar/deliver/{c}").text)
    data, headers = body(*parts)
    assert client.post(f"/lembar/deliver/{code}/bukti", content=data, headers=headers).status_code == 403
    assert not evidence_dir(ws, code).exists() or list(evidence_dir(ws, code).iterdir()) == []


def test_wrong_type_and_oversize_uploads_are_refused_on_the_page(approved):
    ws, (mine, _), codes = approved
    client = client_for(ws, mine)
    code = next(c for c in codes if c in client.get(f"/lembar/deliver/{c}").text)
    data, headers = body(("csrf", None, b"tok"), ("file", "foto.pdf", PNG))
    refused = client.post(f"/lembar/deliver/{code}/bukti", content=data, headers=headers)
    assert refused.status_code == 422 and "bukan berkas PDF" in refused.text
    many = [("file", f"f{n}.pdf", PDF) for n in range(21)]
    data, headers = body(("csrf", None, b"tok"), *many)
    refused = client.post(f"/lembar/deliver/{code}/bukti", content=data, headers=headers)
    assert refused.status_code == 422 and "paling banyak 20 berkas" in refused.text
    assert len(list(evidence_dir(ws, code).iterdir())) == 20  # those before the 21st are kept
    for p in evidence_dir(ws, code).iterdir():
        p.unlink()
    too_big = str(ws.settings.evidence.max_proposal_bytes + 2_000_000)
    refused = client.post(f"/lembar/deliver/{code}/bukti", content=b"x",
                          headers={"content-type": "multipart/form-data; boundary=XyZ", "content-length": too_big})  # fmt: skip
    assert refused.status_code == 413
    assert not evidence_dir(ws, code).exists() or list(evidence_dir(ws, code).iterdir()) == []


def test_a_listed_file_not_uploaded_is_said_beside_its_evidence_record(approved):
    """The deliver stage's own check (files on disk) comes back beside the record's file field, as lab status
    words it; once the file is uploaded the same answers save as valid."""
    from tests import factories
    from tests.test_web_forms import save

    ws, (mine, _), codes = approved
    code = next(c for c in codes if mine in str(next(ws.root.glob(f"teams/*/{c}"))))
    result = save(ws, "deliver", code, factories.deliver(("laporan.pdf",)))
    assert result.status == "invalid"
    (reason,) = result.problems["evidence.1.file"]
    assert reason.startswith(
        "Bukti dukung ke-1 · Berkas (di folder evidence/): berkas 'laporan.pdf' tidak ada di teams/"
    )
    upload_to = Upload(ws, f"teams/{mine}/{code}/evidence", ws.settings.evidence)
    upload_to.start("laporan.pdf")
    upload_to.write(PDF)
    upload_to.finish()
    assert save(ws, "deliver", code, factories.deliver(("laporan.pdf",))).status == "saved"


def test_an_upload_that_stalls_gets_408_and_leaves_nothing(approved, monkeypatch):
    """A file dripped and then never finished does not hold the server for ever, and no part of it is kept."""
    from lab.web import deps
    from tests.web_support import stalled_post

    monkeypatch.setattr(deps, "IDLE", 0.2)
    ws, (mine, _), (code, _) = approved
    first = b'--XyZ\r\nContent-Disposition: form-data; name="csrf"\r\n\r\ntok\r\n'
    first += b'--XyZ\r\nContent-Disposition: form-data; name="files"; filename="sk.pdf"\r\n\r\n%PDF-1.4 half'
    multipart = [(b"content-type", b"multipart/form-data; boundary=XyZ")]
    status, _ = stalled_post(client_for(ws, mine).app, f"/lembar/deliver/{code}/bukti", first, multipart)
    assert status == 408
    folder = evidence_dir(ws, code)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_a_team_takes_a_file_out_of_its_evidence_and_nothing_is_lost(approved):
    ws, (mine, _), (code, other_code) = approved
    client = client_for(ws, mine)
    if code not in client.get(f"/lembar/deliver/{code}").text:
        code, other_code = other_code, code
    data, headers = body(("csrf", None, b"tok"), ("file", "SK Bupati.pdf", PDF), ("file", "foto.pdf", PDF))
    assert client.post(f"/lembar/deliver/{code}/bukti", content=data, headers=headers).status_code == 303
    form = {"content-type": "application/x-www-form-urlencoded"}
    remove = f"/lembar/deliver/{code}/bukti/keluar"
    # without the session's CSRF token nothing moves
    assert client.post(remove, content="csrf=wrong&berkas=foto.pdf", headers=form).status_code == 403
    # only a listed file of this team's open proposal: no path trick, no hidden entry, no other proposal
    for name in ("../1-design.md", ".dihapus", "missing.pdf", "evidence/foto.pdf"):
        assert client.post(remove, content=f"csrf=tok&berkas={name}", headers=form).status_code == 404
    other = f"/lembar/deliver/{other_code}/bukti/keluar"
    assert client.post(other, content="csrf=tok&berkas=foto.pdf", headers=form).status_code == 404
    done = client.post(remove, content="csrf=tok&berkas=foto.pdf", headers=form)
    assert done.status_code == 303 and done.headers["location"].endswith("?pesan=bukti_keluar")
    page = client.get(done.headers["location"]).text
    assert "foto.pdf</code>" not in page and "sk-bupati.pdf</code>" in page
    assert "Berkas dikeluarkan dari bukti dukung" in page
    folder = evidence_dir(ws, code)
    assert sorted(p.name for p in folder.iterdir()) == [".dihapus", "sk-bupati.pdf"]
    (kept,) = (folder / ".dihapus").iterdir()
    assert kept.name.endswith("-foto.pdf") and kept.read_bytes() == PDF  # kept, out of the list
    # the same name uploaded again is a new file, and taking it out again keeps both copies
    data, headers = body(("csrf", None, b"tok"), ("file", "foto.pdf", PDF))
    client.post(f"/lembar/deliver/{code}/bukti", content=data, headers=headers)
    assert client.post(remove, content="csrf=tok&berkas=foto.pdf", headers=form).status_code == 303
    assert len(list((folder / ".dihapus").iterdir())) == 2
    from sqlmodel import select

    from lab.domain.models import Activity
    from lab.workspace.cohort import workspace_session

    with workspace_session(ws) as (session, _):
        rows = [
            (a.action, a.path.rsplit("/", 1)[1], a.role)
            for a in session.exec(select(Activity).order_by(Activity.id))
        ]
    assert rows == [
        ("upload", "sk-bupati.pdf", "team"), ("upload", "foto.pdf", "team"), ("remove-evidence", "foto.pdf", "team"),
        ("upload", "foto.pdf", "team"), ("remove-evidence", "foto.pdf", "team"),
    ]  # fmt: skip
