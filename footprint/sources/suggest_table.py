"""The table of an export footprint does not know, as `footprint formats suggest` sees it.

A text file's delimiter comes from DuckDB's CSV sniffer (sniff_csv, which weighs every candidate over
thousands of lines), or from the head's own lines when DuckDB cannot tell; its header line is DuckDB's
when it holds a word and data lines follow it, else the first line of mostly words above data lines
(DuckDB takes a preamble line such as `EAN;871...` for the header). A name is a word when it holds
anything but digits and the marks numbers, dates and times are written with: `1.8.1 kWh` and `15min`
are names, `2024` and `01-01-2024 00:15` are data. A workbook's header row is found the same way.
The cells are then read by the same code the profile engine reads them with (csv_table, sheets),
so what suggest concludes about them holds when the draft profile is used.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final, Literal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from footprint.errors import InputFileError
from footprint.sources import sheets
from footprint.sources.csv_table import read_table
from footprint.sources.meter_profile_table import ProfileCells
from footprint.sources.text_head import (
    HEAD_BYTES,
    SEPARATORS,
    Column,
    column_positions,
    decode_head,
    head_lines,
    normalise_name,
    read_text_bytes,
    split_fields,
)

SNIFF_BYTES: Final = 1 << 20  # what DuckDB's sniffer is shown: a few thousand lines settle a delimiter
# A data cell: digits with the marks of numbers, dates and times (T and Z of ISO-8601); anything else is a word.
_DATA_CELL: Final = re.compile(r"[\s\d.,:/+\-TZ]*\d[\s\d.,:/+\-TZ]*")
_BELOW: Final = 3  # lines under a header candidate that must hold data, not names


@dataclass(frozen=True)
class SampleTable:
    """Every named column's cells of the file, read as the engine reads them, and how the table was found."""

    path: Path
    kind: Literal["csv", "xlsx"]
    delimiter: str
    sheet: str | None
    header: tuple[str, ...]  # the header's names as written (stripped), empty and repeated names left out
    header_line: int  # 1-based line (text) or row (sheet)
    cells: ProfileCells
    found_by: str  # how the delimiter and header were found, for the draft's comment
    left_out: tuple[str, ...] = ()  # header names not read: repeated (the engine would take the first)

    def __len__(self) -> int:
        return len(self.cells)

    def text(self, name: str) -> pa.Array:
        return self.cells.text(name)

    def written_text(self, name: str) -> pa.Array:
        """Cells written as text: a workbook's number cells left out (they need no decimal mark)."""
        cells = self.cells.columns[name]
        if isinstance(cells, pa.Array):
            return cells
        text_cells = cells[cells.map(type, na_action="ignore").eq(str).to_numpy()]
        return pa.array(text_cells.astype("string").fillna(""), pa.string())

    def numbers(self, name: str, decimal_mark: str) -> np.ndarray:
        return replace(self.cells, decimal_mark=decimal_mark).number(name)

    def absent(self, name: str) -> np.ndarray:
        return self.cells.absent(name)


def read_sample(path: Path) -> SampleTable:
    """The file's table; a file without a recognisable header is an InputFileError saying so."""
    if sheets.is_workbook(path):
        return _read_workbook(path)
    return _read_text(path)


def _named(fields: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The header's usable names: empty ones dropped, a name matching an earlier one (ignoring case
    and punctuation, as profiles match names) left out."""
    kept: dict[str, str] = {}
    repeated: list[str] = []
    for field in fields:
        name = " ".join(field.split())
        key = normalise_name(name)
        if not key:
            continue
        if key in kept:
            repeated.append(name)
        else:
            kept[key] = name
    return tuple(kept.values()), tuple(repeated)


# --- text files ----------------------------------------------------------------------------------


def _read_text(path: Path) -> SampleTable:
    data = read_text_bytes(path)
    lines = head_lines(decode_head(data[:HEAD_BYTES]))
    delimiter, duckdb_header, how = _delimiter(data, path)
    header_index, where = _header_index(lines, delimiter, duckdb_header)
    if header_index is None:
        raise InputFileError(
            path,
            f"no header line found in the first {len(lines)} lines (split at {delimiter!r}): a profile finds "
            "its table by the header's column names, so the file needs one",
        )
    names, repeated = _named(split_fields(lines[header_index], delimiter))
    if len(names) < 2:
        line = header_index + 1
        raise InputFileError(path, f"the header (line {line}) names fewer than two columns", row=line)
    columns = [Column(name, required=False) for name in names]
    table = read_table(path, "draft", columns, [Column(name) for name in names], delimiter)
    present = {name: table[name] for name in names}
    cells = ProfileCells(table.source_row, table.header_line, present, ",", table.preamble)
    return SampleTable(path, "csv", delimiter, None, names, table.header_line, cells, f"{how}, {where}", repeated)


def _delimiter(data: bytes, path: Path) -> tuple[str, int | None, str]:
    """The delimiter, DuckDB's header line index (None when DuckDB did not decide), and which route decided:
    DuckDB's when it splits the head's lines, else the head's own count."""
    lines = [line for line in head_lines(decode_head(data[:HEAD_BYTES])) if line.strip()]
    found = _duckdb_sniff(data, path)
    if found is not None:
        delimiter, header = found
        if 2 * sum(delimiter in line for line in lines) > len(lines):
            return delimiter, header, f"delimiter {delimiter!r} by DuckDB's sniff_csv"
    delimiter = _own_delimiter(lines)
    said = "could not tell" if found is None else f"chose {found[0]!r}, which splits too few of the first lines"
    return delimiter, None, (
        f"delimiter {delimiter!r}: it splits the most of the first lines the same number of ways (DuckDB's "
        f"sniff_csv {said})"
    )


def _duckdb_sniff(data: bytes, path: Path) -> tuple[str, int | None] | None:
    """The delimiter DuckDB's sniff_csv finds in the file's first MB (as UTF-8) and its header line index;
    None when it finds no one-character delimiter."""
    cut = data[:SNIFF_BYTES]
    if len(data) > SNIFF_BYTES and b"\n" in cut:
        cut = cut[: cut.rindex(b"\n") + 1]
    try:
        with tempfile.TemporaryDirectory(prefix="footprint-suggest-") as folder:
            head = Path(folder) / "head.csv"
            head.write_bytes(cut)
            with duckdb.connect() as con:
                found = con.execute(
                    "SELECT Delimiter, HasHeader, SkipRows FROM sniff_csv(?)", [str(head)]
                ).fetchone()
    except duckdb.Error:
        return None
    if found is None or len(found[0]) != 1:
        return None
    delimiter, has_header, skip_rows = found
    return delimiter, int(skip_rows) if has_header else None


def _own_delimiter(lines: Sequence[str]) -> str:
    """When DuckDB cannot tell: the separator splitting the most head lines the same number of ways."""

    def steady(separator: str) -> tuple[int, int]:
        counts = Counter(len(split_fields(line, separator)) for line in lines)
        width, often = max(counts.items(), key=lambda item: (item[1], item[0]), default=(1, 0))
        return (often if width > 1 else 0, width)

    return max(SEPARATORS, key=steady)


def _is_word(cell: str) -> bool:
    """A cell that is a name: anything but digits and the marks of numbers, dates and times."""
    text = cell.strip()
    return bool(text) and not _DATA_CELL.fullmatch(text)


def _names_above_data(rows: Sequence[Sequence[str]], index: int, most: bool) -> bool:
    """Whether row `index` is a header: two or more cells, mostly words (`most`) or at least one, and the
    next few rows of two or more cells each hold data and fewer words than it."""
    filled = [c for c in rows[index] if c.strip()]
    words = sum(_is_word(c) for c in filled)
    if len(filled) < 2 or not words or (most and 2 * words <= len(filled)):
        return False
    below = [r for r in rows[index + 1 :] if sum(bool(c.strip()) for c in r) >= 2][:_BELOW]
    return bool(below) and all(
        sum(_is_word(c) for c in r) < words and any(c.strip() and not _is_word(c) for c in r) for r in below
    )


def _header_index(lines: Sequence[str], delimiter: str, duckdb_header: int | None) -> tuple[int | None, str]:
    """The header line: DuckDB's when it holds a word and data lines follow it, else the first line of mostly
    words above data lines (a preamble above the table)."""
    rows = [split_fields(line, delimiter) if line.strip() else [] for line in lines]
    body = [len(r) for r in rows if len(r) > 1]
    if not body:
        return None, ""
    usual = Counter(body).most_common(1)[0][0]

    def fits(index: int) -> bool:
        return len(rows[index]) >= usual - 1

    at = duckdb_header
    if at is not None and at < len(lines) and fits(at) and _names_above_data(rows, at, most=False):
        return at, f"header on line {at + 1} as DuckDB says: names above data lines"
    found = next((i for i in range(len(lines)) if fits(i) and _names_above_data(rows, i, most=True)), None)
    return found, f"header on line {(found or 0) + 1}: the first line of mostly names above the data lines"


# --- workbooks -----------------------------------------------------------------------------------


def _sheet_header(rows: Sequence[Sequence[str]]) -> int | None:
    """The first row of two or more cells, mostly words, above rows of data (see _names_above_data)."""
    return next((i for i in range(len(rows) - 1) if _names_above_data(rows, i, most=True)), None)


def _read_workbook(path: Path) -> SampleTable:
    name = sheets.data_sheet_name(path, lambda head: _sheet_header(sheets.head_rows(head)) is not None)
    sheet = sheets.read_named_sheet(path, "draft", name) if name is not None else sheets.read_sheet(path, "draft")
    rows = sheet.header_rows()
    header = _sheet_header(rows)
    if header is None:
        raise InputFileError(
            path, f"no header row in the first {len(rows)} rows of sheet {name!r}: a row of column names above the data"
        )
    names, repeated = _named(rows[header])
    if len(names) < 2:
        raise InputFileError(path, f"the header (row {header + 1}) names fewer than two columns", row=header + 1)
    columns = [Column(n, required=False) for n in names]
    positions = column_positions(path, rows[header], columns, "draft", header + 1)
    body, source_row = sheet.body(header + 1)
    present: dict[str, pd.Series | pa.Array] = {n: body[positions[n]].reset_index(drop=True) for n in names}
    preamble = {normalise_name(row[0]): row[1].strip() for row in rows[:header] if len(row) >= 2 and row[0]}
    cells = ProfileCells(source_row, header + 1, present, ",", preamble)
    how = f"sheet {name!r}, header on row {header + 1}: the first row of mostly names above rows of data"
    return SampleTable(path, "xlsx", ";", name, names, header + 1, cells, how, repeated)
