"""How `lab run` reads a flow run that a worker ran: the stage table, a stopped stage, and a failed run.

The end-to-end runs are in tests/service/test_deploy.py; these check the mapping from a finished flow run
(its state and its `stages-<cohort>` table artifact) to what `lab run` prints and its exit code.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from prefect.states import Completed, Crashed, Failed

from lab.domain.errors import CohortBusy, LabError, PrefectUnavailable, WorkspaceError
from lab.runtime.prefect_trigger import _failure, _result


def _run(state):
    return SimpleNamespace(name="brave-kiwi", state=state)


def _row(stage, **kw):
    row = {"stage": stage, "ingested": 0, "valid": 0, "invalid": 0, "advanced": 0, "generated": 0,
           "error": "", "exit_code": ""}  # fmt: skip
    return row | kw


def test_a_completed_run_gives_the_stage_table_and_the_funnel_from_the_lab_database(ws):
    from tests.helpers import enrol

    enrol(ws, 2)
    rows = [_row("drum-up", generated=2), _row("diagnose")]
    result = _result(ws, _run(Completed()), rows)
    assert result["stages"] == [
        {"stage": "drum-up", "ingested": 0, "valid": 0, "invalid": 0, "advanced": 0, "generated": 2},
        {"stage": "diagnose", "ingested": 0, "valid": 0, "invalid": 0, "advanced": 0, "generated": 0},
    ]
    assert result["cohort"] == "PBG-2026" and "error" not in result
    assert result["funnel"]["teams"].get("enrolled") == 2


def test_a_stage_that_stopped_the_run_keeps_its_message_and_exit_code(ws):
    rows = [_row("drum-up"), _row("diagnose", error="templates/id/diagnose.md.j2 is a link", exit_code=3)]
    result = _result(ws, _run(Failed(message="stage diagnose stopped: …")), rows)
    assert [r["stage"] for r in result["stages"]] == ["drum-up"]
    assert result["error"] == {"stage": "diagnose", "error": "templates/id/diagnose.md.j2 is a link",
                               "exit_code": 3}  # fmt: skip


@pytest.mark.parametrize(
    ("message", "kind", "code", "text"),
    [
        ("Flow run encountered an exception: CohortBusy: cohort PBG-2026 busy, run by PID 7 on h since 08:00",
         CohortBusy, 8, "cohort PBG-2026 busy, run by PID 7 on h since 08:00"),
        ("Flow run encountered an exception: WorkspaceError: /srv/x is not a cohort workspace (no cohort.toml)",
         WorkspaceError, 3, "/srv/x is not a cohort workspace (no cohort.toml)"),
    ],
)  # fmt: skip
def test_a_lab_error_raised_in_the_worker_is_the_same_error_here(ws, message, kind, code, text):
    with pytest.raises(kind) as caught:
        _result(ws, _run(Failed(message=message)), [])
    assert caught.value.exit_code == code and str(caught.value) == text


def test_any_other_failure_is_one_line_pointing_at_the_worker_log(ws):
    err = _failure(_run(Crashed(message="Flow run infrastructure exited with non-zero status code 1.")))
    assert isinstance(err, PrefectUnavailable) and err.exit_code == 10
    assert str(err) == (
        "flow run brave-kiwi ended Crashed in its worker (Flow run infrastructure exited with non-zero status "
        "code 1.); see the worker's log or the Prefect UI, then run `lab run` again"
    )
    # a name that is not a lab error, or a hostile message, stays one escaped line
    err = _failure(
        _run(Failed(message="Flow run encountered an exception: ValueError: bad\n\x1b[2Jerror: ok"))
    )
    assert isinstance(err, PrefectUnavailable) and "\n" not in str(err) and "\\x1b[2J" in str(err)
    assert not isinstance(_failure(_run(Failed(message="LabError: x"))), PrefectUnavailable)
    assert type(_failure(_run(Failed(message="LabError: x")))) is LabError


def test_a_server_lost_while_lab_run_waits_is_one_line(ws, tmp_path):
    import socket
    import uuid

    from prefect.settings import PREFECT_API_URL, temporary_settings

    from lab.runtime.prefect_trigger import run_deployed

    with socket.socket() as s:  # a port that was free a moment ago: nothing answers there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    deployment = SimpleNamespace(id=uuid.uuid4(), name="PBG-2026-x", work_pool_name="lab")
    with temporary_settings({PREFECT_API_URL: f"http://127.0.0.1:{port}/api"}):
        with pytest.raises(PrefectUnavailable) as caught:
            run_deployed(ws, deployment, None, 0.0, print)
    assert str(caught.value) == (
        "the Prefect server failed while `lab run` waited for the cohort's flow run (connection refused); a run "
        f"it started may go on in its worker: `lab status {ws.root}` shows where the cohort stands"
    )


def test_a_server_that_fails_when_asked_for_the_deployment_is_one_line(ws):
    """It answers like Prefect 3 to the check, then HTTP 500 to the deployment's lookup."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from prefect.settings import PREFECT_API_URL, temporary_settings

    from lab.runtime.prefect_trigger import deployment_for

    class Half(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            ok = self.path.endswith("/admin/version")
            body = b'"3.8.8"' if ok else b'{"detail": "boom"}'
            self.send_response(200 if ok else 500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Half)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with temporary_settings({PREFECT_API_URL: f"http://127.0.0.1:{server.server_port}/api"}):
            with pytest.raises(PrefectUnavailable) as caught:
                deployment_for(ws, print)
    finally:
        server.shutdown()
        server.server_close()
    assert str(caught.value) == (
        "the Prefect server failed while `lab run` looked for the cohort's deployment (HTTP 500); "
        "check it and run `lab run` again"
    )
