"""The workspace's secret for personal links (`.lab-web-secret`) and the tokens derived from it.

The secret is 32 random bytes, written as hex on first use with mode 0600 and never replaced; it is read like
every workspace file (lab.storage.safefs: no link, no special file, no hard link) and refused when others may
read it. `lab backup` leaves it out (it saves cohort.toml, roster.csv, teams/ and reviews/ only), so an
archive or a restored copy opens no one's lab. Deleting it ends every link: the next `lab links` issues new
ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time

from lab.domain.errors import WorkspaceError
from lab.storage import safefs
from lab.workspace.settings import Workspace

SECRET_FILE = ".lab-web-secret"
_SIZE = 32
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def token_for(secret: bytes, link_id: int, generation: int) -> str:
    """A link's token: base64url of HMAC-SHA256(secret, "<id>:<generation>") without padding, 43 characters."""
    mac = hmac.new(secret, f"{link_id}:{generation}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def workspace_secret(ws: Workspace) -> bytes:
    """The workspace's secret, made on first use."""
    for _ in range(100):
        try:
            fd = safefs.open_file(ws.root, SECRET_FILE)
        except FileNotFoundError:
            _create(ws)
            continue
        try:
            st = os.fstat(fd)
            data = os.read(fd, 4 * _SIZE)
        finally:
            os.close(fd)
        if st.st_mode & 0o077:
            raise WorkspaceError(
                f"{ws.root / SECRET_FILE} may be read by others (mode {st.st_mode & 0o777:o}); "
                f"make it private (chmod 600) and run `lab links rotate {ws.root}`, since its links may be known"
            )
        if not data and time.time() - st.st_mtime < 2:  # another process is writing it now
            time.sleep(0.02)
            continue
        try:
            secret = bytes.fromhex(data.decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            secret = b""
        if len(secret) != _SIZE:
            raise WorkspaceError(
                f"{ws.root / SECRET_FILE} is damaged; delete it and run `lab links {ws.root}` (every link is "
                "issued anew)"
            )
        return secret
    raise WorkspaceError(f"{ws.root / SECRET_FILE} is being written by another process; try again")


def _create(ws: Workspace) -> None:
    """Write a new secret where none is; if another process made one meanwhile, that one stays."""
    folder = safefs.open_dir(ws.root, ".")
    try:
        fd = os.open(SECRET_FILE, _CREATE, 0o600, dir_fd=folder)
    except FileExistsError:
        return  # made meanwhile, or a link: the read says which
    finally:
        os.close(folder)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(secrets.token_bytes(_SIZE).hex().encode("ascii") + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
