"""A `;`-separated (or otherwise delimited) export read whole into text cells, one array per declared column.

pyarrow reads the CSV with every cell as text; the cell_* modules convert a whole column at a time, so
a file with millions of 15-minute rows parses in seconds. A row with too few or too many fields keeps
its place and line number; only whole-file problems raise InputFileError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from footprint.errors import InputFileError
from footprint.sources.text_head import (
    HEAD_BYTES,
    SEPARATOR,
    Column,
    column_positions,
    decode_head,
    head_lines,
    locate_header,
    normalise_name,
    read_text_bytes,
    split_fields,
)


@dataclass(frozen=True)
class RawTable:
    """A file's cells as text, one array per declared column, with the line each row sits on."""

    path: Path
    header_line: int
    source_row: np.ndarray
    cells: dict[str, pa.Array]
    present: frozenset[str] = frozenset()
    preamble: dict[str, str] = field(default_factory=dict)
    separator: str = SEPARATOR  # the one the header was found with: a re-saved file may have another than its layout's

    def __len__(self) -> int:
        return len(self.source_row)

    def __getitem__(self, header: str) -> pa.Array:
        return self.cells[header]


def _read_csv(
    data: bytes, skip_rows: int, names: list[str], threads: bool, separator: str = SEPARATOR
) -> tuple[pa.Table, list[tuple[int | None, str]]]:
    invalid: list[tuple[int | None, str]] = []

    def keep_aside(row: Any) -> str:
        invalid.append((row.number, row.text))
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(data),
        read_options=pacsv.ReadOptions(skip_rows=skip_rows, column_names=names, use_threads=threads),
        parse_options=pacsv.ParseOptions(delimiter=separator, ignore_empty_lines=False, invalid_row_handler=keep_aside),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
        ),
    )
    return table, invalid


def _with_ragged_rows(
    table: pa.Table, invalid: list[tuple[int | None, str]], first_line: int, separator: str = SEPARATOR
) -> tuple[pa.Table, np.ndarray]:
    """Put rows with too few or too many fields back in place, cut or padded to the header's width.

    pyarrow sets such rows aside; dropping them would lose data and shift every line number after them.
    """
    names = table.column_names
    width = len(names)
    if not invalid:
        return table, np.arange(first_line, first_line + table.num_rows, dtype=np.int64)
    bad_lines = np.array([number for number, _ in invalid], dtype=np.int64)
    padded = [(split_fields(text, separator) + [""] * width)[:width] for _, text in invalid]
    bad = pa.table({name: pa.array([row[i] for row in padded], pa.string()) for i, name in enumerate(names)})
    total = table.num_rows + len(invalid)
    good_lines = np.setdiff1d(np.arange(first_line, first_line + total, dtype=np.int64), bad_lines)
    lines = np.concatenate([good_lines, bad_lines])
    order = np.argsort(lines, kind="stable")
    merged = pa.concat_tables([table.combine_chunks(), bad]).take(pa.array(order))
    return merged, lines[order]


def _without_blank_lines(table: pa.Table, source_row: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """Blank lines (every field empty) are layout, not data rows; their line numbers stay skipped."""
    if table.num_rows == 0 or not pc.any(pc.equal(pc.binary_length(table.column(0)), 0)).as_py():
        return table, source_row
    length = pc.binary_length(table.column(0))
    for name in table.column_names[1:]:
        length = pc.add(length, pc.binary_length(table[name]))
    keep = pc.greater(length, 0)
    return table.filter(keep), source_row[keep.to_numpy(zero_copy_only=False)]


def _unsplittable(reason: str) -> str:
    """pyarrow's reason a text file cannot be split into rows, as a user can act on it."""
    if "straddl" in reason:  # a line longer than one read block (1 MiB)
        return "a line is longer than 1 MiB: not a table of an export (a file of one long line, or binary data)"
    return "cannot be split into rows: " + " ".join(reason.split())[:200]


def read_table(
    path: Path,
    format_name: str,
    columns: Sequence[Column],
    signature: Sequence[Column],
    separator: str = SEPARATOR,
    encoding: str = "auto",
) -> RawTable:
    """Read a `;`-separated (or `separator`-separated) export into text cells keyed by each declared column's header.

    Raises InputFileError for whole-file problems: empty, undecodable, no header, a required column missing.
    """
    data = read_text_bytes(path, encoding)
    if not data.endswith((b"\n", b"\r")):
        data += b"\n"  # pyarrow cannot skip a header line that has no line end (a header-only export)
    lines = head_lines(decode_head(data[:HEAD_BYTES]))
    located = locate_header(lines, signature, separator)
    if located is None:
        wanted = ", ".join(repr(c.header) for c in signature)
        raise InputFileError(path, f"no header line with the columns {wanted}: not a {format_name} file")
    header_index, separator = located
    header_line = header_index + 1
    fields = split_fields(lines[header_index], separator)
    positions = column_positions(path, fields, columns, f"{format_name} file", header_line)
    names = [f"c{i}" for i in range(len(fields))]
    try:
        table, invalid = _read_csv(data, header_line, names, threads=True, separator=separator)
        if invalid:
            table, invalid = _read_csv(data, header_line, names, threads=False, separator=separator)
    except pa.ArrowInvalid as exc:
        raise InputFileError(path, _unsplittable(str(exc))) from None
    table, source_row = _with_ragged_rows(table, invalid, header_line + 1, separator)
    table, source_row = _without_blank_lines(table, source_row)
    cells = {
        column.header: (
            table[names[positions[column.header]]].combine_chunks()
            if column.header in positions
            else pa.nulls(table.num_rows, pa.string())
        )
        for column in columns
    }
    preamble = {
        normalise_name(parts[0]): parts[1].strip()
        for parts in (split_fields(line, separator) for line in lines[:header_index])
        if len(parts) >= 2
    }
    return RawTable(
        path=path,
        header_line=header_line,
        source_row=source_row,
        cells=cells,
        present=frozenset(positions),
        preamble=preamble,
        separator=separator,
    )
