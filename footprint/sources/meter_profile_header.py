"""A workbook header of two rows (`table.header_rows: 2`): a group row over blocks of columns, then the names.

Eneco's and Oxxio's overviews write the carrier and unit once over each block ("Stroom [kWh]" over
Meterstand, Verbruik and Geschat?) and repeat the names under every block, so a column is known only by
both rows. The group row's label stands over the first column of its block (a merged cell keeps its
value in that cell only) and holds for the columns to its right up to the next label. Each name gets
its group in front, "Stroom [kWh] / Verbruik laag tarief", and from then on the profile reads that one
row like any other header: signature, channels, flags and checks name columns this way. A column
without a group above it (Datum) keeps its own name.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from footprint.sources.meter_profile_schema import GROUP_SEPARATOR
from footprint.sources.notes import Note


def joined_rows(rows: Sequence[Sequence[str]], header_rows: int) -> list[list[str]]:
    """Each row's names with the group row above in front (header_rows 2), or the rows as they are (1).
    The first row has no row above it, so it never holds a two-row header's names."""
    if header_rows == 1:
        return [list(row) for row in rows]
    joined: list[list[str]] = [[]] if rows else []
    for above, names in itertools.pairwise(rows):
        groups = _carried(above, len(names))
        joined.append([_joined(group, name) for group, name in zip(groups, names, strict=True)])
    return joined


def _carried(labels: Sequence[str], width: int) -> list[str]:
    """The group of each of `width` columns: the nearest label at or left of it."""
    current = ""
    groups: list[str] = []
    for index in range(width):
        label = labels[index].strip() if index < len(labels) else ""
        current = label or current
        groups.append(current)
    return groups


def _joined(group: str, name: str) -> str:
    return f"{group}{GROUP_SEPARATOR}{name.strip()}" if group and name.strip() else name


def ignored_group_notes(
    rows: Sequence[Sequence[str]], header: int, positions: Mapping[str, int], header_rows: int
) -> list[Note]:
    """A group of the row above the names none of whose columns the profile reads: one note each, so a
    block the profile does not know ("Gas" without a unit, "Gas [kWh]") is not left out in silence."""
    if header_rows == 1 or header < 1:
        return []
    above, names = rows[header - 1], rows[header]
    read = set(positions.values())
    blocks: dict[str, list[int]] = {}
    for column, group in enumerate(_carried(above, len(names))):
        if group and names[column].strip():
            blocks.setdefault(group, []).append(column)
    return [
        Note(
            "ignored_column",
            f"column group {group!r} is not read: the profile names none of its columns "
            f"({', '.join(names[c].strip() for c in columns)}); is its carrier or unit one the profile does not know?",
        )
        for group, columns in blocks.items()
        if not read.intersection(columns)
    ]
