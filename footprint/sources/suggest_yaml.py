"""A draft profile as YAML text with a remark beside each key suggest guessed (`# GUESS: why`) or could
not decide (`# TODO: what to fill in`).

PyYAML drops comments, so the text is written here: every string from the file (a column name, a
word) is a double-quoted JSON string, which YAML reads as the same string, so a header holding `#`,
`: ` or a control character cannot change the draft's structure; remarks are one line each, with
control characters shown as \\xNN.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from footprint.visible import one_line

_PLAIN: Final = re.compile(r"^([A-Za-z][A-Za-z0-9_%/+-]*|\d+(min|h|d))$")
_YAML_WORDS: Final = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_C1: Final = re.compile(r"[\x7f-\x9f]")


@dataclass(frozen=True)
class Key:
    """One key of the draft: a scalar, a list of scalars, a mapping (list of Key) or a list of mappings."""

    key: str
    value: object
    note: str | None = None  # "GUESS: ..." or "TODO: ..."


@dataclass(frozen=True)
class Remark:
    """A comment line of its own at this place of the draft."""

    text: str


Entry = Key | Remark


def scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if _PLAIN.match(text) and text.casefold() not in _YAML_WORDS:
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _note(note: str | None) -> str:
    return f"  # {one_line(note)}" if note else ""


def _is_mapping(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Key | Remark) for v in value)


def _is_mappings(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(_is_mapping(v) for v in value)


def _lines(entries: Sequence[Entry], indent: str, first_prefix: str | None = None) -> list[str]:
    lines: list[str] = []
    for position, entry in enumerate(entries):
        lead = indent if position or first_prefix is None else first_prefix
        if isinstance(entry, Remark):
            lines.append(f"{indent}# {one_line(entry.text)}")
            continue
        if _is_mappings(entry.value):
            lines.append(f"{lead}{entry.key}:{_note(entry.note)}")
            for item in entry.value:  # type: ignore[attr-defined]
                lines += _lines(item, indent + "    ", first_prefix=indent + "  - ")
        elif _is_mapping(entry.value):
            lines.append(f"{lead}{entry.key}:{_note(entry.note)}")
            lines += _lines(entry.value, indent + "  ")  # type: ignore[arg-type]
        elif isinstance(entry.value, list | tuple):
            items = ", ".join(scalar(v) for v in entry.value)
            lines.append(f"{lead}{entry.key}: [{items}]{_note(entry.note)}")
        elif isinstance(entry.value, dict):
            items = ", ".join(f"{scalar(k)}: {scalar(v)}" for k, v in entry.value.items())
            lines.append(f"{lead}{entry.key}: {{{items}}}{_note(entry.note)}")
        else:
            lines.append(f"{lead}{entry.key}: {scalar(entry.value)}{_note(entry.note)}")
    return lines


def render(heading: Sequence[str], entries: Sequence[Entry]) -> str:
    """The draft's text: the heading as comment lines, then the keys."""
    return "\n".join([*(f"# {one_line(line)}" if line else "#" for line in heading), *_lines(entries, "")]) + "\n"
