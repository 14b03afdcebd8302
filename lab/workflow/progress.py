"""Progress of a run for the person watching it. The engine reports (stage, step, done, total); the CLI
installs a listener: a rich progress bar per stage on a terminal, plain lines otherwise. With no listener
(tests, Prefect workers) reporting costs nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, str, int, int], None]
_listener: Listener | None = None
EVERY = 500  # report every this many items


def tick(stage: str, step: str, done: int, total: int) -> None:
    """Report progress; cheap when nobody listens."""
    if _listener is not None and (done == total or done % EVERY == 0):
        _listener(stage, step, done, total)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    global _listener
    previous, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = previous


@contextmanager
def console_progress(tty: bool) -> Iterator[None]:
    """A rich progress bar per stage and step on a terminal; one plain line per finished step otherwise."""
    if not tty:

        def plain(stage: str, step: str, done: int, total: int) -> None:
            if done == total and total:  # not print(): the flow's log_prints would turn it into a log record
                sys.stdout.write(f"{stage}: {step} {done}/{total}\n")
                sys.stdout.flush()

        with listening(plain):
            yield
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=False) as bar:  # fmt: skip
        tasks: dict[tuple[str, str], int] = {}

        def rich(stage: str, step: str, done: int, total: int) -> None:
            key = (stage, step)
            if key not in tasks:
                tasks[key] = bar.add_task(f"{stage} {step}", total=total)
            bar.update(tasks[key], completed=done, total=total)

        with listening(rich):
            yield
