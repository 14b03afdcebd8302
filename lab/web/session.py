"""Signing in and out: a personal link (/l/{token}) is exchanged for a session cookie, so the token leaves the
address bar; POST /keluar ends the session.

Refused redemptions are rate-limited per client address: after LIMIT refusals within WINDOW seconds that
address gets the 429 page until the window moves on. A room of teams behind one NAT opening good links is never
slowed; guessing tokens is.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lab.domain.errors import LinkRefused
from lab.web.deps import COOKIE, Posted, SignedIn, Viewer, base_path, page, workspace
from lab.web.words import words
from lab.workflow import activity
from lab.workspace.cohort import workspace_session

LIMIT = 10  # refused links per address and window
WINDOW = 60.0  # seconds
MAX_TOKEN = 200
MAX_ADDRESSES = 10_000  # addresses remembered; the oldest are forgotten first

router = APIRouter()


class Limiter:
    """Refused redemptions per client address in a sliding window, in memory."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW):
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, ip: str, now: float) -> deque[float]:
        times = self._seen.setdefault(ip, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, ip: str) -> bool:
        """Whether this address has used up its refusals of the window."""
        with self._lock:
            return len(self._recent(ip, time.monotonic())) >= self.limit

    def refused(self, ip: str) -> None:
        """Count one refused redemption."""
        with self._lock:
            if len(self._seen) >= MAX_ADDRESSES and ip not in self._seen:
                self._seen.pop(next(iter(self._seen)))
            self._recent(ip, time.monotonic()).append(time.monotonic())


def _client(request: Request) -> str:
    """The address refusals are counted for (see `_peer`), an IPv6 one by its /64 network, which one machine
    can move around in at will."""
    return client_key(_peer(request))


def _peer(request: Request) -> str:
    """The client's address: the connection's own. Behind a proxy that ends TLS on this machine (a loopback
    peer, and the cohort's base_url is https) it is the last X-Forwarded-For entry, the address that proxy saw
    (nginx's $proxy_add_x_forwarded_for appends it); whatever a client wrote before it counts for nothing, so
    a guesser cannot be a new client at every try, and one guesser does not lock out everyone behind the proxy."""
    host = request.client.host if request.client else "unknown"
    if not _loopback(host) or not workspace(request).settings.web.base_url.startswith("https://"):
        return host
    forwarded = request.headers.get("x-forwarded-for", "")
    last = forwarded.rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return host


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def client_key(host: str) -> str:
    """An IPv4 address as it is, an IPv6 address as its /64 network (an IPv4-mapped one as IPv4)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def actor(request: Request, v: Viewer) -> activity.Actor:
    """The signed-in person and their address, for the activity log."""
    return activity.Actor(v.principal.name, v.principal.role, _peer(request))


@router.get("/l/{token}")
def redeem(token: str, request: Request) -> Response:
    """Open a personal link: a session cookie, then the home page without the token in the address."""
    from lab.workflow import links

    ws, ip, limiter = workspace(request), _client(request), request.app.state.limiter
    t = words(ws.settings.lang)
    if limiter.blocked(ip):
        return page(request, None, "message.html.j2", 429, message=t["too_many"], problem=True)
    try:
        if len(token) > MAX_TOKEN or not token.isascii():
            raise LinkRefused()
        with workspace_session(ws) as (session, cohort):
            who, sid, _ = links.redeem(ws, session, cohort, token, _peer(request))
            activity.record(session, cohort, activity.Actor(who.name, who.role, _peer(request)), "sign-in")
            # a session this browser already held ends: one planted in it (fixation) dies with the new one
            links.end_session(ws, session, cohort, request.cookies.get(COOKIE, "")[:MAX_TOKEN])
    except LinkRefused:
        limiter.refused(ip)
        return page(request, None, "message.html.j2", 403, message=t["refused"], problem=True)
    base = base_path(request)
    response = RedirectResponse(f"{base}/", status_code=303)
    response.set_cookie(
        COOKIE,
        sid,
        httponly=True,
        samesite="lax",
        # https here, or behind a proxy that ends TLS for a cohort whose links are https
        secure=request.url.scheme == "https" or ws.settings.web.base_url.startswith("https://"),
        path=f"{base}/" if base else "/",
    )
    return response


@router.post("/keluar")
def sign_out(request: Request, v: SignedIn, form: Posted) -> HTMLResponse:
    """End the session and forget the cookie."""
    from lab.workflow import links

    sid = request.cookies.get(COOKIE, "")
    with workspace_session(v.ws) as (session, cohort):
        links.end_session(v.ws, session, cohort, sid)
    response = page(request, None, "message.html.j2", message=words(v.lang)["signed_out"], problem=False)
    base = base_path(request)
    response.delete_cookie(COOKIE, path=f"{base}/" if base else "/", httponly=True, samesite="lax")
    return response
