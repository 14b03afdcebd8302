"""One error tree for Labinov; the CLI maps it to exit codes in one place.

LabError                      anything a user can act on (exit 1)
├── UsageError                bad arguments or settings (exit 2)
├── WorkspaceError            missing or damaged workspace (exit 3)
│   └── UnsafePath            a link, special file or path leaving the workspace: rel, reason
│       └── TooLarge          a file past its size limit: rel, size, limit
├── RosterError               roster problems, with file and line (exit 4)
├── WorksheetError            one worksheet problem: path, line, reason (exit 5)
├── AnswersError              answers import problems (exit 5)
├── TransitionNotAllowed      the state machine refused an event (exit 6)
├── StaleState                optimistic versioning caught a lost update (exit 7)
├── CohortBusy                another run holds the cohort (exit 8)
├── StageStopped              a stage of `lab run` stopped on a cohort-wide problem (the problem's own code)
├── LinkRefused               a personal link that does not open the lab (unknown, revoked, expired) (exit 11)
├── ReminderFailed            some reminders could not be sent; none of them is recorded (exit 1)
└── PrefectUnavailable        Prefect's server unreachable, not Prefect, or not starting (exit 10)
"""

from __future__ import annotations


class LabError(Exception):
    """Base class: the message is one plain line for the user."""

    exit_code = 1


class UsageError(LabError):
    exit_code = 2


class WorkspaceError(LabError):
    exit_code = 3


class UnsafePath(WorkspaceError):
    """A workspace path that must not be used: a symbolic link, a special file, or outside the workspace.

    `rel` is the workspace-relative path of the offending component, `reason` what is wrong and what to do.
    """

    def __init__(self, rel: str, reason: str):
        self.rel, self.reason = rel, reason
        super().__init__(f"{rel} {reason}")


class TooLarge(UnsafePath):
    """A file larger than the limit it is read under (`size` and `limit` in bytes)."""

    def __init__(self, rel: str, size: int, limit: int):
        self.size, self.limit = size, limit
        super().__init__(rel, f"is {mb(size)} MB; the limit is {mb(limit)} MB")


def mb(n: int) -> str:
    """Bytes as megabytes for a message: 2,147.5 or 25 (0.0015 for a few bytes)."""
    text = f"{n / 1e6:,.1f}" if n >= 50_000 else f"{n / 1e6:.6f}".rstrip("0")
    return text.removesuffix(".0").removesuffix(".")


class RosterError(LabError):
    exit_code = 4


class WorksheetError(LabError):
    """A problem in one worksheet file, located by path and line."""

    exit_code = 5

    def __init__(self, path: str, line: int, reason: str):
        self.path, self.line, self.reason = path, line, reason
        super().__init__(f"{path}:{line}: {reason}")


class AnswersError(LabError):
    exit_code = 5


class TransitionNotAllowed(LabError):
    exit_code = 6


class StaleState(LabError):
    exit_code = 7


class CohortBusy(LabError):
    exit_code = 8


class PrefectUnavailable(LabError):
    """No usable Prefect API: unreachable, not a Prefect server, or its temporary server did not start."""

    exit_code = 10


class StageStopped(LabError):
    """A stage of the cohort flow stopped on a problem that is not one team's (a broken cohort template, an
    unsafe workspace folder); reported by the flow as data, re-raised by the CLI with the problem's exit code."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class LinkRefused(LabError):
    """A personal link that does not open the lab: unknown, revoked, expired, or its person or team is no longer
    in the cohort. One message for all, so that a guesser learns nothing about which it was."""

    exit_code = 11

    def __init__(self) -> None:
        super().__init__("this link does not open the lab (it may have expired or been replaced); "
                         "ask your facilitator for your current link")  # fmt: skip


class ReminderFailed(LabError):
    """Some reminders of `lab remind` could not be sent (exit 1): none of them is recorded as sent, so the next
    `lab remind` tries them again."""
