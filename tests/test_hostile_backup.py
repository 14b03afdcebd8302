"""Hostile backups: an archive is written by an attacker. Each crafted archive is refused with its exact line
(or restored with its exact note or warning), never a traceback; nothing appears at the target, nothing is left
beside it, and the same command then succeeds with a good archive. Cohort templates render in a sandbox."""

from __future__ import annotations

import gzip
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from lab.cli import app
from lab.domain.errors import UnsafePath, WorksheetError
from lab.workspace.settings import open_workspace
from tests.helpers import enrol, run_once

UNIT = "unit-uji-001"
OTHER_UID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """One good backup of a small cohort (a unit enrolled, its drum-up worksheet written), made once."""
    from lab.storage.db import dispose_all
    from lab.workspace.backup import backup
    from lab.workspace.cohort import init_workspace

    with pytest.MonkeyPatch.context() as mp:  # built in its own SQLite file, whatever the tests use
        mp.delenv("LAB_DATABASE_URL", raising=False)
        root = tmp_path_factory.mktemp("good")
        ws = init_workspace(root / "pbg", "Kabupaten Purbalingga", 2026, "PBG")
        enrol(ws, 1)
        run_once(ws)
        backup(ws, root / "good.tar.gz")
        dispose_all()
    return root / "good.tar.gz"


def members(archive: Path) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    with tarfile.open(archive) as tar:
        return [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]


def write(path: Path, items: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in items:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def entry(
    name: str,
    data: bytes | None = b"x",
    kind: bytes = tarfile.REGTYPE,
    link: str = "",
    size: int | None = None,
):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    if size is not None:
        info.size = size
    return info, data


def add(*extra):
    return lambda items, tmp: items + list(extra)


def replace(name: str, edit):
    """Replace the content of member `name` by edit(old bytes, tmp folder)."""

    def change(items, tmp):
        return [(i, edit(d, tmp) if i.name == name else d) for i, d in items]

    return change


def drop(name: str):
    return lambda items, tmp: [(i, d) for i, d in items if i.name != name]


def manifest(edit):
    def change(data: bytes, tmp: Path) -> bytes:
        return edit(json.loads(data)) if callable(edit) else edit

    return replace("labinov-backup.json", change)


def edited(m: dict, **changes) -> bytes:
    for k, v in changes.items():
        if v is None:
            m.pop(k)
        else:
            m[k] = v
    return json.dumps(m).encode()


def database(*sql: str):
    def change(data: bytes, tmp: Path) -> bytes:
        file = tmp / "edit.sqlite"
        file.write_bytes(data)
        con = sqlite3.connect(file)
        for statement in sql:
            con.execute(statement)
        con.commit()
        con.close()
        return file.read_bytes()

    return replace("database.sqlite", change)


def settings(old: str, new: str):
    return replace("workspace/cohort.toml", lambda d, tmp: d.decode().replace(old, new, 1).encode())


def uid_of(items) -> str:
    return next(json.loads(d)["uid"] for i, d in items if i.name == "labinov-backup.json")


def both_uids(items, tmp):
    uid = uid_of(items)
    items = manifest(lambda m: edited(m, uid=OTHER_UID))(items, tmp)
    return settings(uid, OTHER_UID)(items, tmp)


def uid_in_settings(items, tmp):
    return settings(uid_of(items), OTHER_UID)(items, tmp)


def many(n: int):
    return add(*(entry(f"workspace/teams/{UNIT}/f{i}.txt") for i in range(n)))


def zeros(mb: int):
    return add(entry(f"workspace/teams/{UNIT}/zeros.bin", bytes(mb * 1_000_000)))


def two_manifests(items, tmp):
    return items + [(i, d) for i, d in items if i.name == "labinov-backup.json"]


def huge_header(items, tmp):
    info, data = entry(f"workspace/teams/{UNIT}/note.txt")
    info.pax_headers = {"comment": "x" * 2_000_000}
    return items + [(info, data)]


M, DB, S = "labinov-backup.json", "database.sqlite", "workspace/cohort.toml"
TEAM_ROW = f"UPDATE team SET slug = '../../outside' WHERE slug = '{UNIT}'"

# (id, change of the good archive's members, env, exact message after "error: <archive>: ", exit code)
CASES = [
    ("lab-db", add(entry("workspace/lab.db")), {},
     "member 'workspace/lab.db' is not something lab backup writes; nothing restored", 2),
    ("lab-db-deep", add(entry(f"workspace/teams/{UNIT}/lab.db")), {},
     f"member 'workspace/teams/{UNIT}/lab.db' is not something lab backup writes; nothing restored", 2),
    ("lock-file", add(entry("workspace/.lab-run.lock")), {},
     "member 'workspace/.lab-run.lock' is not something lab backup writes; nothing restored", 2),
    ("showcase", add(entry("workspace/showcase/index.html")), {},
     "member 'workspace/showcase/index.html' is not something lab backup writes; nothing restored", 2),
    ("top-level-stranger", add(entry("notes.txt")), {},
     "member 'notes.txt' is not something lab backup writes; nothing restored", 2),
    ("dot-slash", add(entry("./workspace/roster.csv")), {},
     "member './workspace/roster.csv' is not something lab backup writes; nothing restored", 2),
    ("control-characters-in-name", add(entry("workspace/\x1b[2J\nevil")), {},
     "member 'workspace/\\x1b[2J\\nevil' is not something lab backup writes; nothing restored", 2),
    ("symlink", add(entry(f"workspace/teams/{UNIT}/evidence", None, tarfile.SYMTYPE, "/etc")), {},
     f"member 'workspace/teams/{UNIT}/evidence' is a symbolic link; a backup holds only files and folders; "
     "nothing restored", 2),
    ("hardlink", add(entry(f"workspace/teams/{UNIT}/x.md", None, tarfile.LNKTYPE, "workspace/cohort.toml")), {},
     f"member 'workspace/teams/{UNIT}/x.md' is a hard link; a backup holds only files and folders; "
     "nothing restored", 2),
    ("device", add(entry("workspace/teams/zero", None, tarfile.CHRTYPE)), {},
     "member 'workspace/teams/zero' is a device; a backup holds only files and folders; nothing restored", 2),
    ("fifo", add(entry("workspace/teams/pipe", None, tarfile.FIFOTYPE)), {},
     "member 'workspace/teams/pipe' is a named pipe (FIFO); a backup holds only files and folders; "
     "nothing restored", 2),
    ("sparse", add(entry("workspace/teams/sparse", None, tarfile.GNUTYPE_SPARSE, size=0)), {},
     "member 'workspace/teams/sparse' is a sparse file; a backup holds only files and folders; nothing restored", 2),
    ("dot-dot", add(entry("workspace/../../escaped.txt")), {},
     "member 'workspace/../../escaped.txt' points outside the folder it is restored into; nothing restored", 2),
    ("absolute", add(entry("/tmp/labinov-absolute.txt")), {},
     "member '/tmp/labinov-absolute.txt' points outside the folder it is restored into; nothing restored", 2),
    ("file-then-folder", add(entry(f"workspace/teams/{UNIT}/a"), entry(f"workspace/teams/{UNIT}/a/b")), {},
     f"member 'workspace/teams/{UNIT}/a/b' is both a file and a folder; nothing restored", 2),
    ("duplicate-member", two_manifests, {}, "member 'labinov-backup.json' appears twice; nothing restored", 2),
    ("gzip-of-zeros", zeros(20), {"LAB_RESTORE_MAX_BYTES": "5000000"},
     "it expands past 5 MB, the most a restore accepts from an archive of its size "
     "(LAB_RESTORE_MAX_BYTES raises the limit); nothing restored", 2),
    ("header-claims-huge-size", add(entry("workspace/teams/big.bin", None, size=10**11)), {},
     "it expands past 1,000 MB, the most a restore accepts from an archive of its size "
     "(LAB_RESTORE_MAX_BYTES raises the limit); nothing restored", 2),
    ("too-many-members", many(30), {"LAB_RESTORE_MAX_MEMBERS": "20"},
     "it holds more than 20 members, the most a restore accepts (LAB_RESTORE_MAX_MEMBERS raises the limit); "
     "nothing restored", 2),
    ("huge-pax-header", huge_header, {}, "it holds a member header larger than 1 MB; nothing restored", 2),
    ("manifest-not-json", manifest(b"{not json"), {}, "its labinov-backup.json is not JSON; nothing restored", 2),
    ("manifest-a-list", manifest(b"[1, 2, 3]"), {},
     "its labinov-backup.json is not a JSON object; nothing restored", 2),
    ("manifest-deeply-nested", manifest(b"[" * 100_000 + b"]" * 100_000), {},
     "its labinov-backup.json is not JSON; nothing restored", 2),
    ("manifest-huge", manifest(b" " * 2_000_000 + b"{}"), {},
     "member 'labinov-backup.json' is 2 MB; in a backup it is far smaller; nothing restored", 2),
    ("manifest-missing", drop(M), {}, "not a Labinov backup (no labinov-backup.json)", 2),
    ("manifest-no-uid", manifest(lambda m: edited(m, uid=None)), {},
     "its labinov-backup.json has no 'uid'; nothing restored", 2),
    ("manifest-uid-a-number", manifest(lambda m: edited(m, uid=42)), {},
     "in its labinov-backup.json, 'uid' must be a cohort uid like '0b6b5f0e-…', not 42; nothing restored", 2),
    ("manifest-rows-a-list", manifest(lambda m: edited(m, rows=[1, 2])), {},
     "in its labinov-backup.json, 'rows' must be a table of row counts, not [1, 2]; nothing restored", 2),
    ("manifest-created-escape", manifest(lambda m: edited(m, created="\x1b]0;pwned\x07")), {},
     "in its labinov-backup.json, 'created' must be a date and time like '2026-10-12T08:00:00+00:00', "
     "not '\\x1b]0;pwned\\x07'; nothing restored", 2),
    ("manifest-format-text", manifest(lambda m: edited(m, format="1")), {},
     "backup format '1' is not supported by this release", 2),
    ("manifest-format-true", manifest(lambda m: edited(m, format=True)), {},
     "backup format True is not supported by this release", 2),
    ("manifest-newer-schema", manifest(lambda m: edited(m, schema="9999")), {},
     "it was made by a newer Labinov (schema 9999); upgrade Labinov to restore it; nothing restored", 2),
    ("uid-manifest-vs-settings", uid_in_settings, {},
     f"workspace/cohort.toml has uid '{OTHER_UID}' but the manifest says '<uid>'; nothing restored", 2),
    ("uid-settings-and-manifest-vs-database", both_uids, {},
     f"its database.sqlite holds no cohort with uid '{OTHER_UID}'; nothing restored", 2),
    ("cohort-id-mismatch", manifest(lambda m: edited(m, cohort="XYZ-2026")), {},
     "workspace/cohort.toml is for cohort PBG-2026 but the manifest says 'XYZ-2026'; nothing restored", 2),
    ("settings-misspelled", settings("facilitators = []", 'facilitator = ["x"]'), {},
     "workspace/cohort.toml: unknown setting 'facilitator'; did you mean 'facilitators'? Nothing restored.", 2),
    ("settings-missing", drop(S), {},
     "it holds no workspace/cohort.toml, which every Labinov backup has; nothing restored", 2),
    ("database-missing", drop(DB), {}, "it holds no database.sqlite, which every Labinov backup has; nothing restored", 2),
    ("database-not-sqlite", replace(DB, lambda d, tmp: b"PK\x03\x04 not a database"), {},
     "its database.sqlite is not an SQLite database; nothing restored", 2),
    ("database-with-trigger", database("CREATE TRIGGER evil AFTER INSERT ON member BEGIN DELETE FROM team; END"), {},
     "its database.sqlite holds a trigger ('evil'), which lab backup never writes; nothing restored", 2),
    ("database-with-view", database("CREATE VIEW spy AS SELECT * FROM member"), {},
     "its database.sqlite holds a view ('spy'), which lab backup never writes; nothing restored", 2),
    ("database-table-missing", database("DROP TABLE review"), {},
     "its database.sqlite lacks a review table, so it is not a Labinov database; nothing restored", 2),
    ("database-team-folder-escapes", database(TEAM_ROW), {},
     "its database.sqlite has a team folder named '../../outside', which Labinov never makes; nothing restored", 2),
    ("database-worksheet-path-escapes", database("UPDATE worksheet SET path = '../../cohort.toml'"), {},
     "its database.sqlite has a worksheet at '../../cohort.toml', which Labinov never makes; nothing restored", 2),
    ("database-column-missing", database("ALTER TABLE review DROP COLUMN note"), {},
     "its database.sqlite lacks review.note, so it is not a Labinov database; nothing restored", 2),
    ("database-unknown-state", database("UPDATE team SET state = 'hacked'"), {},
     f"its database.sqlite has team {UNIT} in state 'hacked', which Labinov never makes; nothing restored", 2),
    ("database-dangling-row", database("INSERT INTO review (cohort_id, proposal_id, reviewer, scores, note, at) "
                                       "VALUES (1, 999, 'x', '{}', '', '2026-01-01 00:00:00')"), {},
     "in its database.sqlite, review row 1 refers to 'proposal' 999, which is not in the cohort; nothing restored", 2),
]  # fmt: skip


@pytest.mark.parametrize("case,change,env,message,code", CASES, ids=[c[0] for c in CASES])
def test_a_crafted_archive_restores_nothing(
    good, tmp_path, runner, monkeypatch, case, change, env, message, code
):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    items = members(good)
    message = message.replace("<uid>", uid_of(items))
    evil = write(tmp_path / "evil.tar.gz", change(items, tmp_path))
    target = tmp_path / "target"
    result = runner.invoke(app, ["restore", str(evil), str(target)])
    assert "Traceback" not in result.output
    assert result.output.strip() == f"error: {evil}: {message}"
    assert result.exit_code == code
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["edit.sqlite", "evil.tar.gz"] or left == ["evil.tar.gz"]  # no target, no temporary folder
    assert not Path("/tmp/labinov-absolute.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()
    for k in env:
        monkeypatch.delenv(k)
    again = runner.invoke(app, ["restore", str(good), str(target)])  # the same command, a good archive
    assert again.exit_code == 0, again.output
    assert (target / "cohort.toml").is_file() and (target / "teams" / UNIT / "1-drum-up.md").is_file()


def test_not_gzip_and_truncated_archives_are_one_line(good, tmp_path, runner):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"no archive")
    plain = tmp_path / "plain.tar"
    plain.write_bytes(gzip.decompress(good.read_bytes()))
    expected = {
        cut: "Compressed file ended before the end-of-stream marker was reached",
        junk: "Not a gzipped file (b'no')",
        plain: "Not a gzipped file (b'la')",
    }
    for archive, reason in expected.items():
        result = runner.invoke(app, ["restore", str(archive), str(tmp_path / "target")])
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert result.output.strip() == f"error: {archive}: not a Labinov backup, or a damaged one ({reason})"
        assert not (tmp_path / "target").exists()


def test_the_target_must_be_a_new_folder(good, tmp_path, runner):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "file").write_text("x")
    for name, reason in (("link", "is a symbolic link"), ("file", "exists and is not a folder")):
        result = runner.invoke(app, ["restore", str(good), str(tmp_path / name)])
        assert result.exit_code == 3
        assert result.output.strip() == f"error: {tmp_path / name} {reason}; restore into a new folder"
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_failed_restore_leaves_no_new_parent_folders(good, tmp_path, runner):
    evil = write(tmp_path / "evil.tar.gz", members(good) + [entry("workspace/lab.db")])
    result = runner.invoke(app, ["restore", str(evil), str(tmp_path / "a" / "b" / "target")])
    assert result.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.tar.gz"]


# templates ----------------------------------------------------------------------------------------------

ESCAPE = "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}\n"
TEMPLATE = "workspace/templates/id/drum-up.md.j2"


def with_template(good: Path, tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "pwned"
    body = ESCAPE.replace("MARKER", str(marker)).encode()
    return write(tmp_path / "t.tar.gz", members(good) + [entry(TEMPLATE, body)]), marker


def test_templates_are_skipped_without_the_flag(good, tmp_path, runner):
    archive, _ = with_template(good, tmp_path)
    result = runner.invoke(app, ["restore", str(archive), str(tmp_path / "target")])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        "note: skipped 1 worksheet template file(s) in the archive; restore with --templates to bring them back"
    )
    assert not (tmp_path / "target" / "templates").exists()


def test_templates_with_the_flag_warn_and_render_in_the_sandbox(good, tmp_path, runner):
    archive, marker = with_template(good, tmp_path)
    target = tmp_path / "target"
    result = runner.invoke(app, ["restore", str(archive), str(target), "--templates"])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        f"warning: restored 1 worksheet template file(s) into {target / 'templates'}; they run each time "
        "worksheets are written: keep them only if you trust where this backup came from"
    )
    (target / "teams" / UNIT / "1-drum-up.md").unlink()  # written again on the next run, from the template
    with pytest.raises(WorksheetError) as caught:
        run_once(open_workspace(target))
    assert str(caught.value) == (
        "templates/id/drum-up.md.j2:1: the template does what templates may not (access to attribute "
        "'__init__' of 'type' object is unsafe); fix it, or delete it to use the standard worksheet"
    )
    assert not marker.exists()


SANDBOX = [
    ("cycler-globals", "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
     "access to attribute '__init__' of 'type' object is unsafe"),
    ("lipsum-globals", "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
     "access to attribute '__globals__' of 'function' object is unsafe"),
    ("class-mro-subclasses", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
     "access to attribute '__class__' of 'str' object is unsafe"),
    ("format-string-attribute", "{{ '{0.__class__}'.format(team) }}", "calling str.format is not allowed in a template"),
    ("orm-method", "{{ team.sqlmodel_update({'state': 'diagnosed'}) }}",
     "calling SQLModel.sqlmodel_update is not allowed in a template"),
    ("stage-hook", "{{ stage.prefill(none, team) }}", "calling prefill is not allowed in a template"),
    ("mutate-front-matter", "{{ meta.update({'team': 'x'}) }}", "access to attribute 'update' of 'dict' object is unsafe"),
    ("huge-power", "{{ 2 ** 100000 }}", "a number that large is not allowed in a template"),
    ("huge-repeat", "{{ 'x' * 1000000000 }}", "repeating a text or list past the worksheet size limit is not allowed"),
    ("huge-center", "{{ 'x'|center(1000000000) }}",
     "a width or count past the worksheet size limit is not allowed in a template"),
    ("huge-format-width", "{{ '%999999999d' % 1 }}",
     "a format width past the worksheet size limit is not allowed in a template"),
    ("namespace-doubling", "{% set ns = namespace(s='xx') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
     "{% endfor %}{{ ns.s }}", "a value larger than the worksheet size limit is not allowed in a template"),
    ("macro-doubling", "{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n - 1) }}{% endif %}{% endmacro %}{{ f('x', 40) }}",
     "a value larger than the worksheet size limit is not allowed in a template"),
]  # fmt: skip


@pytest.mark.parametrize("case,body,reason", SANDBOX, ids=[c[0] for c in SANDBOX])
def test_a_cohort_template_cannot_escape_the_sandbox(ws, tmp_path, case, body, reason):
    marker = tmp_path / "pwned"
    enrol(ws, 1)
    (ws.root / "templates" / "id").mkdir(parents=True)
    (ws.root / "templates/id/drum-up.md.j2").write_text("---\n" + body.replace("MARKER", str(marker)) + "\n")
    with pytest.raises(WorksheetError) as caught:
        run_once(ws)
    assert str(caught.value) == (
        f"templates/id/drum-up.md.j2:2: the template does what templates may not ({reason}); "
        "fix it, or delete it to use the standard worksheet"
    )
    assert not marker.exists() and not list(ws.teams_dir.rglob("*.md"))


def test_a_linked_template_is_not_followed(ws, tmp_path):
    enrol(ws, 1)
    (tmp_path / "secret.md.j2").write_text("{{ 7 * 6 }} secret\n")
    (ws.root / "templates" / "id").mkdir(parents=True)
    (ws.root / "templates/id/drum-up.md.j2").symlink_to(tmp_path / "secret.md.j2")
    with pytest.raises(UnsafePath) as caught:
        run_once(ws)
    assert str(caught.value) == (
        "templates/id/drum-up.md.j2 is a symbolic link; links are not followed: replace it with a real file"
    )


def test_a_friendly_override_still_works(ws):
    """The sandbox keeps what a real override uses: macros, the context, filters, loops, builtin methods."""
    enrol(ws, 1)
    (ws.root / "templates" / "id").mkdir(parents=True)
    standard = (Path(__file__).parents[1] / "templates/id/drum-up.md.j2").read_text()
    extra = "{% for x in [1, 2] %}{{ loop.cycle('a', 'b') }}{% endfor %} {{ team.unit.upper() }} {{ '%3d'|format(7) }}\n"
    (ws.root / "templates/id/drum-up.md.j2").write_text(standard + "\n" + extra)
    run_once(ws)
    text = (ws.teams_dir / UNIT / "1-drum-up.md").read_text()
    assert text.rstrip().endswith("ab UNIT UJI 001   7")


# backup: what a team put in the workspace ----------------------------------------------------------------


def test_backup_leaves_out_links_and_special_files(ws, tmp_path, runner):
    """A linked folder or file is not followed (a secret outside the workspace stays out of the archive), a named
    pipe is not opened (it would block), and a stray file outside the saved folders is not saved."""
    enrol(ws, 1)
    run_once(ws)
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwords.txt").write_text("hunter2")
    team = ws.teams_dir / UNIT
    (team / "evidence").symlink_to(secret)
    (team / "leak.txt").symlink_to(secret / "passwords.txt")
    os.mkfifo(team / "pipe")
    (ws.root / "notes.txt").write_text("not part of a backup")
    archive = tmp_path / "b.tar.gz"
    result = runner.invoke(app, ["backup", str(ws.root), str(archive)])
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == (
        f"note: left out teams/{UNIT}/evidence and 2 more: links and special files are not saved"
    )
    names = {m.name for m, _ in members(archive)}
    assert f"workspace/teams/{UNIT}/1-drum-up.md" in names and "workspace/cohort.toml" in names
    assert not {n for n in names if n.endswith(("evidence", "leak.txt", "pipe", "notes.txt"))}
    assert b"hunter2" not in gzip.decompress(archive.read_bytes())
    restored = runner.invoke(
        app, ["restore", str(archive), str(tmp_path / "back"), "--copy"]
    )  # one database on PG
    assert restored.exit_code == 0, restored.output


def test_restore_into_an_existing_empty_folder(good, tmp_path, runner):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["restore", str(good), str(tmp_path / "empty")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "empty" / "cohort.toml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_a_killed_restore_leaves_nothing_that_blocks_the_next(good, tmp_path, runner):
    """The temporary folder of a restore that was killed (SIGKILL: no clean-up ran) goes with the next one."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    left = tmp_path / f".target.restore-{dead.stdout.strip()}-abc123"
    (left / "workspace").mkdir(parents=True)
    (left / "database.sqlite").write_bytes(b"half")
    result = runner.invoke(app, ["restore", str(good), str(tmp_path / "target")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]
