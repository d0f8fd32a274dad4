"""`footprint parse FILE [--format NAME] [--ean EAN] --out OUT.csv`: a provider's utility export in
footprint's canonical meter-usage CSV, plus the notes a person should read (meter replacements,
counter resets, gaps, usage that does not match the readings).

    ean,start,end,quantity,unit,direction,tariff,estimated,source_file,source_row
    871687120058657526,2023-01-01T00:00:00+01:00,2023-01-01T00:15:00+01:00,0.11,kWh,consumption,low,false,d.xlsx,2

Timestamps are ISO-8601 local time with their UTC offset, so the doubled autumn hour stays two distinct
intervals; a missing value is an empty field. The text is built a whole column at a time (pandas
formats aware timestamps one by one, which is slow for a year of 15-minute data) and DuckDB writes
the file.
"""

from __future__ import annotations

import inspect
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from footprint import schemas
from footprint.errors import UsageError
from footprint.sources import SourceFormat, detect_format, get_format
from footprint.sources.meters import EanOption, Note

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


def _takes_ean(fmt: SourceFormat) -> bool:
    return "ean" in inspect.signature(fmt.read).parameters


def parse_file(path: str | Path, *, format_name: str | None = None, ean: EanOption = None) -> ParsedExport:
    """Read a file with the format its content shows (or `format_name`, as --format forces it).

    `ean` is the connection's EAN for exports that do not carry it (see footprint.sources.meters for
    the forms it takes); for exports that name their EANs it selects which to keep. Raises
    InputFileError for a file that is unreadable, of no known format or missing a needed EAN, and
    UsageError for an unknown format name, a malformed EAN or an EAN the format cannot use.
    """
    path = Path(path)
    fmt = get_format(format_name) if format_name else detect_format(path)
    report = getattr(fmt, "read_with_report", None)
    if report is not None:
        frame, notes = report(path, ean=ean)
    elif _takes_ean(fmt):
        frame, notes = fmt.read(path, ean=ean), []  # type: ignore[call-arg]
    elif ean:
        raise UsageError(f"{fmt.NAME} files name their own EAN: --ean is not used for them")
    else:
        frame, notes = fmt.read(path), []
    return ParsedExport(path=path, format_name=fmt.NAME, dataset=fmt.DATASET, frame=frame, notes=tuple(notes))


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
            f"footprint parse writes meter usage (utility files); this table lacks {', '.join(missing)}: "
            "not a meter_usage format"
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
    return n
