"""The error tree as HTTP codes, in one place (as lab.cli.app maps it to exit codes)."""

from __future__ import annotations

from lab.domain.errors import (
    AnswersError,
    CohortBusy,
    LabError,
    LinkRefused,
    RosterError,
    StaleState,
    TooLarge,
    TransitionNotAllowed,
    UnsafePath,
    UsageError,
    WorksheetError,
    WorkspaceError,
)

# most specific first; anything else of the tree is 400
STATUS: tuple[tuple[type[LabError], int], ...] = (
    (LinkRefused, 403),
    (TooLarge, 413),
    (UnsafePath, 400),
    (WorkspaceError, 500),
    (UsageError, 400),
    (RosterError, 400),
    (WorksheetError, 422),
    (AnswersError, 422),
    (TransitionNotAllowed, 409),
    (StaleState, 409),
    (CohortBusy, 409),
)


def status_of(exc: LabError) -> int:
    """The HTTP code of an error of the tree."""
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 400)
