"""Interval usage of one connection (15-minute or hourly), as a metering portal exports it.

The EAN sits on a line above the header (`EAN;871...`) or in an `EAN` column. Interval start and end
carry their UTC offset, so the doubled hour of the autumn night is two distinct rows.

A month of a few hundred meters is thousands of such files: `read_many` reads them together, with
the same result per file as `read`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import helpers
from footprint.sources.helpers import Column
from footprint.sources.vocabulary import DIRECTIONS, ESTIMATED, METER_UNITS, TARIFFS

NAME: Final = "meter_interval_csv"
DATASET: Final = schemas.METER_USAGE

HEADER: Final = (
    Column("Begin", aliases=("Van", "Start", "Interval start")),
    Column("Einde", aliases=("Tot", "Eind", "Interval einde")),
    Column("Verbruik", aliases=("Hoeveelheid",)),
    Column("Eenheid"),
    Column("Status", aliases=("Meetstatus",)),
    Column("Richting", required=False),
    Column("Tarief", required=False),
    Column("EAN", required=False, aliases=("EAN-code", "Aansluiting")),
)
SIGNATURE: Final = (HEADER[0], HEADER[1], HEADER[2])
PREAMBLE_EAN: Final = "EAN"


def sniff(head: str) -> bool:
    return helpers.sniff_header(head, SIGNATURE)


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """Without a Richting column every row is consumption (levering); without Tarief the tariff is <NA>.

    A given `ean` stands in for a missing `EAN;...` line; the file's own EAN wins.
    """
    table = helpers.read_table(path, NAME, HEADER, SIGNATURE)
    return _convert([table], [_fallback_ean(table, ean)])[0]


def read_many(
    paths: Sequence[Path], eans: Sequence[str | None] | None = None
) -> list[pd.DataFrame | InputFileError]:
    """read() of many files: each file's frame, or the InputFileError read() raises for it, in its place.

    Files whose headers hold the same columns have their cells concatenated and converted at once: a
    15-minute export is small, and converting thousands of them one by one costs more than the
    conversions themselves. `eans[i]` is the `ean` read() would be given for `paths[i]`.
    """
    given = list(eans) if eans is not None else [None] * len(paths)
    results: list[pd.DataFrame | InputFileError | None] = [None] * len(paths)
    groups: dict[frozenset[str], list[tuple[int, helpers.RawTable, str | None]]] = {}
    for index, (path, ean) in enumerate(zip(paths, given, strict=True)):
        try:
            table = helpers.read_table(path, NAME, HEADER, SIGNATURE)
            fallback = _fallback_ean(table, ean)
        except InputFileError as exc:
            results[index] = exc
            continue
        groups.setdefault(table.present, []).append((index, table, fallback))
    for members in groups.values():
        frames = _convert([table for _, table, _ in members], [fallback for _, _, fallback in members])
        for (index, _, _), frame in zip(members, frames, strict=True):
            results[index] = frame
    return [result for result in results if result is not None]


def _fallback_ean(table: helpers.RawTable, ean: str | None) -> str | None:
    """The EAN of rows without their own: the preamble's, else the given one; a file with neither raises."""
    fallback = table.preamble.get(helpers.normalise_name(PREAMBLE_EAN)) or ean
    if "EAN" not in table.present and not fallback:
        raise InputFileError(
            table.path,
            "no EAN: expected a line 'EAN;<18 digits>' above the header or an EAN column; or give it with --ean",
            column="EAN",
        )
    return fallback or None


def _convert(tables: list[helpers.RawTable], fallbacks: list[str | None]) -> list[pd.DataFrame]:
    """Canonical frames of tables with the same columns present, converted as one table: one frame per table."""
    lengths = [len(table) for table in tables]
    n = sum(lengths)
    if len(tables) == 1:
        cells = tables[0].cells
    else:
        cells = {column.header: pa.concat_arrays([table[column.header] for table in tables]) for column in HEADER}
    present = tables[0].present
    if "EAN" in present:
        ean = helpers.text(cells["EAN"])
        if any(fallbacks):
            ean = ean.fillna(_per_row(fallbacks, lengths))
    else:
        ean = _per_row(fallbacks, lengths)
    direction = (
        helpers.lookup(cells["Richting"], DIRECTIONS)
        if "Richting" in present
        else helpers.constant("consumption", n, "string")
    )
    quantity, unit = helpers.quantity_in_unit(cells["Verbruik"], cells["Eenheid"], METER_UNITS)
    start = helpers.instant(cells["Begin"])
    frame = pd.DataFrame(
        {
            "source_row": np.concatenate([table.source_row for table in tables]),
            "ean": ean,
            "interval_start": start,
            "interval_end": helpers.instant(cells["Einde"]),
            "period": helpers.month_start(start),
            "quantity": quantity,
            "unit": unit,
            "direction": direction,
            "tariff": helpers.lookup(cells["Tarief"], TARIFFS),
            "estimated": helpers.lookup(cells["Status"], ESTIMATED),
        }
    )
    conformed = schemas.conform(frame, DATASET)
    if len(tables) == 1:
        return [conformed]
    bounds = np.cumsum([0, *lengths]).tolist()
    return [
        conformed.iloc[first:last].set_axis(pd.RangeIndex(last - first), axis=0)
        for first, last in itertools.pairwise(bounds)
    ]


def _per_row(values: list[str | None], lengths: list[int]) -> pd.Series:
    """Each table's value repeated over its rows."""
    rows = pa.array(np.repeat(np.arange(len(values)), lengths))
    return pd.Series(pd.array(pa.array(values, pa.string()).take(rows), dtype="string"))
