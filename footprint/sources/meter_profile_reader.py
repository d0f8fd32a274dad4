"""Reading a meter export by its profile: the channels' cells to canonical meter_usage rows, with notes.

Absent is not bad, as in every meter format: an empty or `-` cell is no reading and gives no row, a
channel without any value in the file gives no rows and one note; an unreadable cell keeps its row
with an empty quantity, which validation quarantines. Cumulative readings become usage between
consecutive readings of one EAN and channel (meter_profile_usage).

What the profile says besides the cells is checked here and noted, never guessed: the carrier of a
`from_ean` channel (from the EAN the user gives), a total column that does not match the channels
(`total_check`), summary rows (a year total under the days), cells against the channel's sign, one EAN
on two carriers.

A problem that is the profile's rather than a row's (its column missing, no row's time readable in its
format, no EAN to be had) is one InputFileError naming the profile key, via `ProfileKeys`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources.cell_text import constant, excel_text
from footprint.sources.cell_times import month_start
from footprint.sources.meter_eans import (
    EanOption,
    carrier_of_given_ean,
    eans_by_carrier,
    own_eans,
    row_eans,
)
from footprint.sources.meter_intervals import (
    interval_notes,
    negative_notes,
    summary_rows,
)
from footprint.sources.meter_profile_checks import (
    channel_estimated,
    cross_check_notes,
    zero_reading_notes,
)
from footprint.sources.meter_profile_clock import placed_times
from footprint.sources.meter_profile_months import (
    month_moments,
    partial_period_notes,
    without_spacing_notes,
)
from footprint.sources.meter_profile_schema import (
    FROM_EAN,
    MeterProfile,
    TariffColumn,
    UnitColumn,
)
from footprint.sources.meter_profile_table import (
    ProfileCells,
    channel_rows,
    dropped_rows,
    interval_bounds,
    read_cells,
    word_values,
    words,
)
from footprint.sources.meter_profile_units import drop_unit_twins, row_units
from footprint.sources.meter_profile_usage import usage_from_counters
from footprint.sources.notes import (
    Note,
    capped,
    first_row_note,
    more,
    shown,
    unknown_word_notes,
)
from footprint.sources.text_head import normalise_name
from footprint.sources.vocabulary import ESTIMATED

# "channels.2.column" -> "profile my.yaml, key channels.2.column (line 14)": where a user fixes it.
ProfileKeys = Callable[[str], str]


def read_with_report(
    path: Path, profile: MeterProfile, *, ean: EanOption = None, keys: ProfileKeys = str
) -> tuple[pd.DataFrame, list[Note]]:
    cells = _cells(path, profile, keys)
    cells = cells.take(~dropped_rows(cells, profile))
    profile, carrier_notes = _carrier_from_ean(path, cells, profile, ean, keys)
    notes = [*cells.notes, *carrier_notes]
    moments, end, time_notes = placed_times(cells, profile)  # meter_profile_clock: an end of two columns, ambiguous
    _check_times(path, cells, profile, moments, keys)
    cells, moments, end, twin_notes = drop_unit_twins(cells, profile, moments, end)  # meter_profile_units
    notes += time_notes + twin_notes
    moments, month_notes = month_moments(moments, profile, cells.source_row)  # time.interval 1mo
    if profile.time.reading_at == "period_end":  # a reading is the state at the end of its row's period
        month_notes += partial_period_notes(moments, cells.source_row)
        moments = interval_bounds(moments, None, profile, np.zeros(len(cells), dtype=np.int64))[1]
    rows, row_notes = channel_rows(cells, profile)
    notes += month_notes + row_notes + zero_reading_notes(cells, profile)
    channels = profile.channels
    carrier = np.array([channels[i].carrier if i >= 0 else None for i in range(-1, len(channels))], dtype=object)
    row_carrier = pd.Series(carrier[rows["channel"].to_numpy() + 1], dtype="string")
    eans, ean_notes = _eans(path, cells, profile, rows, row_carrier, ean, keys)
    if carrier_notes:  # the carrier note of the EAN that named the carrier says it already
        ean_notes = [note for note in ean_notes if note.kind != "carrier"]
    at = rows["at"].to_numpy(dtype=np.int64)
    channel = rows["channel"].to_numpy(dtype=np.int64)
    against = rows["against"].to_numpy(dtype=bool)
    if profile.ean.column is not None:
        ean_notes += _shared_ean_notes(eans, row_carrier)
    if profile.values == "cumulative":
        usage = usage_from_counters(
            moments.iloc[at].reset_index(drop=True),
            rows["quantity"].to_numpy(dtype="float64"),
            cells.source_row[at],
            series=eans.fillna("").astype(str).to_numpy(dtype=object) + "|" + channel.astype(str),
            labels=np.array([c.label for c in channels] + ["?"], dtype=object)[channel],
            meter=_meters(cells, profile, at),
        )
        notes += without_spacing_notes(usage.notes, profile)
        keep = usage.position
        against = against[usage.position] | against[usage.previous]  # a pair with either reading against
        start, finish, quantity = usage.start, usage.end, usage.quantity
        rows, at, channel, eans = rows.iloc[keep], at[keep], channel[keep], eans.iloc[keep].reset_index(drop=True)
    else:
        start, finish = _bounds(cells, profile, moments, end, at, eans)
        quantity = rows["quantity"].to_numpy(dtype="float64")
        summary = np.zeros(len(at), dtype=bool)
        if profile.table.drop_summary_rows:
            labels = [c.label for c in channels] + ["?"]
            summary, summary_notes = _summaries(start, finish, rows, cells.source_row[at], labels)
            notes += summary_notes
        if profile.total_check is not None:
            notes += _total_notes(cells, profile, summary_lines=np.isin(np.arange(len(cells)), at[summary]))
        if summary.any():
            keep = np.flatnonzero(~summary)
            start, finish, quantity = start.iloc[keep].reset_index(drop=True), finish.iloc[keep].reset_index(drop=True), quantity[keep]
            rows, at, channel, eans = rows.iloc[keep], at[keep], channel[keep], eans.iloc[keep].reset_index(drop=True)
            against = against[keep]
    tariff, tariff_notes = _tariffs(cells, profile, at, channel)
    estimated, estimated_notes = _estimated(cells, profile, at)
    estimated, channel_flag_notes = channel_estimated(cells, profile, at, channel, estimated)
    units = [c.canonical_unit[0] for c in channels]
    directions = [c.direction for c in channels]
    frame = pd.DataFrame(
        {
            "source_row": cells.source_row[at],
            "ean": eans.astype("string").to_numpy(),
            "interval_start": start,
            "interval_end": finish,
            "period": month_start(start),
            "quantity": quantity,
            "unit": _by_channel(units, channel),
            "direction": _by_channel(directions, np.where(against, -1, channel)),
            "tariff": tariff,
            "estimated": estimated,
        }
    )
    frame, unit_notes = row_units(frame, cells, profile, at, channel)  # a unit per row; rows of no known carrier
    notes += unit_notes
    frame = schemas.conform(frame, schemas.METER_USAGE)
    notes = ean_notes + notes + tariff_notes + estimated_notes + channel_flag_notes
    notes += cross_check_notes(cells, profile, frame, at, channel)
    for _, part in frame.groupby("unit", dropna=False, sort=False):  # one EAN on two carriers: never an overlap
        notes += interval_notes(part)
    notes += _sign_notes(frame, profile, channel, against)
    notes += first_row_note(
        "unreadable_time",
        (frame["interval_start"].isna() | frame["interval_end"].isna()).to_numpy(),
        frame["source_row"].to_numpy(),
        "rows without a readable time",
        "validation quarantines them",
        detail="a local time in the doubled or skipped hour, or not a time in the profile's formats",
    )
    return frame, capped(notes)


def _sign_notes(frame: pd.DataFrame, profile: MeterProfile, channel: np.ndarray, against: np.ndarray) -> list[Note]:
    """Negative usage: against the layout's sign on a channel the export writes negative (a feed-in cell
    written positive), else the general note; and rows whose scale column has the other sign than their
    channel's, whose direction is therefore left empty."""
    signed = [c.negative and profile.scale_column is None for c in profile.channels]
    written_negative = np.array([*signed, False])[channel]
    negative = frame["quantity"].lt(0).fillna(False).to_numpy(dtype=bool)
    labels = ", ".join(c.label for c, s in zip(profile.channels, signed, strict=True) if s)
    source_row = frame["source_row"].to_numpy()
    notes = negative_notes(frame.loc[~written_negative]) + first_row_note(
        "negative_usage",
        negative & written_negative,
        source_row,
        "values against the layout's sign",
        "read as negative usage, which validation quarantines",
        detail=f"the export writes {labels} negative",
    )
    names = sorted({profile.channels[i].label for i in channel[against]})
    return notes + first_row_note(
        "unknown_word",
        against,
        source_row,
        f"rows of {', '.join(names)} whose {profile.scale_column} has the other sign than that channel's",
        "the direction is not what the channel says; left empty, so validation refuses them",
    )


def _shared_ean_notes(eans: pd.Series, carriers: pd.Series) -> list[Note]:
    """One EAN on rows of two carriers: a Dutch connection's EAN belongs to one, so the file's EAN is likely
    a site's, not a meter's."""
    pairs = pd.DataFrame({"ean": eans, "carrier": carriers}).dropna().drop_duplicates()
    shared = pairs.groupby("ean")["carrier"].nunique()
    return [
        Note(
            "carrier",
            f"EAN {code} is on {' and '.join(sorted(pairs.loc[pairs['ean'] == code, 'carrier']))} rows, but a "
            "connection has one carrier (an export may write one EAN per site): check which meter it is",
        )
        for code in shared[shared > 1].index
    ]


def _meters(cells: ProfileCells, profile: MeterProfile, at: np.ndarray) -> np.ndarray | None:
    """Each reading's meter number, where the profile names a column for it and the file has it."""
    if profile.meter_column is None or not cells.has(profile.meter_column):
        return None
    return words(cells, profile.meter_column).str.strip().to_numpy(dtype=object)[at]


def _take(values: pd.Series | None, at: np.ndarray) -> pd.Series | None:
    return None if values is None else values.iloc[at].reset_index(drop=True)


def _bounds(
    cells: ProfileCells,
    profile: MeterProfile,
    moments: pd.Series,
    end: pd.Series | None,
    at: np.ndarray,
    eans: pd.Series,
) -> tuple[pd.Series, pd.Series]:
    """Each row's interval, its length (interval: auto) read per meter from all its rows, not per channel:
    a register filled only in the high-tariff hours still has 15-minute intervals. In a wide layout the
    channels share the file's time axis (per EAN cell where there is an EAN column); in a long one an
    EAN's rows of every type count."""
    if profile.long is None:
        if profile.ean.column is not None:
            file_series = pd.Series(cells.text(profile.ean.column).to_pandas(), dtype="string").fillna("").to_numpy()
        else:
            file_series = np.zeros(len(cells), dtype=np.int64)
        begin, finish = interval_bounds(moments, end, profile, file_series)
        return begin.iloc[at].reset_index(drop=True), finish.iloc[at].reset_index(drop=True)
    groups = eans.fillna("").astype(str).to_numpy(dtype=object)
    return interval_bounds(moments.iloc[at].reset_index(drop=True), _take(end, at), profile, groups)


def _carrier_from_ean(
    path: Path, cells: ProfileCells, profile: MeterProfile, ean: EanOption, keys: ProfileKeys
) -> tuple[MeterProfile, list[Note]]:
    """The profile with its `carrier: from_ean` channels that the file has given the carrier the EAN names
    (its carrier= word or its number's range) and that carrier's unit; the layout itself does not say."""
    open_channels = [i for i, c in enumerate(profile.channels) if c.carrier == FROM_EAN and cells.has(c.column or "")]
    if not open_channels:
        return profile, []
    try:
        carrier, _, how = carrier_of_given_ean(ean, path)
    except InputFileError as exc:
        raise InputFileError(path, f"{exc.reason} ({keys('ean')})", row=exc.row, column=exc.column) from None
    channels = list(profile.channels)
    labels = [channels[i].label for i in open_channels]
    for index in open_channels:
        if carrier not in channels[index].units:
            raise InputFileError(
                path,
                f"{channels[index].label} holds {' or '.join(channels[index].units)} data, but the EAN names "
                f"{carrier} ({how}) ({keys(f'channels.{index}.units')})",
                column="EAN",
            )
        channels[index] = channels[index].for_carrier(carrier)
    unit = channels[open_channels[0]].canonical_unit[0]
    note = Note("carrier", f"{carrier} ({unit}): {how} (the layout does not say: {', '.join(labels)})")
    return profile.model_copy(update={"channels": tuple(channels)}), [note]


def _cells(path: Path, profile: MeterProfile, keys: ProfileKeys) -> ProfileCells:
    try:
        return read_cells(path, profile)
    except InputFileError as exc:
        key = _column_key(profile, exc.column) if exc.column else None
        if key is None:
            raise
        raise InputFileError(path, f"{exc.reason} ({keys(key)})", row=exc.row, column=exc.column) from None


def _column_key(profile: MeterProfile, column: str) -> str | None:
    """The profile key that names `column`, for a message that says where to fix it."""
    axis = profile.time
    for key in ("column", "date_column", "time_column", "end_column", "end_date_column", "end_time_column"):
        if getattr(axis, key) == column:
            return f"time.{key}"
    for index, channel in enumerate(profile.channels):
        if channel.column == column:
            return f"channels.{index}.column"
        if isinstance(channel.unit, UnitColumn) and channel.unit.column == column:
            return f"channels.{index}.unit.column"
        if isinstance(channel.tariff, TariffColumn) and channel.tariff.column == column:
            return f"channels.{index}.tariff.column"
    named = {
        "ean.column": profile.ean.column,
        "estimated.column": profile.estimated.column if profile.estimated else None,
        "scale_column": profile.scale_column,
        "meter_column": profile.meter_column,
        "long.type_column": profile.long.type_column if profile.long else None,
        "long.value_column": profile.long.value_column if profile.long else None,
    }
    named |= {f"table.drop_rows.{i}.column": drop.column for i, drop in enumerate(profile.table.drop_rows)}
    return next((key for key, name in named.items() if name == column), "table.signature")


def _check_times(
    path: Path, cells: ProfileCells, profile: MeterProfile, moments: pd.Series, keys: ProfileKeys
) -> None:
    """Not one row's time readable in the profile's formats: the profile is wrong, not the rows."""
    if len(cells) == 0 or moments.notna().any():
        return
    name = profile.time.column or profile.time.date_column or ""
    shown = str(cells.text(name)[0].as_py() or "")[:40]
    raise InputFileError(
        path,
        f"no row's time reads in the formats {', '.join(profile.time.formats)}; the first is {shown!r} "
        f"({keys('time.formats')})",
        row=int(cells.source_row[0]),
        column=name,
    )


def _eans(
    path: Path,
    cells: ProfileCells,
    profile: MeterProfile,
    rows: pd.DataFrame,
    carriers: pd.Series,
    ean: EanOption,
    keys: ProfileKeys,
) -> tuple[pd.Series, list[Note]]:
    at = rows["at"].to_numpy(dtype=np.int64)
    own = _file_ean(path, cells, profile)
    if own is not None:  # the file names its meter: that is every row's, whatever was given (one meter rule)
        return pd.Series(own, index=range(len(at)), dtype="string"), [Note("carrier", f"EAN {own}: the file's own")]
    try:
        if profile.ean.column is not None:
            values = pd.Series(cells.text(profile.ean.column).to_pandas(), dtype="string").iloc[at]
            values = excel_text(values).reset_index(drop=True)
            return row_eans(values, ean, path, carriers), []
        # a carrier per row, but few distinct ones: the EAN of each distinct carrier, then taken per row
        kinds, distinct = pd.factorize(carriers, use_na_sentinel=True)
        codes, notes = eans_by_carrier(ean, [str(c) for c in distinct], path)
        code_of = np.array([codes.get(str(c)) for c in distinct] + [None], dtype=object)
        return pd.Series(code_of[kinds], dtype="string"), notes
    except InputFileError as exc:
        where = "ean.column" if profile.ean.column else "ean"
        raise InputFileError(path, f"{exc.reason} ({keys(where)})", row=exc.row, column=exc.column) from None


def _file_ean(path: Path, cells: ProfileCells, profile: MeterProfile) -> str | None:
    """The valid EAN the file names above its header or in its name (ean.preamble, ean.file_name), if any."""
    found: list[str] = []
    if profile.ean.preamble is not None:
        found.append(cells.preamble.get(normalise_name(profile.ean.preamble), ""))
    if profile.ean.file_name:
        found += re.findall(r"(?<!\d)\d{18}(?!\d)", path.name)
    if not found:  # nothing to check (and checking nothing costs milliseconds)
        return None
    valid = own_eans(pd.Series(found, dtype="string")).dropna()
    return str(valid.iloc[0]) if len(valid) else None


def _tariffs(
    cells: ProfileCells, profile: MeterProfile, at: np.ndarray, channel: np.ndarray
) -> tuple[pd.Series, list[Note]]:
    fixed = [None if isinstance(c.tariff, TariffColumn) else c.tariff for c in profile.channels]
    if len(fixed) == len([t for t in fixed if t is not None]):  # every channel's tariff is its own
        return _by_channel(fixed, channel), []
    tariff = np.array([*fixed, None], dtype=object)[np.where(channel < 0, len(fixed), channel)]
    notes: list[Note] = []
    for index, each in enumerate(profile.channels):
        mine = channel == index
        if not isinstance(each.tariff, TariffColumn) or not mine.any():
            continue
        if not cells.has(each.tariff.column):
            notes.append(Note("unknown_word", f"no column {each.tariff.column!r}: the tariff of {each.label} left empty"))
            continue
        written = words(cells, each.tariff.column).iloc[at[mine]]
        read = word_values(written, each.tariff.values)
        tariff[mine] = read
        notes += unknown_word_notes(
            written.reset_index(drop=True), pd.isna(read), cells.source_row[at[mine]], each.tariff.column,
            "tariff left empty",
        )
    return _strings(tariff), notes


def _by_channel(values: list[str | None], channel: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Text per row from its channel's value (-1, a type no channel lists: empty), taken through Arrow."""
    table = pa.array([*values, None], pa.string())
    return pd.array(table.take(pa.array(np.where(channel < 0, len(values), channel))), dtype="string")


def _strings(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Text per row from few distinct values (a channel's unit, direction, tariff), built through Arrow:
    much faster than converting an object array row by row."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    table = pa.array([*map(str, distinct), None], pa.string())
    return pd.array(table.take(pa.array(np.where(codes < 0, len(distinct), codes))), dtype="string")


def _estimated(cells: ProfileCells, profile: MeterProfile, at: np.ndarray) -> tuple[pd.Series, list[Note]]:
    """From the flag column's words; without one (or without an optional one in the file) a measurement."""
    if profile.estimated is None or not cells.has(profile.estimated.column):
        return constant(False, len(at), "boolean"), []
    text = words(cells, profile.estimated.column).iloc[at].reset_index(drop=True)
    read = pd.Series(word_values(text, {**ESTIMATED, **profile.estimated.words}), dtype=object)
    unknown = read.isna().to_numpy()
    notes = unknown_word_notes(
        text, unknown, cells.source_row[at], profile.estimated.column, "`estimated` left empty, never a default"
    )
    return pd.array(read.to_numpy(dtype=object), dtype="boolean"), notes


def _total_notes(cells: ProfileCells, profile: MeterProfile, summary_lines: np.ndarray) -> list[Note]:
    """Rows whose total column is not the net sum of their channel cells as written (an empty cell counts 0):
    where it differs, the reading of the channels' signs does not hold for that row."""
    check = profile.total_check
    assert check is not None
    names = [c.column for c in profile.channels if c.column and cells.has(c.column)]
    if not cells.has(check.column) or not names:
        return []
    total = cells.number(check.column)
    net = np.sum([np.where(cells.absent(name), 0.0, cells.number(name)) for name in names], axis=0)
    off = np.isfinite(total) & np.isfinite(net) & (np.abs(net - total) > check.tolerance) & ~summary_lines
    notes = [
        Note(
            "usage_mismatch",
            f"{check.column} {total[i]:.5f} is not the sum of the channels as written ({net[i]:.5f}): "
            f"the channels are read, {check.column} is not",
            row=int(cells.source_row[i]),
        )
        for i in shown(np.flatnonzero(off))
    ]
    return notes + more(int(off.sum()), "usage_mismatch")


def _summaries(
    start: pd.Series, finish: pd.Series, rows: pd.DataFrame, source_row: np.ndarray, labels: list[str]
) -> tuple[np.ndarray, list[Note]]:
    """Lines of the file that total others (a year row under the days), judged per line, dropped for every channel."""
    at = rows["at"].to_numpy()
    lines, first = np.unique(at, return_index=True)
    line_of = np.searchsorted(lines, at)
    written: dict[str, np.ndarray] = {}
    for code in np.unique(rows["channel"].to_numpy()):
        values = np.full(len(lines), np.nan)
        mine = rows["channel"].to_numpy() == code
        values[line_of[mine]] = rows["quantity"].to_numpy()[mine]
        written[labels[int(code)]] = values
    start_line = start.iloc[first].reset_index(drop=True)
    finish_line = finish.iloc[first].reset_index(drop=True)
    summary, notes = summary_rows(start_line, finish_line, written, source_row[first])
    return summary[line_of], notes
