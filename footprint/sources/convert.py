"""`footprint parse FILE`: any export footprint reads, checked before ingesting it, and optionally
written out as the canonical CSV of its dataset.

Meter usage keeps the columns tools already read:

    ean,start,end,quantity,unit,direction,tariff,estimated,source_file,source_row
    871687120058657526,2023-01-01T00:00:00+01:00,2023-01-01T00:15:00+01:00,0.11,kWh,consumption,low,false,d.xlsx,2

Fuel transactions and supplier activity are written in their canonical columns (footprint.schemas),
`source_row` moved to the end behind `source_file` as in the meter file. Timestamps are ISO-8601 local
time with their UTC offset, so the doubled autumn hour stays two distinct intervals; dates (period,
activity_date) are yyyy-mm-dd; a missing value is an empty field. The text is built a whole column at
a time (pandas formats aware timestamps one by one, which is slow for a year of 15-minute data) and
DuckDB writes the file. Card numbers and driver names are never written as read: the caller replaces
them (see `masked`) before writing.

`totals` sums what a file holds the way a person checks it against the provider's portal: fuel per
product and unit, meter usage per EAN, direction, tariff and unit, supplier activity per activity
type and unit, each with its rows and the rows without a readable quantity.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from footprint import schemas
from footprint.errors import UsageError
from footprint.sources.fuelcard_profile import skipped_records
from footprint.sources.meter_eans import EanOption, selected_eans
from footprint.sources.notes import Note
from footprint.sources.registry import SourceFormat, detect_format, get_format

CANONICAL_HEADER: Final = (
    "ean",
    "start",
    "end",
    "quantity",
    "unit",
    "direction",
    "tariff",
    "estimated",
    "source_file",
    "source_row",
)


@dataclass(frozen=True)
class ParsedExport:
    """One parsed file: the format that read it, its canonical table and the notes about it."""

    path: Path
    format_name: str
    dataset: str
    frame: pd.DataFrame
    notes: tuple[Note, ...]


TOTAL_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    schemas.FUEL_TRANSACTIONS: ("product", "unit"),
    schemas.METER_USAGE: ("ean", "direction", "tariff", "unit"),
    schemas.SUPPLIER_ACTIVITY: ("activity_type", "unit"),
}
PERSONAL_COLUMNS: Final = ("card_number", "driver")
SHOWN_CHARACTERS: Final = 4


def _format(path: Path, format_name: str | None, own_formats: Sequence[SourceFormat]) -> SourceFormat:
    """The organisation's own formats (fuel-card and meter export profiles) first, as ingest tries them, then the built-in ones."""
    if format_name:
        return next((f for f in own_formats if f.NAME == format_name), None) or get_format(format_name)
    return detect_format(path, own_formats)


def parse_file(
    path: str | Path,
    *,
    format_name: str | None = None,
    ean: EanOption = None,
    assigned_ean: EanOption = None,
    own_formats: Sequence[SourceFormat] = (),
) -> ParsedExport:
    """Read a file with the format its content shows (or `format_name`, as --format forces it).

    Meter data follows the one meter rule (row_eans): a row's EAN is the file's own where it is
    valid; rows without one take `ean` (the user's --ean), else `assigned_ean` (the meter footprint.yaml
    assigns the file to). `ean` also selects: rows of other EANs are dropped (rows left without any EAN
    stay), and an EAN it names that the file neither holds nor needed is an InputFileError. Raises
    InputFileError for a file that is unreadable, of no known format or missing a needed EAN, and
    UsageError for an unknown format name, a malformed EAN, or an EAN given for a file that holds no
    meter data.
    """
    path = Path(path)
    fmt = _format(path, format_name, own_formats)
    if fmt.DATASET != schemas.METER_USAGE:
        if ean:
            raise UsageError(f"--ean is for meter data; {fmt.NAME} files hold {fmt.DATASET}")
        frame = fmt.read(path)
        return ParsedExport(path, fmt.NAME, fmt.DATASET, frame, tuple(_skipped_notes(frame)))
    given = ean or assigned_ean or None
    report = getattr(fmt, "read_with_report", None)
    frame, notes = report(path, ean=given) if report is not None else (fmt.read(path, ean=given), [])
    if ean:
        # Rows without any EAN (a word the reader could not place) stay, so the check shows them.
        keep = selected_eans(frame["ean"], ean, path) | frame["ean"].isna().to_numpy()
        frame = frame[keep].reset_index(drop=True)
    return ParsedExport(path=path, format_name=fmt.NAME, dataset=fmt.DATASET, frame=frame, notes=tuple(notes))


def _skipped_notes(frame: pd.DataFrame) -> list[Note]:
    """Fixed-width fuel-card files count the records that are no transaction (file header, totals)."""
    return [
        Note("skipped_records", f"{count} record{'s' if count != 1 else ''} of type {kind!r} skipped: not transactions")
        for kind, count in skipped_records(frame).items()
    ]


def totals(parsed: ParsedExport) -> pd.DataFrame:
    """Rows and quantity per key of the dataset (TOTAL_KEYS), sorted by key; a missing key value stays <NA>.

    Columns: the keys, `rows`, `quantity` (the sum of the readable quantities) and `unreadable`
    (rows whose quantity is missing: validation refuses them).
    """
    keys = list(TOTAL_KEYS[parsed.dataset])
    frame = parsed.frame
    quantity = frame["quantity"].astype("float64")
    work = frame[keys].astype("string").assign(quantity=quantity, unreadable=quantity.isna())
    grouped = work.groupby(keys, dropna=False, sort=True)
    return pd.DataFrame(
        {
            "rows": grouped.size(),
            "quantity": grouped["quantity"].sum(min_count=0),
            "unreadable": grouped["unreadable"].sum().astype("int64"),
        }
    ).reset_index()


def masked(values: pd.Series, shown: int = SHOWN_CHARACTERS) -> pd.Series:
    """Personal data (card numbers, driver names) with all but the last `shown` characters replaced by `*`.

    For `footprint parse --out` without a workspace key to pseudonymise with: enough to recognise a card
    in the provider's portal, not enough to use it. A value of `shown` characters or fewer is masked whole.
    """
    text = values.astype("string")
    length = text.str.len().fillna(0).astype("int64")
    hidden = length.where(length <= shown, length - shown)
    stars = pd.Series("*", index=text.index, dtype="string").str.repeat(hidden.to_numpy())
    tail = text.str.slice(-shown).where(length > shown, "")
    return (stars + tail).where(text.notna()).astype("string")


def iso_text(moments: pd.Series) -> np.ndarray:
    """Aware timestamps as "2023-10-29T02:00:00+02:00" text, whole column at a time; NaT is ""."""
    if not isinstance(moments.dtype, pd.DatetimeTZDtype):
        raise TypeError("iso_text needs timezone-aware timestamps")
    wall = moments.dt.tz_localize(None).to_numpy(dtype="datetime64[s]")
    utc = moments.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[s]")
    missing = np.isnat(wall)
    seconds = np.where(missing, 0, (wall - utc).astype("timedelta64[s]").astype(np.int64))
    distinct, which = np.unique(seconds, return_inverse=True)
    suffixes = np.array(
        [f"{'+' if s >= 0 else '-'}{abs(int(s)) // 3600:02d}:{abs(int(s)) % 3600 // 60:02d}" for s in distinct],
        dtype=str,
    )
    text = np.char.add(np.datetime_as_string(wall, unit="s"), suffixes[which] if len(distinct) else "")
    text[missing] = ""
    return text


def _text(values: pd.Series) -> pa.Array:
    """Text with empty values as null, so the CSV shows an empty field (DuckDB writes "" for empty text)."""
    text = values.astype("string")
    return pa.array(text.mask(text.eq("").fillna(False)), pa.string(), from_pandas=True)


def write_canonical_csv(frame: pd.DataFrame, out_path: str | Path, source_file: str | Path) -> int:
    """Write a meter_usage frame as the canonical CSV (header CANONICAL_HEADER); returns the rows written.

    Fields are quoted only where they must be (a comma or quote inside). The file is written next to
    `out_path` and moved into place, so a failed run leaves no half-written file.
    """
    missing: Sequence[str] = [c for c in schemas.COLUMNS[schemas.METER_USAGE] if c not in frame.columns]
    if missing:
        raise UsageError(
            f"write_canonical_csv writes meter usage (utility files); this table lacks {', '.join(missing)}: "
            "write other datasets with write_dataset_csv"
        )
    n = len(frame)
    quantity = frame["quantity"].astype("float64").to_numpy()
    estimated = frame["estimated"].astype("boolean")
    table = pa.table(
        {
            "ean": _text(frame["ean"]),
            "start": _text(pd.Series(iso_text(frame["interval_start"]))),
            "end": _text(pd.Series(iso_text(frame["interval_end"]))),
            "quantity": pa.array(np.where(np.isfinite(quantity), quantity, np.nan), pa.float64(), from_pandas=True),
            "unit": _text(frame["unit"]),
            "direction": _text(frame["direction"]),
            "tariff": _text(frame["tariff"]),
            "estimated": _text(pd.Series(estimated.map({True: "true", False: "false"}), dtype="string")),
            "source_file": pa.array(np.full(n, str(source_file), dtype=object), pa.string()),
            "source_row": pa.array(frame["source_row"].astype("int64").to_numpy(), pa.int64()),
        }
    )
    return _write_atomically(table, out_path)


def _write_atomically(table: pa.Table, out_path: str | Path) -> int:
    """Write next to `out_path` and move into place, so a failed run leaves no half-written file."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(handle)
    try:
        with duckdb.connect() as con:
            con.from_arrow(table).write_csv(temporary, header=True, sep=",")
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return table.num_rows


def _column(values: pd.Series) -> pa.Array:
    """One canonical column as the CSV shows it: aware timestamps ISO with offset, naive ones as dates."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return _text(pd.Series(iso_text(values)))
    if pd.api.types.is_datetime64_dtype(values.dtype):
        days = values.to_numpy(dtype="datetime64[D]")
        text = np.datetime_as_string(days, unit="D").astype(object)
        text[np.isnat(days)] = None
        return pa.array(text, pa.string())
    if pd.api.types.is_bool_dtype(values.dtype):
        return _text(pd.Series(values.astype("boolean").map({True: "true", False: "false"}), dtype="string"))
    if pd.api.types.is_float_dtype(values.dtype):
        numbers = values.astype("float64").to_numpy()
        return pa.array(np.where(np.isfinite(numbers), numbers, np.nan), pa.float64(), from_pandas=True)
    if pd.api.types.is_integer_dtype(values.dtype):
        return pa.array(values.astype("Int64"), pa.int64(), from_pandas=True)
    return _text(values)


def dataset_header(dataset: str) -> tuple[str, ...]:
    """The columns `write_dataset_csv` writes for a dataset."""
    if dataset == schemas.METER_USAGE:
        return CANONICAL_HEADER
    return (*(c for c in schemas.COLUMNS[dataset] if c != "source_row"), "source_file", "source_row")


def write_dataset_csv(frame: pd.DataFrame, dataset: str, out_path: str | Path, source_file: str | Path) -> int:
    """Write any dataset's frame as its canonical CSV (meter usage as write_canonical_csv); returns the rows.

    Personal columns are written as the frame holds them: mask or pseudonymise them first.
    """
    if dataset == schemas.METER_USAGE:
        return write_canonical_csv(frame, out_path, source_file)
    columns = {name: _column(frame[name]) for name in schemas.COLUMNS[dataset] if name != "source_row"}
    columns["source_file"] = pa.array(np.full(len(frame), str(source_file), dtype=object), pa.string())
    columns["source_row"] = pa.array(frame["source_row"].astype("int64").to_numpy(), pa.int64())
    return _write_atomically(pa.table(columns), out_path)
