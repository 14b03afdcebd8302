"""Evidence on the showcase pages: which files are copied into the site, how, and what is cleaned away.

Only passive evidence files (documents, images, audio, video; `PASSIVE`) are copied and linked, streamed
through `lab.storage.safefs` (no link, no special file, within the `[evidence]` limits of cohort.toml).
Anything that a browser or office program could run (HTML, SVG, XML, scripts, csv formulas, doc/xls/ppt and ODF
macros, a file without extension, …) is listed by name with a note.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

from lab.domain.errors import TooLarge, UnsafePath, mb
from lab.outputs.showcase_site import Site, real_dir
from lab.workspace.settings_tables import EvidencePolicy

PASSIVE = frozenset("pdf png jpg jpeg gif webp mp4 webm mp3 docx xlsx pptx txt".split())
# evidence kinds a browser shows or hands to an application that does not run them: copied into the site and
# linked. Not csv (a cell such as `=cmd|' /C calc'!A0` runs when a spreadsheet opens it), not the legacy
# Office kinds doc/xls/ppt (macros) nor the ODF kinds odt/ods/odp (Basic macros): named with a note.


def copy_evidence(item: dict, site: Site, limits: EvidencePolicy) -> tuple[list[dict[str, Any]], list[str]]:
    """The evidence list of a page, with the passive files copied into the site; and the problems found.

    Each entry: file (as the team listed it), proves, href (set when the file is in the site), note (why
    it is not: a key of LABELS), dest (its path under the page's evidence folder)."""
    code = item["code"]
    source = f"teams/{item['team']}/{code}/evidence"
    budget, done = limits.max_proposal_bytes, {}
    out, problems = [], []
    for e in item["evidence_rows"]:
        name = str(e.file)
        entry: dict[str, Any] = {"file": name, "proves": e.proves, "href": None, "note": None, "dest": None}
        out.append(entry)
        rel = PurePosixPath(name)
        if str(rel) in done:  # listed twice
            entry.update(done[str(rel)])
            continue
        if rel.suffix.lower().removeprefix(".") not in PASSIVE:
            entry["note"] = "evidence_active"  # could run scripts when opened: named, never copied or linked
            continue
        try:
            n = site.copy(
                f"{source}/{rel}", f"showcase/p/{code}/evidence/{rel}", min(limits.max_file_bytes, budget)
            )
        except FileNotFoundError:
            entry["note"] = "file_missing"
            problems.append(f"evidence '{name}' is not in {source}/ any more: put the file back")
        except TooLarge as exc:
            entry["note"] = "file_too_large"
            if exc.size > limits.max_file_bytes:
                problems.append(f"evidence '{name}' is {mb(exc.size)} MB; the showcase takes at most "
                                f"{mb(limits.max_file_bytes)} MB per file ([evidence] max_file_mb): make it smaller")  # fmt: skip
            else:
                problems.append(f"evidence '{name}' is left out of the showcase: this proposal's evidence passes "
                                f"{mb(limits.max_proposal_bytes)} MB ([evidence] max_proposal_mb): make the files smaller")  # fmt: skip
        except UnsafePath as exc:
            entry["note"] = "file_refused"
            problems.append(f"evidence '{name}' is not in the showcase: {exc}")
        except OSError as exc:
            entry["note"] = "file_refused"
            problems.append(f"evidence '{name}' could not be copied into the showcase: {exc.strerror or exc}")
        else:
            budget -= n
            entry.update(href=f"{quote(code)}/evidence/{quote(str(rel))}", dest=str(rel))
        done[str(rel)] = {k: entry[k] for k in ("href", "note", "dest")}
    return out, problems


def media_links(values: Any, evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Photo and video lines: an http(s) address is a link; the name of an evidence file shown in the site
    links to it (or carries its note); anything else is text."""
    files = {str(PurePosixPath(e["file"])): e for e in evidence}
    out = []
    for value in values or []:
        text = str(value)
        name = text.strip().removeprefix("evidence/")
        if _web_link(text):
            out.append({"text": text, "href": text, "note": None})
        elif name and (e := files.get(str(PurePosixPath(name)))):
            out.append({"text": text, "href": e["href"], "note": e["note"]})
        else:
            out.append({"text": text, "href": None, "note": None})
    return out


def _web_link(text: str) -> bool:
    """An http(s) address with a host and nothing a browser would strip or reinterpret."""
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        return False
    try:
        url = urlsplit(text)
    except ValueError:
        return False
    return url.scheme in ("http", "https") and bool(url.hostname)


def on_disk(root: Path, item: dict[str, Any]) -> list:
    """What the page's evidence files are on disk now (kind, size, time, inode), looked at without following
    a link: part of the page's stamp, so a file replaced, grown, removed or made a link after its page was
    built makes the page be built again (and the file copied or refused again)."""
    folder = root
    try:
        for name in ("teams", item["team"], item["code"], "evidence"):
            folder = folder / name
            if not stat.S_ISDIR(os.lstat(folder).st_mode):
                return ["not a folder"]
    except (OSError, ValueError):
        return ["absent"]
    out: list = []
    for e in item["evidence_rows"]:
        path, kinds = folder, []
        try:
            for name in PurePosixPath(e.file).parts:
                path = path / name
                st = os.lstat(path)
                kinds.append(stat.S_IFMT(st.st_mode))
            out.append((kinds, st.st_size, st.st_mtime_ns, st.st_ino))
        except (OSError, ValueError):  # absent, or a name the system refuses
            out.append(None)
    return out


def prune_evidence(root: Path, code: str, keep: set[str] | None) -> None:
    """Remove from a page's evidence folder what it no longer shows: files not in `keep` (when given), and
    always links, special files and anything that is not passive."""
    top = real_dir(root, f"showcase/p/{code}/evidence")
    if top is None:
        return
    for folder, dirs, files in os.walk(top):  # links to folders are listed, not entered
        for name in dirs:
            if os.path.islink(os.path.join(folder, name)):
                os.unlink(os.path.join(folder, name))
        for name in files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, top).replace(os.sep, "/")
            st = os.lstat(path)
            passive = PurePosixPath(name).suffix.lower().removeprefix(".") in PASSIVE
            if not stat.S_ISREG(st.st_mode) or not passive or (keep is not None and rel not in keep):
                os.unlink(path)
