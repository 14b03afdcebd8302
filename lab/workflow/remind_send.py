"""Where reminders go (`lab remind`), through Apprise: one channel per cohort, from `[reminders] via`.

The sender's addresses and passwords are never in cohort.toml: they are in the environment variable
LAB_NOTIFY_URL, which is never printed or recorded (a reminder records only the kind of channel it went by).

- `via = "mailto"`: LAB_NOTIFY_URL is an SMTP server as an Apprise URL, e.g.
  `mailtos://user:pass@smtp.pemda.go.id:465?from=lab@pemda.go.id` (or `mailto://` with STARTTLS on 587).
  Each reminder goes to the team's members' e-mail addresses from the roster (each gets a copy addressed to
  them alone), as plain text.
- `via = "tags"`: LAB_NOTIFY_URL is the path of an Apprise configuration file (YAML) listing any Apprise URLs
  — a Telegram bot and a team's group (`tgram://TOKEN/CHAT_ID`), a WhatsApp gateway (`whatsapp://…`, or a
  gateway's `json://` webhook), e-mail — each tagged with the id of the team it reaches (`tag: dinkes`). A
  team's reminders go to the URLs tagged with its id, and only those: a personal link never reaches another
  team's chat.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from lab.domain.errors import UsageError
from lab.domain.text import visible

ENV = "LAB_NOTIFY_URL"
MAIL_SCHEMES = ("mailto", "mailtos")
EXAMPLE = "mailtos://user:password@smtp.example.go.id:465?from=lab@example.go.id"
# a plain address, nothing that could end a header or add another recipient
EMAIL = re.compile(r"[A-Za-z0-9._%+\-']{1,64}@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
MAX_RECIPIENTS = 50
MAX_REASON = 200
MAX_CONFIG_BYTES = 1_000_000


@contextmanager
def _apprise() -> Iterator[Any]:
    """Apprise, imported when a reminder is sent (never for `lab --help`). Its plugins load when first used and
    its e-mail plugin imports the deprecated imghdr module: that warning is not ours to act on."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'imghdr' is deprecated", DeprecationWarning)
        import apprise

        yield apprise


def addresses(emails: list[str]) -> tuple[str, ...]:
    """The plain, distinct e-mail addresses among a team's members' (case aside), in their order."""
    seen: dict[str, str] = {}
    for email in emails:
        email = (email or "").strip()
        if EMAIL.fullmatch(email) and email.casefold() not in seen:
            seen[email.casefold()] = email
    return tuple(seen.values())[:MAX_RECIPIENTS]


class Mail:
    """`via = "mailto"`: the SMTP server of LAB_NOTIFY_URL, to each member's e-mail address."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = urlsplit(url).scheme.lower() if url else "mailto"

    def recipients(self, team: str, emails: list[str]) -> tuple[str, ...]:
        """The team's members' addresses."""
        return addresses(emails)

    def missing(self) -> str:
        return "no member of the team has an e-mail address in roster.csv"

    def send(self, team: str, recipients: tuple[str, ...], subject: str, body: str) -> str | None:
        """Send one message; None when it went, else why not."""
        parts = urlsplit(self.url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in ("to", "cc", "bcc", "format")]
        query += [("to", ",".join(recipients)), ("format", "text")]
        target = urlunsplit(parts._replace(query=urlencode(query, safe="@,:/")))
        with _apprise() as apprise:
            notifier = apprise.Apprise()
            if not notifier.add(target):
                return f"{ENV} is not a URL Apprise can send through"
            return _notify(apprise, notifier, subject, body, None, self.url)


class Tagged:
    """`via = "tags"`: the URLs of an Apprise configuration file tagged with the team's id."""

    name = "tags"

    def __init__(self, path: str) -> None:
        self.path = path
        with _apprise() as apprise:
            config = apprise.AppriseConfig()
            loaded = config.add(path)
            self.notifier = apprise.Apprise()
            self.notifier.add(config)
            self.size = len(self.notifier) if loaded else 0

    def recipients(self, team: str, emails: list[str]) -> tuple[str, ...]:
        """The kinds of the URLs tagged with the team's id (tgram, json, mailto, …), one per URL."""
        with _apprise():
            return tuple(urlsplit(s.url(privacy=True)).scheme for s in self._tagged(team))

    def _tagged(self, team: str) -> list:
        """The URLs tagged with exactly the team's id: Apprise's own matching would take a team whose id is
        "all" for every URL of the file, and never a URL tagged "always"."""
        return [s for s in self.notifier.find(tag=team, match_always=False) if team in s.tags]

    def missing(self) -> str:
        return f"no URL of the {ENV} file is tagged with the team's id"

    def send(self, team: str, recipients: tuple[str, ...], subject: str, body: str) -> str | None:
        with _apprise() as apprise:
            only = apprise.Apprise()
            for server in self._tagged(team):
                only.add(server)
            return _notify(apprise, only, subject, body, None, "")


def channel_for(via: str, dry_run: bool = False) -> Mail | Tagged:
    """The cohort's channel from LAB_NOTIFY_URL, checked; a UsageError says what to set. A dry run by e-mail
    needs no server (nothing is sent); by tags it reads the file, to know who would get what."""
    url = os.environ.get(ENV, "").strip()
    if via == "tags":
        return _tagged(url)
    if not url:
        if dry_run:
            return Mail("")
        raise UsageError(f"set {ENV} to the Apprise URL reminders go through, e.g. {EXAMPLE}")
    scheme = urlsplit(url).scheme.lower()
    if scheme not in MAIL_SCHEMES:
        raise UsageError(
            f'{ENV} must be a mailto:// or mailtos:// URL for [reminders] via = "mailto", not {scheme or "?"}://'
        )
    with _apprise() as apprise:
        if apprise.Apprise.instantiate(url) is None:
            raise UsageError(f"{ENV} is not a URL Apprise can send through; e.g. {EXAMPLE}")
    return Mail(url)


def _tagged(path: str) -> Tagged:
    what = f'for [reminders] via = "tags", {ENV} must be the path of an Apprise configuration file'
    if not path:
        raise UsageError(f"{what} (YAML, each URL tagged with a team's id)")
    file = Path(path)
    try:
        if not file.is_file() or file.stat().st_size > MAX_CONFIG_BYTES:
            raise UsageError(
                f"{what}; {visible(path)} is not a file of at most {MAX_CONFIG_BYTES // 1000} KB"
            )
    except OSError:
        raise UsageError(f"{what}; {visible(path)} cannot be read") from None
    channel = Tagged(str(file.absolute()))
    if channel.size == 0:
        raise UsageError(f"{what}; {visible(path)} lists no URL Apprise can send through")
    return channel


def _notify(apprise: Any, notifier: Any, subject: str, body: str, tag: str | None, url: str) -> str | None:
    only = {} if tag is None else {"tag": tag, "match_always": False}
    with apprise.LogCapture(level=apprise.logging.WARNING) as log:
        ok = notifier.notify(title=subject, body=body, body_format=apprise.NotifyFormat.TEXT, **only)
    if ok:
        return None
    lines = [line.split(" - ", 2)[-1] for line in log.getvalue().splitlines() if line.strip()]
    return _scrub(lines[-1] if lines else "Apprise could not send it", url)


def _scrub(reason: str, url: str) -> str:
    """A failure's reason without the URL or its password (one of a few letters would only garble words)."""
    password = urlsplit(url).password or ""
    for secret in (url, password, unquote(password)):
        if len(secret) >= 4:
            reason = reason.replace(secret, "***")
    reason = visible(" ".join(reason.split()))
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"
