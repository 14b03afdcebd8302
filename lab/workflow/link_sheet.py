"""The sheet of personal links (`lab links PATH --csv FILE`), ready for a mail merge or a WhatsApp message.

One row per link: role, id, name, url, expires, and a message to send in the cohort's language. UTF-8 with a
BOM (Excel then reads the names right), every text cell neutralised against formulas (lab.storage.tables),
written atomically, private to its owner (mode 0600: it opens everyone's lab), and never inside the workspace
(whose folders are shared and saved in backups) nor over a device, a folder or through a link.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from lab.domain.errors import UsageError
from lab.storage.files import output_file
from lab.storage.tables import neutral_row
from lab.workflow.links import IssuedLink
from lab.workspace.settings import Workspace

COLUMNS = ("role", "id", "name", "url", "expires", "message")
MESSAGES = {
    "id": "Yth. {name}, berikut tautan pribadi Anda ke {lab}: {url} (berlaku sampai {expires}). "
    "Jangan bagikan tautan ini kepada orang lain.",
    "en": "Dear {name}, here is your personal link to {lab}: {url} (valid until {expires}). "
    "Please do not share it.",
}


def message(ws: Workspace, link: IssuedLink) -> str:
    """The text to send with a link, in the cohort's language."""
    settings = ws.settings
    lab = settings.title or settings.cohort_id
    return MESSAGES[settings.lang].format(name=link.name, lab=lab, url=link.url, expires=link.expires)


def write_csv(ws: Workspace, links: list[IssuedLink], target: Path) -> Path:
    """Write the links' sheet to `target` (outside the workspace); returns its absolute path."""
    path = output_file(target, UsageError)
    root = Path(os.path.realpath(ws.root))
    if path.is_relative_to(ws.root) or Path(os.path.realpath(path.parent)).is_relative_to(root):
        raise UsageError("write the links sheet outside the workspace: it opens everyone's lab, and the "
                         "workspace's folders are shared and backed up")  # fmt: skip
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")  # 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")  # BOM so that Excel reads UTF-8
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(COLUMNS)
            for link in links:
                writer.writerow(
                    neutral_row([link.role, link.id, link.name, link.url, link.expires, message(ws, link)])
                )
            text.flush()
            os.fsync(fh.fileno())
            text.detach()
        os.replace(tmp, path)  # replaces whatever entry is there (a link too), never writes through it
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
