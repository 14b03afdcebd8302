"""What every page asks for: the signed-in person (`viewer` and the role checks), a bounded form with its CSRF
token checked (`posted`), the cohort's database (`database`) and a rendered page (`page`).

The shared interface of lab.web: the worksheet pages code against exactly these names.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.datastructures import FormData
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlmodel import Session

from lab.domain.models import Cohort
from lab.web.words import words
from lab.worksheets.render import templates_dir
from lab.workspace.cohort import database_session, workspace_session
from lab.workspace.settings import SETTINGS_FILE, Workspace, open_workspace

if TYPE_CHECKING:
    from lab.workflow.links import Principal

COOKIE = "lab_session"
MAX_SID = 200  # characters of a session cookie worth looking up
MAX_FIELDS = 2_000
MAX_PART = 1_000_000  # bytes of one field
MAX_FORM = 6_000_000  # bytes of a whole form: a 2 MB worksheet, url-encoded
IDLE = 30.0  # seconds a request body may stall between two chunks


@dataclass(frozen=True)
class Viewer:
    """The signed-in person and the cohort they are in."""

    ws: Workspace
    principal: Principal
    csrf: str  # every form carries it as <input type=hidden name=csrf>
    lang: str  # "id" or "en"


class Served:
    """The cohort workspace an app serves, its settings read again whenever `cohort.toml` changes (a
    coordinator added by the facilitator can sign in without restarting `lab serve`)."""

    def __init__(self, root: Path):
        self.root = root
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._ws: Workspace | None = None

    def current(self) -> Workspace:
        """The workspace with its current settings (a WorkspaceError if they are broken now)."""
        try:
            st = os.lstat(self.root / SETTINGS_FILE)
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        with self._lock:
            if self._ws is None or stamp is None or stamp != self._stamp:
                self._ws, self._stamp = open_workspace(self.root), stamp
            return self._ws


def workspace(request: Request) -> Workspace:
    """The cohort workspace this app serves, with its settings as they are now."""
    return request.app.state.served.current()


def same_site(request: Request, ws: Workspace) -> bool:
    """Whether a request that changes something comes from the lab's own pages: a browser's Sec-Fetch-Site, if
    sent, says same-origin (or typed by the person), and its Origin, if sent, is this server's address or the
    cohort's base_url (behind a proxy that ends TLS). A form another site posts is refused before its CSRF
    token is even looked at; clients that send neither header (or Origin "null") still need the token."""
    fetch = request.headers.get("sec-fetch-site")
    if fetch is not None and fetch.lower() not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if (
        origin is None or origin.strip() == "null"
    ):  # our Referrer-Policy (no-referrer) makes browsers send "null"
        return True
    own = {f"{request.url.scheme}://{request.headers.get('host', '')}"}
    base = urlsplit(ws.settings.web.base_url)
    own.add(f"{base.scheme}://{base.netloc}")
    return origin.strip().lower() in {o.lower() for o in own}


def viewer(request: Request) -> Viewer:
    """The signed-in person, or the 'open your personal link' page (401) without a valid session; a form
    posted from another site gets the 'form expired' page (403) whoever sends it."""
    from lab.workflow.links import signed_in

    ws = workspace(request)
    if request.method not in ("GET", "HEAD") and not same_site(request, ws):
        raise HTTPException(403, "csrf")
    sid = request.cookies.get(COOKIE, "")
    if sid and len(sid) <= MAX_SID and sid.isascii():
        with database_session(ws, writer=False) as session:
            found = signed_in(ws, session, sid)
        if found is not None:
            who, csrf, _ = found
            return Viewer(ws, who, csrf, ws.settings.lang)
    raise HTTPException(401, "sign_in")


def _role(v: Viewer, role: str) -> Viewer:
    if v.principal.role != role:
        raise HTTPException(404, "not_found")  # the same page as an unknown address: nothing to learn
    return v


# the role checks are async: they only compare a string, so they run on the event loop instead of taking a
# turn in the thread pool of their own


async def team(v: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    """A team's session, else 404."""
    return _role(v, "team")


async def facilitator(v: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    """A facilitator's session, else 404."""
    return _role(v, "facilitator")


async def coordinator(v: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    """A coordinator's session, else 404."""
    return _role(v, "coordinator")


def csrf_ok(v: Viewer, token: str) -> bool:
    """Whether a posted token is the session's CSRF token (compared in constant time)."""
    return isinstance(token, str) and hmac.compare_digest(token.encode(), v.csrf.encode())


async def chunks(request: Request, idle: float | None = None) -> AsyncIterator[bytes]:
    """The request body as it arrives; a client that sends nothing for `idle` seconds (IDLE) gets the 408
    page: a body dripped byte by byte, or never finished, does not hold the server's attention for ever."""
    stream = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(anext(stream), IDLE if idle is None else idle)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise HTTPException(408, "too_slow") from None
        yield chunk


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) as soon as it passes `limit` bytes, or (408) when it stalls."""
    parts, seen = [], 0
    async for chunk in chunks(request):
        seen += len(chunk)
        if seen > limit:
            raise HTTPException(413, "too_large")
        parts.append(chunk)
    return b"".join(parts)


async def posted(request: Request, v: Annotated[Viewer, Depends(viewer)]) -> FormData:
    """A url-encoded form, parsed within bounds, whose CSRF token matches the session's (else a 403 page)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(415, "bad_request")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_FORM:
        raise HTTPException(413, "too_large")
    body = await _body(request, MAX_FORM)
    try:
        pairs = parse_qsl(
            body.decode("ascii"), keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict"
        )
    except (UnicodeDecodeError, ValueError):  # not url-encoded, bad UTF-8 in an escape, too many fields
        raise HTTPException(400, "bad_request") from None
    if any(len(name) > MAX_PART or len(value) > MAX_PART for name, value in pairs):
        raise HTTPException(413, "too_large")
    form = FormData(pairs)
    token = form.get("csrf")
    if not isinstance(token, str) or not csrf_ok(v, token):
        raise HTTPException(403, "csrf")
    return form


# route parameters: `v: AsFacilitator` is the signed-in facilitator (else 404), `form: Posted` the checked form
SignedIn = Annotated[Viewer, Depends(viewer)]
AsTeam = Annotated[Viewer, Depends(team)]
AsFacilitator = Annotated[Viewer, Depends(facilitator)]
AsCoordinator = Annotated[Viewer, Depends(coordinator)]
Posted = Annotated[FormData, Depends(posted)]


@contextmanager
def database(v: Viewer) -> Iterator[tuple[Session, Cohort]]:
    """A writing transaction on the cohort's database: (session, cohort). On SQLite writers take turns, so a
    page that only reads uses `reading`."""
    with workspace_session(v.ws) as pair:
        yield pair


@contextmanager
def reading(v: Viewer) -> Iterator[tuple[Session, Cohort]]:
    """A reading transaction: never waits for a writer (a save, a decision, a run) and none waits for it."""
    with workspace_session(v.ws, writer=False) as pair:
        yield pair


_OVERRIDES = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def plain_direction(value: Any) -> Any:
    """Text without bidirectional embeddings, overrides and isolates: team text cannot make a file name or a
    unit read backwards on a page ("gpj.exe" shown as "exe.jpg")."""
    if not isinstance(value, str) or value.isascii():  # most of a page: nothing to take out, nothing copied
        return value
    if isinstance(value, Markup):
        return Markup(str.translate(value, _OVERRIDES))
    return value.translate(_OVERRIDES)


@cache
def environment() -> Environment:
    """The pages' Jinja environment: autoescaped, strict about missing names, every value printed without
    direction overrides."""
    return Environment(
        loader=FileSystemLoader(str(templates_dir() / "web")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=plain_direction,
        auto_reload=False,  # the pages' templates ship with the code: no stat of each file on every page
    )


def base_path(request: Request) -> str:
    """The mount prefix of this cohort ('' when one cohort is served at the root)."""
    return request.scope.get("root_path", "").rstrip("/")


def page(
    request: Request, v: Viewer | None, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """templates/web/<template> inside the base layout, in the viewer's language (the cohort's without one)."""
    lang = v.lang if v else _lang(request)
    ws = _served(request)
    html = (
        environment()
        .get_template(template)
        .render(v=v, t=words(lang), base=base_path(request), title=_cohort_title(ws), **context)
    )
    return HTMLResponse(html, status_code=status_code)


def _served(request: Request) -> Workspace | None:
    """The served workspace for the layout, or None (the folder's own pages, or a broken cohort.toml: the
    error page must still show)."""
    try:
        return workspace(request) if hasattr(request.app.state, "served") else None
    except Exception:
        return None


def _lang(request: Request) -> str:
    ws = _served(request)
    return ws.settings.lang if ws else "id"


def _cohort_title(ws: Workspace | None) -> str:
    s = ws.settings if ws else None
    return (s.title or f"{s.region} {s.year}") if s else ""
