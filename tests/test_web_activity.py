"""Every change made in the browser has an author: a sign-in, a worksheet saved, evidence uploaded or taken
out are activity rows with who, in which role and from which address, and `lab activity` lists them."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from lab.cli import app
from tests.helpers import enrol, run_once, teams
from tests.web_support import people, signed_in


def _activity(ws, *args: str) -> list[dict]:
    result = CliRunner().invoke(app, ["activity", str(ws.root), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_sign_in_and_a_save_are_in_the_activity_log_with_who_and_from_where(ws):
    ws = people(ws)
    enrol(ws, 2)
    run_once(ws)
    mine, other = sorted(teams(ws))
    assert _activity(ws) == []
    c = signed_in(ws, mine)
    form = c.get(f"/lembar/drum-up/{mine}").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    file_hash = re.search(r'name="_hash" value="([^"]*)"', form).group(1)
    saved = c.post(
        f"/lembar/drum-up/{mine}", data={"csrf": token, "_hash": file_hash, "signatory": "dr. Ani"}
    )
    assert saved.status_code in (303, 422)  # written either way (valid, or with its problems shown)
    # a save whose file changed meanwhile writes nothing, and is not in the log
    stale = c.post(f"/lembar/drum-up/{mine}", data={"csrf": token, "_hash": file_hash, "signatory": "x"})
    assert stale.status_code == 409
    rows = _activity(ws)
    assert [(r["action"], r["role"], r["address"]) for r in rows] == [
        ("save", "team", "testclient"),
        ("sign-in", "team", "testclient"),
    ]  # newest first
    assert rows[0]["path"].endswith(f"{mine}/1-drum-up.md") and rows[0]["actor"] == rows[1]["actor"]
    signed_in(ws, other)
    assert [r["action"] for r in _activity(ws, "--who", rows[0]["actor"])] == ["save", "sign-in"]
    assert len(_activity(ws)) == 3 and len(_activity(ws, "--limit", "1")) == 1
    plain = CliRunner().invoke(app, ["activity", str(ws.root)]).output
    assert "save" in plain and "(team, testclient)" in plain
