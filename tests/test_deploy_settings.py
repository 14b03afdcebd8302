"""The `[deploy]` table of cohort.toml and the parts of `lab deploy` that need no Prefect server.

A cron schedule, a time zone and a pool name are checked when the settings are read, by every command,
without importing Prefect; each mistake is one line naming the setting.
"""

from __future__ import annotations

import pytest

from lab.domain.cron import check_cron

GOOD = [
    ("0 7 * * 1-5", "0 7 * * 1-5"),
    ("30  6 * * MON", "30 6 * * MON"),
    ("*/15 7-17 * * 1-5", "*/15 7-17 * * 1-5"),
    ("0 7 1,15 JAN-JUN 0", "0 7 1,15 JAN-JUN 0"),
    ("0 0 * * 7", "0 0 * * 7"),
    ("5 4 31 12 sun", "5 4 31 12 sun"),
]

BAD = [
    ("0 7 * *", "a cron schedule has 5 fields (minute hour day-of-month month day-of-week), this one has 4"),
    ("0 0 7 * * 1-5", "this one has 6"),
    ("60 7 * * *", "cron field minute '60': '60' is outside 0-59"),
    ("0 24 * * *", "cron field hour '24': '24' is outside 0-23"),
    ("0 7 0 * *", "cron field day of month '0': '0' is outside 1-31"),
    ("0 7 * 13 *", "cron field month '13': '13' is outside 1-12"),
    ("0 7 * * 8", "cron field day of week '8': '8' is outside 0-7"),
    ("0 7 * * 5-1", "cron field day of week '5-1': the range '5-1' runs backwards"),
    ("*/0 7 * * *", "cron field minute '*/0': the step after '/' must be a whole number from 1 to 60"),
    ("0 7 * * H", "cron field day of week 'H': 'H' is not '*', a number from 0 to 7 or a name (SUN-SAT)"),
    ("@daily", "a cron schedule has 5 fields"),
    ("0 7 * * 1-5\x1b[2J", "a cron schedule is at most 200 plain characters"),
    ("0 " * 150, "a cron schedule is at most 200 plain characters"),
]


@pytest.mark.parametrize(("text", "kept"), GOOD)
def test_a_cron_in_the_common_language_is_kept(text, kept):
    assert check_cron(text) == kept


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_cron_is_one_line_saying_what_is_wrong(text, message):
    with pytest.raises(ValueError) as caught:
        check_cron(text)
    assert message in str(caught.value)
    assert str(caught.value).endswith('e.g. "0 7 * * 1-5" (07:00 Monday to Friday)')


def _settings(ws, table: str) -> None:
    path = ws.root / "cohort.toml"
    path.write_text(path.read_text() + "\n[deploy]\n" + table + "\n")


def test_the_deploy_table_has_defaults_for_a_weekday_morning_in_jakarta(ws):
    from lab.workspace.settings import open_workspace

    deploy = open_workspace(ws.root).settings.deploy
    assert (deploy.run, deploy.timezone, deploy.pool) == ("0 7 * * 1-5", "Asia/Jakarta", "lab")
    _settings(ws, 'run = ""\ntimezone = "Asia/Makassar"\npool = "sulsel-2"')
    deploy = open_workspace(ws.root).settings.deploy
    assert (deploy.run, deploy.timezone, deploy.pool) == ("", "Asia/Makassar", "sulsel-2")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('run = "0 7 * * 9"', "deploy.run: cron field day of week '9': '9' is outside 0-7"),
        ('timezone = "Asia/Bandung"', "deploy.timezone: 'Asia/Bandung' is not a time zone name"),
        ('timezone = "../../etc/passwd"', "deploy.timezone: '../../etc/passwd' is not a time zone name"),
        ('pool = "lab pool"', "deploy.pool: 'lab pool' is not a work pool name"),
        ('schedule = "0 7 * * *"', "unknown setting 'deploy.schedule'"),
        ("run = 7", "deploy.run: Input should be a valid string"),
    ],
)
def test_a_bad_deploy_setting_stops_every_command_with_one_line(ws, runner, table, message):
    from lab.cli import app

    _settings(ws, table)
    result = runner.invoke(app, ["status", str(ws.root)])
    assert result.exit_code == 3
    assert message in result.output
    assert result.output.count("\n") == 1


def test_lab_deploy_without_a_prefect_server_says_how_to_get_one(ws, tmp_path):
    import subprocess
    import sys

    from tests.helpers import lab_env

    done = subprocess.run([sys.executable, "-m", "lab", "deploy", str(ws.root)], env=lab_env(tmp_path),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == (
        "error: `lab deploy` needs a Prefect server: set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api; "
        "`scripts/stack up STATE` starts one and prints it)\n"
    )


def test_lab_deploy_and_lab_worker_with_an_unreachable_server_do_not_suggest_a_temporary_one(ws, tmp_path):
    import socket
    import subprocess
    import sys

    from tests.helpers import lab_env

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/api"
    env = lab_env(tmp_path) | {"PREFECT_API_URL": url}
    for args in (["deploy", str(ws.root)], ["worker", "--pool", "lab"]):
        done = subprocess.run([sys.executable, "-m", "lab", *args], env=env, capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        assert done.returncode == 10
        assert done.stderr == (
            f"error: cannot reach the Prefect server at {url} (connection refused); start it or correct "
            "PREFECT_API_URL\n"
        )
