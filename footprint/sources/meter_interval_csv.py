"""Interval usage of one connection (15-minute or hourly), as a metering portal exports it.

The EAN sits on a line above the header (`EAN;871...`) or in an `EAN` column (a filled cell wins over
the line). By the one meter rule (meter_eans.row_eans) it counts where it is a valid EAN; rows whose file
names none (no line, no cell, or a placeholder such as XXXXXXXXXXXXXXXXXX) take the `ean` argument,
and without one the file is refused with the routes that give it.

The direction is read, never assumed: from the Richting column through the vocabulary, or, without
one, from the name of the quantity column: `Verbruik` is consumption (the vocabulary's word). A file
whose quantity column is `Hoeveelheid` and that has no Richting column does not say and is refused.
Without a Tarief column the tariff is empty (one register). Interval start and end carry their UTC
offset, so the doubled hour of the autumn night is two distinct rows.

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
from footprint.sources.cell_numbers import quantity_in_unit
from footprint.sources.cell_text import constant, lookup, text
from footprint.sources.cell_times import instant, month_start
from footprint.sources.csv_table import RawTable, read_table
from footprint.sources.meter_eans import EanOption, own_eans, row_eans
from footprint.sources.text_head import (
    Column,
    header_sniffer,
    normalise_key,
    normalise_name,
)
from footprint.sources.vocabulary import DIRECTIONS, ESTIMATED, METER_UNITS, TARIFFS

NAME: Final = "meter_interval_csv"
DATASET: Final = schemas.METER_USAGE

HEADER: Final = (
    Column("Begin", aliases=("Van", "Start", "Interval start")),
    Column("Einde", aliases=("Tot", "Eind", "Interval einde")),
    Column("Verbruik", required=False),
    Column("Hoeveelheid", required=False),
    Column("Eenheid"),
    Column("Status", aliases=("Meetstatus",)),
    Column("Richting", required=False),
    Column("Tarief", required=False),
    Column("EAN", required=False, aliases=("EAN-code", "Aansluiting")),
)
# Either quantity column identifies the header; which one it is decides whether it names a direction.
SIGNATURE: Final = (HEADER[0], HEADER[1], Column("Verbruik", aliases=("Hoeveelheid",)))
QUANTITY_COLUMNS: Final = ("Verbruik", "Hoeveelheid")
PREAMBLE_EAN: Final = "EAN"


sniff = header_sniffer(SIGNATURE)


def read(path: Path, *, ean: EanOption = None) -> pd.DataFrame:
    """A file's intervals; `ean` is the EAN of rows whose file names no valid one (the file's own always wins)."""
    table = read_table(path, NAME, HEADER, SIGNATURE)
    (found,) = _files_eans([table], [ean])
    if isinstance(found, InputFileError):
        raise found
    return _convert([table], [found])[0]


def read_many(
    paths: Sequence[Path], eans: Sequence[EanOption] | None = None
) -> list[pd.DataFrame | InputFileError]:
    """read() of many files: each file's frame, or the InputFileError read() raises for it, in its place.

    Files whose headers hold the same columns have their cells concatenated and converted at once: a
    15-minute export is small, and converting thousands of them one by one costs more than the
    conversions themselves. `eans[i]` is the `ean` read() would be given for `paths[i]`.
    """
    given = list(eans) if eans is not None else [None] * len(paths)
    results: list[pd.DataFrame | InputFileError | None] = [None] * len(paths)
    read: list[tuple[int, RawTable]] = []
    for index, path in enumerate(paths):
        try:
            read.append((index, read_table(path, NAME, HEADER, SIGNATURE)))
        except InputFileError as exc:
            results[index] = exc
    found_eans = _files_eans([table for _, table in read], [given[index] for index, _ in read])
    groups: dict[frozenset[str], list[tuple[int, RawTable, _FileEans]]] = {}
    for (index, table), found in zip(read, found_eans, strict=True):
        if isinstance(found, InputFileError):
            results[index] = found
        else:
            groups.setdefault(table.present, []).append((index, table, found))
    for members in groups.values():
        frames = _convert([table for _, table, _ in members], [found for _, _, found in members])
        for (index, _, _), frame in zip(members, frames, strict=True):
            results[index] = frame
    return [result for result in results if result is not None]


# A file's EANs: one for every row (an EAN line and no EAN column), or one per row.
_FileEans = str | None | pa.Array


def _files_eans(tables: Sequence[RawTable], eans: Sequence[EanOption]) -> list[_FileEans | InputFileError]:
    """Each file's EANs by the one meter rule, or why the file is refused: it names no valid EAN and none
    was given, or it does not say its direction (see the module docstring).

    The EAN lines of all files are checked at once: a month brings thousands of files, each a meter.
    """
    lines = [table.preamble.get(normalise_name(PREAMBLE_EAN)) for table in tables]
    valid = own_eans(pd.Series(lines, dtype="string")).notna().to_numpy(dtype=bool)
    found: list[_FileEans | InputFileError] = []
    for table, ean, line, line_valid in zip(tables, eans, lines, valid, strict=True):
        if "Richting" not in table.present and "Verbruik" not in table.present:
            found.append(
                InputFileError(
                    table.path,
                    "no Richting column, and the quantity column is 'Hoeveelheid', which names no direction: add "
                    "a Richting column (Levering, Teruglevering, ...) or name the column Verbruik if it is usage",
                    column="Richting",
                )
            )
        elif "EAN" not in table.present and (line_valid or len(table) == 0):
            found.append(line)
        elif "EAN" not in table.present:
            # Every row carries the line's EAN: the rule decided on one row holds for all of them.
            found.append(_ruled(pd.Series([line], dtype="string"), ean, table.path, single=True))
        else:
            written = text(table["EAN"])
            found.append(_ruled(written.fillna(line) if line else written, ean, table.path, single=False))
    return found


def _ruled(values: pd.Series, ean: EanOption, path: Path, *, single: bool) -> _FileEans | InputFileError:
    try:
        eans = row_eans(values, ean, path)
    except InputFileError as exc:  # kept as a value: read_many reports it in the file's place
        return exc
    return eans.iloc[0] if single else pa.array(eans.array, pa.string())


def _convert(tables: list[RawTable], file_eans: list[_FileEans]) -> list[pd.DataFrame]:
    """Canonical frames of tables with the same columns present, converted as one table: one frame per table."""
    lengths = [len(table) for table in tables]
    n = sum(lengths)
    if len(tables) == 1:
        cells = tables[0].cells
    else:
        cells = {column.header: pa.concat_arrays([table[column.header] for table in tables]) for column in HEADER}
    present = tables[0].present
    quantity_column = next(name for name in QUANTITY_COLUMNS if name in present)
    direction = (
        lookup(cells["Richting"], DIRECTIONS)
        if "Richting" in present
        else constant(DIRECTIONS[normalise_key(quantity_column)], n, "string")
    )
    quantity, unit = quantity_in_unit(cells[quantity_column], cells["Eenheid"], METER_UNITS)
    start = instant(cells["Begin"])
    frame = pd.DataFrame(
        {
            "source_row": np.concatenate([table.source_row for table in tables]),
            "ean": _per_row(file_eans, lengths),
            "interval_start": start,
            "interval_end": instant(cells["Einde"]),
            "period": month_start(start),
            "quantity": quantity,
            "unit": unit,
            "direction": direction,
            "tariff": lookup(cells["Tarief"], TARIFFS),
            "estimated": lookup(cells["Status"], ESTIMATED),
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


def _per_row(values: list[_FileEans], lengths: list[int]) -> pd.Series:
    """Each table's EANs over its rows: a single EAN repeated, or the table's own per-row array."""
    if all(not isinstance(value, pa.Array) for value in values):
        rows = pa.array(np.repeat(np.arange(len(values)), lengths))
        return pd.Series(pd.array(pa.array(values, pa.string()).take(rows), dtype="string"))
    pieces = [
        value if isinstance(value, pa.Array) else pa.repeat(pa.scalar(value, pa.string()), length)
        for value, length in zip(values, lengths, strict=True)
    ]
    return pd.Series(pd.array(pa.concat_arrays(pieces), dtype="string"))
