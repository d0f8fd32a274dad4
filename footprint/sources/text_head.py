"""A text export's bytes and first lines: decoding, the head format detection sniffs, and the header line.

Exports come as UTF-8 (with or without BOM) or Windows-1252, `;`-separated, or re-saved by a
spreadsheet program with `,` or tabs; the header line may follow a preamble (`EAN;871...`). A
whole-file problem (empty, binary, UTF-16, undecodable, too many lines) raises InputFileError.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Final

from footprint.errors import InputFileError
from footprint.sources import sheets
from footprint.sources.limits import check_text_lines

HEAD_BYTES: Final = 64 * 1024
HEADER_SEARCH_LINES: Final = 30
SEPARATOR: Final = ";"
SEPARATORS: Final = (";", ",", "\t")  # what spreadsheet programs write when a user re-saves an export
_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
_BOM: Final = codecs.BOM_UTF8


@dataclass(frozen=True)
class Column:
    """A column of a provider's header: the spelling we write, and spellings we also accept."""

    header: str
    required: bool = True
    aliases: tuple[str, ...] = ()

    @cached_property
    def _keys(self) -> frozenset[str]:
        return frozenset(normalise_name(h) for h in (self.header, *self.aliases))

    def accepts(self, name: str) -> bool:
        return normalise_name(name) in self._keys


@lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """Header names are matched ignoring case, spaces and punctuation ("Afstand (km)" = "afstand km")."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def normalise_key(value: str) -> str:
    """Cell values that name a category are matched ignoring case and surrounding/duplicate spaces."""
    return " ".join(value.casefold().split())


def split_fields(line: str, separator: str = SEPARATOR) -> list[str]:
    return next(csv.reader([line], delimiter=separator), [])


def _to_utf8(raw: bytes, path: Path, encoding: str = "auto") -> bytes:
    """Exports come as UTF-8 (with or without BOM) or Windows-1252; hand pyarrow plain UTF-8.

    `encoding` is what a layout declares: `auto` tries UTF-8, then cp1252; `utf-8` refuses anything
    else (a re-saved export whose accents would come out wrong); `cp1252` reads every byte as cp1252.
    """
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    if raw.isascii():
        return raw
    if encoding != "cp1252":
        try:
            raw.decode("utf-8")
            return raw
        except UnicodeDecodeError as exc:
            if encoding == "utf-8":
                line = raw.count(b"\n", 0, exc.start) + 1
                raise InputFileError(
                    path, f"not UTF-8 text as its layout says: byte 0x{raw[exc.start]:02x}", row=line
                ) from None
    try:
        return raw.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputFileError(
            path,
            f"not readable as text: byte 0x{raw[exc.start]:02x} is neither UTF-8 nor Windows-1252 (cp1252); "
            "save the file as CSV UTF-8",
            row=line,
        ) from None


def _check_text(raw: bytes, path: Path) -> None:
    if not raw[:HEAD_BYTES].strip(b" \t\r\n" + _BOM) and not raw[HEAD_BYTES:].strip():
        raise InputFileError(path, "the file is empty")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputFileError(path, "text encoded as UTF-16 (Excel's 'Unicode text'); save the file as CSV UTF-8")
    if b"\x00" in raw[:HEAD_BYTES]:
        raise InputFileError(path, "a binary file, not a text export (CSV)")


def decode_head(raw: bytes) -> str:
    """Decode the first bytes of a file; a character cut at the end of the sample is dropped."""
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(raw, final=False)
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_head(path: Path) -> str:
    """The first few KB of a file as text: what format detection looks at.

    A workbook (xlsx, xls, ods) gives its first sheet's first rows instead, behind a marker line
    (see footprint.sources.sheets): only spreadsheet formats recognise that head.
    """
    raw = sheets.leading_bytes(path, HEAD_BYTES)
    if sheets.is_workbook_bytes(raw):
        return sheets.sheet_head(path)
    _check_text(raw, path)
    return decode_head(raw)


def text_lines(text: str) -> list[str]:
    """Lines split at CRLF, CR or LF only (never at other characters str.splitlines takes as breaks)."""
    return _LINE_BREAK.split(text)


def head_lines(head: str) -> list[str]:
    # maxsplit: the head is 64 KB, a thousand lines of which only the first few are looked at
    return _LINE_BREAK.split(head, maxsplit=HEADER_SEARCH_LINES)[:HEADER_SEARCH_LINES]


def find_header(lines: Sequence[str], signature: Sequence[Column], separator: str = SEPARATOR) -> int | None:
    """Index of the first line whose fields include every signature column (exports may have a preamble)."""
    for index, line in enumerate(lines):
        if separator not in line:
            continue
        fields = split_fields(line, separator)
        if all(any(column.accepts(f) for f in fields) for column in signature):
            return index
    return None


def locate_header(
    lines: Sequence[str], signature: Sequence[Column], separator: str = SEPARATOR
) -> tuple[int, str] | None:
    """The header line and its separator: the format's own first, then those files are re-saved with."""
    for candidate in (separator, *(s for s in SEPARATORS if s != separator)):
        index = find_header(lines, signature, candidate)
        if index is not None:
            return index, candidate
    return None


def first_positions(fields: Sequence[str], names: Iterable[str]) -> dict[str, int]:
    """Where each of `names` first appears among a header's fields, matched ignoring case and punctuation."""
    keys = {normalise_name(name): name for name in names}
    found: dict[str, int] = {}
    for index, field in enumerate(fields):
        name = keys.get(normalise_name(field))
        if name is not None and name not in found:
            found[name] = index
    return found


def sniff_header(head: str, signature: Sequence[Column], separator: str = SEPARATOR) -> bool:
    """Whether a text export's header carries the signature; a workbook's head (NUL marker) never does."""
    if head.startswith("\x00"):
        return False
    return locate_header(head_lines(head), signature, separator) is not None


def header_sniffer(signature: Sequence[Column]) -> Callable[[str], bool]:
    """A format's `sniff` when its header alone tells it: the signature's columns in the first lines."""
    return lambda head: sniff_header(head, signature)


def read_text_bytes(path: Path, encoding: str = "auto") -> bytes:
    """A text export's bytes as UTF-8 without BOM; empty, binary, undecodable or too long files raise InputFileError."""
    try:
        check_text_lines(path)
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot be read: {exc.strerror or exc}") from None
    _check_text(raw, path)
    return _to_utf8(raw, path, encoding)


def column_positions(
    path: Path, fields: Sequence[str], columns: Sequence[Column], what: str, header_line: int
) -> dict[str, int]:
    """Where each declared column is among a header's fields; a required one missing is an InputFileError.

    `what` names the file in the message ("a <what> needs ..."), `header_line` is the header's line or row.
    """
    positions: dict[str, int] = {}
    for column in columns:
        found = next((i for i, name in enumerate(fields) if column.accepts(name)), None)
        if found is not None:
            positions[column.header] = found
        elif column.required:
            needed = ", ".join(c.header for c in columns if c.required)
            raise InputFileError(
                path,
                f"missing column {column.header!r}: a {what} needs {needed}",
                row=header_line,
                column=column.header,
            )
    return positions
