"""A stage that stops on a cohort-wide problem (here: a cohort template that tries to leave Jinja's sandbox)
ends `lab run` with one line and the problem's exit code: no traceback in Prefect's log, the stage's changes
rolled back, the stages before it kept, and the flow run marked Failed with the reason."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import enrol, lab_env, teams

pytestmark = pytest.mark.flow
ESCAPE = "{{ cycler.__init__.__globals__.os.popen('id').read() }}\n"


def test_a_stage_stopped_by_a_cohort_template_is_one_line(tmp_path, ws):
    enrol(ws, 2)
    override = ws.root / "templates" / "id"
    override.mkdir(parents=True)
    (override / "drum-up.md.j2").write_text(ESCAPE)
    done = subprocess.run([sys.executable, "-m", "lab", "run", str(ws.root)], env=lab_env(tmp_path), capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert "Traceback" not in done.stdout + done.stderr
    assert "uid=" not in done.stdout + done.stderr  # the command in the template never ran
    assert done.returncode == 5
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: stage drum-up stopped: templates/id/drum-up.md.j2:1: ")
    assert (
        'Finished in state Failed("stage drum-up stopped: templates/id/drum-up.md.j2:1:'
        in done.stdout + done.stderr
    )
    assert teams(ws) == {"unit-uji-001": "enrolled", "unit-uji-002": "enrolled"}
    assert not list((ws.root / "teams").glob("*/1-drum-up.md"))  # nothing generated from the bad template
