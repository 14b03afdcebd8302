"""What the browser journey needs: a real cohort made by the CLI (`lab init`, `lab roster import`, a
facilitator and two coordinators written into cohort.toml as a facilitator would), its links from `lab links
--json`, a real `lab serve` on a free loopback port, and a watch on every page a browser opens: no console or
page error, no page heavier than 150 KB with what it links, none wider than a 360-px phone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}
MAX_PAGE = 150_000  # bytes of a page with the stylesheets and icon it links
RUN = 180_000  # ms a `lab run` started from the page may take (a cold Prefect start included)

FACILITATOR = "Dr. Ratna Sari, M.Si."
COORDINATORS = ["Dra. Sri Rahayu, M.M.", "Ir. Bambang Wicaksono, M.T."]
# Two units of Kabupaten Purbalingga (DOMAIN.md §7): a Puskesmas and an OPD, as `lab roster import` reads them
ROSTER = """unit,unit_type,member,role,email
Puskesmas Karangreja,puskesmas,drg. Wahyu Hidayat,Ketua,wahyu.hidayat@purbalinggakab.example
Puskesmas Karangreja,puskesmas,"Sri Handayani, Amd.Keb",Anggota,sri.handayani@purbalinggakab.example
Puskesmas Karangreja,puskesmas,"Agus Pranoto, SKM",Anggota,agus.pranoto@purbalinggakab.example
Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu,opd,"Yuliana Prasetyo, S.Sos",Ketua,yuliana.prasetyo@purbalinggakab.example
Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu,opd,"Rizky Ramadhan, S.T",Anggota,rizky.ramadhan@purbalinggakab.example
"""  # noqa: E501
PUSKESMAS = "puskesmas-karangreja"
DPMPTSP = "dinas-penanaman-modal-dan-pelayanan-terpadu-satu-pintu"


def lab(*args: str, timeout: int = 300) -> str:
    """`lab ARGS` as a facilitator types it (a fresh process); its output, or the test fails with it."""
    done = subprocess.run(
        [sys.executable, "-m", "lab", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ | {"NO_COLOR": "1", "COLUMNS": "100"},
    )
    assert done.returncode == 0, f"lab {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def make_cohort(parent: Path, port: int) -> Path:
    """Kabupaten Purbalingga 2026 with two units, its people in cohort.toml, served at 127.0.0.1:port."""
    root = parent / "pbg-2026"
    lab("init", str(root), "--region", "Kabupaten Purbalingga", "--year", "2026", "--code", "PBG")
    roster = parent / "peserta.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    lab("roster", "import", str(root), str(roster))
    toml = root / "cohort.toml"
    text = toml.read_text(encoding="utf-8")
    for old, new in (
        ("facilitators = []", f"facilitators = {json.dumps([FACILITATOR])}"),
        ("coordinators = []", f"coordinators = {json.dumps(COORDINATORS, ensure_ascii=False)}"),
        ('base_url = "http://127.0.0.1:8000"', f'base_url = "http://127.0.0.1:{port}"'),
    ):
        assert old in text, old
        text = text.replace(old, new)
    toml.write_text(text, encoding="utf-8")
    return root


def links(root: Path) -> dict[str, str]:
    """Each team slug or person's name -> its personal link, from `lab links PATH --json`."""
    return {row["id"]: row["url"] for row in json.loads(lab("links", "list", str(root), "--json"))}


def status(root: Path) -> dict:
    """`lab status PATH --json`."""
    return json.loads(lab("status", str(root), "--json"))


def states(root: Path) -> dict[str, str]:
    """Each proposal's code -> its state, from `lab status`."""
    return {p["id"]: p["state"] for p in status(root)["proposals"]}


class Watch:
    """Everything that goes wrong in the pages of one browser context, and the size of every page."""

    def __init__(self, context, shots: Path):
        self.trouble: list[str] = []
        self.pages: list[tuple[str, int, int]] = []  # url, status, bytes of the document
        self.static: dict[str, int] = {}
        self.shots = shots
        context.on("page", self._attach)

    def _attach(self, page) -> None:
        page.on("dialog", lambda d: (self.trouble.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("pageerror", lambda e: self.trouble.append(f"page error: {e}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, m) -> None:
        if m.type in ("error", "warning"):  # a CSP violation is reported as an error
            self.trouble.append(f"console {m.type}: {m.text}")

    def answered(self, status: int) -> None:
        """The last page came with this (error) status on purpose: Chromium's console line saying so is not
        trouble (a stylesheet or icon refused would still be: those are checked apart, in _response)."""
        assert self.pages[-1][1] == status, self.pages[-1]
        said = f"console error: Failed to load resource: the server responded with a status of {status} "
        for n in range(len(self.trouble) - 1, -1, -1):
            if self.trouble[n].startswith(said):
                del self.trouble[n]
                return

    def _response(self, r) -> None:
        if r.request.resource_type == "document":
            self.pages.append((r.url, r.status, int(r.headers.get("content-length") or 0)))
        elif r.status == 200:
            self.static[r.url] = int(r.headers.get("content-length") or 0)
        elif r.status >= 400:
            self.trouble.append(f"{r.status} for {r.url}")

    def look(self, page, name: str = "") -> None:
        """The page as shown: never wider than the phone; screenshots at both sizes under `name`."""
        size = page.viewport_size
        try:
            page.set_viewport_size(PHONE)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{page.url} is {width} px wide on a phone"
            if name:
                page.screenshot(path=str(self.shots / f"{name}-phone.png"), full_page=True)
                page.set_viewport_size(DESK)
                page.screenshot(path=str(self.shots / f"{name}-desktop.png"), full_page=True)
        finally:
            page.set_viewport_size(size)

    def check(self) -> None:
        """No trouble, and every page with what it links under MAX_PAGE bytes."""
        assert self.trouble == [], self.trouble
        assert self.pages and all(n > 0 for _, status, n in self.pages if status == 200)
        linked = sum(self.static.values())  # app.css, worksheet.css and the icon: what any page links at most
        heavy = [(url, n + linked) for url, _, n in self.pages if n + linked >= MAX_PAGE]
        assert heavy == [], heavy


def pdf(text: str) -> bytes:
    """A small, real one-page PDF showing `text` (ASCII), as a scanned decree would not be but a typed one is."""
    stream = f"BT /F1 12 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
