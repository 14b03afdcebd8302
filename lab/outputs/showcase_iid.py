"""The assessment figures on the showcase: the cohort's "1 OPD 1 Inovasi" coverage on the public index, and
each live innovation's IID pre-check (an estimate) on the internal scoreboard for coordinators and
facilitators. Drawn by templates/showcase/_iid.html.j2."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import Session

from lab.domain.errors import LabError
from lab.domain.models import Cohort
from lab.outputs.coverage import summary
from lab.outputs.iid import precheck
from lab.workspace.settings import Workspace


def readiness(ws: Workspace, session: Session, cohort: Cohort) -> dict[str, Any]:
    """Coverage and pre-check as the showcase shows them. A cohort indicator table that cannot be read leaves
    the pre-check out with its reason (`lab iid` says the same) and never stops the site. `stamp` hashes what
    is shown, so the site is rebuilt when it changes (an evidence file removed, another year chosen)."""
    out: dict[str, Any] = {"coverage": summary(ws, session, cohort), "iid": None, "problem": None}
    try:
        out["iid"] = precheck(ws, session, cohort)
    except LabError as exc:
        out["problem"] = str(exc)
    shown = json.dumps(out, sort_keys=True, default=str).encode()
    out["stamp"] = "+" + hashlib.sha256(shown).hexdigest()[:16]
    return out
