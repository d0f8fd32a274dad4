"""Spreadsheet exports: the first sheet of an xlsx (or xls/ods) workbook, read with python-calamine.

Format detection looks at a file's first rows as text. For a workbook that text (`sheet_head`) starts
with a marker line that no text export can contain (a NUL character), followed by the first rows with
their cells joined by tabs: the `;`- and `,`-separated header sniffers of text formats never match
it, and a spreadsheet format's `sniff` checks the marker before it looks at the rows.

Cells keep their spreadsheet types (numbers, dates, text). Columns are converted a whole column at a
time: native numbers are taken as they are, text cells go through the Dutch number and date rules of
cell_numbers and cell_times, so "0,11" and 0.11 both read as 0.11 and an unreadable cell becomes missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
from python_calamine import CalamineWorkbook

from footprint.errors import FootprintError, InputFileError
from footprint.sources.limits import check_workbook

SHEET_HEAD_MARKER: Final = "\x00sheet"
CELL_SEPARATOR: Final = "\t"
HEAD_ROWS: Final = 30
# xlsx and ods are zip archives; xls is an OLE2 compound file.
_WORKBOOK_MAGIC: Final = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def is_workbook_bytes(raw: bytes) -> bool:
    """Whether a file's first bytes are those of a workbook (xlsx/ods zip or xls compound file)."""
    return raw.startswith(_WORKBOOK_MAGIC)


def leading_bytes(path: Path, count: int) -> bytes:
    """The file's first `count` bytes; a file that cannot be opened is an InputFileError."""
    try:
        with path.open("rb") as handle:
            return handle.read(count)
    except OSError as exc:
        raise InputFileError(path, f"cannot be read: {exc.strerror or exc}") from None


def is_workbook(path: Path) -> bool:
    return is_workbook_bytes(leading_bytes(path, 8))


def open_workbook(path: Path) -> CalamineWorkbook:
    """The workbook, once footprint.sources.limits has found it within the size limits: a reader lays
    out a whole sheet as soon as it is asked for a single row of it."""
    check_workbook(path)
    return CalamineWorkbook.from_path(str(path))


def _sheet_names(path: Path) -> list[str]:
    return _guarded(path, lambda: open_workbook(path).sheet_names)


def data_sheet(path: Path, sniff: Callable[[str], bool] | None = None) -> int:
    """Index of the sheet a reader takes: the first whose head `sniff` recognises, else the first.

    Workbooks often carry a cover or explanation sheet before (or after) the data.
    """
    if sniff is not None:
        for index, head in enumerate(sheet_heads(path)):
            if sniff(head):
                return index
    return 0


def data_sheet_name(path: Path, sniff: Callable[[str], bool] | None = None) -> str | None:
    """The name of that sheet, for lineage; None for a text file."""
    if not is_workbook(path):
        return None
    names = _sheet_names(path)
    return names[data_sheet(path, sniff)] if names else None


def _sheet_rows(path: Path, index: int = 0, nrows: int | None = None) -> list[list[Any]]:
    """One sheet's cells from A1 on (empty rows and columns above and left of the data kept)."""

    def rows() -> list[list[Any]]:
        workbook = open_workbook(path)
        if not workbook.sheet_names:
            raise InputFileError(path, "a spreadsheet without sheets")
        return workbook.get_sheet_by_index(index).to_python(skip_empty_area=False, nrows=nrows)

    return _guarded(path, rows)


def _guarded(path: Path, work: Callable[[], Any]) -> Any:
    try:
        return work()
    except FootprintError:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # calamine raises its own errors, and a Rust panic is a BaseException
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise InputFileError(path, f"a binary file that is not a readable spreadsheet (xlsx): {reason}") from None


def _cell_text(value: Any) -> str:
    """One cell as the text a person sees, for header matching (never used on data rows in bulk)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return " ".join(str(value).split())


def render_rows(rows: Sequence[Sequence[Any]]) -> list[list[str]]:
    return [[_cell_text(v) for v in row] for row in rows]


def sheet_head(path: Path, index: int = 0) -> str:
    """A sheet's first rows as text, behind SHEET_HEAD_MARKER: what detection of a workbook looks at."""
    rows = _sheet_rows(path, index, nrows=HEAD_ROWS)
    lines = [CELL_SEPARATOR.join(cells) for cells in render_rows(rows)]
    return "\n".join([SHEET_HEAD_MARKER, *lines])


def sheet_heads(path: Path) -> list[str]:
    """The head of every sheet, in workbook order."""
    return [sheet_head(path, index) for index in range(len(_sheet_names(path)))]


def head_rows(head: str) -> list[list[str]]:
    """The rows of a `sheet_head` text; no rows when the head is not a workbook's."""
    if not head.startswith(SHEET_HEAD_MARKER):
        return []
    return [line.split(CELL_SEPARATOR) for line in head.split("\n")[1 : HEAD_ROWS + 1]]


def find_row(rows: Sequence[Sequence[str]], accepts: Callable[[Sequence[str]], bool]) -> int | None:
    """Index of the first of the first HEAD_ROWS rows that `accepts` (a header row, say)."""
    for index, cells in enumerate(rows[:HEAD_ROWS]):
        if accepts(cells):
            return index
    return None


@dataclass(frozen=True)
class Sheet:
    """The first sheet of a workbook: rows from A1 on, as calamine types them."""

    path: Path
    rows: list[list[Any]]

    def header_rows(self) -> list[list[str]]:
        return render_rows(self.rows[:HEAD_ROWS])

    def body(self, first_row: int) -> tuple[pd.DataFrame, np.ndarray]:
        """Rows from index `first_row` on as an object frame (one column per sheet column), without
        blank rows, and the spreadsheet row number (1-based, as Excel shows it) of each."""
        body = self.rows[first_row:]
        width = max((len(r) for r in self.rows), default=0)
        frame = pd.DataFrame(body, columns=range(width), dtype=object) if body else pd.DataFrame(columns=range(width))
        source_row = np.arange(first_row + 1, first_row + 1 + len(frame), dtype=np.int64)
        if len(frame) and width:
            blank = np.logical_and.reduce([is_blank(frame[c]) for c in frame.columns])
            frame = frame[~blank].reset_index(drop=True)
            source_row = source_row[~blank]
        return frame, source_row


def read_sheet(path: Path, format_name: str, sniff: Callable[[str], bool] | None = None) -> Sheet:
    """The data sheet of a workbook (see data_sheet); anything that is not a readable workbook raises InputFileError."""
    _check_is_workbook(path, format_name)
    return Sheet(path=path, rows=_sheet_rows(path, data_sheet(path, sniff)))


def _check_is_workbook(path: Path, format_name: str) -> None:
    magic = leading_bytes(path, 8)
    if not magic.strip():
        raise InputFileError(path, "the file is empty")
    if not is_workbook_bytes(magic):
        raise InputFileError(path, f"not a spreadsheet (xlsx): a {format_name} file is an Excel workbook")


def read_named_sheet(path: Path, format_name: str, name: str) -> Sheet:
    """The sheet called `name` (a layout that names its data sheet); a workbook without it is an InputFileError."""
    _check_is_workbook(path, format_name)
    names = _sheet_names(path)
    if name not in names:
        raise InputFileError(path, f"no sheet {name!r} (the workbook has {', '.join(map(repr, names)) or 'none'})")
    return Sheet(path=path, rows=_sheet_rows(path, names.index(name)))


def _kinds(cells: pd.Series) -> pd.Series:
    return cells.map(type, na_action="ignore")


def is_blank(cells: pd.Series) -> np.ndarray:
    """Empty cells: nothing in them, or only spaces."""
    kinds = _kinds(cells)
    text = kinds.eq(str).to_numpy()
    blank = cells.isna().to_numpy().copy()
    if text.any():
        blank[text] = cells[text].astype("string").str.strip().eq("").to_numpy(dtype=bool)
    return blank


def _is_number(kinds: pd.Series) -> np.ndarray:
    return kinds.isin([float, int]).to_numpy()


def _is_moment(kinds: pd.Series) -> np.ndarray:
    return kinds.isin([dt.date, dt.datetime, pd.Timestamp]).to_numpy()


def texts(cells: pd.Series) -> pa.Array:
    """Every cell as text: text cells as written, numbers without a needless ".0", dates as yyyy-mm-dd."""
    kinds = _kinds(cells)
    out = pd.Series("", index=cells.index, dtype="string")
    text = kinds.eq(str).to_numpy()
    out[text] = cells[text].astype("string")
    number = _is_number(kinds)
    if number.any():
        values = cells[number].astype("float64")
        whole = np.isfinite(values) & (values == np.round(values)) & (values.abs() < 1e15)
        rendered = values.astype("string")
        rendered[whole] = values[whole].astype("int64").astype("string")
        out[number] = rendered
    boolean = kinds.eq(bool).to_numpy()
    if boolean.any():
        out[boolean] = cells[boolean].map({True: "true", False: "false"}).astype("string")
    moment = _is_moment(kinds)
    if moment.any():
        stamps = pd.to_datetime(cells[moment], errors="coerce")
        out[moment] = stamps.dt.strftime("%Y-%m-%d %H:%M:%S").str.removesuffix(" 00:00:00").astype("string")
    return pa.array(out.fillna(""), pa.string())


def numbers(cells: pd.Series, parse_text: Callable[[pa.Array], np.ndarray]) -> np.ndarray:
    """Numbers: numeric cells as they are, text cells through `parse_text` (cell_numbers.decimal for decimal
    commas, which keeps an infinity for validation to quarantine); anything else (dates, booleans,
    unreadable text) is NaN."""
    kinds = _kinds(cells)
    result = np.full(len(cells), np.nan)
    number = _is_number(kinds)
    if number.any():
        result[number] = cells[number].astype("float64").to_numpy()
    text = kinds.eq(str).to_numpy()
    if text.any():
        result[text] = parse_text(pa.array(cells[text].astype("string").fillna(""), pa.string()))
    return result


def dates(cells: pd.Series, parse_text: Callable[[pa.Array], pd.Series]) -> pd.Series:
    """Calendar days as naive midnights: date cells as they are, text through `parse_text`
    (cell_times.local_date); anything else is NaT."""
    kinds = _kinds(cells)
    result = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[s]")
    moment = _is_moment(kinds)
    if moment.any():
        stamps = pd.to_datetime(cells[moment], errors="coerce")
        if isinstance(stamps.dtype, pd.DatetimeTZDtype):
            stamps = stamps.dt.tz_localize(None)
        result[moment] = stamps.dt.normalize().astype("datetime64[s]")
    text = kinds.eq(str).to_numpy()
    if text.any():
        parsed = parse_text(pa.array(cells[text].astype("string").fillna(""), pa.string()))
        result[text] = parsed.to_numpy(dtype="datetime64[s]")
    return result
