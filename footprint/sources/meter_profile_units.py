"""A channel's unit read per row from a column (`unit: {column, prefer}`), and rows no `row_carrier` rule places.

Fluvius writes the unit in a column of each row (kWh, m³). Its words go through the vocabulary's
meter_units, so Wh becomes kWh x 0.001; a word it does not know leaves the unit empty with the number as
written (validation refuses the row and shows the figure) and an unknown_word note.

`prefer`: the gas export gives every hour twice, in m³ (the metered volume) and in kWh (Fluvius'
conversion with the calorific value). Where an interval of a channel (the same type word, EAN cell,
start and end) has a row in the preferred unit, its rows in other units repeat it and are left out,
with one note, so nothing is counted twice; an interval given only in another unit keeps its row (gas
in kWh is converted at the factor step). Long layouts only: in a wide one a row's unit would be every
channel's at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from footprint.sources.meter_eans import EAN_PREFIX_CARRIERS
from footprint.sources.meter_profile_rows import long_channels, row_carriers
from footprint.sources.meter_profile_schema import MeterProfile, UnitColumn
from footprint.sources.meter_profile_table import ProfileCells, word_values, words
from footprint.sources.notes import Note, first_row_note, unknown_word_notes
from footprint.sources.vocabulary import METER_UNITS

_CANONICAL = {word: unit for word, (unit, _) in METER_UNITS.items()}
_FACTOR = {word: factor for word, (_, factor) in METER_UNITS.items()}


def drop_unit_twins(
    cells: ProfileCells, profile: MeterProfile, moments: pd.Series, end: pd.Series | None
) -> tuple[ProfileCells, pd.Series, pd.Series | None, list[Note]]:
    """The cells without the rows that repeat a preferred-unit row of their channel in another unit."""
    preferring = [
        (index, channel.unit)
        for index, channel in enumerate(profile.channels)
        if isinstance(channel.unit, UnitColumn) and channel.unit.prefer is not None and cells.has(channel.unit.column)
    ]
    if profile.long is None or not preferring:
        return cells, moments, end, []
    channel = long_channels(cells, profile)
    if not np.isin(channel, [index for index, _ in preferring]).any():
        return cells, moments, end, []
    timed = moments.notna().to_numpy() & (end.notna().to_numpy() if end is not None else True)
    usable = timed & ~cells.absent(profile.long.value_column)
    key = pd.DataFrame(
        {
            "ean": _codes(cells, profile.ean.column),
            "start": _instants(moments),
            "end": _instants(end) if end is not None else 0,
        }
    )
    twins = np.zeros(len(cells), dtype=bool)
    notes: list[Note] = []
    for index, unit in preferring:
        assert unit.prefer is not None
        preferred = METER_UNITS[unit.prefer.casefold()][0]
        written = pd.Series(word_values(words(cells, unit.column), _CANONICAL), dtype="string")
        mine = usable & (channel == index) & written.notna().to_numpy()
        kept = mine & written.eq(preferred).fillna(False).to_numpy(dtype=bool)
        other = mine & ~kept
        repeated = key[other].reset_index().merge(key[kept].drop_duplicates(), on=list(key.columns))["index"]
        mine_twins = np.zeros(len(cells), dtype=bool)
        mine_twins[repeated.to_numpy()] = True
        twins |= mine_twins
        label = profile.channels[index].label
        if mine_twins.any():
            others = " or ".join(sorted(set(written[mine_twins])))
            notes.append(
                Note(
                    "duplicate_unit",
                    f"{label}: intervals given in {preferred} and again in {others}: the {preferred} rows are kept "
                    f"and the {int(mine_twins.sum())} {others} rows that repeat them are left out, so nothing is "
                    "counted twice",
                )
            )
        alone = other & ~mine_twins
        units_alone = " or ".join(sorted(set(written[alone])))
        notes += first_row_note(
            "duplicate_unit", alone, cells.source_row, f"{label} intervals given only in {units_alone}, not in "
            f"{preferred}", f"kept in {units_alone}"
        )
    if not twins.any():
        return cells, moments, end, notes
    keep = ~twins
    placed = moments[keep].reset_index(drop=True)
    return cells.take(keep), placed, (end[keep].reset_index(drop=True) if end is not None else None), notes


def _codes(cells: ProfileCells, name: str | None) -> np.ndarray:
    if name is None or not cells.has(name):
        return np.zeros(len(cells), dtype=np.int64)
    return pd.factorize(words(cells, name))[0]


def _instants(moments: pd.Series) -> np.ndarray:
    return moments.to_numpy(dtype="datetime64[us]").astype(np.int64)


def row_units(
    frame: pd.DataFrame, cells: ProfileCells, profile: MeterProfile, at: np.ndarray, channel: np.ndarray
) -> tuple[pd.DataFrame, list[Note]]:
    """The frame with each unit-column channel's unit and quantity read per row, and the unit of rows no
    `row_carrier` rule places left empty; the notes on both."""
    by_column: dict[str, list[int]] = {}
    for index, each in enumerate(profile.channels):
        if isinstance(each.unit, UnitColumn):
            by_column.setdefault(each.unit.column, []).append(index)
    carriers = row_carriers(cells, profile)
    if not by_column and carriers is None:
        return frame, []
    unit = frame["unit"].to_numpy(dtype=object, na_value=None).copy()
    quantity = frame["quantity"].to_numpy(dtype="float64").copy()
    notes: list[Note] = []
    for column, indices in by_column.items():
        mine = np.isin(channel, indices)
        if not mine.any() or not cells.has(column):
            continue
        written = words(cells, column).iloc[at[mine]].reset_index(drop=True)
        canonical = word_values(written, _CANONICAL)
        factor = word_values(written, _FACTOR)
        unit[mine] = canonical
        quantity[mine] = quantity[mine] * np.where(pd.isna(factor), 1.0, factor).astype("float64")
        notes += unknown_word_notes(
            written, pd.isna(canonical), cells.source_row[at[mine]], column, "unit left empty, so validation refuses "
            "the rows"
        )
    if carriers is not None:
        unplaced = pd.isna(carriers[at]) & (channel >= 0)
        unit[unplaced] = None
        notes += _unplaced_note(cells, profile, np.unique(at[unplaced]))
    return frame.assign(unit=_strings(unit), quantity=quantity), notes


def _unplaced_note(cells: ProfileCells, profile: MeterProfile, lines: np.ndarray) -> list[Note]:
    rule = profile.row_carrier
    if not len(lines) or rule is None:
        return []
    why = []
    if rule.column is not None:
        why.append(f"{rule.column} starts with none of {', '.join(rule.starts_with)}")
    if rule.ean_range:
        why.append(f"the EAN is in none of the {'/'.join(EAN_PREFIX_CARRIERS)} ranges")
    return [
        Note(
            "carrier",
            f"{len(lines)} row{'s' if len(lines) != 1 else ''} of no known carrier ({' and '.join(why) or 'no rule'} "
            "of row_carrier names one): the unit is left empty, so validation refuses them",
            row=int(cells.source_row[lines[0]]),
        )
    ]


def _strings(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Text per row from few distinct values (units), built through Arrow rather than row by row."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    table = pa.array([*map(str, distinct), None], pa.string())
    return pd.array(table.take(pa.array(np.where(codes < 0, len(distinct), codes))), dtype="string")
