"""The web application: one cohort workspace, or every workspace under a folder mounted at /<folder>/.

Safe by construction, in one place (`Guard`): every response carries the security headers below, pages are
never cached, and an unexpected error becomes a plain 500 page (its traceback goes to stderr, never to the
browser). The error tree is mapped to HTTP codes once (lab.web.errors), as the CLI maps it to exit codes.
"""

from __future__ import annotations

import re
import sys
import traceback
from functools import cache
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response

from lab.domain.errors import LabError, WorkspaceError
from lab.domain.text import visible
from lab.web import deps
from lab.web.errors import status_of
from lab.web.words import words
from lab.worksheets.render import templates_dir
from lab.workspace.settings import SETTINGS_FILE

HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
HTTP_ERRORS = (400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429)
FOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # a cohort folder that can be a URL prefix
PLAIN_500 = (
    b"<!doctype html><html><head><meta charset=utf-8><title>500</title></head><body>"
    b"<p>Terjadi kesalahan di server. / Something went wrong on the server.</p></body></html>"
)


class Guard:
    """ASGI middleware: the security headers on every response, and no traceback ever reaches a browser."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def guarded(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                ours = {k.encode() for k in HEADERS}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in ours]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, guarded)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            if not started:
                await Response(PLAIN_500, 500, media_type="text/html")(scope, receive, guarded)


def create_app(path: str | Path) -> FastAPI:
    """The app for one cohort workspace, or for every cohort workspace in PATH's subfolders."""
    root = Path(path).absolute()
    if (root / SETTINGS_FILE).exists():
        return cohort_app(root)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / SETTINGS_FILE).is_file())
    usable = [p for p in folders if FOLDER.fullmatch(p.name)]
    if not usable:
        raise WorkspaceError(
            f"{root} holds no cohort workspace ({SETTINGS_FILE} in it or in a subfolder); run `lab init` first"
        )
    app = _bare()
    app.state.cohorts = [p.name for p in usable]
    for folder in usable:
        app.mount(f"/{folder.name}", cohort_app(folder))
    return app


def _bare() -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(Guard)
    for code in HTTP_ERRORS:  # by code: routing's own 404 and 405 are caught as well as ours
        app.add_exception_handler(code, _http_error)
    app.add_exception_handler(RequestValidationError, _bad_request)
    app.add_exception_handler(LabError, _lab_error)
    return app


def cohort_app(folder: Path) -> FastAPI:
    """The pages of one cohort."""
    from lab.web import coordinator, facilitator, home, runs, session, worksheet_pages

    app = _bare()
    app.state.served = deps.Served(folder)
    ws = app.state.served.current()  # a broken cohort.toml stops `lab serve` at once, with its message
    app.state.limiter = session.Limiter()
    app.state.runs = runs.Runs(ws)
    app.add_api_route("/static/{name}", _static, methods=["GET"])
    app.add_api_route("/favicon.ico", _icon, methods=["GET"])
    for module in (session, home, facilitator, coordinator, worksheet_pages):
        app.include_router(module.router)
    return app


STATIC = {
    "app.css": "text/css",
    "worksheet.css": "text/css",
    "icon.svg": "image/svg+xml",
}  # the files under templates/web/static served


@cache
def _file(name: str) -> bytes:
    return (templates_dir() / "web" / "static" / name).read_bytes()


def _static(name: str) -> Response:
    if name not in STATIC:
        raise HTTPException(404, "not_found")
    return Response(_file(name), media_type=STATIC[name], headers={"cache-control": "public, max-age=3600"})


def _icon() -> Response:
    return _static("icon.svg")


def _message(request: Request, status: int, message: str) -> HTMLResponse:
    return deps.page(request, None, "message.html.j2", status, message=message, problem=status >= 400)


async def _http_error(request: Request, exc: HTTPException) -> HTMLResponse:
    t = words(deps._lang(request))
    key = exc.detail if isinstance(exc.detail, str) and exc.detail in t else None
    default = {
        401: "sign_in",
        403: "csrf",
        404: "not_found",
        408: "too_slow",
        413: "too_large",
        429: "too_many",
    }
    return _message(request, exc.status_code, t[key or default.get(exc.status_code, "bad_request")])


async def _bad_request(request: Request, exc: RequestValidationError) -> HTMLResponse:
    return _message(request, 400, words(deps._lang(request))["bad_request"])


async def _lab_error(request: Request, exc: LabError) -> HTMLResponse:
    status = status_of(exc)
    if status >= 500:  # a broken workspace is the operator's to fix: its message (with paths) goes to stderr
        print(f"lab serve: error: {visible(str(exc))}", file=sys.stderr)
        return _message(request, status, words(deps._lang(request))["server_error"])
    return _message(request, status, str(exc))
