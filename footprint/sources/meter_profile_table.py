"""A meter export's table as a profile describes it: cells of a text file or a workbook sheet, its time
axis, and its channels' cells as rows (`channel_rows`: a row per filled cell of a wide layout, or per
row of a long one whose type names the channel).

Both file types end up as the same `ProfileCells`: the cells of each column the profile names, with
the line (text file) or spreadsheet row each data row sits on. Text cells stay Arrow strings, so a
file of a million 15-minute rows converts a column at a time; a workbook keeps calamine's typed cells
(a number cell is a number, never re-read through a decimal mark). Words (a type, a tariff, a flag)
are looked up once per distinct word, never once per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from footprint.errors import InputFileError
from footprint.schemas import LOCAL_TZ
from footprint.sources import sheets
from footprint.sources.cell_numbers import decimal, point_decimal
from footprint.sources.cell_sql import sql
from footprint.sources.cell_text import absent_cells
from footprint.sources.cell_times import dutch_instant, instant, strptime_each
from footprint.sources.csv_table import read_table
from footprint.sources.meter_intervals import interval_steps
from footprint.sources.meter_profile_header import ignored_group_notes, joined_rows
from footprint.sources.meter_profile_months import head_is_monthly, month_bounds
from footprint.sources.meter_profile_rows import (
    channel_scope,
    empty_value_notes,
    long_channels,
    row_carriers,
)
from footprint.sources.meter_profile_schema import Channel, MeterProfile
from footprint.sources.notes import Note, no_readings_note, unknown_word_notes
from footprint.sources.text_head import (
    Column,
    column_positions,
    head_lines,
    locate_header,
    normalise_key,
    normalise_name,
    split_fields,
)

_DECIMAL_COMMA_NUMBER = r"^\s*[+-]?\d+,\d+\s*$"  # 0,742 or 12,5: a decimal comma, not a grouping
TIMESTAMP_US = f"datetime64[us, {LOCAL_TZ}]"


@dataclass(frozen=True)
class ProfileCells:
    """The cells of the columns a profile reads, per data row, and where each row is in the file."""

    source_row: np.ndarray
    header_line: int
    columns: dict[str, pd.Series | pa.Array]
    decimal_mark: str
    preamble: dict[str, str] = field(default_factory=dict)  # label (normalised) -> the cell after it, above the header
    notes: tuple[Note, ...] = ()  # what reading the header found (a group of a two-row header not read)

    def __len__(self) -> int:
        return len(self.source_row)

    def has(self, name: str) -> bool:
        return name in self.columns

    def text(self, name: str) -> pa.Array:
        cells = self.columns[name]
        return cells if isinstance(cells, pa.Array) else sheets.texts(cells)

    def number(self, name: str) -> np.ndarray:
        parse = decimal if self.decimal_mark == "," else point_decimal
        cells = self.columns[name]
        return parse(cells) if isinstance(cells, pa.Array) else sheets.numbers(cells, parse)

    def absent(self, name: str) -> np.ndarray:
        """Cells with nothing in them (empty, `-`): no reading, as opposed to an unreadable one."""
        cells = self.columns[name]
        if isinstance(cells, pa.Array):
            return absent_cells(cells.to_pandas())
        return absent_cells(cells)  # a workbook's typed cells: None, blank text or `-`

    def take(self, keep: np.ndarray) -> ProfileCells:
        index = np.flatnonzero(keep)
        taken = {
            name: (cells.take(pa.array(index)) if isinstance(cells, pa.Array) else cells.iloc[index].reset_index(drop=True))
            for name, cells in self.columns.items()
        }
        return ProfileCells(
            self.source_row[index], self.header_line, taken, self.decimal_mark, self.preamble, self.notes
        )


def sniff(head: str, profile: MeterProfile) -> bool:
    """Whether a file's head carries the profile's signature: a text header line, or a row of a sheet."""
    if profile.table.type == "csv":
        if head.startswith("\x00"):  # a workbook's head
            return False
        located = locate_header(head_lines(head), profile.signature_columns, profile.table.delimiter)
        if located is None:
            return False
        index, separator = located
        lines = [split_fields(line, separator) for line in head_lines(head)]
        return _has_signature(lines[index], profile) and head_is_monthly(lines, index, profile, parse_moments)
    rows = joined_rows(sheets.head_rows(head), profile.table.header_rows)  # meter_profile_header
    found = sheets.find_row(rows, lambda cells: _has_signature(cells, profile))
    return found is not None and head_is_monthly(rows, found, profile, parse_moments)  # meter_profile_months


def _has_signature(cells: Sequence[str], profile: MeterProfile) -> bool:
    """Every signature column, and one of signature_any where the profile has it."""
    def found(column: Column) -> bool:
        return any(column.accepts(cell) for cell in cells)

    any_of = profile.signature_any_columns
    return all(map(found, profile.signature_columns)) and (not any_of or any(map(found, any_of)))


def read_cells(path: Path, profile: MeterProfile) -> ProfileCells:
    """The profile's columns of the file; a missing column or header is an InputFileError naming it."""
    columns = profile.read_columns
    if profile.table.type == "csv":
        table = read_table(
            path, profile.name, columns, profile.signature_columns, profile.table.delimiter, profile.table.encoding
        )
        present = {c.header: table[c.header] for c in columns if c.header in table.present}
        _check_resaved_decimals(path, profile, table.separator, present)
        cells = ProfileCells(table.source_row, table.header_line, present, profile.table.decimal, table.preamble)
    else:
        cells = _sheet_cells(path, profile, columns)
    if profile.table.signature_any and not any(cells.has(name) for name in profile.table.signature_any):
        raise InputFileError(
            path,
            f"none of the columns {', '.join(map(repr, profile.table.signature_any))}: a {profile.name} file has one",
            row=cells.header_line,
            column=profile.table.signature_any[0],
        )
    return cells


def _check_resaved_decimals(path: Path, profile: MeterProfile, separator: str, present: dict[str, pa.Array]) -> None:
    """A file split by another separator than its layout's was re-saved by a spreadsheet program, which may
    also have written its decimal points as commas: "0,742" read with the layout's decimal point is 742.
    Which mark the numbers now have is not the layout's to say, so such a file is refused, never guessed."""
    if separator == profile.table.delimiter or profile.table.decimal != ".":
        return
    for name, values in present.items():
        found = pc.match_substring_regex(values, _DECIMAL_COMMA_NUMBER).fill_null(False)
        if pc.any(found).as_py():
            raise InputFileError(
                path,
                f"separated by {separator!r} where the {profile.name} layout writes {profile.table.delimiter!r}, "
                f"and its numbers have decimal commas (column {name!r}): the file was re-saved by a spreadsheet "
                "program; use the provider's original export, or a profile of your own with decimal ','",
                column=name,
            )


def _sheet_cells(path: Path, profile: MeterProfile, columns: Sequence[Column]) -> ProfileCells:
    if profile.table.sheet is not None:
        sheet = sheets.read_named_sheet(path, profile.name, profile.table.sheet)
    else:
        sheet = sheets.read_sheet(path, profile.name, lambda head: sniff(head, profile))
    written = sheet.header_rows()
    rows = joined_rows(written, profile.table.header_rows)  # a group row's label in front of each name
    header = sheets.find_row(rows, lambda cells: _has_signature(cells, profile))
    if header is None:
        wanted_names = ", ".join(repr(c.header) for c in profile.signature_columns)
        article = "an" if profile.name[0] in "aeiou" else "a"
        raise InputFileError(path, f"no header row with the columns {wanted_names}: not {article} {profile.name} file")
    positions = column_positions(path, rows[header], columns, f"{profile.name} file", header + 1)
    body, source_row = sheet.body(header + 1)
    present = {name: body[index].reset_index(drop=True) for name, index in positions.items()}
    preamble = {normalise_name(row[0]): row[1].strip() for row in rows[:header] if len(row) >= 2 and row[0]}
    notes = ignored_group_notes(written, header, positions, profile.table.header_rows)
    return ProfileCells(source_row, header + 1, present, profile.table.decimal, preamble, tuple(notes))


def parse_moments(values: pa.Array, formats: Sequence[str]) -> pd.Series:
    """Timestamps in the first of `formats` that reads each cell; a local time without offset in the
    doubled or skipped hour is NaT (placing it would be a guess)."""
    utc = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[us]")  # filled per format, as UTC
    todo = ~absent_cells(values.to_pandas()) if len(values) else np.zeros(0, dtype=bool)
    for each in formats:
        if not todo.any():
            break
        rows = np.flatnonzero(todo)
        part = values if len(rows) == len(values) else values.take(pa.array(rows))
        parsed = _parse(part, each)
        utc[rows] = parsed.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
        todo = todo & np.isnat(utc)
    return pd.Series(utc).dt.tz_localize("UTC").dt.tz_convert(LOCAL_TZ).astype(TIMESTAMP_US)


def _parse(values: pa.Array, form: str) -> pd.Series:
    if form == "iso":
        return instant(values)
    if form == "dutch":
        return dutch_instant(values)
    if form in ("unix_seconds", "unix_milliseconds"):
        numbers = point_decimal(values)
        unit = "s" if form == "unix_seconds" else "ms"
        whole = np.where(np.isfinite(numbers), numbers, np.nan)
        stamps = pd.to_datetime(pd.Series(whole), unit=unit, utc=True, errors="coerce")
        return stamps.dt.tz_convert(LOCAL_TZ).astype(TIMESTAMP_US)
    parsed = sql(f"SELECT {strptime_each('trim(v)', [form])} AS t FROM cells", v=values)["t"].to_pandas()
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert(LOCAL_TZ).astype(TIMESTAMP_US)
    local = parsed.dt.tz_localize(LOCAL_TZ, ambiguous="NaT", nonexistent="NaT")
    return local.astype(TIMESTAMP_US)


def row_moments(cells: ProfileCells, profile: MeterProfile) -> tuple[pd.Series, pd.Series | None]:
    """Each row's timestamp (of its column, or its date and time joined by a space) and its explicit end."""
    axis = profile.time
    if axis.column is not None:
        stamp = cells.text(axis.column)
    else:
        date = cells.text(axis.date_column or "")
        if axis.time_column is None:
            stamp = date
        else:
            stamp = pc.binary_join_element_wise(date, cells.text(axis.time_column), " ")
    moments = parse_moments(stamp, axis.formats)
    end = parse_moments(cells.text(axis.end_column), axis.formats) if axis.end_column else None
    return moments, end


def interval_bounds(
    moments: pd.Series, end: pd.Series | None, profile: MeterProfile, series: np.ndarray
) -> tuple[pd.Series, pd.Series]:
    """The start and end of each row's interval. A step of whole days is counted on the calendar, so a
    day runs from local midnight to midnight (23 and 25 hours on the clock-change days)."""
    if end is not None:
        return moments, end
    if profile.time.months:  # calendar months (meter_profile_months)
        return month_bounds(moments, profile.time.marks)
    step = profile.time.step
    steps = (
        np.full(len(moments), step.to_timedelta64(), dtype="timedelta64[us]")
        if step is not None
        else interval_steps(moments, series)
    )
    sign = 1 if profile.time.marks == "start" else -1
    other = _shift(moments, steps, sign)
    return (moments, other) if sign == 1 else (other, moments)


def _shift(moments: pd.Series, steps: np.ndarray, sign: int) -> pd.Series:
    day = np.timedelta64(1, "D").astype("timedelta64[us]")
    whole_days = (steps % day == np.timedelta64(0, "us")) & (steps > np.timedelta64(0, "us"))
    shifted = moments + sign * pd.to_timedelta(steps)
    if whole_days.any():
        rows = np.flatnonzero(whole_days)
        local = moments.iloc[rows].dt.tz_localize(None)
        moved = local + sign * pd.to_timedelta(steps[rows])
        placed = moved.dt.tz_localize(LOCAL_TZ, ambiguous="NaT", nonexistent="NaT").astype(TIMESTAMP_US)
        shifted.iloc[rows] = placed.array  # as datetimes: to_numpy() would make Timestamp objects, slowly
    return shifted.astype(TIMESTAMP_US)


def word_values(words: pd.Series, mapping: Mapping[str, object]) -> np.ndarray:
    """Each cell's value in `mapping` (its words compared ignoring case and spacing), None for others.
    A column holds few distinct words: each is looked up once, then taken per row."""
    keys = {normalise_key(k): v for k, v in mapping.items()}
    codes, distinct = pd.factorize(words, use_na_sentinel=True)
    found = np.array([keys.get(normalise_key(str(w))) for w in distinct] + [None], dtype=object)
    return found[codes]


def words(cells: ProfileCells, name: str) -> pd.Series:
    """A column's cells as text, an empty cell as ""."""
    return pd.Series(cells.text(name).to_pandas(), dtype="string").fillna("")


def dropped_rows(cells: ProfileCells, profile: MeterProfile) -> np.ndarray:
    """Rows the profile says are not data (a totals line)."""
    dropped = np.zeros(len(cells), dtype=bool)
    for drop in (each for each in profile.table.drop_rows if cells.has(each.column)):
        dropped |= pd.notna(word_values(words(cells, drop.column), dict.fromkeys(drop.values, True)))
    return dropped


def channel_rows(cells: ProfileCells, profile: MeterProfile) -> tuple[pd.DataFrame, list[Note]]:
    """One row per filled channel cell: `at` (the data row), `channel` (its index, -1 for a type no channel
    lists), `quantity` (in footprint's unit) and `against` (its scale column has the other sign than the
    channel's: the cell is not what the channel says)."""
    if profile.long is not None:
        return _long_rows(cells, profile)
    pieces: list[pd.DataFrame] = []
    notes: list[Note] = []
    filled_of: dict[int, bool] = {}
    scale, negative_scale = _scale(cells, profile)
    carriers = row_carriers(cells, profile)  # with row_carrier a channel reads only its carrier's rows
    for index, channel in enumerate(profile.channels):
        scope = channel_scope(carriers, profile, index)
        if channel.column is None or not cells.has(channel.column) or (scope is not None and not scope.any()):
            continue
        quantity = _quantity(cells.number(channel.column) * scale, channel, scale_column=negative_scale is not None)
        filled = ~cells.absent(channel.column) if scope is None else ~cells.absent(channel.column) & scope
        if channel.all_zero_is_absent and filled.any() and np.all(quantity[filled] == 0):
            notes.append(Note("no_readings", f"{channel.label}: 0 in every row, the logger's value when it has "
                              f"no {channel.carrier} reading: no {channel.carrier} meter here, so no rows"))
            continue
        if channel.zero_is_no_reading:  # checked after all_zero_is_absent, so the two go together
            filled &= quantity != 0
        filled_of[index] = bool(filled.any())
        at = np.flatnonzero(filled)
        against = _against(negative_scale, channel, len(cells))
        pieces.append(pd.DataFrame({"at": at, "channel": index, "quantity": quantity[at], "against": against[at]}))
    return _in_file_order(pieces), notes + _no_reading_notes(profile, filled_of)


def _long_rows(cells: ProfileCells, profile: MeterProfile) -> tuple[pd.DataFrame, list[Note]]:
    assert profile.long is not None
    types = words(cells, profile.long.type_column)
    channel = long_channels(cells, profile)  # by type word and, with row_carrier, the row's carrier
    if profile.values == "usage" and profile.long.empty_value == "refused":
        filled = np.ones(len(cells), dtype=bool)  # every row claims its interval, an empty value too
    else:
        filled = ~cells.absent(profile.long.value_column)
    scale, negative_scale = _scale(cells, profile)
    raw = cells.number(profile.long.value_column) * scale
    quantity = raw.copy()  # as written for a type no channel has: refused for its empty unit, not its value
    against = np.zeros(len(raw), dtype=bool)
    for index, each in enumerate(profile.channels):
        mine = channel == index
        quantity[mine] = _quantity(raw[mine], each, scale_column=negative_scale is not None)
        against[mine] = _against(negative_scale, each, len(cells))[mine]
    unknown = filled & (channel < 0)
    notes = unknown_word_notes(
        types, unknown, cells.source_row, profile.long.type_column, "unit and direction left empty, so refused"
    )
    notes += empty_value_notes(cells, profile, ~filled)
    at = np.flatnonzero(filled)
    return pd.DataFrame({"at": at, "channel": channel[at], "quantity": quantity[at], "against": against[at]}), notes


def _scale(cells: ProfileCells, profile: MeterProfile) -> tuple[np.ndarray, np.ndarray | None]:
    """The scale column's size per row (|factor|: a reading is value x factor) and where it is negative;
    (1, None) without one."""
    if profile.scale_column is None:
        return np.ones(len(cells)), None
    factor = cells.number(profile.scale_column)
    return np.abs(factor), factor < 0


def _against(negative_scale: np.ndarray | None, channel: Channel, rows: int) -> np.ndarray:
    """Rows whose scale has the other sign than the channel's (`negative`: the export signs it minus)."""
    if negative_scale is None:
        return np.zeros(rows, dtype=bool)
    return negative_scale != channel.negative


def _quantity(values: np.ndarray, channel: Channel, scale_column: bool = False) -> np.ndarray:
    """Cells in footprint's unit: the channel's scale and unit factor, and its sign undone (`+ 0.0`: no -0).
    With a scale column the sign is the scale's, checked by _against, and the value is read as it counts."""
    negative = channel.negative and not scale_column
    factor = channel.scale * channel.canonical_unit[1] * (-1.0 if negative else 1.0)
    return values * factor + 0.0


def _in_file_order(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    if not pieces:
        return pd.DataFrame(
            {"at": np.zeros(0, np.int64), "channel": np.zeros(0, np.int64), "quantity": np.zeros(0),
             "against": np.zeros(0, dtype=bool)}
        )
    return pd.concat(pieces, ignore_index=True).sort_values(["at", "channel"], kind="stable").reset_index(drop=True)


def _no_reading_notes(profile: MeterProfile, filled_of: dict[int, bool]) -> list[Note]:
    """One note per carrier and direction without any value (a meter without feed-in), else one per empty column."""
    notes: list[Note] = []
    groups: dict[tuple[str, str], list[int]] = {}
    for index in filled_of:
        channel = profile.channels[index]
        groups.setdefault((channel.carrier, channel.direction), []).append(index)
    for (_, direction), members in groups.items():
        empty = [profile.channels[i].label for i in members if not filled_of[i]]
        if len(empty) == len(members):
            notes.append(no_readings_note(direction, empty, "values" if profile.values == "usage" else "readings"))
        else:
            notes += [Note("no_readings", f"{name}: every cell empty, so no rows for it") for name in empty]
    return notes
