"""When each row's interval is, where a profile needs two columns for an end or the rows' order for a time.

The table's parser (meter_profile_table.row_moments) reads each time on its own, and a local time
without offset in the doubled autumn hour is left empty there: which of the two it is cannot be
read from the cell. Two time-axis keys need more, and are read here:

- `time.end_date_column` + `time.end_time_column`: an end written as a date and a time of day in two
  columns (Fluvius' Until (date), Until (time)), joined by a space and read in `time.formats`.
- `time.ambiguous: order`: the export writes the doubled hour twice with the same text, in the order
  it happened (Fluvius, 29-10-2023: "02:45-02:00" then "02:45-03:00", the first ending at 03:00
  summer time, which is 02:00 winter time). Per series (the rows of one type, unit and EAN cell) the
  first occurrence of a local time is then summer time and the second winter time, and an end is the
  first instant with its text after the start. An interval whose length, so placed, is not its
  series' usual one (the most common; the shorter on a tie) cannot be placed: both times are left
  empty, so validation refuses the row, with one note. A time in the skipped spring hour stays empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from footprint.schemas import LOCAL_TZ
from footprint.sources.cell_sql import sql
from footprint.sources.cell_times import strptime_each
from footprint.sources.meter_profile_schema import MeterProfile, TimeAxis, UnitColumn
from footprint.sources.meter_profile_table import (
    TIMESTAMP_US,
    ProfileCells,
    parse_moments,
    row_moments,
    words,
)
from footprint.sources.notes import Note, first_row_note


def placed_times(cells: ProfileCells, profile: MeterProfile) -> tuple[pd.Series, pd.Series | None, list[Note]]:
    """Each row's timestamp and its explicit end (None without one), aware; the notes on rows not placed."""
    axis = profile.time
    if axis.ambiguous != "order" and axis.end_date_column is None:
        moments, end = row_moments(cells, profile)
        return moments, end, []
    start_text = _stamps(cells, axis.column or axis.date_column or "", None if axis.column else axis.time_column)
    end_text = _end_stamps(cells, axis)
    if axis.ambiguous != "order":
        end = None if end_text is None else parse_moments(end_text, axis.formats)
        return parse_moments(start_text, axis.formats), end, []
    return _by_row_order(cells, profile, start_text, end_text)


def _stamps(cells: ProfileCells, date: str, time: str | None) -> pa.Array:
    """The date column's text, or the date and the time column's text joined by a space."""
    return cells.text(date) if time is None else pc.binary_join_element_wise(cells.text(date), cells.text(time), " ")


def _end_stamps(cells: ProfileCells, axis: TimeAxis) -> pa.Array | None:
    if axis.end_column is not None:
        return cells.text(axis.end_column)
    if axis.end_date_column is not None:
        return _stamps(cells, axis.end_date_column, axis.end_time_column)
    return None


def _by_row_order(
    cells: ProfileCells, profile: MeterProfile, start_text: pa.Array, end_text: pa.Array | None
) -> tuple[pd.Series, pd.Series | None, list[Note]]:
    axis = profile.time
    series = _series(cells, profile)
    naive_start = _wall_clock(start_text, axis.formats)
    seen = pd.DataFrame({"series": series, "at": naive_start}).groupby(["series", "at"], dropna=False).cumcount()
    start = _placed(naive_start, axis.timezone, seen.eq(0).to_numpy())
    if end_text is None:
        return start, None, []
    naive_end = _wall_clock(end_text, axis.formats)
    summer = _placed(naive_end, axis.timezone, np.ones(len(naive_end), dtype=bool))
    winter = _placed(naive_end, axis.timezone, np.zeros(len(naive_end), dtype=bool))
    end = summer.where(summer > start, winter)
    odd = _not_the_usual_length(series, start, end)
    notes = first_row_note(
        "unreadable_time",
        odd,
        cells.source_row,
        "rows whose start and end, placed in local time (the doubled hour by the order of the rows), are not "
        "their series' usual interval apart",
        "their times are left empty, so validation refuses them",
    )
    return start.mask(odd), end.mask(odd), notes


def _series(cells: ProfileCells, profile: MeterProfile) -> np.ndarray:
    """A code per row for its series: the same type (long layout), unit column cell and EAN cell."""
    names = [profile.long.type_column] if profile.long is not None else []
    names += [c.unit.column for c in profile.channels if isinstance(c.unit, UnitColumn)]
    names += [profile.ean.column] if profile.ean.column is not None else []
    code = np.zeros(len(cells), dtype=np.int64)
    for name in dict.fromkeys(n for n in names if cells.has(n)):
        own, distinct = pd.factorize(words(cells, name))
        code = pd.factorize(code * (len(distinct) + 1) + own)[0]
    return code


def _wall_clock(values: pa.Array, formats: tuple[str, ...]) -> pd.Series:
    """Local times without offset, naive, in the first of `formats` that reads each cell; NaT where none does."""
    parsed = sql(f"SELECT {strptime_each('trim(v)', formats)} AS t FROM cells", v=values)["t"]
    return pd.Series(parsed.to_pandas(), dtype="datetime64[us]")


def _placed(naive: pd.Series, timezone: str, summer: np.ndarray) -> pd.Series:
    """Wall-clock times on `timezone`'s clock, the doubled hour's summer time where `summer`; the skipped hour NaT."""
    aware = naive.dt.tz_localize(timezone, ambiguous=summer, nonexistent="NaT")
    return aware.dt.tz_convert(LOCAL_TZ).astype(TIMESTAMP_US)


def _not_the_usual_length(series: np.ndarray, start: pd.Series, end: pd.Series) -> np.ndarray:
    """Rows whose interval is not the most common length of their series (the shorter one on a tie)."""
    known = (start.notna() & end.notna()).to_numpy()
    length = np.zeros(len(start), dtype=np.int64)
    length[known] = (end[known] - start[known]).to_numpy(dtype="timedelta64[us]").astype(np.int64)
    pairs, counts = np.unique(np.stack([series[known], length[known]]), axis=1, return_counts=True)
    order = np.lexsort((pairs[1], -counts, pairs[0]))  # per series: the most rows first, then the shorter
    first = order[np.r_[True, pairs[0][order][1:] != pairs[0][order][:-1]]]
    usual = dict(zip(pairs[0][first].tolist(), pairs[1][first].tolist(), strict=True))
    usual_length = np.array([usual.get(code, -1) for code in range(int(series.max(initial=-1)) + 1)], dtype=np.int64)
    return known & (length != usual_length[series])
