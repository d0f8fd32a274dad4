"""Which channel reads a row, where the row's own cells decide: its carrier (`row_carrier`), and a long
layout's empty values counted for a note.

`row_carrier` is for a layout that holds electricity and gas in the same columns (Liander: reading1 is
electricity at the low tariff on a row whose meter number starts with E, the gas register on one whose
starts with G) or whose carrier only the header tells (Fluvius: gas when it has the calorific-value
column). Each row's carrier is the first rule's that names one: the `column`'s first letters
(`starts_with`), the range of the row's EAN (`ean_range`: 871687120... electricity, 871687140... gas),
a column in the header (`header_has`), then `otherwise`. A channel then reads only its carrier's rows,
so two channels may share a column (wide) or a type word (long) when their carriers differ. A row no
rule places is read by the first channel of its column or type word, and meter_profile_units leaves
its unit empty, so validation refuses it with its figure shown; one note counts such rows.

It reads cells through ProfileCells' own methods only (`Cells`), so meter_profile_table can use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from footprint.sources.cell_text import excel_text, lookup, text
from footprint.sources.meter_eans import EAN_PREFIX_CARRIERS
from footprint.sources.meter_profile_schema import MeterProfile
from footprint.sources.notes import Note


class Cells(Protocol):
    """What is read here of meter_profile_table.ProfileCells (which imports this module)."""

    source_row: np.ndarray

    def __len__(self) -> int: ...

    def has(self, name: str) -> bool: ...

    def text(self, name: str) -> pa.Array: ...


def row_carriers(cells: Cells, profile: MeterProfile) -> np.ndarray | None:
    """Each row's carrier by the profile's `row_carrier` (None where no rule names one); None without the key."""
    rule = profile.row_carrier
    if rule is None:
        return None
    found = np.full(len(cells), None, dtype=object)
    if rule.column is not None and cells.has(rule.column):
        found = _by_first_letters(text(cells.text(rule.column)), rule.starts_with)
    if rule.ean_range and profile.ean.column is not None and cells.has(profile.ean.column):
        written = excel_text(text(cells.text(profile.ean.column)))
        found = np.where(pd.isna(found), _by_first_letters(written, EAN_PREFIX_CARRIERS), found)
    for name, carrier in rule.header_has.items():
        if cells.has(name):
            found = np.where(pd.isna(found), carrier, found)
    if rule.otherwise is not None:
        found = np.where(pd.isna(found), rule.otherwise, found)
    return found


def _by_first_letters(values: pd.Series, prefixes: Mapping[str, str]) -> np.ndarray:
    """The carrier of the longest prefix each cell starts with (ignoring case and leading spaces), once per
    distinct cell."""
    ordered = sorted(prefixes.items(), key=lambda item: -len(item[0]))
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    named = [
        next((carrier for prefix, carrier in ordered if str(cell).strip().casefold().startswith(prefix.casefold())), None)
        for cell in distinct
    ]
    return np.array([*named, None], dtype=object)[np.where(codes < 0, len(distinct), codes)]


def channel_scope(carriers: np.ndarray | None, profile: MeterProfile, index: int) -> np.ndarray | None:
    """The rows the wide channel `index` reads: its carrier's, and for the first channel of its column also the
    rows no rule places; None (every row) without `row_carrier`."""
    if carriers is None:
        return None
    channel = profile.channels[index]
    mine = carriers == channel.carrier
    first = next(i for i, other in enumerate(profile.channels) if other.column == channel.column)
    return mine | pd.isna(carriers) if first == index else mine


def long_channels(cells: Cells, profile: MeterProfile) -> np.ndarray:
    """Each row's channel in a long layout by its type word (-1: a word no channel lists); with `row_carrier`, the
    channel of the row's carrier that lists the word, and for a row no rule places the first channel listing it."""
    assert profile.long is not None
    types = cells.text(profile.long.type_column)
    channels = profile.channels
    carriers = row_carriers(cells, profile)
    if carriers is None:
        return _channel_of(types, {word: i for i, c in enumerate(channels) for word in c.when})
    found = np.full(len(cells), -1, dtype=np.int64)
    unplaced = pd.isna(carriers)
    for carrier in dict.fromkeys(carriers[~unplaced]):
        mine = carriers == carrier
        mapping = {word: i for i, c in enumerate(channels) if c.carrier == carrier for word in c.when}
        found[mine] = _channel_of(types.filter(pa.array(mine)), mapping)
    if unplaced.any():
        firsts = {word: i for i, c in reversed(list(enumerate(channels))) for word in c.when}
        found[unplaced] = _channel_of(types.filter(pa.array(unplaced)), firsts)
    return found


def _channel_of(types: pa.Array, mapping: dict[str, int]) -> np.ndarray:
    if not mapping:
        return np.full(len(types), -1, dtype=np.int64)
    return lookup(types, mapping).fillna(-1).to_numpy(dtype=np.int64)


def empty_value_notes(cells: Cells, profile: MeterProfile, empty: np.ndarray) -> list[Note]:
    """A long layout of usage whose empty value is no reading (no row): one note per word of the estimated
    column on those rows (Fluvius: "No consumption"), or one note when the profile has none."""
    long = profile.long
    if long is None or profile.values != "usage" or long.empty_value != "no_reading" or not empty.any():
        return []
    flag = profile.estimated.column if profile.estimated is not None else None
    rows = cells.source_row[empty]
    if flag is None or not cells.has(flag):
        count = int(empty.sum())
        message = f"{count} row{'s' if count != 1 else ''} with an empty {long.value_column}: no reading, so no row"
        return [Note("no_reading", message, row=int(rows[0]))]
    words = text(cells.text(flag))[empty].fillna("(empty)").to_numpy(dtype=object)
    counted = pd.DataFrame({"word": words, "row": rows}).groupby("word", sort=False)["row"].agg(["size", "min"])
    return [
        Note(
            "no_reading",
            f"{count} row{'s' if count != 1 else ''} with an empty {long.value_column} (status {word!r}): "
            "no reading, so no row",
            row=int(first),
        )
        for word, count, first in counted.itertuples()
    ]
