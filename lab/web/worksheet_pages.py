"""A team's worksheet forms: GET /lembar/{stage}/{owner} shows it prefilled from the file, POST saves it through
the answers code (lab.workflow.answers_save), POST /lembar/deliver/{code}/bukti uploads evidence files.

Only the signed-in team's own worksheets exist here: any other stage, team or proposal answers 404, the same
page as an unknown address. A worksheet whose stage is behind the team is shown read-only. A save answers
303 back to the form with "tersimpan", or the form again with each problem beside its field (422: the file is
written all the same, nothing typed is lost), or the conflict view (409: the file changed since the form was
opened; nothing written).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lab.domain.errors import LabError, TooLarge, mb
from lab.stages import SLUGS, get_stage
from lab.web import deps
from lab.web.deps import AsTeam, Posted, Viewer
from lab.web.forms import HASH_FIELD, FormTooLarge, answers_from_form, changes, form_fields, unplaced
from lab.web.session import actor
from lab.web.uploads import EvidenceStream, Forbidden, boundary_of
from lab.web.worksheet_words import worksheet_words
from lab.workflow.activity import record
from lab.workflow.answers_save import (
    GENERAL,
    Target,
    by_field,
    find_target,
    open_sheet,
    read_current,
    save_worksheet,
)
from lab.workflow.evidence import (
    ALLOWED,
    REMOVED,
    EvidenceRefused,
    Upload,
    folder_of,
    list_evidence,
    remove_evidence,
)
from lab.workflow.store import read_worksheet
from lab.workspace.cohort import workspace_session

router = APIRouter()
log = logging.getLogger(__name__)
UPLOAD_OVERHEAD = 1_000_000  # bytes of a multipart body beyond its files (boundaries, headers, the token)


def _target(v: Viewer, session, cohort, stage: str, owner: str) -> Target:
    if stage not in SLUGS or len(owner) > 100 or v.principal.team_id is None:
        raise HTTPException(404, "not_found")
    target = find_target(v.ws, session, cohort, get_stage(stage), owner, v.principal.team_id)
    if target is None:
        raise HTTPException(404, "not_found")
    return target


def _url(request: Request, stage: str, owner: str) -> str:
    return f"{deps.base_path(request)}/lembar/{stage}/{owner}"


def _render(
    request: Request, v: Viewer, target: Target, values: dict[str, Any], file_hash: str,
    problems: dict[str, list[str]], status_code: int = 200, notice: str = "", problem: bool = False,
    conflict: list | None = None,
) -> HTMLResponse:  # fmt: skip
    w = worksheet_words(v.lang)
    fields = form_fields(target.stage.schema, values, v.lang, problems)
    evidence = None
    limits = v.ws.settings.evidence
    if target.stage.slug == "deliver":
        proves = {
            r.get("file"): r.get("proves") or "" for r in values.get("evidence") or () if isinstance(r, dict)
        }
        evidence = [
            (s.name, _size(s.size), proves.get(s.name)) for s in list_evidence(v.ws, _folder(v, target))
        ]
    owner = target.entity.code if target.stage.granularity == "proposal" else target.team.slug
    return deps.page(
        request, v, "worksheet.html.j2", status_code,
        w=w, stage=target.stage, owner=owner, heading=_heading(target, v.lang), fields=fields,
        general=unplaced(fields, problems), file_hash=file_hash, closed=target.closed,
        note=target.sheet.note if target.sheet.status == "returned" else "",
        notice=notice, problem=problem, conflict=conflict, evidence=evidence,
        accept=",".join(f".{k}" for k in sorted(ALLOWED)),
        evidence_help=w["evidence_help"].format(kinds=", ".join(sorted(ALLOWED)), file_mb=mb(limits.max_file_bytes),
                                                proposal_mb=mb(limits.max_proposal_bytes)),
    )  # fmt: skip


def _size(n: int) -> str:
    """A file size as people read it: KB below a megabyte, MB with one decimal above."""
    return f"{-(-n // 1000)} KB" if n < 1_000_000 else f"{n / 1_000_000:.1f} MB"


def _heading(target: Target, lang: str) -> str:
    stage = target.stage
    title = stage.title.get(lang) or stage.title["en"]
    what = (
        target.team.unit
        if target.stage.granularity == "team"
        else f"{target.entity.code} {target.entity.title}"
    )
    return f"{stage.number}. {title} — {what}"


def _folder(v: Viewer, target: Target) -> str:
    return folder_of(v.ws, target.team.slug, target.entity.code)


@router.get("/lembar/{stage}/{owner}")
def worksheet_form(request: Request, stage: str, owner: str, v: AsTeam, pesan: str = "") -> HTMLResponse:
    """The worksheet's form, prefilled from its file; the file's current problems beside their fields."""
    w = worksheet_words(v.lang)
    with workspace_session(v.ws, writer=False) as (session, cohort):
        target = _target(v, session, cohort, stage, owner)
        opened = open_sheet(v.ws, target)
        problems: dict[str, list[str]] = {}
        if target.sheet.status == "invalid" and not target.closed:
            _, current = read_current(v.ws.root, target.sheet.path)
            if current is not None:
                problems = by_field(read_worksheet(target.run, target.entity, target.sheet, current)[0])
        notice = w["saved"] if pesan == "tersimpan" else ""
        if pesan in ("bukti", "bukti_keluar"):
            notice = w["uploaded" if pesan == "bukti" else "removed"]
        if target.closed:
            notice = w["closed"]
        return _render(request, v, target, opened.values, opened.hash, problems, notice=notice)


@router.post("/lembar/{stage}/{owner}", response_model=None)
def save_form(request: Request, stage: str, owner: str, v: AsTeam, form: Posted) -> Response:
    """Save the posted form into the worksheet file (see the module docstring for the answers). The lookups
    read the database; the save takes its own short write transaction (lab.workflow.answers_save)."""
    w = worksheet_words(v.lang)
    with workspace_session(v.ws, writer=False) as (session, cohort):
        target = _target(v, session, cohort, stage, owner)
        schema = target.stage.schema
        if target.closed:
            opened = open_sheet(v.ws, target)
            return _render(request, v, target, opened.values, opened.hash, {}, 409, w["closed"], True)
        expected = form.get(HASH_FIELD)
        try:
            answers = answers_from_form(schema, form.multi_items())
        except FormTooLarge as exc:
            opened = open_sheet(v.ws, target)
            return _render(request, v, target, opened.values, opened.hash, {GENERAL: [str(exc)]}, 413,
                           w["form_too_large"].format(reason=exc), True)  # fmt: skip
        result = save_worksheet(v.ws, target, answers, expected if isinstance(expected, str) else "",
                                actor(request, v))  # fmt: skip
        if result.status == "saved":
            return RedirectResponse(f"{_url(request, stage, owner)}?pesan=tersimpan", status_code=303)
        if result.status == "conflict":
            diff = changes(schema, result.current, answers, v.lang)
            return _render(
                request, v, target, answers, result.hash, {}, 409, w["conflict"], True, conflict=diff
            )
        if result.status == "invalid":
            return _render(
                request, v, target, answers, result.hash, result.problems, 422, w["saved_invalid"], True
            )
        return _render(
            request, v, target, answers, expected or "", result.problems, 422, w["not_saved"], True
        )


@router.post("/lembar/deliver/{code}/bukti", response_model=None)
async def upload_evidence(request: Request, code: str, v: AsTeam) -> Response:
    """Evidence files streamed into the proposal's evidence/ folder (the csrf field first, then the files)."""
    limits = v.ws.settings.evidence
    boundary = boundary_of(request.headers.get("content-type", ""))
    if boundary is None:
        raise HTTPException(415, "bad_request")
    bound = limits.max_proposal_bytes + UPLOAD_OVERHEAD
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > bound:
        raise HTTPException(413, "too_large")
    folder, target = await run_in_threadpool(_upload_folder, v, code)
    stream = EvidenceStream(
        boundary, lambda token: deps.csrf_ok(v, token), lambda: Upload(v.ws, folder, limits)
    )
    seen, refused = 0, ""
    try:
        async for chunk in deps.chunks(request):  # 408 after deps.IDLE seconds of silence
            seen += len(chunk)
            if seen > bound:
                raise TooLarge("upload", seen, bound)
            await run_in_threadpool(stream.feed, chunk)
        await run_in_threadpool(stream.close)
    except HTTPException:  # the body stalled: the part file in progress goes, nothing is kept
        stream.abort()
        raise
    except Forbidden:
        stream.abort()
        raise HTTPException(403, "csrf") from None
    except (LabError, ValueError) as exc:  # ValueError: a malformed multipart body
        stream.abort()
        if isinstance(exc, EvidenceRefused):
            refused = exc.text(v.lang)
        else:
            refused = str(exc) if isinstance(exc, LabError) else worksheet_words(v.lang)["unreadable"]
    if stream.stored:
        await run_in_threadpool(_log, request, v, "upload", folder, [s.name for s in stream.stored])
    if refused:
        return await run_in_threadpool(_refused_page, request, v, code, refused)
    url = _url(request, "deliver", target)
    return RedirectResponse(f"{url}?pesan=bukti" if stream.stored else url, status_code=303)


@router.post("/lembar/deliver/{code}/bukti/keluar", response_model=None)
def remove_evidence_file(request: Request, code: str, v: AsTeam, form: Posted) -> Response:
    """One listed evidence file taken out (kept in the hidden .dihapus/ folder), while deliver is open."""
    name = form.get("berkas")
    folder, owner = _upload_folder(v, code)  # 404: not the team's proposal, or deliver closed
    kept = remove_evidence(v.ws, folder, name) if isinstance(name, str) and len(name) <= 255 else None
    if kept is None:
        raise HTTPException(404, "not_found")
    _log(request, v, "remove-evidence", folder, [name], f"kept as {REMOVED}/{kept}")
    return RedirectResponse(f"{_url(request, 'deliver', owner)}?pesan=bukti_keluar", status_code=303)


def _log(request: Request, v: Viewer, action: str, folder: str, names: list[str], detail: str = "") -> None:
    """One activity row per file, in a short transaction of its own."""
    who = actor(request, v)
    with workspace_session(v.ws) as (session, cohort):
        for name in names:
            record(session, cohort, who, action, f"{folder}/{name}", detail)
    log.info("evidence %s in %s via web by %s: %s", action, folder, who.name, ", ".join(names))


def _upload_folder(v: Viewer, code: str) -> tuple[str, str]:
    with workspace_session(v.ws, writer=False) as (session, cohort):
        target = _target(v, session, cohort, "deliver", code)
        if target.closed:
            raise HTTPException(404, "not_found")  # evidence changes only while the deliver worksheet is open
        return _folder(v, target), target.entity.code


def _refused_page(request: Request, v: Viewer, code: str, reason: str) -> HTMLResponse:
    w = worksheet_words(v.lang)
    with workspace_session(v.ws, writer=False) as (session, cohort):
        target = _target(v, session, cohort, "deliver", code)
        opened = open_sheet(v.ws, target)
        return _render(request, v, target, opened.values, opened.hash, {}, 422,
                       w["upload_refused"].format(reason=reason), True)  # fmt: skip
