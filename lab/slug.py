"""Safe identifiers derived from names: a slug can never leave the folder it names."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
MAX_SLUG = 60


def slugify(name: str) -> str:
    """Lower-case ASCII words joined by '-'; '' when nothing usable is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _NON_ALNUM.sub("-", ascii_name.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-")
