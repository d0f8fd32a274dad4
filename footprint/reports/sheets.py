"""Sheets of an xlsx workbook in openpyxl's write-only mode, shared by report.xlsx and project.xlsx.

Write-only mode streams through lxml: a year of 15-minute rows in seconds. Text that looks like a
formula stays text: a report never evaluates what a file said.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.cell.cell import TYPE_STRING, WriteOnlyCell
from openpyxl.utils import get_column_letter

_FORMULA_START = ("=", "+", "-", "@")


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    return [(prefix, value)]


def _as_cell(sheet: Any, value: Any) -> Any:
    """A value as openpyxl writes it; formula-looking text stays text: a report never evaluates what a file said."""
    if isinstance(value, (list, dict)):
        value = str(value)
    elif isinstance(value, (dt.datetime, pd.Timestamp)) and getattr(value, "tzinfo", None) is not None:
        value = value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = TYPE_STRING
        return cell
    return value


def _column(sheet: Any, values: pd.Series) -> list[Any]:
    """One column's cells. Numbers pass as they are; only text that looks like a formula is wrapped,
    and only object columns (dates, lists, mixed values) need a look at every value."""
    if values.dtype == object:
        return [_as_cell(sheet, v) for v in values.where(values.notna(), None).tolist()]
    cells = values.astype(object).where(values.notna(), None).tolist()
    if pd.api.types.is_string_dtype(values):
        risky = values.str.startswith(_FORMULA_START).fillna(False).to_numpy(dtype=bool)
        for i in risky.nonzero()[0]:
            cells[i] = _as_cell(sheet, cells[i])
    return cells


def frame_sheet(book: openpyxl.Workbook, title: str, frame: pd.DataFrame, empty: str,
                first_width: int | None = None, notes: tuple[str, ...] = ()) -> None:
    """A table on a sheet; `notes`, what the reader needs to read it, one line each above a blank row and the header."""
    sheet = book.create_sheet(title[:31])
    for note in notes:
        sheet.append([note])
    if notes:
        sheet.append([])
    if frame.empty:
        sheet.append([empty])
        return
    for c, name in enumerate(frame.columns, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = max(12, min(40, len(str(name)) + 2))
    if first_width:
        sheet.column_dimensions["A"].width = first_width
    header_row = len(notes) + (1 if notes else 0) + 1
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.append([_as_cell(sheet, str(name)) for name in frame.columns])
    for row in zip(*(_column(sheet, frame[name]) for name in frame.columns)):
        sheet.append(row)


def table_sheet(book: openpyxl.Workbook, title: str, rows: list[dict[str, Any]], empty: str) -> None:
    """Rows of dicts as a table, columns in the order they first appear."""
    columns = list(dict.fromkeys(k for r in rows for k in r))
    frame_sheet(book, title, pd.DataFrame(rows, columns=columns, dtype=object), empty)


def key_value_sheet(book: openpyxl.Workbook, title: str, data: dict[str, Any]) -> None:
    """A nested dict as key / value lines, nested keys joined by dots."""
    frame_sheet(book, title, pd.DataFrame(_flatten(data), columns=["key", "value"], dtype=object), "", 60)
