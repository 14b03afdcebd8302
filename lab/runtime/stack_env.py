"""What `scripts/stack up STATE` leaves for its users: STATE/stack.env, read back as environment variables."""

from __future__ import annotations

from pathlib import Path


def read_env(file: Path) -> dict[str, str]:
    """`export A=B C=D` lines of stack.env as a dict (the benchmark and the service tests start the stack)."""
    env = {}
    for line in file.read_text().splitlines():
        for pair in line.removeprefix("export ").split():
            name, _, value = pair.partition("=")
            env[name] = value
    return env
