"""footprint's own template for suppliers and staff, filled in, as CSV or XLSX: statements, mileage and flights.

The lists and their columns are in supplier_template_layout; supplier_template_writer writes the blank
files. The first line of each file (`footprint template;<kind>;version 1`) names the kind: that line,
not the file name, is how a filled-in template is recognised. The header line follows it. In an XLSX
the same two rows open the first sheet.

A flight with IATA codes and no distance gets the great-circle distance between the airports of
footprint/data/airports.csv, and its `method` says the distance was computed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import activity_rows, sheets
from footprint.sources.airports import great_circle_km
from footprint.sources.cell_numbers import decimal
from footprint.sources.cell_text import text
from footprint.sources.cell_times import DATE_FORMATS, local_date
from footprint.sources.csv_table import RawTable, read_table
from footprint.sources.supplier_template_layout import (
    FLIGHTS,
    KINDS,
    MARKER,
    MILEAGE,
    STATEMENTS,
    VERSION,
    Kind,
)
from footprint.sources.text_head import (
    HEAD_BYTES,
    SEPARATOR,
    column_positions,
    decode_head,
    head_lines,
    normalise_name,
    read_text_bytes,
    split_fields,
)

NAME: Final = "supplier_template"
DATASET: Final = schemas.SUPPLIER_ACTIVITY
PERIOD_FORMATS: Final = ("%Y-%m", "%m-%Y", "%Y-%m-%d", "%d-%m-%Y")
STATEMENT_METHOD: Final = "supplier statement (footprint template)"
MILEAGE_METHOD: Final = "expense declaration (footprint template)"
FLIGHT_METHOD: Final = "flight list (footprint template)"
COMPUTED_DISTANCE: Final = "; distance computed: great circle between the IATA airports (footprint airports.csv)"


def _marker_kind(fields: Sequence[str]) -> str | None:
    """The kind a `footprint template;<kind>;...` line names, or None for any other line."""
    if len(fields) < 2 or normalise_name(fields[0]) != normalise_name(MARKER):
        return None
    kind = fields[1].strip().casefold()
    return kind if kind in KINDS else None


def _head_rows(head: str) -> list[list[str]]:
    rows = sheets.head_rows(head)
    if rows:
        return rows
    return [split_fields(line) for line in head_lines(head) if SEPARATOR in line]


def _find_kind(rows: Sequence[Sequence[str]]) -> tuple[Kind, int] | None:
    """The template's kind and the index of its header row among the first rows."""
    for index, fields in enumerate(rows):
        name = _marker_kind(fields)
        if name is None:
            continue
        kind = KINDS[name]
        for offset, candidate in enumerate(rows[index + 1 :], start=index + 1):
            if all(any(c.accepts(f) for f in candidate) for c in kind.signature):
                return kind, offset
        return None
    return None


def sniff(head: str) -> bool:
    return _find_kind(_head_rows(head)) is not None


class _Cells:
    """A filled-in template's columns, whether from a CSV (text) or an XLSX (typed cells)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def texts(self, header: str) -> pa.Array:
        raise NotImplementedError

    def numbers(self, header: str) -> np.ndarray:
        return decimal(self.texts(header))

    def dates(self, header: str, formats: Sequence[str] = DATE_FORMATS, *, any_year: bool = False) -> pd.Series:
        return local_date(self.texts(header), formats, any_year=any_year)


class _TextCells(_Cells):
    def __init__(self, table: RawTable) -> None:
        super().__init__(len(table))
        self.table = table

    def texts(self, header: str) -> pa.Array:
        return self.table[header]


class _SheetCells(_Cells):
    def __init__(self, frame: pd.DataFrame, positions: Mapping[str, int]) -> None:
        super().__init__(len(frame))
        self.frame = frame
        self.positions = positions

    def _column(self, header: str) -> pd.Series:
        if header not in self.positions:
            return pd.Series([None] * self.n, dtype=object)
        return self.frame[self.positions[header]]

    def texts(self, header: str) -> pa.Array:
        return sheets.texts(self._column(header))

    def numbers(self, header: str) -> np.ndarray:
        return sheets.numbers(self._column(header), decimal)

    def dates(self, header: str, formats: Sequence[str] = DATE_FORMATS, *, any_year: bool = False) -> pd.Series:
        return sheets.dates(self._column(header), lambda cells: local_date(cells, formats, any_year=any_year))


def _not_a_template(path: Path) -> InputFileError:
    return InputFileError(
        path,
        f"not a filled-in {NAME}: its first lines need `{MARKER};<{'|'.join(KINDS)}>;{VERSION}` "
        "and then the template's header line",
    )


def _read_csv(path: Path) -> tuple[Kind, _Cells, np.ndarray]:
    data = read_text_bytes(path)
    found = _find_kind(_head_rows(decode_head(data[:HEAD_BYTES])))
    if found is None:
        raise _not_a_template(path)
    kind, _ = found
    table = read_table(path, f"{NAME} {kind.name}", kind.header, kind.signature)
    return kind, _TextCells(table), table.source_row


def _read_xlsx(path: Path) -> tuple[Kind, _Cells, np.ndarray]:
    sheet = sheets.read_sheet(path, NAME, sniff)
    rows = sheet.header_rows()
    found = _find_kind(rows)
    if found is None:
        raise _not_a_template(path)
    kind, header_index = found
    positions = column_positions(path, rows[header_index], kind.header, f"{NAME} {kind.name} list", header_index + 1)
    frame, source_row = sheet.body(header_index + 1)
    return kind, _SheetCells(frame, positions), source_row


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """A filled-in template (CSV or XLSX, recognised by its first line) as supplier_activity rows."""
    kind, cells, source_row = _read_xlsx(path) if sheets.is_workbook(path) else _read_csv(path)
    return _READERS[kind.name](cells, source_row)


def _statements(cells: _Cells, source_row: np.ndarray) -> pd.DataFrame:
    return activity_rows.statements(
        source_row,
        month=cells.dates("Periode", PERIOD_FORMATS, any_year=True),  # validation names a month outside the inventory
        supplier=cells.texts("Leverancier"),
        category=cells.texts("Scope 3 categorie"),
        description=cells.texts("Omschrijving"),
        amount=cells.texts("Hoeveelheid"),
        unit=cells.texts("Eenheid"),
        reported_kg_co2e=cells.numbers("Gerapporteerd kg CO2e"),
        method=cells.texts("Methode"),
        default_method=STATEMENT_METHOD,
        data_quality=cells.texts("Datakwaliteit"),
    )


def _mileage(cells: _Cells, source_row: np.ndarray) -> pd.DataFrame:
    return activity_rows.mileage(
        source_row,
        day=cells.dates("Datum"),
        transport=cells.texts("Vervoer"),
        car_fuel=cells.texts("Brandstof auto"),
        km=cells.numbers("Zakelijke km"),
        method=MILEAGE_METHOD,
    )


def _flights(cells: _Cells, source_row: np.ndarray) -> pd.DataFrame:
    """Passengers empty: 1; distance empty: the great circle between the IATA codes, which `method` then says."""
    origin = text(cells.texts("Vertrekluchthaven (IATA)")).str.upper()
    destination = text(cells.texts("Aankomstluchthaven (IATA)")).str.upper()
    written = cells.numbers("Afstand km")
    computed = great_circle_km(origin, destination)
    use_computed = np.isnan(written) & ~np.isnan(computed) & text(cells.texts("Afstand km")).isna().to_numpy()
    passengers = cells.numbers("Reizigers")
    return activity_rows.flights(
        source_row,
        day=cells.dates("Vertrekdatum"),
        origin=origin,
        destination=destination,
        travel_class=cells.texts("Klasse"),
        agency=cells.texts("Reisbureau"),
        distance_km=np.where(use_computed, computed, written),
        passengers=np.where(text(cells.texts("Reizigers")).isna().to_numpy(), 1.0, passengers),
        method=pd.Series(np.where(use_computed, FLIGHT_METHOD + COMPUTED_DISTANCE, FLIGHT_METHOD), dtype="string"),
    )


_READERS: Final[dict[str, Callable[[_Cells, np.ndarray], pd.DataFrame]]] = {
    STATEMENTS: _statements,
    MILEAGE: _mileage,
    FLIGHTS: _flights,
}
