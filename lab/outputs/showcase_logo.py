"""The region's logo in the showcase's header: an optional `logo.png` (or .jpg, .jpeg, .webp) in the workspace.

The file is hostile until checked: read through lab.storage.safefs (no link, no special file, at most
`MAX_LOGO_BYTES`), its type sniffed from its first bytes (the name is not trusted), and only a PNG, JPEG or
WebP image is copied into the site, under a name of our own. An SVG is refused: it is a document that can
carry scripts and links. A logo that cannot be used leaves the header with the region's name alone and one
line saying why (`lab showcase` prints it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lab.domain.errors import LabError, TooLarge
from lab.storage import safefs

NAMES = ("logo.png", "logo.jpg", "logo.jpeg", "logo.webp")
REFUSED = ("logo.svg", "logo.svgz")
MAX_LOGO_BYTES = 512_000
KINDS = ("png", "jpg", "webp")  # the names a logo is written under: assets/logo.<kind>


@dataclass(frozen=True, slots=True)
class Logo:
    """A usable logo (`data`, `kind`), or why there is none (`problem`; None when no logo is given)."""

    data: bytes | None = None
    kind: str = ""
    problem: str | None = None


def sniff(data: bytes) -> str | None:
    """The image kind of `data` from its signature: png, jpg or webp; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def find_logo(root: Path) -> Logo:
    """The workspace's logo, checked; the first of NAMES present is used."""
    for name in NAMES:
        try:
            data = safefs.read_bytes(root, name, MAX_LOGO_BYTES)
        except FileNotFoundError:
            continue
        except TooLarge as exc:
            return Logo(problem=f"{name} is not shown: it {exc.reason}; make it smaller")
        except (LabError, OSError) as exc:
            return Logo(problem=f"{name} is not shown: {exc}")
        kind = sniff(data)
        if kind is None:
            return Logo(problem=f"{name} is not shown: it is not a PNG, JPEG or WebP image")
        return Logo(data=data, kind=kind)
    for name in REFUSED:
        if os.path.lexists(root / name):
            return Logo(problem=f"{name} is not shown: an SVG can carry scripts; save the logo as PNG")
    return Logo()


def logo_stamp(root: Path) -> list[tuple[str, int, int]]:
    """What the logo files look like now (name, size, mtime), so a new or changed logo rebuilds the site."""
    out = []
    for name in (*NAMES, *REFUSED):
        try:
            st = os.lstat(root / name)
        except OSError:
            continue
        out.append((name, st.st_size, st.st_mtime_ns))
    return out
