"""Text that reaches a terminal: shown as it was typed, never obeyed.

Anything a team, an archive or an import wrote may carry control characters: a newline that forges a line in
`lab history`, an ESC sequence that clears the screen or retitles the window, a bidirectional override that makes
text read backwards. `one_line()` refuses them where a person types a single line (`--by`, `--note`, `--region`);
`visible()` shows any that were stored anyway as escapes like `\\x1b`, `\\n` or `\\u202e`; `json_text()` keeps
JSON output readable without letting them through raw.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lab.domain.errors import UsageError

# C0 controls, DEL, C1 controls (NEL, CSI, OSC, …), bidirectional marks, embeddings, overrides and isolates,
# line and paragraph separators, and lone surrogates (undecodable bytes of a file name; a terminal cannot show them)
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# what str.splitlines() and terminals take for a new line
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _escape(ch: str) -> str:
    code = ord(ch)
    return _NAMED.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: object) -> str:
    """`text` with every control, bidirectional and line-breaking character shown as an escape (`\\x1b`)."""
    return _UNSAFE.sub(lambda m: _escape(m.group()), str(text))


def one_line(text: str, what: str) -> str:
    """`text` unchanged if it is one line of plain text; else a UsageError naming `what` (e.g. "--note")."""
    found = _UNSAFE.search(text)
    if found is None:
        return text
    ch = found.group()
    if ch in _BREAKS:
        raise UsageError(f"{what} must be one line: remove the line break ({_escape(ch)})")
    if ch in _BIDI:
        raise UsageError(f"{what} contains an invisible direction mark ({_escape(ch)}): remove it")
    raise UsageError(f"{what} contains a control character ({_escape(ch)}): remove it")


def json_text(data: Any, **options: Any) -> str:
    """JSON with non-ASCII letters kept readable, but DEL, C1, bidirectional and separator characters written as
    \\u escapes (`ensure_ascii=False` alone lets them through raw; json already escapes C0)."""
    text = json.dumps(data, ensure_ascii=False, **options)
    # outside strings JSON is ASCII, so every match is inside a string, where a \\u escape means the same character
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
