"""Calendar months as intervals (`time.interval: 1mo`) and readings dated at the end of their row's period.

A month is no fixed length (28 to 31 days, and an hour less or more in March and October), so a row's
interval runs from local midnight on the 1st to the 1st of the next month, counted on the calendar. A
timestamp that is not a month's first instant is not a month: that row's time is left unread, with a
note, never moved to a month start.

P1mon's monthly sheet stamps each row with the month's first day, but its readings are those at the end
of that month (the last P1mon saw in it): `time.reading_at: period_end` dates each reading at its
period's end (the row of May 2019 at 1 June 00:00), so a month's usage is its row minus the row before.
The newest period may still have been running when the file was written: one `partial_period` note.

With readings a month apart, a missing month makes an interval over two months, which the reader
leaves empty with a `spans_months` note; the spacing rule of `long_interval` (the most common distance
between readings) does not apply to months of different lengths, so those notes are not given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa

from footprint.schemas import LOCAL_TZ
from footprint.sources.meter_intervals import format_moment
from footprint.sources.meter_profile_schema import MeterProfile
from footprint.sources.notes import Note, first_row_note
from footprint.sources.text_head import Column

_STAMPS: Final = f"datetime64[us, {LOCAL_TZ}]"
ParseMoments = Callable[[pa.Array, Sequence[str]], pd.Series]


def _month_starts(moments: pd.Series) -> np.ndarray:
    """Which moments are a month's first instant on the local clock (midnight on the 1st)."""
    local = moments.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    return ~np.isnat(local) & (local == local.astype("datetime64[M]").astype("datetime64[us]"))


def month_moments(moments: pd.Series, profile: MeterProfile, source_row: np.ndarray) -> tuple[pd.Series, list[Note]]:
    """With `interval: 1mo`, the row times that are month starts; any other time is left unread (NaT), noted."""
    if not profile.time.months:
        return moments, []
    off = moments.notna().to_numpy() & ~_month_starts(moments)
    notes = first_row_note(
        "unreadable_time",
        off,
        source_row,
        "rows whose time is not the first of a month at 00:00",
        "their time is left unread: time.interval 1mo takes calendar months",
    )
    return moments.mask(pd.Series(off, index=moments.index)), notes


def month_bounds(moments: pd.Series, marks: str) -> tuple[pd.Series, pd.Series]:
    """Each month start's interval: to the next month's start (marks start) or from the month before (end)."""
    months = moments.dt.tz_localize(None).to_numpy(dtype="datetime64[M]")
    other = (months + (1 if marks == "start" else -1)).astype("datetime64[us]")
    placed = pd.Series(other, index=moments.index).dt.tz_localize(LOCAL_TZ, ambiguous="NaT", nonexistent="NaT")
    other_end = placed.astype(_STAMPS)
    return (moments, other_end) if marks == "start" else (other_end, moments)


def partial_period_notes(moments: pd.Series, source_row: np.ndarray) -> list[Note]:
    """The newest period's reading is the latest when the file was written, not necessarily its end's."""
    if not moments.notna().any():
        return []
    newest = int(np.argmax(moments.to_numpy(dtype="datetime64[us]").astype(np.int64)))
    return [
        Note(
            "partial_period",
            f"the newest period (row {int(source_row[newest])}, from {format_moment(moments.iloc[newest])}) may still "
            "have been running when the file was exported: its readings are the latest then, so its usage runs to "
            "the export, not to the period's end",
            row=int(source_row[newest]),
        )
    ]


def without_spacing_notes(notes: list[Note], profile: MeterProfile) -> list[Note]:
    """Monthly readings: drop `long_interval` (a month missing is already a `spans_months` note)."""
    return [note for note in notes if note.kind != "long_interval"] if profile.time.months else notes


def head_is_monthly(
    rows: Sequence[Sequence[str]], header: int, profile: MeterProfile, parse: ParseMoments
) -> bool:
    """Whether a table's first rows can be the profile's months: every readable time below the header a
    month start, and two consecutive ones a month apart. P1mon writes the same meter in one workbook per
    minute, hour, day, month and year under the same header: only this tells the monthly sheet apart
    (a profile without `1mo` is not asked)."""
    if not profile.time.months:
        return True
    axis = profile.time
    names = [Column(name) for name in (axis.column or axis.date_column, axis.time_column) if name is not None]
    found = [next((i for i, cell in enumerate(rows[header]) if column.accepts(cell)), -1) for column in names]
    if min(found) < 0:
        return False
    below = [row for row in rows[header + 1 :] if max(found) < len(row) and row[found[0]].strip()]
    cells = [" ".join(row[i].strip() for i in found) for row in below]  # a date and a time joined, as read
    moments = parse(pa.array(cells, pa.string()), axis.formats)
    moments = moments[moments.notna()]
    if len(moments) < 2 or not _month_starts(moments).all():
        return False
    months = moments.dt.tz_localize(None).to_numpy(dtype="datetime64[M]").astype(np.int64)
    return bool((np.diff(months) == 1).any())
