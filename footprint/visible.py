"""Data as text a person reads: control characters shown as \\xNN.

A file or station name can carry a terminal escape (a hyperlink, a cleared screen) or a line break
that forges a line of output. The console keeps tabs and line breaks of footprint's own lines;
a name shown inside one line keeps none.
"""

from __future__ import annotations

import re

# Unicode's invisible layout characters: zero-width ones, the line and paragraph separators (a line
# break to a terminal or a mail client) and the bidi overrides that show text in another order.
_INVISIBLE = "\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_INVISIBLE}]")  # C0 controls, DEL, C1 controls, invisibles
_CONTROL_BUT_LAYOUT = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_INVISIBLE}]")  # tab and line break left


def _shown(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Text for a console: control characters as \\xNN, tabs and line breaks kept."""
    return _CONTROL_BUT_LAYOUT.sub(_shown, text)


def one_line(text: str) -> str:
    """Text for inside one line: every control character as \\xNN."""
    return _CONTROL.sub(_shown, text)


def has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None
