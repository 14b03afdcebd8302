"""Safe identifiers derived from names: a slug can never leave the folder it names.

A slug is lower-case ASCII letters and digits joined by '-', so it holds no '/', '..', dot or space; the one
thing left to avoid is a name Windows keeps for a device (CON, NUL, COM1, …): a folder or file named so, with
any extension, cannot be made or copied on Windows. Such a slug gets a suffix (`con` -> `con-unit`) instead of
an error, as the name it comes from is an honest name (a unit called "Aux" or "Con") and nothing in a slug is
shown to people as their name.
"""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 60
# Windows' reserved device names (COM0 and LPT0 included, as newer Windows documents them)
RESERVED = frozenset({"con", "prn", "aux", "nul"} | {f"{d}{n}" for d in ("com", "lpt") for n in range(10)})


def slugify(name: str, suffix: str = "unit") -> str:
    """Lower-case ASCII words joined by '-'; '' when nothing usable is left; `<slug>-<suffix>` for a
    Windows device name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _NON_ALNUM.sub("-", ascii_name.lower()).strip("-")[:MAX_SLUG].rstrip("-")
    return f"{slug}-{suffix}" if slug in RESERVED else slug
