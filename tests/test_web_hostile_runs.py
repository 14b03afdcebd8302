"""Run now while `lab run` started elsewhere (another process, e.g. the facilitator's terminal) holds the
cohort: the button says so at once and starts nothing."""

from __future__ import annotations

import subprocess
import sys

from tests.web_support import FACILITATOR, csrf, designed, signed_in


def test_run_now_while_another_process_holds_the_cohort_starts_nothing(ws, tmp_path):
    ws = designed(ws, 1)
    c = signed_in(ws, FACILITATOR)
    runs = c.app.state.runs
    runs.command = [sys.executable, "-c", "raise SystemExit(3)"]  # would show exit code 3 if it ever started
    gate = tmp_path / "go"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import os, sys, time\nfrom lab.workspace.settings import open_workspace\n"
         "from lab.workspace.lock import cohort_lock\n"
         f"with cohort_lock(open_workspace({str(ws.root)!r})):\n"
         f"    print('held', flush=True)\n"
         f"    while not os.path.exists({str(gate)!r}): time.sleep(0.02)\n"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        r = c.post("/jalankan", data={"csrf": csrf(c)})
        assert r.status_code == 409 and "sedang berjalan" in r.text and "run by PID" in r.text
        assert "--wait" not in r.text  # the command line's advice is not the page's
        assert not runs.running() and "kode keluar 3" not in c.get("/").text
    finally:
        gate.touch()
        holder.wait(timeout=30)
        holder.stdout.close()
    assert c.post("/jalankan", data={"csrf": csrf(c)}).status_code == 303  # the holder ended: it starts
    runs.wait()
    assert "kode keluar 3" in c.get("/").text
