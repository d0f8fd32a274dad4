"""Date and time cells to timestamps, a column at a time: instants with their UTC offset, local dates and times.

An instant is aware Europe/Amsterdam time; a calendar date is a naive midnight. A cell that cannot be
read, names an impossible date (31-02) or a year outside PLAUSIBLE_YEARS is NaT, never an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from footprint.schemas import LOCAL_TZ
from footprint.sources.cell_sql import all_match, sql

_OFFSET_FORMATS: Final = ("%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M%z")
_ISO_WITH_OFFSET: Final = r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,6})?([+-]\d\d:\d\d|Z)$"
DATE_FORMATS: Final = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")
TIME_FORMATS: Final = ("%H:%M", "%H:%M:%S")
# Years outside this window are misreadings (DuckDB's %Y takes "24" as the year 24), not activity.
PLAUSIBLE_YEARS: Final = range(1900, 2200)


def _plausible(moments: pd.Series) -> pd.Series:
    first = pd.Timestamp(PLAUSIBLE_YEARS.start, 1, 1)
    end = pd.Timestamp(PLAUSIBLE_YEARS.stop, 1, 1)
    if isinstance(moments.dtype, pd.DatetimeTZDtype):
        first, end = first.tz_localize(moments.dt.tz), end.tz_localize(moments.dt.tz)
    return moments.where((moments >= first) & (moments < end))


def _on_local_clock(naive: pd.Series) -> pd.Series:
    """Naive wall-clock times placed in Amsterdam time; the doubled and the skipped hour are NaT."""
    local = naive.dt.tz_localize(LOCAL_TZ, ambiguous="NaT", nonexistent="NaT")
    return local.astype(f"datetime64[us, {LOCAL_TZ}]")


def _formats(formats: Sequence[str]) -> str:
    return "[" + ", ".join(f"'{f}'" for f in formats) + "]"


def strptime_each(expression: str, formats: Sequence[str]) -> str:
    """SQL trying the formats one at a time. Given a list of formats with %z, DuckDB 1.5's
    TRY_STRPTIME rolls an impossible date over (31-02 becomes 03-03) instead of returning NULL."""
    return "COALESCE(" + ", ".join(f"TRY_STRPTIME({expression}, '{f}')" for f in formats) + ")"


def instant(values: pa.Array) -> pd.Series:
    """ISO-8601 timestamps to aware Europe/Amsterdam time.

    With a UTC offset ("+01:00", "Z") the instant is unambiguous, which is how interval exports keep
    the 25-hour day apart. Without one the time is local: the doubled and the skipped hour are NaT.
    """
    if all_match(values, _ISO_WITH_OFFSET):
        # The interval exports' own form: Arrow reads it as DuckDB does, without a query per file.
        try:
            utc = pc.cast(values, pa.timestamp("us", "UTC"))
        except pa.ArrowInvalid:
            pass  # an impossible date or hour (31-02, 24:00): DuckDB's rules below decide
        else:
            return _plausible(utc.to_pandas().dt.tz_convert(LOCAL_TZ))
    first = sql(
        """
        SELECT aware, epoch_us(aware) = epoch_us(TRY_CAST(v AS TIMESTAMP)) AS reads_as_utc
        FROM (SELECT v, TRY_CAST(v AS TIMESTAMPTZ) AS aware FROM cells)
        """,
        v=values,
    )
    aware = first["aware"].to_pandas().dt.tz_convert(LOCAL_TZ).astype(f"datetime64[us, {LOCAL_TZ}]")
    # DuckDB reads a value without offset as UTC: find those and place them in local time instead.
    reads_as_utc = first["reads_as_utc"].fill_null(False).to_numpy(zero_copy_only=False)
    if reads_as_utc.any():
        rows = np.flatnonzero(reads_as_utc)
        written_utc = pc.match_substring_regex(values.take(rows), r"(Z|[+-]00(:?00)?)\s*$")
        rows = rows[~written_utc.fill_null(False).to_numpy(zero_copy_only=False)]
        if len(rows):
            naive = sql("SELECT TRY_CAST(v AS TIMESTAMP) AS t FROM cells", v=values.take(rows))["t"].to_pandas()
            aware.iloc[rows] = _on_local_clock(naive).array
    unread = aware.isna().to_numpy() & pc.greater(pc.binary_length(values), 0).fill_null(False).to_numpy(
        zero_copy_only=False
    )
    if unread.any():
        rows = np.flatnonzero(unread)
        retry = sql(f"SELECT {strptime_each('trim(v)', _OFFSET_FORMATS)} AS t FROM cells", v=values.take(rows))[
            "t"
        ].to_pandas()
        aware.iloc[rows] = retry.dt.tz_convert(LOCAL_TZ).astype(f"datetime64[us, {LOCAL_TZ}]").array
    return _plausible(aware)


def local_date(values: pa.Array, formats: Sequence[str] = DATE_FORMATS, *, any_year: bool = False) -> pd.Series:
    """Calendar dates (dd-mm-yyyy first) as naive midnight timestamps; unreadable or impossible dates are NaT.

    any_year keeps a year outside PLAUSIBLE_YEARS (0001, 9999) for validation to name: for a month
    written in full (a statement's Periode), where a two-digit year cannot be misread.
    """
    result = sql(f"SELECT TRY_STRPTIME(trim(v), {_formats(formats)}) AS d FROM cells", v=values)
    dates = result["d"].to_pandas()
    return (dates if any_year else _plausible(dates)).astype("datetime64[s]")


def local_datetime(
    dates: pa.Array,
    times: pa.Array,
    date_formats: Sequence[str] = DATE_FORMATS,
    time_formats: Sequence[str] = TIME_FORMATS,
) -> pd.Series:
    """A local date plus a wall-clock time to aware Europe/Amsterdam time.

    A missing time counts as midnight (the date still places the row in its month); a time that is
    present but unreadable makes the whole value NaT. A time in the skipped spring hour is read as a
    clock not yet put forward (02:30 is 03:30 summer time); one in the doubled autumn hour takes the
    first (summer-time) occurrence.
    """
    formats = [f"{d} {t}" for d in date_formats for t in time_formats]
    result = sql(
        f"""
        SELECT CASE WHEN coalesce(nullif(trim(t), ''), '-') = '-'
            THEN TRY_STRPTIME(trim(d), {_formats(date_formats)})
            ELSE TRY_STRPTIME(trim(d) || ' ' || trim(t), {_formats(formats)})
        END AS at
        FROM cells
        """,
        d=dates,
        t=times,
    )
    naive = _plausible(result["at"].to_pandas())
    first_occurrence = np.ones(len(naive), dtype=bool)
    return naive.dt.tz_localize(LOCAL_TZ, ambiguous=first_occurrence, nonexistent=pd.Timedelta(hours=1)).astype(
        f"datetime64[us, {LOCAL_TZ}]"
    )


def at_local_midnight(dates: pd.Series) -> pd.Series:
    """Naive calendar dates to the aware instant their day starts in Amsterdam (never a DST gap)."""
    return dates.dt.tz_localize(LOCAL_TZ).astype(f"datetime64[us, {LOCAL_TZ}]")


def month_start(moments: pd.Series) -> np.ndarray:
    """First day of the local calendar month, as the naive datetime64[s] the `period` column holds."""
    if isinstance(moments.dtype, pd.DatetimeTZDtype):
        moments = moments.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
    return moments.to_numpy(dtype="datetime64[s]").astype("datetime64[M]").astype("datetime64[s]")


_DMY_OFFSET_FORMATS: Final = ("%d-%m-%Y %H:%M:%S %z", "%d-%m-%Y %H:%M %z", "%d-%m-%Y %H:%M:%S%z", "%d-%m-%Y %H:%M%z")
_DMY_LOCAL_FORMATS: Final = ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M")


def dutch_instant(values: pa.Array) -> pd.Series:
    """Timestamps as Dutch portals write them, to aware Europe/Amsterdam time.

    "01-01-2023 00:15:00 +0100" (day first, UTC offset) is unambiguous; ISO-8601 works as in
    instant(); a day-first local time without offset is placed in local time, where the doubled
    and the skipped hour are NaT.
    """
    aware = sql(
        f"SELECT {strptime_each('trim(v)', _DMY_OFFSET_FORMATS)} AS t FROM cells", v=values
    )["t"].to_pandas()
    result = aware.dt.tz_convert(LOCAL_TZ).astype(f"datetime64[us, {LOCAL_TZ}]")
    unread = result.isna().to_numpy()
    if unread.any():
        rows = np.flatnonzero(unread)
        iso = instant(values.take(rows))
        result.iloc[rows] = iso.array
        unread = result.isna().to_numpy()
    if unread.any():
        rows = np.flatnonzero(unread)
        naive = sql(
            f"SELECT {strptime_each('trim(v)', _DMY_LOCAL_FORMATS)} AS t FROM cells",
            v=values.take(rows),
        )["t"].to_pandas()
        result.iloc[rows] = _on_local_clock(naive).array
    return _plausible(result)
