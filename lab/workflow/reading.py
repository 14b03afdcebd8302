"""Reading one worksheet file as a run does: its front matter checked against where the file is (and rebuilt
when lost), its answers parsed and validated, the stage's own checks, every problem in the cohort's language;
and the fixes file kept beside it (lab.worksheets.fixes). Used by the store's ingest and by the web's forms.
"""

from __future__ import annotations

import os
from typing import Any

from lab.domain.errors import UnsafePath
from lab.domain.models import Proposal, Team, Worksheet
from lab.storage.files import write_atomic
from lab.workflow.context import Run
from lab.worksheets.fixes import remove_fixes, write_fixes
from lab.worksheets.frontmatter import rebuild
from lab.worksheets.markdown import Parsed, decode, locate, parse_text, validate
from lab.worksheets.messages import Said, field_path, say, where
from lab.worksheets.render import digest


def front_matter(run: Run, entity: Team | Proposal) -> dict[str, Any]:
    s = run.settings
    team = entity if isinstance(entity, Team) else run.teams[entity.team_id]
    meta: dict[str, Any] = {"cohort": s.cohort_id, "stage": run.stage.slug, "team": team.slug}
    if isinstance(entity, Proposal):
        meta["proposal"] = entity.code
    meta |= {"schema": run.stage.version, "lang": s.lang}
    return meta


def read_worksheet(run: Run, entity: Team | Proposal, sheet: Worksheet, data: bytes) -> tuple[Parsed, Any]:
    """Parse, check the front matter against where the file is, validate, and run the stage's own checks;
    problems are said in the cohort's language. A front matter deleted or damaged is rebuilt from the file's
    place (its record says whose worksheet it is) when nothing left of it says otherwise: `parsed.rebuilt`
    holds the repaired file and `parsed.notes` says so."""
    lang, schema = run.settings.lang, run.stage.schema
    parsed = Parsed(lang=lang)
    text = decode(data, parsed)
    if text is None:
        return parsed, None
    parsed = parse_text(text, schema, lang)
    expected = front_matter(run, entity)
    if parsed.front != "read" or parsed.problems and not parsed.meta or len(parsed.meta) < len(expected):
        note = say(lang, "front_rebuilt")
        fixed = rebuild(text, expected, parsed, note)
        if fixed is not None:
            parsed = parse_text(fixed, schema, lang)
            parsed.rebuilt, parsed.notes = fixed.encode("utf-8"), [note]
    if parsed.problems and not parsed.meta:
        return parsed, None  # the front matter itself is broken: that is the one problem to fix
    lines = text.split("\n", 50)[:50]
    for k in ("cohort", "stage", "team", "proposal"):
        if k in expected and str(parsed.meta.get(k)) != str(expected[k]):
            at = next((n for n, ln in enumerate(lines, 1) if ln.startswith(f"{k}:")), 2)  # the key's own line
            parsed.say(at, "front_mismatch", name=k, found=parsed.meta.get(k), expected=expected[k])
    model = validate(parsed, schema)
    if model is not None and run.stage.check:
        for loc, reason in run.stage.check(run, entity, model):
            if isinstance(reason, Said):
                reason = reason.text(lang, where(schema, loc, lang))
            parsed.fail(locate(parsed, loc), reason, field_path(loc))
        if parsed.problems:
            model = None
    return parsed, model


def fixes(run: Run, sheet: Worksheet, problems: list) -> None:
    """Write the fixes file beside an invalid worksheet (lab.worksheets.fixes), or remove it once there are none."""
    if problems:
        write_fixes(run.ws.root, sheet.path, problems, run.settings.lang)
    else:
        remove_fixes(run.ws.root, sheet.path)


def rewrite(run: Run, sheet: Worksheet, data: bytes, h: str, stat: dict) -> tuple[str, dict]:
    """Write a worksheet whose front matter was rebuilt; its new hash and stat (the old ones if it cannot be)."""
    try:
        write_atomic(run.ws.root / sheet.path, data, run.ws.root)
    except (UnsafePath, OSError):
        return h, stat
    try:
        st = os.lstat(f"{run.ws.root}/{sheet.path}")
    except OSError:
        return h, stat
    return digest(data), {"mtime_ns": st.st_mtime_ns, "size": st.st_size}
