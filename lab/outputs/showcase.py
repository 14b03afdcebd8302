"""The display-stage showcase: a static site in `<workspace>/showcase/` that works offline and prints well,
and the internal scoreboard beside it in `<workspace>/scoreboard/`.

The showcase is public: innovations without scores, ranks or jurors while judging is open, and the places
(Juara I-III) once a facilitator has closed judging (`lab review close`). Scores, per-criterion means, the
spread between reviewers and who has not scored yet are only on the scoreboard, for facilitators and
coordinators; it is never linked from the showcase.

`build_showcase` brings it up to date; the work is split by job: what the pages show and when they are stale
(showcase_pages), participant text as safe HTML and the templates (showcase_html), evidence copied into the site
(showcase_evidence), and the files of a build (showcase_site). Every file is written atomically and the
manifest last, so a reader never sees half a page and a build cut short is completed by the next one.

Nothing a team wrote can stop the showcase for the others or turn it against the coordinators who open it:

- A page is built from the last valid answers of the proposal's worksheets, so a team that deletes or breaks
  its display worksheet after being showcased keeps its last good page (its worksheet shows the problem in
  `lab status`, as for any worksheet).
- Whatever else about one proposal stops its page (odd stored answers, a template error, an evidence file
  that cannot be copied safely) is recorded as a problem of its display worksheet (`lab status`: path, line,
  reason) and the rest of the site is built; its last good page, if any, is kept. Such problems are checked
  again on every build and cleared once they are gone.
- Only passive evidence files are copied and linked; anything a browser or office program could run is listed
  by name with a note (showcase_evidence).
- The site's own folders must be real folders inside the workspace: a link there is one clear error and
  nothing is written through it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment
from sqlalchemy import update
from sqlmodel import Session, select

from lab.domain.errors import UnsafePath
from lab.domain.models import Cohort, Worksheet, utcnow
from lab.outputs.profiles import Profile, profiles, reached
from lab.outputs.scores import JUARA, REVIEWABLE, judging, missing_reviewers, places, required, scoreboard
from lab.outputs.showcase_evidence import copy_evidence, media_links, on_disk, prune_evidence
from lab.outputs.showcase_html import template_env
from lab.outputs.showcase_iid import readiness
from lab.outputs.showcase_logo import KINDS, find_logo
from lab.outputs.showcase_pages import (
    Card,
    bare_card,
    facet_options,
    fingerprint,
    funnel_bars,
    make_card,
    page_item,
    page_stamp,
    stamp_parts,
)
from lab.outputs.showcase_site import (
    FINGERPRINT,
    MANIFEST,
    Site,
    is_regular,
    read_manifest,
    read_small,
    real_dir,
    remove_page,
)
from lab.outputs.showcase_text import LABELS
from lab.storage import safefs
from lab.storage.files import write_atomic
from lab.worksheets.render import templates_dir
from lab.workspace.settings import Workspace

SOURCE = "showcase"  # marks the problems this module recorded on a display worksheet (it clears them itself)
BOARD = "scoreboard"  # the internal scoreboard's folder, beside showcase/: never to be published


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
    for folder in ("showcase", "showcase/p", "showcase/assets", BOARD, f"{BOARD}/assets"):
        safefs.ensure_dir(root, folder)
    waiting = _open_problems(session, cohort)
    ready = readiness(ws, session, cohort)  # coverage and IID pre-check: part of the stamp
    stamp = fingerprint(ws, session, cohort) + ready["stamp"]
    unchanged = not force and not waiting and read_small(ws, FINGERPRINT) == stamp
    current = is_regular(target / "index.html") and is_regular(root / BOARD / "index.html")
    if unchanged and current and not is_regular(target / "scoreboard.html"):  # (an old build's public board)
        return target / "index.html"
    t = LABELS[s.lang]
    board = scoreboard(ws, session, cohort)
    state = judging(session, cohort)
    ranks = places(board)
    podium = {pid: n for pid, n in ranks.items() if n <= JUARA} if state.closed else {}
    logo = find_logo(root)
    common = {"t": t, "cohort": s, "lang": s.lang, "rubric": s.rubric, "need": required(ws), "judging": state,
              "logo": f"logo.{logo.kind}" if logo.data else None}  # fmt: skip
    env = template_env()
    parts = stamp_parts(ws)
    old_pages = read_manifest(ws)
    pages: dict[str, str] = {}  # code -> page stamp ("" for a page with a problem: built again next time)
    cards: list[Card] = []  # what the index and scoreboard show: the full profiles are not kept
    problems: dict[int, list[str]] = {}  # proposal id -> reasons, recorded on its display worksheet
    built: list[tuple[str, set[str] | None]] = []  # pages written: code, evidence files to keep
    ids: dict[str, int] = {}  # code -> proposal id of every page
    site = Site(root)
    try:
        for asset in ("style.css", "showcase.js"):
            site.write(f"showcase/assets/{asset}", (templates_dir() / "showcase" / asset).read_bytes())
        site.write(f"{BOARD}/assets/style.css", (templates_dir() / "showcase" / "style.css").read_bytes())
        if logo.data:
            for folder in ("showcase", BOARD):
                site.write(f"{folder}/assets/logo.{logo.kind}", logo.data)
        template = env.get_template("innovation.html.j2")
        for p in profiles(session, cohort, REVIEWABLE, last_good=True):  # read in batches; each page let go
            code = p.code
            ids[code] = p.id
            score = board.get(p.id)
            try:
                item = page_item(p, podium.get(p.id), s.lang)
                # the card before anything is written: odd answers leave the last page as it was
                card = make_card(item, score, missing_reviewers(ws, score), ranks.get(p.id))
                pages[code] = page_stamp(item, parts, on_disk(root, item))
                stale = pages[code] != old_pages.get(code) or force
                if stale or not is_regular(target / "p" / f"{code}.html"):
                    item["evidence"], found = copy_evidence(item, site, s.evidence)
                    item["media"] = media_links(item["display"].get("media"), item["evidence"])
                    page = template.render(**common, i=item, root="..").encode()
                    site.write(f"showcase/p/{code}.html", page)
                    built.append((code, {e["dest"] for e in item["evidence"] if e["dest"]}))
                    if found:
                        problems[p.id] = found
                cards.append(card)
            except Exception as exc:  # about this proposal only: recorded, and every other page is built
                problems[p.id] = [_unbuilt(code, exc, is_regular(target / "p" / f"{code}.html"))]
                missing = missing_reviewers(ws, score)
                cards.append(bare_card(p, s.lang, score, missing, ranks.get(p.id), podium.get(p.id)))
                _fallback(site, env, common, p)
                built.append((code, None))
            if p.id in problems:
                pages[code] = ""
        site.write_chunks(
            "showcase/index.html",
            env.get_template("index.html.j2").generate(
                **common,
                items=cards,
                funnel=funnel_bars(reached(session, cohort), t),
                facets=facet_options(cards),
                winners=sorted((c for c in cards if c.place), key=lambda c: (c.place, c.code)),
                root=".",
                ready=ready,
            ),
        )
        cards.sort(key=lambda c: (c.rank or len(cards) + 1, c.code))
        site.write_chunks(
            f"{BOARD}/index.html",
            env.get_template("scoreboard.html.j2").generate(
                **common, items=cards, root="../showcase", assets="assets", board=True, ready=ready
            ),
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
            prune_evidence(root, code, keep)
        except OSError as exc:  # e.g. a folder made read-only: what it holds cannot be removed
            problems.setdefault(ids[code], []).append(
                f"showcase/p/{code}/evidence could not be cleaned ({exc.strerror}): remove that folder"
            )
            pages[code] = ""
    _remove_stale(root, logo.kind if logo.data else None)
    for code in set(old_pages) - set(pages):  # no longer showcased
        try:
            remove_page(root, code)
        except OSError:
            pages[code] = ""  # kept in the manifest: removed by a later build
    if _record(session, cohort, problems, waiting):
        stamp = fingerprint(ws, session, cohort) + ready["stamp"]  # the worksheets' status is part of it
    write_atomic(site.path(f"showcase/{MANIFEST}"), json.dumps(pages, sort_keys=True).encode(), root)
    write_atomic(site.path(f"showcase/{FINGERPRINT}"), stamp.encode(), root)
    return target / "index.html"


def _remove_stale(root: Path, kind: str | None) -> None:
    """Files an earlier build left that must not stay public: the scoreboard once kept in showcase/ (it named
    jurors and partial scores) and a logo that was removed or replaced by one of another kind."""
    names = ["showcase/scoreboard.html"]
    names += [f"{folder}/assets/logo.{k}" for folder in ("showcase", BOARD) for k in KINDS if k != kind]
    for rel in names:
        folder, _, name = rel.rpartition("/")
        if real_dir(root, folder) is not None and is_regular(root / rel):
            (root / rel).unlink(missing_ok=True)


def _unbuilt(code: str, exc: Exception, kept: bool) -> str:
    """The problem line of a page that could not be built."""
    if isinstance(exc, UnsafePath):  # where the page goes, not what it says
        return f"the showcase page of {code} could not be written: {exc}"
    detail = " ".join((str(exc) or type(exc).__name__).split())[:300]
    where = "its last page is kept" if kept else "a placeholder page is shown"
    return (
        f"the showcase page of {code} could not be built ({detail}); {where}: check this worksheet's answers"
    )


def _fallback(site: Site, env: Environment, common: dict, p: Profile) -> None:
    """A short page saying the innovation cannot be shown yet, where no earlier page exists."""
    try:
        if is_regular(site.root / "showcase" / "p" / f"{p.code}.html"):
            return
        page = env.get_template("unavailable.html.j2").render(
            **common, i={"code": p.code, "title": p.title, "unit": p.unit}, root=".."
        )
        site.write(f"showcase/p/{p.code}.html", page.encode())
    except Exception:  # the problem is already recorded; the card still links to where the page belongs
        return


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
