"""What a meter export profile makes of a file, for a person to judge before using it: the first canonical
rows, the totals per meter and channel, the interval lengths, the gaps, the intervals read twice, the
daylight-saving days and the notes.

The totals are what to compare with the export's own (a portal's year total, a meter's readings); the
clock-change days show whether the profile's time axis is right: on the last Sunday of March a day has
23 hours and on the last Sunday of October 25, so a complete series has 92 or 100 quarter hours there,
and a series that shows 24 hours on such a day has lost or doubled an hour. The gaps are the engine's own
notes (meter_intervals.interval_notes), counted here, not found again. An interval read twice in one
series (two columns the profile gives the same carrier, direction, tariff and unit, a row exported twice)
is one the engine's notes do not show: it would count its use twice. No printing here: the CLI prints
the `Preview`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from footprint.schemas import LOCAL_TZ
from footprint.sources.meter_eans import EanOption
from footprint.sources.meter_profile import MeterProfileFormat
from footprint.sources.notes import Note

FIRST_ROWS: Final = 8
SHOWN_SOURCE_ROWS: Final = 5
SHOWN_COLUMNS: Final = (
    "source_row", "interval_start", "interval_end", "ean", "direction", "tariff", "quantity", "unit", "estimated",
)
# A series for gaps and clock-change days: one meter's one direction in one unit. The tariffs of a
# register pair take turns within a day, so they count together.
SERIES: Final = ("ean", "direction", "unit")


@dataclass(frozen=True)
class ChannelTotal:
    ean: str
    direction: str
    tariff: str
    unit: str
    rows: int
    total: float
    unreadable: int  # rows without a quantity (a cell that did not read, a usage left empty)


@dataclass(frozen=True)
class Doubled:
    """Intervals a series holds more than once: how many, and the first: how often it is read, and the first few
    distinct source rows it came from (one row when two of its columns read as the same channel)."""

    series: str
    count: int
    first_start: pd.Timestamp
    first_end: pd.Timestamp
    times: int
    rows: tuple[int, ...]


@dataclass(frozen=True)
class ClockDay:
    """A clock-change day a series has data on: the hours of data it holds, and the day's length."""

    day: str  # yyyy-mm-dd
    series: str
    hours: float
    day_hours: float

    @property
    def complete(self) -> bool:
        return self.hours == self.day_hours


@dataclass(frozen=True)
class Preview:
    rows: int
    first: pd.DataFrame  # the first FIRST_ROWS canonical rows, SHOWN_COLUMNS
    totals: list[ChannelTotal]
    intervals: list[tuple[pd.Timedelta, int]]  # interval length -> rows, most common first
    gaps: int  # the engine's gap notes: how many gaps they stand for
    doubled: list[Doubled]
    clock_days: list[ClockDay]
    notes: list[str]


def preview(fmt: MeterProfileFormat, path: Path, ean: EanOption = None) -> Preview:
    """Read `path` by the profile and sum it up; an unreadable file raises the engine's InputFileError."""
    frame, notes = fmt.read_with_report(path, ean=ean)
    return Preview(
        rows=len(frame),
        first=frame.loc[:, list(SHOWN_COLUMNS)].head(FIRST_ROWS).reset_index(drop=True),
        totals=channel_totals(frame),
        intervals=interval_lengths(frame),
        gaps=gap_count(notes),
        doubled=doubled(frame),
        clock_days=clock_days(frame),
        notes=[str(note) for note in notes],
    )


def _filled(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    return frame.astype({c: "string" for c in columns}).fillna({c: "-" for c in columns})


def channel_totals(frame: pd.DataFrame) -> list[ChannelTotal]:
    """Rows and total per meter (EAN) and channel: several meters in one file are never summed together."""
    keys = ("ean", "direction", "tariff", "unit")
    grouped = _filled(frame, keys).groupby(list(keys), sort=True, dropna=False)["quantity"]
    table = grouped.agg(rows="size", total="sum", read="count").reset_index()
    return [
        ChannelTotal(r.ean, r.direction, r.tariff, r.unit, int(r.rows), float(r.total), int(r.rows - r.read))
        for r in table.itertuples(index=False)
    ]


def gap_count(notes: list[Note]) -> int:
    """The gaps the engine's notes stand for (a note listing one, and the one counting those not listed)."""
    return sum(note.count for note in notes if note.kind == "gap")


def interval_lengths(frame: pd.DataFrame) -> list[tuple[pd.Timedelta, int]]:
    lengths = (frame["interval_end"] - frame["interval_start"]).dropna()
    counted = lengths.value_counts(sort=True)
    return [(pd.Timedelta(length), int(count)) for length, count in counted.items()]


def _series(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct interval of each series, in time order, with the series named."""
    usable = _filled(frame.dropna(subset=["interval_start", "interval_end"]), SERIES)
    usable = usable.drop_duplicates([*SERIES, "interval_start", "interval_end"])
    usable = usable.sort_values([*SERIES, "interval_start"], kind="stable").reset_index(drop=True)
    return usable.assign(series=usable["ean"] + " " + usable["direction"] + " (" + usable["unit"] + ")")


def doubled(frame: pd.DataFrame) -> list[Doubled]:
    """Per series of one tariff: the intervals it holds more than once, and the first with its source rows."""
    keys = [*SERIES, "tariff", "interval_start", "interval_end"]
    usable = _filled(frame.dropna(subset=["interval_start", "interval_end"]), (*SERIES, "tariff"))
    twice = usable.loc[usable.duplicated(keys, keep=False)].sort_values([*keys, "source_row"], kind="stable")
    if twice.empty:
        return []
    name = twice["ean"] + " " + twice["direction"] + " " + twice["tariff"] + " (" + twice["unit"] + ")"
    found = []
    for series, rows in twice.assign(series=name).groupby("series", sort=True):
        first = rows.loc[
            rows["interval_start"].eq(rows["interval_start"].iloc[0]) & rows["interval_end"].eq(rows["interval_end"].iloc[0])
        ]
        found.append(Doubled(
            str(series), len(rows.drop_duplicates(keys)), rows["interval_start"].iloc[0], rows["interval_end"].iloc[0],
            len(first), tuple(int(r) for r in first["source_row"].drop_duplicates().head(SHOWN_SOURCE_ROWS)),
        ))
    return found


def clock_days(frame: pd.DataFrame) -> list[ClockDay]:
    """The clock-change days (23 or 25 hours) each series has data on, with the hours of data it holds there."""
    usable = _series(frame)
    if usable.empty:
        return []
    start = usable["interval_start"].dt.tz_convert(LOCAL_TZ)
    day = start.dt.tz_localize(None).dt.normalize()
    hours = (usable["interval_end"] - usable["interval_start"]).dt.total_seconds() / 3600
    per_day = pd.DataFrame({"series": usable["series"], "day": day, "hours": hours}).groupby(
        ["series", "day"], sort=True
    )["hours"].sum().reset_index()
    days = pd.DatetimeIndex(per_day["day"].unique())
    midnight = days.tz_localize(LOCAL_TZ)
    following = (days + pd.Timedelta(days=1)).tz_localize(LOCAL_TZ)
    length = pd.Series((following - midnight).total_seconds() / 3600, index=days)
    per_day["day_hours"] = per_day["day"].map(length)
    changes = per_day[per_day["day_hours"].ne(24)]
    return [
        ClockDay(r.day.strftime("%Y-%m-%d"), str(r.series), float(np.round(r.hours, 6)), float(r.day_hours))
        for r in changes.itertuples(index=False)
    ]
