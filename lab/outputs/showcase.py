"""The display-stage showcase: a static site in `<workspace>/showcase/` that works offline and prints well.

Participant text is Markdown rendered with `markdown`, then sanitised with `nh3`: no script, event handler,
`javascript:` link, relative link (into the workspace's raw files) or iframe survives. Everything else goes through Jinja with autoescape on, and answers
are data, never templates, so `{{ 7*7 }}` typed by a team shows as written. Every file is written atomically
and the manifest last, so a reader never sees half a page and a build cut short is completed by the next one.

Nothing a team wrote can stop the showcase for the others or turn it against the coordinators who open it:

- A page is built from the last valid answers of the proposal's worksheets, so a team that deletes or breaks
  its display worksheet after being showcased keeps its last good page (its worksheet shows the problem in
  `lab status`, as for any worksheet).
- Whatever else about one proposal stops its page (odd stored answers, a template error, an evidence file
  that cannot be copied safely) is recorded as a problem of its display worksheet (`lab status`: path, line,
  reason) and the rest of the site is built; its last good page, if any, is kept. Such problems are checked
  again on every build and cleared once they are gone.
- Only passive evidence files (documents, images, audio, video; `PASSIVE`) are copied and linked, streamed
  through `lab.storage.safefs` (no link, no special file, within `[evidence]` limits of cohort.toml). Anything that a
  browser or office program could run (HTML, SVG, XML, scripts, csv formulas, doc/xls/ppt and ODF macros, a
  file without extension, …) is listed by name with a note.
- The site's own folders must be real folders inside the workspace: a link there is one clear error and
  nothing is written through it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

import markdown as md
import nh3
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy import update
from sqlmodel import Session, select

from lab.domain.errors import LabError, TooLarge, UnsafePath, mb
from lab.domain.lifecycle import MAIN_LINE
from lab.domain.models import Cohort, Worksheet, utcnow
from lab.outputs.profiles import Profile, profiles, reached
from lab.outputs.scores import REVIEWABLE, missing_reviewers, required, scoreboard
from lab.outputs.showcase_text import LABELS, option_label
from lab.storage import safefs
from lab.storage.files import WriteBatch, write_atomic
from lab.worksheets.render import templates_dir
from lab.workspace.settings import EvidencePolicy, Workspace

TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "code",
    "pre",
    "blockquote",
    "h3",
    "h4",
    "h5",
    "h6",
}


PASSIVE = frozenset("pdf png jpg jpeg gif webp mp4 webm mp3 docx xlsx pptx txt".split())
# evidence kinds a browser shows or hands to an application that does not run them: copied into the site and
# linked. Not csv (a cell such as `=cmd|' /C calc'!A0` runs when a spreadsheet opens it), not the legacy
# Office kinds doc/xls/ppt (macros) nor the ODF kinds odt/ods/odp (Basic macros): named with a note.
MARKDOWN_MAX_CHARS = 6000  # longer texts are shown as plain paragraphs: Markdown's parser slows down
MARKDOWN_MAX_MARKUP = 200  # faster than linearly on some input ('[' and '<' above all), so it only gets texts
SOURCE = "showcase"  # marks the problems this module recorded on a display worksheet (it clears them itself)
CODE = re.compile(r"^[A-Z0-9]{2,10}-[0-9]{4}-[0-9]{3,}$")  # a proposal id: the only page names ever removed
SMALL = 64_000_000  # the site's own bookkeeping files are read up to this size


@lru_cache(maxsize=1)
def _markdown() -> md.Markdown:
    """One Markdown converter, reset between texts (building one per text dominated the showcase build)."""
    return md.Markdown(extensions=["sane_lists"], output_format="html")


def render_text(text: str | None) -> Markup:
    """Participant Markdown as safe HTML; a text too long or too odd for the parser is shown as plain text."""
    if not text:
        return Markup("")
    text = str(text)
    if len(text) > MARKDOWN_MAX_CHARS or text.count("[") + text.count("<") > MARKDOWN_MAX_MARKUP:
        return plain_text(text)
    try:
        html = _markdown().reset().convert(text)
    except Exception:  # RecursionError on deeply nested lists or quotes: the text is still shown
        _markdown.cache_clear()
        return plain_text(text)
    clean = nh3.clean(
        html, tags=TAGS, attributes={"a": {"href", "title"}}, url_schemes={"http", "https", "mailto"},
        url_relative="deny",  # a relative link would reach the workspace's raw files (a team's .html evidence)
        link_rel="noopener noreferrer nofollow",
    )  # fmt: skip
    return Markup(clean)


def plain_text(text: str) -> Markup:
    """Text as escaped paragraphs (blank lines) with its line breaks kept."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(p.splitlines())) for p in paragraphs
    )


@lru_cache(maxsize=2)
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir() / "showcase")),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = render_text
    env.filters["url"] = lambda s: quote(str(s))
    return env


def build_showcase(ws: Workspace, session: Session, cohort: Cohort, force: bool = False) -> Path:
    """Bring the site up to date; returns the path of its index.

    Nothing is rebuilt when nothing that feeds the site changed since the last build (the cohort's
    fingerprint) and no proposal has a showcase problem waiting; otherwise the index and scoreboard are
    rebuilt and only the innovation pages whose data changed (or that had a problem) are rendered again.
    A problem of one proposal is recorded on its display worksheet, never raised; a link or a file where
    the site's own folders belong is one UnsafePath and nothing is written.
    """
    s, root = ws.settings, ws.root
    target = root / "showcase"
    for folder in ("showcase", "showcase/p", "showcase/assets"):
        safefs.ensure_dir(root, folder)
    waiting = _open_problems(session, cohort)
    stamp = _fingerprint(ws, session, cohort)
    if not force and not waiting and _small(ws, FINGERPRINT) == stamp and _regular(target / "index.html"):
        return target / "index.html"
    t = LABELS[s.lang]
    board = scoreboard(ws, session, cohort)
    common = {"t": t, "cohort": s, "lang": s.lang, "rubric": s.rubric, "need": required(ws)}
    env = _env()
    parts = stamp_parts(ws)
    old_pages = _manifest(ws)
    pages: dict[str, str] = {}  # code -> page stamp ("" for a page with a problem: built again next time)
    cards: list[Card] = []  # what the index and scoreboard show: the full profiles are not kept
    problems: dict[int, list[str]] = {}  # proposal id -> reasons, recorded on its display worksheet
    built: list[tuple[str, set[str] | None]] = []  # pages written: code, evidence files to keep
    ids: dict[str, int] = {}  # code -> proposal id of every page
    site = _Site(root)
    try:
        for asset in ("style.css", "showcase.js"):
            site.write(f"showcase/assets/{asset}", (templates_dir() / "showcase" / asset).read_bytes())
        template = env.get_template("innovation.html.j2")
        for p in profiles(session, cohort, REVIEWABLE, last_good=True):  # read in batches; each page let go
            code = p.code
            ids[code] = p.id
            try:
                item = _item(ws, p, board, s.lang)
                card = _card(item)  # before anything is written: odd answers leave the last page as it was
                pages[code] = _page_stamp(item, parts, _on_disk(root, item))
                if pages[code] != old_pages.get(code) or force or not _regular(target / "p" / f"{code}.html"):
                    item["evidence"], found = _evidence(item, site, s.evidence)
                    item["media"] = _media(item["display"].get("media"), item["evidence"])
                    page = template.render(**common, i=item, root="..").encode()
                    site.write(f"showcase/p/{code}.html", page)
                    built.append((code, {e["dest"] for e in item["evidence"] if e["dest"]}))
                    if found:
                        problems[p.id] = found
                cards.append(card)
            except Exception as exc:  # about this proposal only: recorded, and every other page is built
                problems[p.id] = [_unbuilt(code, exc, _regular(target / "p" / f"{code}.html"))]
                cards.append(_bare_card(ws, p, board, s.lang))
                _fallback(site, env, common, p)
                built.append((code, None))
            if p.id in problems:
                pages[code] = ""
        site.write_chunks(
            "showcase/index.html",
            env.get_template("index.html.j2").generate(
                **common,
                items=cards,
                funnel=_funnel(reached(session, cohort), t),
                facets=_facets(cards),
                root=".",
            ),
        )
        cards.sort(key=lambda c: (-(c.score["score"] if c.score else -1), c.code))
        site.write_chunks(
            "showcase/scoreboard.html",
            env.get_template("scoreboard.html.j2").generate(**common, items=cards, root="."),
        )
        site.commit()
    except BaseException:
        site.abort()
        raise
    for rel, exc in site.failed:  # a folder swapped for a link while the site was written
        code = rel.removeprefix("showcase/p/").split("/")[0].removesuffix(".html")
        if code not in ids or not rel.startswith("showcase/p/"):
            raise exc
        problems.setdefault(ids[code], []).append(f"{rel} could not be put in place: {exc}")
        pages[code] = ""
    for code, keep in built:
        try:
            _prune(root, code, keep)
        except OSError as exc:  # e.g. a folder made read-only: what it holds cannot be removed
            problems.setdefault(ids[code], []).append(
                f"showcase/p/{code}/evidence could not be cleaned ({exc.strerror}): remove that folder"
            )
            pages[code] = ""
    for code in set(old_pages) - set(pages):  # no longer showcased
        try:
            _remove_page(root, code)
        except OSError:
            pages[code] = ""  # kept in the manifest: removed by a later build
    if _record(session, cohort, problems, waiting):
        stamp = _fingerprint(ws, session, cohort)  # the worksheets' status is part of it
    write_atomic(site.path(f"showcase/{MANIFEST}"), json.dumps(pages, sort_keys=True).encode(), root)
    write_atomic(site.path(f"showcase/{FINGERPRINT}"), stamp.encode(), root)
    return target / "index.html"


FINGERPRINT = ".fingerprint"
MANIFEST = ".pages.json"


def _small(ws: Workspace, name: str) -> str | None:
    """One of the site's bookkeeping files as text; None if absent, odd or unreadable (the site is rebuilt)."""
    try:
        return safefs.read_bytes(ws.root, f"showcase/{name}", SMALL).decode("utf-8")
    except (LabError, OSError, UnicodeDecodeError):
        return None


def _manifest(ws: Workspace) -> dict[str, str]:
    """The page stamps of the last build; anything unexpected counts as no manifest (every page is built)."""
    try:
        data = json.loads(_small(ws, MANIFEST) or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and CODE.match(k) and isinstance(v, str)}


def _regular(path: Path) -> bool:
    """Whether `path` is a regular file itself (not a link to one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


class _Site:
    """What one build writes under `showcase/`, every folder reached through `lab.storage.safefs` (no link followed,
    nothing outside the workspace): pages through one WriteBatch, evidence streamed into temporary files
    beside their places; everything renamed into place after the batch's one sync. A file's own entry is
    replaced by the rename, so a link or a special file found there is replaced, never written through; a
    folder there is an UnsafePath. What could not be put in place (a folder swapped meanwhile) is in
    `failed`, as (relative path, reason)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.batch = WriteBatch(root)
        self.copies: list[tuple[str, str, str]] = []  # folder, temporary name, name
        self.failed: list[tuple[str, UnsafePath]] = []
        self._checked: set[str] = set()
        self._token = secrets.token_hex(4)

    def path(self, rel: str) -> Path:
        """The path of the site's file `rel` (workspace-relative), its folders checked and made."""
        folder = rel.rpartition("/")[0]
        if folder not in self._checked:
            safefs.ensure_dir(self.root, folder)
            self._checked.add(folder)
        path = self.root / rel
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return path
        if stat.S_ISDIR(st.st_mode):
            raise UnsafePath(rel, "is a folder where the showcase writes a file: remove it")
        return path

    def write(self, rel: str, data: bytes) -> None:
        self.batch.write(self.path(rel), data)

    def write_chunks(self, rel: str, chunks: Iterable[str]) -> None:
        self.batch.write_chunks(self.path(rel), chunks)

    def copy(self, source: str, dest: str, limit: int) -> int:
        """Stream the workspace file `source` into the site at `dest`, at most `limit` bytes; returns its size."""
        folder, _, name = dest.rpartition("/")
        tmp = f".{name[:200]}.{os.getpid()}.{self._token}{len(self.copies)}.tmp"
        fd = safefs.open_dir(self.root, folder, create=True)
        try:
            st = _lstat_at(name, fd)
            if st is not None and stat.S_ISDIR(st.st_mode):
                raise UnsafePath(dest, "is a folder where the showcase writes a file: remove it")
            out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666, dir_fd=fd)
            try:
                with os.fdopen(out, "wb") as fh:
                    n = safefs.copy_to(self.root, source, fh, limit)
            except BaseException:
                os.unlink(tmp, dir_fd=fd)
                raise
        finally:
            os.close(fd)
        self.copies.append((folder, tmp, name))
        return n

    def commit(self) -> None:
        self.batch.commit()  # one sync, for the evidence copies (written before it) too
        self.failed += [(p.relative_to(self.root).as_posix(), exc) for p, exc in self.batch.failed]
        for folder, tmp, name in self.copies:
            try:
                fd = safefs.open_dir(self.root, folder)
            except (UnsafePath, FileNotFoundError) as exc:
                why = (
                    exc
                    if isinstance(exc, UnsafePath)
                    else UnsafePath(folder, "was removed meanwhile: run again")
                )
                self.failed.append((f"{folder}/{name}", why))
                continue
            try:
                os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
            except OSError as exc:
                self.failed.append((f"{folder}/{name}", UnsafePath(f"{folder}/{name}", f"cannot be written: "
                                                                   f"{exc.strerror}")))  # fmt: skip
            finally:
                os.close(fd)
        self.copies.clear()

    def abort(self) -> None:
        self.batch.abort()
        for folder, tmp, _ in self.copies:
            try:
                fd = safefs.open_dir(self.root, folder)
            except (LabError, OSError):
                continue  # a sweep of orphaned temporary files removes it
            try:
                os.unlink(tmp, dir_fd=fd)
            except OSError:
                pass
            finally:
                os.close(fd)
        self.copies.clear()


def _lstat_at(name: str, fd: int) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def stamp_parts(ws: Workspace) -> str:
    """What every page depends on besides its own data: settings and templates."""
    s = ws.settings
    templates = sorted((p.name, p.stat().st_mtime_ns) for p in (templates_dir() / "showcase").iterdir())
    return json.dumps([s.lang, s.region, s.year, s.title, s.code, s.rubric, s.coordinators, s.review.min_reviewers,
                       s.evidence.max_file_mb, s.evidence.max_proposal_mb, sorted(PASSIVE), templates],
                      sort_keys=True, default=str)  # fmt: skip


def _fingerprint(ws: Workspace, session: Session, cohort: Cohort) -> str:
    """Changes whenever anything the site shows may have changed."""
    from sqlalchemy import func

    from lab.domain.models import Evidence, Proposal, Review, Transition

    facts = [
        session.execute(
            select(func.count(), func.max(Transition.id)).where(Transition.cohort_id == cohort.id)
        ).one(),
        session.execute(select(func.count(), func.max(Review.id)).where(Review.cohort_id == cohort.id)).one(),
        session.execute(
            select(func.count(), func.max(Worksheet.updated_at)).where(
                Worksheet.cohort_id == cohort.id, Worksheet.status == "valid"
            )
        ).one(),  # fmt: skip
        session.execute(
            select(func.count(), func.max(Evidence.id)).join(Proposal).where(Proposal.cohort_id == cohort.id)
        ).one(),
    ]
    return hashlib.sha256(
        json.dumps([[str(v) for v in f] for f in facts] + [stamp_parts(ws)]).encode()
    ).hexdigest()


def _page_stamp(item: dict[str, Any], common: str, disk: list) -> str:
    data = {k: v for k, v in item.items() if k not in ("evidence_rows", "evidence", "media", "search")}
    data["evidence"] = [(e.file, e.proves, e.size) for e in item["evidence_rows"]]
    return hashlib.sha256(json.dumps([data, common, disk], sort_keys=True, default=str).encode()).hexdigest()


def _on_disk(root: Path, item: dict[str, Any]) -> list:
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


def _item(ws: Workspace, p: Profile, board: dict, lang: str) -> dict[str, Any]:
    score = board.get(p.id)
    return {
        "code": p.code, "title": p.design.get("title") or p.title, "state": p.state, "team": p.team,
        "unit": p.unit, "unit_type": p.unit_type, "unit_type_label": option_label("unit_type", p.unit_type, lang),
        "form": p.design.get("form", ""), "form_label": option_label("form", p.design.get("form"), lang),
        "kind_label": option_label("kind", p.design.get("kind"), lang),
        "affair": p.design.get("affair", ""), "affair_label": option_label("affair", p.design.get("affair"), lang),
        "maturity": p.deliver.get("maturity", ""), "maturity_label": option_label("maturity", p.deliver.get("maturity"), lang),
        "design": p.design, "deliver": p.deliver, "display": p.display, "idea": p.idea,
        "evidence_rows": p.evidence, "score": score, "missing": missing_reviewers(ws, score),
        "search": " ".join([p.code, p.title, p.unit, p.display.get("summary", "")]).casefold(),
    }  # fmt: skip


@dataclass(slots=True)
class Card:
    """One innovation as the index and the scoreboard show it (a page's full data is not kept)."""

    code: str
    title: str
    unit: str
    unit_type: str
    unit_type_label: str
    form: str
    form_label: str
    affair: str
    affair_label: str
    maturity: str
    maturity_label: str
    summary: Markup
    search: str
    score: dict | None
    missing: list[str]


TEXT_FIELDS = ("code", "title", "unit", "unit_type", "unit_type_label", "form", "form_label", "affair",
               "affair_label", "maturity", "maturity_label", "search")  # fmt: skip


def _card(item: dict[str, Any]) -> Card:
    """The card of a page; odd stored answers (not text where text belongs) are that page's problem here,
    not a failure of the index or its filters later."""
    for k in TEXT_FIELDS:
        if not isinstance(item[k], str):
            raise TypeError(f"{k} is {type(item[k]).__name__}, not text")
    return Card(**{k: item[k] for k in Card.__slots__ if k != "summary"},
                summary=render_text(item["display"].get("summary")))  # fmt: skip


def _bare_card(ws: Workspace, p: Profile, board: dict, lang: str) -> Card:
    """The card of a proposal whose answers could not be shown: who and what, from its own record."""
    score = board.get(p.id)
    return Card(code=p.code, title=p.title, unit=p.unit, unit_type=p.unit_type,
                unit_type_label=option_label("unit_type", p.unit_type, lang), form="", form_label="", affair="",
                affair_label="", maturity="", maturity_label="", summary=Markup(""),
                search=" ".join([p.code, p.title, p.unit]).casefold(), score=score,
                missing=missing_reviewers(ws, score))  # fmt: skip


def _unbuilt(code: str, exc: Exception, kept: bool) -> str:
    """The problem line of a page that could not be built."""
    if isinstance(exc, UnsafePath):  # where the page goes, not what it says
        return f"the showcase page of {code} could not be written: {exc}"
    detail = " ".join((str(exc) or type(exc).__name__).split())[:300]
    where = "its last page is kept" if kept else "a placeholder page is shown"
    return (
        f"the showcase page of {code} could not be built ({detail}); {where}: check this worksheet's answers"
    )


def _fallback(site: _Site, env: Environment, common: dict, p: Profile) -> None:
    """A short page saying the innovation cannot be shown yet, where no earlier page exists."""
    try:
        if _regular(site.root / "showcase" / "p" / f"{p.code}.html"):
            return
        page = env.get_template("unavailable.html.j2").render(
            **common, i={"code": p.code, "title": p.title, "unit": p.unit}, root=".."
        )
        site.write(f"showcase/p/{p.code}.html", page.encode())
    except Exception:  # the problem is already recorded; the card still links to where the page belongs
        return


def _evidence(item: dict, site: _Site, limits: EvidencePolicy) -> tuple[list[dict[str, Any]], list[str]]:
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


def _media(values: Any, evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
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


def _real_dir(root: Path, rel: str) -> Path | None:
    """`rel` if it and every folder above it are real folders (no link); None otherwise."""
    path = root
    for name in rel.split("/"):
        path = path / name
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                return None
        except OSError:
            return None
    return path


def _prune(root: Path, code: str, keep: set[str] | None) -> None:
    """Remove from a page's evidence folder what it no longer shows: files not in `keep` (when given), and
    always links, special files and anything that is not passive."""
    top = _real_dir(root, f"showcase/p/{code}/evidence")
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


def _remove_page(root: Path, code: str) -> None:
    """Remove the page and files of a proposal that is no longer showcased."""
    page = root / "showcase" / "p" / f"{code}.html"
    if _real_dir(root, "showcase/p") is None:
        return
    try:
        if not stat.S_ISDIR(os.lstat(page).st_mode):
            page.unlink()
    except FileNotFoundError:
        pass
    if _real_dir(root, f"showcase/p/{code}") is not None:
        shutil.rmtree(root / "showcase" / "p" / code, ignore_errors=True)  # never follows a link


def _ours(errors: Any) -> bool:
    """Whether a worksheet's problems are all ones the showcase recorded."""
    return (
        bool(errors)
        and isinstance(errors, list)
        and all(isinstance(e, dict) and e.get("source") == SOURCE for e in errors)
    )


def _open_problems(session: Session, cohort: Cohort) -> dict[int, int]:
    """Proposal id -> display worksheet id, for every problem the showcase recorded and has to check again."""
    rows = session.execute(
        select(Worksheet.id, Worksheet.proposal_id, Worksheet.errors).where(
            Worksheet.cohort_id == cohort.id, Worksheet.status == "invalid", Worksheet.stage == "display"
        )
    ).all()
    return {pid: wid for wid, pid, errors in rows if _ours(errors)}


def _record(
    session: Session, cohort: Cohort, problems: dict[int, list[str]], waiting: dict[int, int]
) -> bool:
    """Put this build's problems on the proposals' display worksheets and clear those that are gone.

    Only a valid worksheet (or one whose only problems are the showcase's) is marked: a worksheet that is
    itself invalid, missing or blank already says what to fix first. Returns whether anything changed."""
    ids = set(problems) | set(waiting)
    if not ids:
        return False
    rows = session.execute(
        select(Worksheet.id, Worksheet.proposal_id, Worksheet.status, Worksheet.errors).where(
            Worksheet.cohort_id == cohort.id, Worksheet.stage == "display", Worksheet.proposal_id.in_(ids)
        )
    ).all()
    changed = False
    for wid, pid, status, errors in rows:
        ours = status == "invalid" and _ours(errors)
        values: dict[str, Any] | None = None
        if pid in problems and (status == "valid" or ours):
            new = [{"line": 1, "reason": reason, "source": SOURCE} for reason in problems[pid]]
            if not ours or errors != new:
                values = {"status": "invalid", "errors": new}
        elif pid not in problems and ours:
            values = {"status": "valid", "errors": []}
        if values:
            session.execute(
                update(Worksheet).where(Worksheet.id == wid).values(**values, updated_at=utcnow())
            )
            changed = True
    return changed


def _funnel(counts: dict[str, int], t: dict[str, str]) -> dict[str, Any]:
    """Bars of an inline SVG chart: how many proposals reached each state."""
    top = max(counts.values(), default=0) or 1
    bars = []
    for n, state in enumerate(MAIN_LINE):
        value = counts.get(state, 0)
        bars.append({"label": t["state_" + state], "value": value, "y": 8 + n * 34,
                     "width": round(value / top * 420, 1)})  # fmt: skip
    return {"bars": bars, "height": 16 + len(MAIN_LINE) * 34}


def _facets(cards: list[Card]) -> dict[str, list[tuple[str, str]]]:
    facets: dict[str, dict[str, str]] = {"unit_type": {}, "form": {}, "affair": {}, "maturity": {}}
    for c in cards:
        for key in facets:
            if value := getattr(c, key):
                facets[key][value] = getattr(c, key + "_label")
    return {k: sorted(v.items(), key=lambda kv: kv[1]) for k, v in facets.items()}
