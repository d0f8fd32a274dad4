"""Data as text a person reads: control characters shown as \\xNN.

A file or station name can carry a terminal escape (a hyperlink, a cleared screen) or a line break
that forges a line of output. The console keeps tabs and line breaks of footprint's own lines;
a name shown inside one line keeps none.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0 controls, DEL and C1 controls
_CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # the same, tab and line break left


def _shown(found: re.Match[str]) -> str:
    return f"\\x{ord(found.group()):02x}"


def visible(text: str) -> str:
    """Text for a console: control characters as \\xNN, tabs and line breaks kept."""
    return _CONTROL_BUT_LAYOUT.sub(_shown, text)


def one_line(text: str) -> str:
    """Text for inside one line: every control character as \\xNN."""
    return _CONTROL.sub(_shown, text)


def has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None
