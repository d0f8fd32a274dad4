"""What a profile compares and flags per channel besides the channels' own cells: the export's own figures
(`cross_checks`), a channel's own estimated column (`channels[].estimated`) and a logger's zeros that are
no reading (`zero_is_no_reading`).

Cross-checks never change a figure. The channels are read as they are; a row where the export's own
usage (P1mon's VERBR_KWH_X) or the difference of its meter readings (Eneco's Meterstand of a day and of
the next) says otherwise is a `usage_mismatch` note naming both, so a person can look: a meter replaced,
a reading missing, a logger that missed readings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from footprint.sources import sheets
from footprint.sources.meter_intervals import format_moment
from footprint.sources.meter_profile_schema import CrossCheck, MeterProfile
from footprint.sources.meter_profile_table import ProfileCells, word_values
from footprint.sources.notes import Note, more, shown, unknown_word_notes
from footprint.sources.vocabulary import ESTIMATED


def cross_check_notes(
    cells: ProfileCells, profile: MeterProfile, frame: pd.DataFrame, at: np.ndarray, channel: np.ndarray
) -> list[Note]:
    """One usage_mismatch note per data row where a cross-check's figure and its channels' usage differ."""
    if not profile.cross_checks or not len(at):
        return []
    lines, first = np.unique(at, return_index=True)  # the data rows with values, and a frame row of each
    begin = frame["interval_start"].iloc[first].reset_index(drop=True)
    end = frame["interval_end"].iloc[first].reset_index(drop=True)
    meter = frame["ean"].fillna("").astype(str).to_numpy(dtype=object)[first]
    following = _following(meter, begin, end)
    position = np.searchsorted(lines, at)
    quantity = frame["quantity"].to_numpy(dtype="float64")
    column_of = {c.column: i for i, c in enumerate(profile.channels)}
    parts: dict[int, list[str]] = {}
    for check in (c for c in profile.cross_checks if cells.has(c.column)):
        ours = np.zeros(len(lines))
        for index in (column_of[name] for name in check.channels):
            values = np.full(len(lines), np.nan)  # a channel without a value in the row: not compared
            mine = channel == index
            values[position[mine]] = quantity[mine]
            ours += values
        written = cells.number(check.column)[lines]
        later = np.where(following >= 0, written[np.maximum(following, 0)], np.nan)
        theirs = written if check.holds == "usage" else later - written
        off = np.isfinite(ours) & np.isfinite(theirs)
        off[off] = np.abs(ours[off] - theirs[off]) > np.maximum(check.tolerance, check.share * np.abs(theirs[off]))
        for i in np.flatnonzero(off):
            parts.setdefault(int(i), []).append(_compared(check, ours[i], written[i], later[i], theirs[i]))
    rows = np.array(sorted(parts), dtype=np.int64)
    notes = [
        Note(
            "usage_mismatch",
            f"from {format_moment(begin.iloc[i])} to {format_moment(end.iloc[i])} the channels and the file's own "
            f"figures differ: {'; '.join(parts[int(i)])}. The channels are read as they are (a meter replaced, a "
            "reading missing, readings the logger missed?)",
            row=int(cells.source_row[lines[i]]),
        )
        for i in shown(rows)
    ]
    return notes + more(len(rows), "usage_mismatch")


def _following(meter: np.ndarray, begin: pd.Series, end: pd.Series) -> np.ndarray:
    """For each data row, the position of the row of the same EAN whose interval starts where its own ends
    (the first such row); -1 where there is none."""
    starts = begin.to_numpy(dtype="datetime64[us]")
    ends = end.to_numpy(dtype="datetime64[us]")
    codes = pd.factorize(meter)[0]
    found = np.full(len(meter), -1, dtype=np.int64)
    for code in np.unique(codes):  # a file's EANs: few
        rows = np.flatnonzero(codes == code)
        timed = rows[~np.isnat(starts[rows])]
        if not len(timed):
            continue
        order = timed[np.argsort(starts[timed], kind="stable")]
        place = np.minimum(np.searchsorted(starts[order], ends[rows]), len(order) - 1)
        hit = (starts[order][place] == ends[rows]) & ~np.isnat(ends[rows])
        found[rows[hit]] = order[place[hit]]
    return found


def _compared(check: CrossCheck, ours: float, written: float, later: float, theirs: float) -> str:
    read = f"{' + '.join(check.channels)} {_figure(ours)}"
    if check.holds == "usage":
        return f"{read}, {check.column} {_figure(theirs)}"
    return f"{read}, {check.column} {_figure(written)} -> {_figure(later)} (a difference of {_figure(theirs)})"


def _figure(value: float) -> str:
    """A figure as the export writes it: at most three decimals, no trailing zeros (11048, 161.743)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def channel_estimated(
    cells: ProfileCells, profile: MeterProfile, at: np.ndarray, channel: np.ndarray, estimated: pd.Series
) -> tuple[pd.Series, list[Note]]:
    """The rows of a channel with its own estimated column flagged from that column's words (the
    vocabulary's plus the flag's `words`); other rows keep what the profile's `estimated` gave. A required
    column the file lacks leaves those rows' flag empty, with a note; an optional one reads them as measured.
    Channels that share a flag (Eneco's two tariffs and their group's Geschat?) read it once, one note."""
    shared: dict[tuple[str, tuple[tuple[str, bool], ...], bool], list[int]] = {}
    for index, each in enumerate(profile.channels):
        if each.estimated is not None:
            flag = each.estimated
            shared.setdefault((flag.column, tuple(sorted(flag.words.items())), flag.required), []).append(index)
    if not shared:
        return estimated, []
    flags = np.asarray(estimated, dtype=object).copy()
    notes: list[Note] = []
    for (column, own_words, required), members in shared.items():
        mine = np.isin(channel, members)
        if not mine.any():
            continue
        if not cells.has(column):
            flags[mine] = None if required else False
            labels = ", ".join(profile.channels[i].label for i in members)
            notes += [Note("unknown_word", f"no column {column!r}: `estimated` of {labels} left empty")] if required else []
            continue
        codes, distinct = _distinct_words(cells, column)
        read = word_values(distinct, {**ESTIMATED, **dict(own_words)})[codes]
        flags[mine] = read[at[mine]]
        lines = np.unique(at[mine])
        unknown = pd.isna(read[lines])
        if unknown.any():
            written = distinct.iloc[codes[lines]].reset_index(drop=True)
            notes += unknown_word_notes(
                written, unknown, cells.source_row[lines], column, "`estimated` left empty, never a default"
            )
    return pd.array(flags, dtype="boolean"), notes


def _distinct_words(cells: ProfileCells, column: str) -> tuple[np.ndarray, pd.Series]:
    """A flag column as codes into its distinct cells' texts: a flag column holds two or three words, so
    only those are rendered as text (a workbook's cells) and looked up, never every row."""
    raw = cells.columns[column]
    if isinstance(raw, pa.Array):
        encoded = pc.dictionary_encode(pc.fill_null(raw, ""))
        return encoded.indices.to_numpy(zero_copy_only=False), pd.Series(encoded.dictionary.to_pylist(), dtype="string")
    codes, distinct = pd.factorize(raw, use_na_sentinel=True)
    texts = sheets.render_rows([[*distinct, None]])[0]  # as a person sees each; an empty cell (code -1) is ""
    return np.where(codes < 0, len(distinct), codes), pd.Series(texts, dtype="string")


def zero_reading_notes(cells: ProfileCells, profile: MeterProfile) -> list[Note]:
    """A channel whose 0 is the logger's "no reading" (`zero_is_no_reading`): one note on its zeros, where
    they are and the last real reading before them. A channel with nothing but zeros and
    `all_zero_is_absent` has that rule's note instead."""
    notes: list[Note] = []
    for each in profile.channels:
        if not each.zero_is_no_reading or each.column is None or not cells.has(each.column):
            continue
        value = cells.number(each.column)
        written = ~cells.absent(each.column)
        zero = written & (value == 0)
        real = written & ~zero
        if not zero.any() or (each.all_zero_is_absent and not real.any()):
            continue
        first = int(np.flatnonzero(zero)[0])
        before = np.flatnonzero(real[:first])
        after = f", after {value[before[-1]]:g} on row {int(cells.source_row[before[-1]])}" if len(before) else ""
        notes.append(
            Note(
                "no_readings",
                f"{each.label} is 0 on {int(zero.sum())} rows (first on row {int(cells.source_row[first])}{after}): "
                f"the logger's value when it has no {each.carrier} reading, not the meter's state; those rows give "
                f"no {each.carrier} usage",
                row=int(cells.source_row[first]),
            )
        )
    return notes
