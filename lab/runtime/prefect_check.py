"""Checking a configured Prefect server (`PREFECT_API_URL`) before the flow starts, and the words for it.

The whole check takes a few seconds at most (CHECK_TIMEOUT, name resolution included). Refused, unknown
host, timed out, an HTTP error, credentials refused, or an answer that is not Prefect's (or another major
version's) all raise `PrefectUnavailable` naming the URL, without any password in it, and what to do.
`shown()` and `clean()` make the one-line messages of the other Prefect modules the same way.
"""

from __future__ import annotations

import json
import threading
from urllib.parse import urlsplit, urlunsplit

from lab.domain.errors import PrefectUnavailable

CHECK_TIMEOUT = 5.0  # seconds for the whole check of a configured PREFECT_API_URL
ANSWER_LIMIT = 65536  # bytes of the check's answer read at most

UNSET = "or unset PREFECT_API_URL to use a temporary local server"
ENDS_IN_API = "check PREFECT_API_URL (a Prefect server's API URL ends in /api)"


def check_api(url: str, timeout: float | None = None) -> None:
    """PrefectUnavailable unless `url` answers as a Prefect API within `timeout` seconds (CHECK_TIMEOUT)."""
    import contextvars

    timeout = CHECK_TIMEOUT if timeout is None else timeout

    result: list[BaseException | None] = []
    context = contextvars.copy_context()  # Prefect's settings live in context variables
    worker = threading.Thread(target=lambda: result.append(context.run(_probe, url, timeout)), daemon=True,
                              name="lab-prefect-check")  # fmt: skip
    worker.start()
    worker.join(timeout + 1)  # httpx bounds each read, not name resolution or a trickle: this bounds all
    if not result:
        raise PrefectUnavailable(
            f"cannot reach the Prefect server at {shown(url)} (no answer within {timeout:g} s); "
            f"start it or correct PREFECT_API_URL, {UNSET}"
        )
    if result[0] is not None:
        raise result[0]


def _probe(url: str, timeout: float) -> BaseException | None:
    try:
        _probe_or_raise(url, timeout)
    except PrefectUnavailable as exc:
        return exc
    except Exception as exc:  # anything else the HTTP stack raises on a hostile answer
        return PrefectUnavailable(
            f"cannot reach the Prefect server at {shown(url)} ({failure_reason(exc, timeout)}); "
            f"start it or correct PREFECT_API_URL, {UNSET}"
        )
    return None


def _probe_or_raise(url: str, timeout: float) -> None:
    import httpx
    from prefect.settings import PREFECT_CLOUD_API_URL, get_current_settings

    where = shown(url)
    try:
        if not url.isprintable() or any(c.isspace() for c in url):
            raise ValueError("a space or control character")
        parts = urlsplit(url)
        valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a bad port or IPv6 address
        valid = False
    if not valid:
        raise PrefectUnavailable(
            f"PREFECT_API_URL {where} is not a valid http:// or https:// URL; correct it, {UNSET}"
        )
    api = get_current_settings().api
    headers = {"Accept-Encoding": "identity"}  # the answer is read raw, never inflated
    if api.auth_string:
        import base64

        headers["Authorization"] = (
            "Basic " + base64.b64encode(api.auth_string.get_secret_value().encode()).decode()
        )
    elif api.key:
        headers["Authorization"] = f"Bearer {api.key.get_secret_value()}"
    verify: object = True  # as Prefect's client: skip, or the CA file it names
    if parts.scheme.lower() == "https":
        import ssl

        try:
            verify = ssl.create_default_context(cafile=api.ssl_cert_file or None)
        except (OSError, ssl.SSLError) as exc:
            raise PrefectUnavailable(
                f"PREFECT_API_SSL_CERT_FILE {clean(str(api.ssl_cert_file), 200)} cannot be read as CA "
                f"certificates ({clean(getattr(exc, 'strerror', None) or str(exc), 80)}); correct it"
            ) from None
        if api.tls_insecure_skip_verify:
            verify.check_hostname = False
            verify.verify_mode = ssl.CERT_NONE
    cloud = url.startswith(PREFECT_CLOUD_API_URL.value() or "\0")
    path = "/health" if cloud else "/admin/version"  # what Prefect's own client checks first
    with httpx.Client(timeout=timeout, headers=headers, verify=verify, follow_redirects=True) as client:
        try:
            with client.stream("GET", url.rstrip("/") + path) as response:
                status, body = response.status_code, b""
                for chunk in response.iter_raw():  # a version is a few bytes; read no more than that
                    body += chunk
                    if len(body) > ANSWER_LIMIT:
                        break
        except httpx.TransportError as exc:
            raise PrefectUnavailable(
                f"cannot reach the Prefect server at {where} ({failure_reason(exc, timeout)}); "
                f"start it or correct PREFECT_API_URL, {UNSET}"
            ) from None
    if status in (401, 403):
        raise PrefectUnavailable(
            f"the Prefect server at {where} refused the credentials (HTTP {status}); "
            "check PREFECT_API_KEY or PREFECT_API_AUTH_STRING"
        )
    if status >= 400:
        raise PrefectUnavailable(
            f"the Prefect server at {where} answered HTTP {status} to {path}; {ENDS_IN_API}, {UNSET}"
        )
    if cloud:
        return
    version = _json(response.headers.get("content-type", ""), body)
    if not isinstance(version, str) or not version[:1].isdigit():
        raise PrefectUnavailable(
            f"{where} does not answer like a Prefect server ({path} gave no version); {ENDS_IN_API}, {UNSET}"
        )
    from prefect import __version__ as ours

    if version.split(".")[0] != ours.split(".")[0]:  # what Prefect's client itself refuses
        raise PrefectUnavailable(
            f"the Prefect server at {where} runs Prefect {clean(version, 20)}, this lab needs Prefect "
            f"{ours.split('.')[0]}.x; point PREFECT_API_URL at a Prefect {ours.split('.')[0]} server, {UNSET}"
        )


def _json(content_type: str, body: bytes) -> object:
    if "json" not in content_type.lower() or len(body) > ANSWER_LIMIT:
        return None
    try:
        return json.loads(body)
    except ValueError:  # not JSON, or not UTF-8
        return None


def failure_reason(exc: BaseException, timeout: float | None = None) -> str:
    """A few plain words for why a connection failed."""
    import httpx

    text = str(exc).lower()
    if isinstance(exc, httpx.TimeoutException) or "timed out" in text:
        return f"no answer within {timeout:g} s" if timeout else "no answer in time"
    if "refused" in text:
        return "connection refused"
    if any(
        k in text for k in ("name or service", "nodename", "name resolution", "getaddrinfo", "no address")
    ):
        return "unknown host"
    if "certificate" in text:
        return "its TLS certificate is not trusted; PREFECT_API_SSL_CERT_FILE can name the CA that signed it"
    if "ssl" in text or "tls" in text:
        return "the TLS handshake failed"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "no HTTP answer"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    return clean(str(exc), 120) or type(exc).__name__


def shown(url: str) -> str:
    """The URL as messages show it: control characters escaped, no user name or password, bounded."""
    url = clean(url, 400)
    try:
        parts = urlsplit(url)
        url = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    except ValueError:
        pass
    return clean(url, 200)


def clean(text: str, limit: int) -> str:
    """One bounded line: control and other unprintable characters escaped as \\xNN."""
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"
