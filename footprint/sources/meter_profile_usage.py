"""Usage from cumulative readings taken at instants (a counter read every quarter hour, every day, every month).

The usage between two consecutive readings of one series (an EAN's channel) is the later minus the
earlier, over the interval from the one instant to the other, reported on the later reading's row;
the first reading of a series gives no row. Where that difference is not usage it is left empty with
a note, never guessed: a reading lower than the one before (a counter reset or a meter exchange), a
new meter number, or an interval that crosses a month boundary (how its usage splits over the two
months is not known). An unreadable reading, or one whose time cannot be read, is skipped (its usage
falls in the next interval), a second reading at the same instant is ignored, and readings further
apart than the file's usual spacing (a day without a reading) are one longer interval, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from footprint.sources.cell_times import month_start
from footprint.sources.meter_intervals import format_moment
from footprint.sources.notes import Note, more, row_notes, shown


@dataclass(frozen=True)
class CounterUsage:
    position: np.ndarray  # index into the readings of the later reading of each pair
    previous: np.ndarray  # ... and of the earlier one
    start: pd.Series
    end: pd.Series
    quantity: np.ndarray
    notes: list[Note]


def usage_from_counters(
    moments: pd.Series,
    reading: np.ndarray,
    source_row: np.ndarray,
    series: np.ndarray,
    labels: np.ndarray,
    meter: np.ndarray | None = None,
) -> CounterUsage:
    stamps = moments.to_numpy(dtype="datetime64[us]")
    good = ~np.isnat(stamps) & np.isfinite(reading)
    unreadable = ~good & ~np.isnat(stamps)
    notes: list[Note] = []
    for label in dict.fromkeys(labels[unreadable]):
        mine = unreadable & (labels == label)
        notes += row_notes(
            "skipped_reading", f"{label}: no readable meter reading; its usage is counted in the next interval",
            source_row[mine],
        )
    notes += row_notes(
        "skipped_reading", "the reading's time cannot be read; row skipped", np.unique(source_row[np.isnat(stamps)])
    )
    positions = np.flatnonzero(good)
    order = np.lexsort((source_row[positions], stamps[positions].astype(np.int64), series[positions]))
    positions = positions[order]
    s_series, s_stamp = series[positions], stamps[positions]
    repeated = np.zeros(len(positions), dtype=bool)
    repeated[1:] = (s_series[1:] == s_series[:-1]) & (s_stamp[1:] == s_stamp[:-1])
    for index in shown(np.flatnonzero(repeated)):
        notes.append(
            Note(
                "duplicate_reading",
                f"{labels[positions[index]]}: a second reading at {format_moment(moments.iloc[positions[index]])} "
                f"(the first is on row {int(source_row[positions[index - 1]])}); ignored",
                row=int(source_row[positions[index]]),
            )
        )
    notes += more(int(repeated.sum()), "duplicate_reading")
    positions = positions[~repeated]
    later = np.flatnonzero(series[positions][1:] == series[positions][:-1]) + 1
    earlier = later - 1
    a, b = positions[earlier], positions[later]
    quantity = np.round(reading[b] - reading[a], 6)
    meters = meter if meter is not None else np.full(len(reading), "", dtype=object)
    replaced = (meters[a] != meters[b]) & (meters[a] != "") & (meters[b] != "")
    reset = ~replaced & (quantity < 0)
    start = moments.iloc[a].reset_index(drop=True)
    end = moments.iloc[b].reset_index(drop=True)
    last_instant = end - pd.Timedelta(microseconds=1)
    spans = ~replaced & ~reset & (month_start(start) != month_start(last_instant))
    quantity[replaced | reset | spans] = np.nan
    once, named = _one_per_pair_of_rows(replaced, a, b, source_row, labels)
    notes += _pair_notes("meter_replaced", once, a, b, moments, source_row, named, meters)
    notes += _pair_notes("counter_reset", reset, a, b, moments, source_row, labels, meters)
    notes += _pair_notes("spans_months", spans, a, b, moments, source_row, labels, meters)
    notes += _long_interval_notes(start, end, source_row[b], series[b])
    return CounterUsage(b, a, start, end, quantity, notes)


def _long_interval_notes(start: pd.Series, end: pd.Series, source_row: np.ndarray, series: np.ndarray) -> list[Note]:
    """Readings further apart than their series' usual spacing (the most common one; the shorter on a tie):
    a reading missing. One note per row and interval, whichever registers it holds.

    Compared on the clock as well as in elapsed time, so a day of 25 hours (the autumn clock change)
    between daily readings is not taken for a longer interval, nor a doubled quarter hour for a shorter one."""
    if not len(start):
        return []
    elapsed = (end - start).to_numpy(dtype="timedelta64[us]")
    on_clock = (end.dt.tz_localize(None) - start.dt.tz_localize(None)).to_numpy(dtype="timedelta64[us]")
    counted = pd.DataFrame({"s": pd.factorize(series)[0], "d": elapsed.astype(np.int64)})
    usual_of = counted.value_counts().reset_index(name="n").sort_values(["s", "n", "d"], ascending=[True, False, True])
    usual_of = usual_of.drop_duplicates("s").set_index("s")["d"]
    usual = usual_of.reindex(counted["s"]).to_numpy().astype("timedelta64[us]")
    longer = np.flatnonzero((elapsed > usual) & (on_clock > usual))
    spans = pd.DataFrame({"i": longer, "row": source_row[longer], "start": start.iloc[longer].to_numpy()})
    spans = spans.assign(end=end.iloc[longer].to_numpy()).drop_duplicates(["row", "start", "end"])
    spans = spans.sort_values("row", kind="stable")
    notes = [
        Note(
            "long_interval",
            f"readings {_duration(_shown_length(elapsed[i], on_clock[i]))} apart ({format_moment(start.iloc[i])} to "
            f"{format_moment(end.iloc[i])}; the usual spacing is {_duration(usual[i])}): the usage in between is one "
            "interval",
            row=int(source_row[i]),
        )
        for i in shown(spans["i"].to_numpy())
    ]
    return notes + more(len(spans), "long_interval")


def _shown_length(elapsed: np.timedelta64, on_clock: np.timedelta64) -> np.timedelta64:
    """Whole days as the calendar counts them (midnight to midnight across a clock change), else the time elapsed."""
    day = np.timedelta64(1, "D").astype("timedelta64[us]")
    return on_clock if on_clock % day == np.timedelta64(0, "us") else elapsed


def _duration(length: np.timedelta64) -> str:
    """A length as people say it: 2 days, 15 days 3 hours, 30 minutes."""
    minutes = int(length // np.timedelta64(1, "m"))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    return " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n) or "0 minutes"


_WHAT = {
    "meter_replaced": "a new meter ({new}, was {old}): a new series starts; the usage in between is unknown and left empty",
    "counter_reset": "the reading is lower than the one before (a counter reset or meter exchange): "
    "the usage in between is unknown and left empty",
    "spans_months": "the readings lie in different months (a reading missing): how the usage splits over the "
    "months is not known, so it is left empty",
}


def _one_per_pair_of_rows(
    mask: np.ndarray, a: np.ndarray, b: np.ndarray, source_row: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A meter exchange hits every register of a row at once (Liander's reading1..4): the first pair of each
    pair of rows, and labels where that pair's names all its registers ("reading1, reading2")."""
    picked = np.flatnonzero(mask)
    if not len(picked):
        return mask, labels
    pairs = pd.DataFrame({"a": source_row[a[picked]], "b": source_row[b[picked]], "label": labels[b[picked]]})
    names = pairs.groupby(["a", "b"], sort=False)["label"].transform(lambda each: ", ".join(dict.fromkeys(each)))
    first = ~pairs.duplicated(["a", "b"]).to_numpy()
    once = np.zeros(len(mask), dtype=bool)
    once[picked[first]] = True
    named = labels.astype(object).copy()
    named[b[picked]] = names.to_numpy(dtype=object)
    return once, named


def _pair_notes(
    kind: str,
    mask: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    moments: pd.Series,
    source_row: np.ndarray,
    labels: np.ndarray,
    meters: np.ndarray,
) -> list[Note]:
    notes = [
        Note(
            kind,
            f"{labels[b[i]]}: from {format_moment(moments.iloc[a[i]])} (row {int(source_row[a[i]])}) to "
            f"{format_moment(moments.iloc[b[i]])}: " + _WHAT[kind].format(new=meters[b[i]], old=meters[a[i]]),
            row=int(source_row[b[i]]),
        )
        for i in shown(np.flatnonzero(mask))
    ]
    return notes + more(int(mask.sum()), kind)
