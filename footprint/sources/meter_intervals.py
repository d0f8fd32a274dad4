"""Interval series of meter usage: the interval length of a series of timestamps, and the notes on the
gaps and overlaps between consecutive intervals and on negative usage."""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from footprint.sources.notes import Note, first_row_note, more, shown

_MAX_STEP: Final = pd.Timedelta(days=1)


def interval_steps(moments: pd.Series, groups: np.ndarray) -> np.ndarray:
    """The interval length of each row's series: the most common distance between its consecutive
    timestamps (15 minutes, an hour). A series with fewer than two timestamps gets 15 minutes when a
    timestamp is off the hour, else an hour. Returned per row as timedelta64[us]."""
    n = len(moments)
    stamps = moments.to_numpy(dtype="datetime64[us]") if n else np.array([], dtype="datetime64[us]")
    codes, uniques = pd.factorize(pd.Series(groups), use_na_sentinel=False)
    order = np.lexsort((stamps.astype("int64"), codes))
    s_codes = codes[order]
    s_stamps = stamps[order]
    valid = ~np.isnat(s_stamps)
    diffs = np.diff(s_stamps).astype("timedelta64[us]")
    same = (s_codes[1:] == s_codes[:-1]) & valid[1:] & valid[:-1]
    usable = same & (diffs > np.timedelta64(0, "us")) & (diffs <= _MAX_STEP.to_timedelta64())
    step_of_group = np.full(len(uniques), np.timedelta64(-1, "us"), dtype="timedelta64[us]")
    if usable.any():
        counted = (
            pd.DataFrame({"g": s_codes[1:][usable], "d": diffs[usable].astype("int64")})
            .value_counts()
            .reset_index(name="n")
            .sort_values(["g", "n", "d"], ascending=[True, False, True])
            .drop_duplicates("g")
        )
        step_of_group[counted["g"].to_numpy()] = counted["d"].to_numpy().astype("timedelta64[us]")
    missing = step_of_group < np.timedelta64(0, "us")
    if missing.any():
        minutes = pd.Series(moments).dt.minute.to_numpy(dtype="float64", na_value=np.nan)
        off_hour = pd.Series(np.nan_to_num(minutes) != 0).groupby(codes).any()
        fallback = np.where(
            off_hour.reindex(range(len(uniques)), fill_value=False).to_numpy(),
            np.timedelta64(15, "m"),
            np.timedelta64(60, "m"),
        ).astype("timedelta64[us]")
        step_of_group[missing] = fallback[missing]
    return step_of_group[codes] if n else np.array([], dtype="timedelta64[us]")


def format_moment(moment: pd.Timestamp) -> str:
    """dd-mm-yyyy HH:MM+hh:mm, as a note shows an instant (the offset keeps the doubled hour apart)."""
    offset = moment.strftime("%z")
    return moment.strftime("%d-%m-%Y %H:%M") + f"{offset[:3]}:{offset[3:]}"


def interval_notes(frame: pd.DataFrame, what: str = "intervals") -> list[Note]:
    """Gaps and overlaps between consecutive intervals of each EAN, direction and tariff series."""
    keys = ["ean", "direction"]
    usable = frame.dropna(subset=["interval_start", "interval_end"])
    if usable.empty:
        return []
    usable = usable.drop_duplicates(["ean", "direction", "interval_start", "interval_end"])
    usable = usable.sort_values(keys + ["interval_start"])
    same = (usable["ean"].eq(usable["ean"].shift())) & (usable["direction"].eq(usable["direction"].shift()))
    same = same.fillna(False).to_numpy(dtype=bool)
    previous_end = usable["interval_end"].shift()
    start = usable["interval_start"]
    gap = same & (start > previous_end).fillna(False).to_numpy(dtype=bool)
    overlap = same & (start < previous_end).fillna(False).to_numpy(dtype=bool)
    notes: list[Note] = []
    for index in shown(np.flatnonzero(gap)):
        begin, end = previous_end.iloc[index], start.iloc[index]
        step = usable["interval_end"].iloc[index] - start.iloc[index]
        count = int((end - begin) / step) if step > pd.Timedelta(0) else 0
        notes.append(
            Note(
                "gap",
                f"no {what} for EAN {usable['ean'].iloc[index]} ({usable['direction'].iloc[index]}) from "
                f"{format_moment(begin)} to {format_moment(end)}"
                + (f" ({count} missing)" if count else ""),
                row=int(usable["source_row"].iloc[index]),
            )
        )
    notes += more(int(gap.sum()), "gap")
    for index in shown(np.flatnonzero(overlap)):
        notes.append(
            Note(
                "overlap",
                f"the interval from {format_moment(start.iloc[index])} overlaps the one before it "
                f"(EAN {usable['ean'].iloc[index]}, {usable['direction'].iloc[index]}): "
                "a repeated or shifted timestamp",
                row=int(usable["source_row"].iloc[index]),
            )
        )
    return notes + more(int(overlap.sum()), "overlap")


def negative_notes(frame: pd.DataFrame) -> list[Note]:
    return first_row_note(
        "negative_usage",
        frame["quantity"].lt(0).fillna(False).to_numpy(dtype=bool),
        frame["source_row"].to_numpy(),
        "negative usage values",
        "validation quarantines them; is net feed-in written as negative consumption?",
    )


def summary_rows(
    start: pd.Series, end: pd.Series, written: dict[str, np.ndarray], source_row: np.ndarray
) -> tuple[np.ndarray, list[Note]]:
    """Rows whose interval is longer than the usual one and contains other rows' intervals: totals, not usage."""
    length = (end - start).to_numpy()
    known = ~np.isnat(length)
    summary = np.zeros(len(length), dtype=bool)
    if known.sum() < 2:
        return summary, []
    usual = pd.Series(length[known]).mode().iloc[0].to_timedelta64()
    longer = np.flatnonzero(known & (length > usual))
    if not len(longer):
        return summary, []
    begin, finish = start.to_numpy(dtype="datetime64[us]"), end.to_numpy(dtype="datetime64[us]")
    # (long rows x all rows): which rows lie inside each long row; long rows are few (a total per file).
    inside = (begin[None, :] >= begin[longer, None]) & (finish[None, :] <= finish[longer, None]) & known[None, :]
    inside[np.arange(len(longer)), longer] = False
    covering = inside.any(axis=1)
    summary[longer[covering]] = True
    notes: list[Note] = []
    for index, covered in zip(longer[covering], inside[covering], strict=True):
        compared = "; ".join(
            f"{name} {_total_text(values[index])} vs {_total_text(np.nansum(values[covered]))}"
            for name, values in written.items()
        )
        notes.append(
            Note(
                "summary_row",
                f"the row from {format_moment(start.iloc[index])} to {format_moment(end.iloc[index])} "
                f"spans the {int(covered.sum())} rows inside it: a total, not usage, so it is not counted "
                f"(the total vs the sum of those rows: {compared})",
                row=int(source_row[index]),
            )
        )
    return summary, notes


def _total_text(value: float) -> str:
    return "empty" if np.isnan(value) else f"{value:.3f}"
