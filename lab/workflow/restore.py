"""Restoring a cohort workspace from a backup, as `lab restore` does it.

The workspace layer brings the folder and the rows back (lab.workspace.restore); the showcase is never in a
backup (it is made from the rest), so this service rebuilds it at once, and the restored workspace looks
exactly like the one that was saved. It lives here because only the workflow layer may call an output.
"""

from __future__ import annotations

from pathlib import Path

from lab.workspace.cohort import workspace_session
from lab.workspace.restore import restore
from lab.workspace.settings import Workspace


def restore_workspace(
    archive: Path, path: Path, copy: bool = False, templates: bool = False
) -> tuple[Workspace, dict]:
    """Restore a backup into a new workspace folder, then rebuild its showcase; returns the workspace and
    the manifest, as lab.workspace.restore.restore() does (see it for `copy` and `templates`)."""
    from lab.outputs.showcase import build_showcase  # imported when used: it loads Markdown and HTML tools

    ws, manifest = restore(archive, path, copy, templates)
    with workspace_session(ws) as (session, cohort):
        build_showcase(ws, session, cohort)
    return ws, manifest
