"""The temporary Prefect server's own process: `python -m lab.runtime.prefect_child PARENT_PID FD [--pdeathsig]`.

It serves Prefect's API app (UI off, ephemeral services) with uvicorn on the listening socket `FD` that its
parent (`lab run`, lab.runtime.prefect_temporary) bound and handed over, and it dies with that parent:

* it asks the kernel for SIGKILL when its parent dies (`prctl(PR_SET_PDEATHSIG)` on Linux, when started
  from the parent's main thread, whose exit is the process's: `--pdeathsig`), then checks that the parent
  did not die before that;
* a watchdog thread ends it as soon as its parent process changes (for every other POSIX system, and for a
  parent thread that is not the main one).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

WATCH_INTERVAL = 0.25  # seconds between the child's checks that its parent is still there
APP = "prefect.server.api.server:create_app"


def _follow_parent(parent: int, pdeathsig: bool) -> None:
    """Die with `parent`: the kernel's parent-death signal where there is one, and a watchdog thread."""
    if pdeathsig and sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="lab-parent-watch").start()


def _serve(argv: list[str]) -> int:
    parent, fd = int(argv[0]), int(argv[1])
    _follow_parent(parent, "--pdeathsig" in argv[2:])
    import uvicorn

    listener = socket.socket(fileno=fd)
    server = uvicorn.Server(uvicorn.Config(APP, factory=True, log_level="error", lifespan="on"))
    server.run(sockets=[listener])
    return 0 if server.started else 3


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1:]))
