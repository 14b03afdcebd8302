"""One error tree for Labinov; the CLI maps it to exit codes in one place.

LabError                      anything a user can act on (exit 1)
├── UsageError                bad arguments or settings (exit 2)
├── WorkspaceError            missing or damaged workspace (exit 3)
├── RosterError               roster problems, with file and line (exit 4)
├── WorksheetError            one worksheet problem: path, line, reason (exit 5)
├── AnswersError              answers import problems (exit 5)
├── TransitionNotAllowed      the state machine refused an event (exit 6)
├── StaleState                optimistic versioning caught a lost update (exit 7)
└── CohortBusy                another run holds the cohort (exit 8)
"""

from __future__ import annotations


class LabError(Exception):
    """Base class: the message is one plain line for the user."""

    exit_code = 1


class UsageError(LabError):
    exit_code = 2


class WorkspaceError(LabError):
    exit_code = 3


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
