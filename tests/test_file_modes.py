"""Importing lab.storage.files leaves the process umask alone; written files still get the umask's mode."""

from __future__ import annotations

import subprocess
import sys

IMPORT_WITHOUT_UMASK = """
import os
calls = []
real = os.umask
os.umask = lambda mask: calls.append(mask) or real(mask)
import lab.storage.files
import lab.storage.safefs
assert calls == [], f"os.umask called at import: {calls}"
print(oct(real(0o077)))
"""

MODES = """
import os, sys
from pathlib import Path
os.umask(0o027)
import lab.storage.files as files
folder = Path(sys.argv[1])
files.write_atomic(folder / "plain", b"x")
files.write_atomic(folder / "under" / "it", b"x", root=folder)
batch = files.WriteBatch(folder)
batch.write(folder / "batch", b"x")
batch.commit()
with files.atomic_output(folder / "stream") as fh:
    fh.write(b"x")
for name in ("plain", "under/it", "batch", "stream"):
    print(name, oct((folder / name).stat().st_mode & 0o777))
print("file_mode", oct(files.file_mode()))
print("umask", oct(os.umask(0)))
"""

FALLBACK = """
import builtins, os
os.umask(0o007)
real_open = builtins.open
def no_proc(file, *args, **kwargs):
    if str(file).startswith("/proc/"):
        raise FileNotFoundError(file)
    return real_open(file, *args, **kwargs)
builtins.open = no_proc
import lab.storage.files as files
print(oct(files.file_mode()), oct(os.umask(0)))
"""


def _python(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_the_file_writers_does_not_touch_the_umask():
    """os.umask is never called at import, and the umask the process started with is still in force."""
    out = subprocess.run(
        ["sh", "-c", f'umask 0035 && exec "{sys.executable}" -c "$0"', IMPORT_WITHOUT_UMASK],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == oct(0o035)


def test_written_files_get_the_mode_a_plain_open_gives(tmp_path):
    lines = _python(MODES, str(tmp_path)).splitlines()
    assert lines == [
        "plain 0o640",
        "under/it 0o640",
        "batch 0o640",
        "stream 0o640",
        "file_mode 0o640",
        "umask 0o27",
    ]


def test_without_proc_the_umask_is_read_and_put_back():
    assert _python(FALLBACK).split() == [oct(0o660), oct(0o007)]
