"""Five-field cron expressions (`minute hour day-of-month month day-of-week`), checked without Prefect.

`lab deploy` hands the expression to Prefect's `Cron` schedule; checking it here first means a mistake in
`cohort.toml` or `--schedule` is one clear line from any command, and reading settings never imports
Prefect. The accepted language is the common one Prefect's cron also reads: `*`, numbers, ranges `a-b`,
steps `*/n` and `a-b/n`, lists `a,b`, month names JAN-DEC and weekday names SUN-SAT (0 and 7 are Sunday).
"""

from __future__ import annotations

MAX_CRON = 200  # characters: a real schedule is a few dozen

_FIELDS = (  # name, lowest, highest, names
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    ("day of week", 0, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)
EXAMPLE = '"0 7 * * 1-5" (07:00 Monday to Friday)'


def check_cron(text: str) -> str:
    """`text` with its fields separated by one space, or ValueError saying what is wrong in words."""
    if len(text) > MAX_CRON or not text.isascii() or not text.replace(" ", "").isprintable():
        raise ValueError(f"a cron schedule is at most {MAX_CRON} plain characters, e.g. {EXAMPLE}")
    fields = text.split()
    if len(fields) != 5:
        raise ValueError(
            f"a cron schedule has 5 fields (minute hour day-of-month month day-of-week), "
            f"this one has {len(fields)}; e.g. {EXAMPLE}"
        )
    for value, (name, low, high, names) in zip(fields, _FIELDS, strict=True):
        for part in value.split(","):
            problem = _part_problem(part, low, high, names)
            if problem:
                raise ValueError(f"cron field {name} {value!r}: {problem}; e.g. {EXAMPLE}")
    return " ".join(fields)


def _part_problem(part: str, low: int, high: int, names: tuple[str, ...]) -> str | None:
    """Why one comma-separated part of a field is wrong, or None."""
    span, slash, step = part.partition("/")
    if slash and not (step.isdigit() and 0 < int(step) <= high + 1):
        return f"the step after '/' must be a whole number from 1 to {high + 1}"
    if span == "*":
        return None
    first, dash, last = span.partition("-")
    ends = [_number(first, names), _number(last, names) if dash else None]
    if ends[0] is None or (dash and ends[1] is None):
        words = f" or a name ({names[0]}-{names[-1]})" if names else ""
        return f"{part!r} is not '*', a number from {low} to {high}{words}, or a range a-b"
    a, b = ends[0], ends[1] if dash else ends[0]
    assert a is not None and b is not None
    if not (low <= a <= high and low <= b <= high):
        return f"{part!r} is outside {low}-{high}"
    if a > b:
        return f"the range {span!r} runs backwards"
    return None


def _number(text: str, names: tuple[str, ...]) -> int | None:
    if text.isdigit() and len(text) <= 2:
        return int(text)
    upper = text.upper()
    if upper in names:
        return names.index(upper) + (1 if len(names) == 12 else 0)  # months count from 1, weekdays from 0
    return None
