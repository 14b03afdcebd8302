"""The work around a stage (lab.workflow.hooks) and the context stage hooks get (lab.stages.base.StageContext)."""

from __future__ import annotations

from lab.stages import SLUGS, get_stage
from lab.stages.base import StageContext
from lab.workflow import hooks, pipeline
from lab.workflow.context import Run
from lab.workspace.cohort import workspace_session
from tests import factories
from tests.helpers import enrol, run_once, teams


def test_the_hook_tables_name_only_stages():
    """A misspelt slug would silently skip its hooks (no roster sync, no showcase)."""
    assert set(hooks.BEFORE) <= set(SLUGS)
    assert set(hooks.AFTER) <= set(SLUGS)


def test_the_run_context_offers_everything_stage_hooks_may_use(ws):
    """Every member StageContext declares exists on the context the runner passes to the hooks."""
    with workspace_session(ws) as (session, cohort):
        for slug in SLUGS:
            assert isinstance(Run(ws, session, cohort, get_stage(slug)), StageContext)


def test_the_roster_is_read_before_drum_up_only(ws):
    enrol(ws, 2)
    factories.write_roster(ws.roster_file, 3)  # a unit added to roster.csv by hand
    pipeline.run_stage(str(ws.root), "diagnose")
    assert len(teams(ws)) == 2
    pipeline.run_stage(str(ws.root), "drum-up")
    assert len(teams(ws)) == 3


def test_the_showcase_is_rebuilt_after_display_only(ws):
    enrol(ws, 1)
    reports = run_once(ws)
    assert ["after" in r["seconds"] for r in reports] == [s == "display" for s in SLUGS]
    assert (ws.root / "showcase" / "index.html").is_file()
