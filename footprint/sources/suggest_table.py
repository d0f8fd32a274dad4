"""The table of an export footprint does not know, as `footprint formats suggest` sees it.

A text file's delimiter comes from DuckDB's CSV sniffer (sniff_csv, which weighs every candidate over
thousands of lines); its header line is the first line of the head whose fields split as the data
lines below it do (DuckDB takes a preamble line such as `EAN;871...` for the header). A workbook's
header is the first row of a sheet whose cells are all words, above a row with a number or date.
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
_STARTS_LIKE_DATA: Final = re.compile(r"^\s*[+-]?\d")


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
    delimiter, duckdb_header = _duckdb_sniff(data, path)
    header_index, how = _header_index(lines, delimiter, duckdb_header)
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
    return SampleTable(path, "csv", delimiter, None, names, table.header_line, cells, how, repeated)


def _duckdb_sniff(data: bytes, path: Path) -> tuple[str, int | None]:
    """The delimiter DuckDB's sniff_csv finds in the file's first MB (as UTF-8), and its header line index."""
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
        found = None
    if found is None or len(found[0]) != 1:
        return _own_delimiter(data), None
    delimiter, has_header, skip_rows = found
    return delimiter, int(skip_rows) if has_header else None


def _own_delimiter(data: bytes) -> str:
    """When DuckDB cannot tell: the separator splitting the most head lines the same number of ways."""
    lines = [line for line in head_lines(decode_head(data[:HEAD_BYTES])) if line.strip()]

    def steady(separator: str) -> tuple[int, int]:
        counts = Counter(len(split_fields(line, separator)) for line in lines)
        width, often = max(counts.items(), key=lambda item: (item[1], item[0]), default=(1, 0))
        return (often if width > 1 else 0, width)

    return max(SEPARATORS, key=steady)


def _header_index(lines: Sequence[str], delimiter: str, duckdb_header: int | None) -> tuple[int | None, str]:
    """The header line: DuckDB's when it splits like the data lines below it, else the first line of words
    that does (a preamble above the table)."""
    widths = [len(split_fields(line, delimiter)) if line.strip() else 0 for line in lines]
    body = [w for w in widths if w > 1]
    if not body:
        return None, ""
    usual = Counter(body).most_common(1)[0][0]

    def header_like(index: int) -> bool:
        fields = [f.strip() for f in split_fields(lines[index], delimiter)]
        words = [f for f in fields if f]
        below = [i for i in range(index + 1, len(lines)) if widths[i] > 1][:1]
        data_below = bool(below) and any(_STARTS_LIKE_DATA.match(f) for f in split_fields(lines[below[0]], delimiter))
        return (
            widths[index] >= usual - 1
            and len(words) >= 2
            and not any(_STARTS_LIKE_DATA.match(w) for w in words)
            and data_below
        )

    where = f"delimiter {delimiter!r} by DuckDB's sniff_csv"
    if duckdb_header is not None and duckdb_header < len(lines) and header_like(duckdb_header):
        return duckdb_header, f"{where}, header on line {duckdb_header + 1}"
    found = next((i for i in range(len(lines)) if header_like(i)), None)
    return found, f"{where}, header on line {(found or 0) + 1}: the first line of names above the data lines"


# --- workbooks -----------------------------------------------------------------------------------


def _sheet_header(rows: Sequence[Sequence[str]]) -> int | None:
    """The first row of two or more words (nothing starting like a number or date) above a row of data."""
    for index, cells in enumerate(rows[:-1]):
        words = [c for c in cells if c.strip()]
        if len(words) < 2 or any(_STARTS_LIKE_DATA.match(w) for w in words):
            continue
        below = next((r for r in rows[index + 1 :] if any(c.strip() for c in r)), None)
        if below is not None and any(_STARTS_LIKE_DATA.match(c) for c in below):
            return index
    return None


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
    how = f"sheet {name!r}, header on row {header + 1}: the first row of names above a row of data"
    return SampleTable(path, "xlsx", ";", name, names, header + 1, cells, how, repeated)
