"""The fixes file beside a rejected worksheet: `1-drum-up.perbaikan.md` (English cohort: `1-drum-up.fixes.md`).

It says, in the cohort's language, what is wrong with the worksheet and where (line, field label, what to
write), so a team sees its problems without asking the facilitator; it is removed once the worksheet is valid.

It is never taken for a worksheet: worksheets are found by their records' paths (`<n>-<stage>.md`), never by
listing a folder. It never replaces a file the engine did not write: its first line is MARKER, and a file at
its name without that line (a participant's own) is left alone. Writes go through lab.storage (atomic, no
link followed).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from lab.domain.errors import LabError
from lab.storage import safefs
from lab.storage.files import write_atomic
from lab.worksheets.frontmatter import Problem
from lab.worksheets.messages import line_prefix

MARKER = "<!-- labinov: fixes file, written and removed by the system -->"
SUFFIX = {"id": ".perbaikan.md", "en": ".fixes.md"}
MAX_PROBLEMS = 200  # a worksheet with more problems than this has the first ones listed, and a count
MAX_REASON = 500
WORDS = {
    "id": {
        "title": "Yang perlu diperbaiki pada {name}",
        "intro": "Berkas ini dibuat oleh sistem dan terhapus sendiri setelah lembar kerja benar. Perbaiki "
        "{name} (bukan berkas ini), simpan, lalu tunggu proses berikutnya.",
        "more": "… dan {n} catatan lainnya.",
    },
    "en": {
        "title": "What to fix in {name}",
        "intro": "The system writes this file and removes it once the worksheet is valid. Fix {name} (not "
        "this file), save it, then wait for the next run.",
        "more": "… and {n} more.",
    },
}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def fixes_path(sheet: str, lang: str) -> str:
    """The fixes file of the worksheet at `sheet` (a workspace-relative path)."""
    path = PurePosixPath(sheet)
    return str(path.with_name(path.name.removesuffix(".md") + SUFFIX["en" if lang == "en" else "id"]))


def _one_line(text: str) -> str:
    text = " ".join(_UNSAFE.sub(" ", text).split())
    text = text[:1].upper() + text[1:]  # a sentence of its own after "Baris 22 · "
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def fixes_text(sheet: str, problems: Iterable[Problem | dict], lang: str) -> str:
    """The fixes file's Markdown: a title, what the file is, one line per problem."""
    w = WORDS["en" if lang == "en" else "id"]
    name = PurePosixPath(sheet).name
    items = [p if isinstance(p, Problem) else Problem(int(p["line"]), str(p["reason"])) for p in problems]
    lines = [MARKER, f"# {w['title'].format(name=name)}", "", f"> {w['intro'].format(name=name)}", ""]
    lines += [f"- {line_prefix(lang, p.line)}{_one_line(p.reason)}" for p in items[:MAX_PROBLEMS]]
    if len(items) > MAX_PROBLEMS:
        lines.append(f"- {w['more'].format(n=len(items) - MAX_PROBLEMS)}")
    return "\n".join(lines) + "\n"


def _ours(root, rel: str) -> bool | None:
    """True: our fixes file is there; False: nothing is; None: someone else's file (or a link) is."""
    try:
        if safefs.check(root, rel) is None:
            return False
        fd = safefs.open_file(root, rel)
    except (LabError, OSError):
        return None
    try:
        head = os.read(fd, len(MARKER))  # only its first line is read, whatever its size
    except OSError:
        return None
    finally:
        os.close(fd)
    return True if head == MARKER.encode() else None


def write_fixes(root, sheet: str, problems: Iterable[Problem | dict], lang: str) -> str | None:
    """Write the fixes file of the worksheet `sheet`; its path, or None when a file not ours is in the way."""
    rel = fixes_path(sheet, lang)
    if _ours(root, rel) is None:
        return None
    try:
        write_atomic(root / rel, fixes_text(sheet, problems, lang).encode("utf-8"), root)
    except (LabError, OSError):
        return None
    return rel


def remove_fixes(root, sheet: str) -> None:
    """Remove the fixes files of the worksheet `sheet` (in either language) that the engine wrote."""
    for lang in SUFFIX:
        rel = fixes_path(sheet, lang)
        if not _ours(root, rel):
            continue
        parent = PurePosixPath(rel).parent
        try:
            fd = safefs.open_dir(root, parent)
        except (LabError, OSError):
            continue
        try:
            os.unlink(PurePosixPath(rel).name, dir_fd=fd)
        except OSError:
            pass
        finally:
            os.close(fd)
