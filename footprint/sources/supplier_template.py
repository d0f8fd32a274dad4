"""footprint's own template for suppliers and staff, as CSV or XLSX: statements, mileage and flights.

`write_supplier_template(directory)` writes one CSV and one XLSX per kind of list (and a README):
  - supplier_statements: a supplier's figures per month, reported kg CO2e (with method and data
    quality) and, where known, the activity quantity and unit behind it;
  - mileage: business kilometres by private car or train;
  - flights: flight legs by IATA codes or distance.
The first line of each file (`footprint template;<kind>;version 1`) names the kind: that line, not
the file name, is how a filled-in template is recognised. The header line follows it. In an XLSX the
same two rows open the first sheet ("Gegevens"); a second sheet ("Toelichting") explains each column.

A flight with IATA codes and no distance gets the great-circle distance between the airports of
footprint/data/airports.csv, and its `method` says the distance was computed.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import helpers, sheets
from footprint.sources.helpers import Column
from footprint.sources.vocabulary import CAR_FUELS, DATA_QUALITY, TRANSPORT

NAME: Final = "supplier_template"
DATASET: Final = schemas.SUPPLIER_ACTIVITY
MARKER: Final = "footprint template"
VERSION: Final = "version 1"
KEEP_LINE: Final = "laat deze regel staan / keep this line"
STATEMENTS: Final = "supplier_statements"
MILEAGE: Final = "mileage"
FLIGHTS: Final = "flights"
FILE_PREFIX: Final = "footprint_template_"
DATA_SHEET: Final = "Gegevens"
NOTES_SHEET: Final = "Toelichting"
EARTH_RADIUS_KM: Final = 6371.0
PERIOD_FORMATS: Final = ("%Y-%m", "%m-%Y", "%Y-%m-%d", "%d-%m-%Y")

STATEMENT_METHOD: Final = "supplier statement (footprint template)"
MILEAGE_METHOD: Final = "expense declaration (footprint template)"
FLIGHT_METHOD: Final = "flight list (footprint template)"
COMPUTED_DISTANCE: Final = "; distance computed: great circle between the IATA airports (footprint airports.csv)"
MILEAGE_SUPPLIER: Final = "staff declarations"
FLIGHT_SUPPLIER: Final = "travel agency"
TRAVEL_CATEGORY: Final = 6
UNITS: Final = {"private_car": "km", "train": "pkm"}
TEXT_COLUMNS: Final = frozenset({"Periode", "Vertrekluchthaven (IATA)", "Aankomstluchthaven (IATA)"})


@dataclass(frozen=True)
class Kind:
    """One list of the template: its columns, the ones that identify its header, and what to write in each."""

    name: str
    title: str
    header: tuple[Column, ...]
    signature: tuple[Column, ...]
    notes: Mapping[str, str]
    example: Mapping[str, str]


def _kind(name: str, title: str, columns: Sequence[tuple[Column, str, str]], signature: Sequence[int]) -> Kind:
    header = tuple(c for c, _, _ in columns)
    return Kind(
        name=name,
        title=title,
        header=header,
        signature=tuple(header[i] for i in signature),
        notes={c.header: note for c, note, _ in columns},
        example={c.header: example for c, _, example in columns},
    )


KINDS: Final = {
    kind.name: kind
    for kind in (
        _kind(
            STATEMENTS,
            "Leveranciersopgave / supplier statement: one row per month and item",
            (
                (Column("Leverancier", aliases=("Supplier",)), "naam leverancier / supplier name", "Hygiëna B.V."),
                (Column("Periode", aliases=("Period", "Maand")), "maand als JJJJ-MM / month as YYYY-MM", "2024-01"),
                (
                    Column("Scope 3 categorie", aliases=("Scope 3 category", "GHG categorie")),
                    "GHG Protocol scope 3 categorie 1-15 / category 1-15",
                    "1",
                ),
                (Column("Omschrijving", required=False, aliases=("Description",)), "wat / what", "Schoonmaakmiddelen"),
                (
                    Column("Hoeveelheid", required=False, aliases=("Quantity",)),
                    "activiteit, optioneel / activity quantity, optional (decimal comma)",
                    "1.112",
                ),
                (Column("Eenheid", required=False, aliases=("Unit",)), "eenheid daarvan / its unit", "kg"),
                (
                    Column("Gerapporteerd kg CO2e", aliases=("Reported kg CO2e",)),
                    "uitstoot die de leverancier aan ons toerekent / kg CO2e the supplier attributes to us",
                    "1.979,36",
                ),
                (
                    Column("Methode", required=False, aliases=("Method",)),
                    "hoe berekend / how it was computed (LCA, spend-based, ...)",
                    "leverancierspecifiek (LCA)",
                ),
                (
                    Column("Datakwaliteit", aliases=("Data quality",)),
                    "primair (gemeten, gefactureerd) of secundair (geschat) / primary or secondary",
                    "primair",
                ),
            ),
            (0, 1, 6),
        ),
        _kind(
            MILEAGE,
            "Kilometerdeclaraties / mileage declarations: one row per trip or per month",
            (
                (Column("Datum", aliases=("Date",)), "dd-mm-jjjj", "11-03-2024"),
                (Column("Vervoer", aliases=("Transport",)), "Auto of Trein / Car or Train", "Auto"),
                (
                    Column("Brandstof auto", required=False, aliases=("Car fuel",)),
                    "Benzine, Diesel, Elektrisch of Onbekend (leeg = onbekend) / petrol, diesel, electric, unknown",
                    "Elektrisch",
                ),
                (Column("Zakelijke km", aliases=("Business km",)), "km (decimale komma / decimal comma)", "48,8"),
            ),
            (0, 1, 3),
        ),
        _kind(
            FLIGHTS,
            "Vluchten / flights: one row per flight leg (a return trip is two rows)",
            (
                (Column("Vertrekdatum", aliases=("Departure date",)), "dd-mm-jjjj", "18-09-2023"),
                (
                    Column("Vertrekluchthaven (IATA)", aliases=("From (IATA)",)),
                    "IATA-code, bijv. AMS / IATA code",
                    "AMS",
                ),
                (
                    Column("Aankomstluchthaven (IATA)", aliases=("To (IATA)",)),
                    "IATA-code, bijv. LHR / IATA code",
                    "LHR",
                ),
                (
                    Column("Afstand km", required=False, aliases=("Distance km",)),
                    "enkele reis; leeg = berekend uit de IATA-codes / one way; empty = computed from the codes",
                    "",
                ),
                (Column("Klasse", required=False, aliases=("Class",)), "Economy, Business, ...", "Economy"),
                (Column("Reizigers", required=False, aliases=("Passengers",)), "aantal, leeg = 1 / empty = 1", "2"),
                (
                    Column("Reisbureau", required=False, aliases=("Travel agency",)),
                    "leeg = travel agency",
                    "Zakenreizen Noord B.V.",
                ),
            ),
            (0, 1, 2),
        ),
    )
}


def _marker_kind(fields: Sequence[str]) -> str | None:
    """The kind a `footprint template;<kind>;...` line names, or None for any other line."""
    if len(fields) < 2 or helpers.normalise_name(fields[0]) != helpers.normalise_name(MARKER):
        return None
    kind = fields[1].strip().casefold()
    return kind if kind in KINDS else None


def _head_rows(head: str) -> list[list[str]]:
    rows = sheets.head_rows(head)
    if rows:
        return rows
    return [helpers.split_fields(line) for line in helpers.head_lines(head) if helpers.SEPARATOR in line]


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
        return helpers.decimal(self.texts(header))

    def dates(self, header: str, formats: Sequence[str] = helpers.DATE_FORMATS, *, any_year: bool = False) -> pd.Series:
        return helpers.local_date(self.texts(header), formats, any_year=any_year)


class _TextCells(_Cells):
    def __init__(self, table: helpers.RawTable) -> None:
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
        return sheets.numbers(self._column(header), helpers.decimal)

    def dates(self, header: str, formats: Sequence[str] = helpers.DATE_FORMATS, *, any_year: bool = False) -> pd.Series:
        return sheets.dates(self._column(header), lambda values: helpers.local_date(values, formats, any_year=any_year))


def _missing_column(path: Path, kind: Kind, column: Column, header_row: int) -> InputFileError:
    needed = ", ".join(c.header for c in kind.header if c.required)
    return InputFileError(
        path,
        f"missing column {column.header!r}: a {NAME} {kind.name} list needs {needed}",
        row=header_row,
        column=column.header,
    )


def _not_a_template(path: Path) -> InputFileError:
    return InputFileError(
        path,
        f"not a filled-in {NAME}: its first lines need `{MARKER};<{'|'.join(KINDS)}>;{VERSION}` "
        "and then the template's header line",
    )


def _read_csv(path: Path) -> tuple[Kind, _Cells, np.ndarray]:
    data = helpers.read_text_bytes(path)
    found = _find_kind(_head_rows(helpers.decode_head(data[: helpers.HEAD_BYTES])))
    if found is None:
        raise _not_a_template(path)
    kind, _ = found
    table = helpers.read_table(path, f"{NAME} {kind.name}", kind.header, kind.signature)
    return kind, _TextCells(table), table.source_row


def _read_xlsx(path: Path) -> tuple[Kind, _Cells, np.ndarray]:
    sheet = sheets.read_sheet(path, NAME, sniff)
    rows = sheet.header_rows()
    found = _find_kind(rows)
    if found is None:
        raise _not_a_template(path)
    kind, header_index = found
    cells = rows[header_index]
    positions: dict[str, int] = {}
    for column in kind.header:
        position = next((i for i, name in enumerate(cells) if column.accepts(name)), None)
        if position is not None:
            positions[column.header] = position
        elif column.required:
            raise _missing_column(path, kind, column, header_index + 1)
    frame, source_row = sheet.body(header_index + 1)
    return kind, _SheetCells(frame, positions), source_row


def _is_workbook(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return sheets.is_workbook_bytes(handle.read(8))
    except OSError as exc:
        raise InputFileError(path, f"cannot be read: {exc.strerror or exc}") from None


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """A filled-in template (CSV or XLSX, recognised by its first line) as supplier_activity rows."""
    kind, cells, source_row = _read_xlsx(path) if _is_workbook(path) else _read_csv(path)
    frame = _READERS[kind.name](cells)
    frame.insert(0, "source_row", source_row)
    return schemas.conform(frame, DATASET)


def _nothing(n: int) -> np.ndarray:
    return np.full(n, np.nan)


def _statements(cells: _Cells) -> pd.DataFrame:
    """Reported kg CO2e is the quantity; the activity quantity and unit go in the description."""
    n = cells.n
    month = cells.dates("Periode", PERIOD_FORMATS, any_year=True)  # validation names a month outside the inventory
    reported = cells.numbers("Gerapporteerd kg CO2e")
    what = helpers.text(cells.texts("Omschrijving"))
    amount = helpers.text(cells.texts("Hoeveelheid"))
    unit = helpers.text(cells.texts("Eenheid")).fillna("")
    with_amount = what.fillna("") + " (" + (amount + " " + unit).str.strip() + ")"
    return pd.DataFrame(
        {
            "period": helpers.month_start(month),
            "activity_date": pd.Series(pd.NaT, index=pd.RangeIndex(n), dtype="datetime64[s]"),
            "supplier": helpers.text(cells.texts("Leverancier")),
            "activity_type": helpers.constant("supplier_reported", n, "string"),
            "description": with_amount.where(amount.notna(), what).str.strip(),
            "quantity": reported,
            "unit": helpers.constant("kg_co2e", n, "string"),
            "distance_km": _nothing(n),
            "ghg_category": helpers.integer(cells.texts("Scope 3 categorie")),
            "reported_kg_co2e": reported,
            "method": helpers.text(cells.texts("Methode")).fillna(STATEMENT_METHOD),
            "data_quality": helpers.lookup(cells.texts("Datakwaliteit"), DATA_QUALITY),
        }
    )


def _mileage(cells: _Cells) -> pd.DataFrame:
    """As mileage_csv: for a car, description is its fuel (the key to the private-car factor)."""
    n = cells.n
    day = cells.dates("Datum")
    activity = helpers.lookup(cells.texts("Vervoer"), TRANSPORT)
    is_car = activity.eq("private_car").fillna(False).to_numpy(dtype=bool)
    fuel = helpers.lookup(cells.texts("Brandstof auto"), CAR_FUELS, missing="unknown")
    return pd.DataFrame(
        {
            "period": helpers.month_start(day),
            "activity_date": day,
            "supplier": helpers.constant(MILEAGE_SUPPLIER, n, "string"),
            "activity_type": activity,
            "description": fuel.where(is_car, pd.NA),
            "quantity": cells.numbers("Zakelijke km"),
            "unit": activity.map(UNITS).astype("string"),
            "distance_km": _nothing(n),
            "ghg_category": helpers.constant(TRAVEL_CATEGORY, n, "Int64"),
            "reported_kg_co2e": _nothing(n),
            "method": helpers.constant(MILEAGE_METHOD, n, "string"),
            "data_quality": helpers.constant("primary", n, "string"),
        }
    )


def _flights(cells: _Cells) -> pd.DataFrame:
    """Passenger-km = passengers (empty: 1) x one-way distance, written or computed from IATA codes."""
    n = cells.n
    day = cells.dates("Vertrekdatum")
    origin = helpers.text(cells.texts("Vertrekluchthaven (IATA)")).str.upper()
    destination = helpers.text(cells.texts("Aankomstluchthaven (IATA)")).str.upper()
    written = cells.numbers("Afstand km")
    computed = great_circle_km(origin, destination)
    use_computed = np.isnan(written) & ~np.isnan(computed) & helpers.text(cells.texts("Afstand km")).isna().to_numpy()
    distance = np.where(use_computed, computed, written)
    passengers = cells.numbers("Reizigers")
    passengers = np.where(helpers.text(cells.texts("Reizigers")).isna().to_numpy(), 1.0, passengers)
    route = origin.fillna("?") + "-" + destination.fillna("?")
    travel_class = helpers.text(cells.texts("Klasse"))
    return pd.DataFrame(
        {
            "period": helpers.month_start(day),
            "activity_date": day,
            "supplier": helpers.text(cells.texts("Reisbureau")).fillna(FLIGHT_SUPPLIER),
            "activity_type": helpers.constant("flight", n, "string"),
            "description": route.where(travel_class.isna(), route + " " + travel_class),
            "quantity": passengers * distance,
            "unit": helpers.constant("pkm", n, "string"),
            "distance_km": distance,
            "ghg_category": helpers.constant(TRAVEL_CATEGORY, n, "Int64"),
            "reported_kg_co2e": _nothing(n),
            "method": pd.Series(
                np.where(use_computed, FLIGHT_METHOD + COMPUTED_DISTANCE, FLIGHT_METHOD), dtype="string"
            ),
            "data_quality": helpers.constant("primary", n, "string"),
        }
    )


_READERS: Final[dict[str, Callable[[_Cells], pd.DataFrame]]] = {
    STATEMENTS: _statements,
    MILEAGE: _mileage,
    FLIGHTS: _flights,
}


def airports_path() -> Path:
    return Path(str(resources.files("footprint") / "data" / "airports.csv"))


@cache
def airports() -> pd.DataFrame:
    """The shipped airport table (iata, name, city, country, lat, lon), indexed by upper-case IATA code."""
    table = pd.read_csv(airports_path(), dtype={"iata": "string"}, keep_default_na=False)
    return table.assign(iata=table["iata"].str.upper()).set_index("iata")


def great_circle_km(origin: pd.Series, destination: pd.Series) -> np.ndarray:
    """Haversine distance between two columns of IATA codes; NaN where a code is missing or unknown."""
    table = airports()
    lat1 = np.radians(origin.map(table["lat"]).to_numpy(dtype="float64", na_value=np.nan))
    lon1 = np.radians(origin.map(table["lon"]).to_numpy(dtype="float64", na_value=np.nan))
    lat2 = np.radians(destination.map(table["lat"]).to_numpy(dtype="float64", na_value=np.nan))
    lon2 = np.radians(destination.map(table["lon"]).to_numpy(dtype="float64", na_value=np.nan))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _marker_row(kind: Kind) -> list[str]:
    return [MARKER, kind.name, VERSION, KEEP_LINE]


def _band_notes() -> list[list[str]]:
    """The flight distance bands of the factor mapping, so the template explains what distance decides."""
    from footprint.factors.mapping import load_activity_mapping

    mapping = load_activity_mapping()
    rows: list[list[str]] = []
    lower: str | None = None
    for band in mapping.flight_bands:
        factor = mapping.activities[band.activity_key].factor
        name = f"{factor.subsection}: {factor.name}" if factor else band.activity_key
        bound = band.bound_km
        if bound is None:
            span = f"{lower} km and more" if lower else "any distance"
        else:
            below = "below" if band.below_km is not None else "up to"
            span = f"{lower} km to {below} {bound:g} km" if lower else f"{below} {bound:g} km"
            lower = f"{bound:g}"
        rows.append(["Afstandsklasse / distance band", span, name])
    return rows


def _notes(kind: Kind) -> list[list[str]]:
    rows = [
        [kind.title],
        [f"Regel 1 ({MARKER};{kind.name};{VERSION}) laten staan: zo herkent footprint de lijst / keep line 1."],
        ["Vanaf regel 3 één rij per regel; lege rijen worden overgeslagen / from row 3 one row per line."],
        [],
        ["Kolom / column", "Verplicht / required", "Invullen / what to write", "Voorbeeld / example"],
    ]
    for column in kind.header:
        required = "ja / yes" if column.required else "nee / no"
        rows.append([column.header, required, kind.notes[column.header], kind.example[column.header]])
    if kind.name == FLIGHTS:
        rows += [[], *_band_notes()]
    if kind.name == MILEAGE:
        rows += [[], ["Geen namen van medewerkers invullen: footprint heeft ze niet nodig / no staff names needed."]]
    if kind.name == STATEMENTS:
        rows += [
            [],
            [
                "Zonder gerapporteerde kg CO2e blijft de rij in quarantaine tot de KAM-coördinator het cijfer aanvult "
                "/ a row without reported kg CO2e stays in quarantine until the figure is added."
            ],
        ]
    return rows


def _write_csv(path: Path, kind: Kind) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=helpers.SEPARATOR, lineterminator="\r\n")
        writer.writerow(_marker_row(kind))
        writer.writerow([c.header for c in kind.header])


def _write_xlsx(path: Path, kind: Kind) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    data.append(_marker_row(kind))
    data.append([c.header for c in kind.header])
    for cell in data[2]:
        cell.font = Font(bold=True)
    for index, column in enumerate(kind.header, start=1):
        letter = data.cell(row=2, column=index).column_letter
        data.column_dimensions[letter].width = max(14, len(column.header) + 4)
        if column.header in TEXT_COLUMNS:
            # Text, so Excel keeps "2024-01" as typed instead of turning it into a date.
            data.column_dimensions[letter].number_format = "@"
    data.freeze_panes = "A3"
    notes = workbook.create_sheet(NOTES_SHEET)
    for row in _notes(kind):
        notes.append(row)
    notes["A1"].font = Font(bold=True)
    for letter, width in zip("ABCD", (28, 18, 80, 24), strict=True):
        notes.column_dimensions[letter].width = width
    workbook.save(path)


def _readme() -> str:
    lines = [
        "footprint templates for suppliers and staff",
        "",
        "Fill in the CSV (semicolon separated, decimal comma) or the XLSX (first sheet) and put it in the",
        "inbox: footprint recognises the list by its first line, not by the file name. Keep line 1.",
        "",
    ]
    for kind in KINDS.values():
        lines += [f"{FILE_PREFIX}{kind.name}: {kind.title}"]
        for column in kind.header:
            required = "required" if column.required else "optional"
            lines.append(f"  {column.header} ({required}): {kind.notes[column.header]}")
        lines.append("")
    lines += [f"Flight distance bands: {'; '.join(row[1] + ' = ' + row[2] for row in _band_notes())}", ""]
    return "\n".join(lines)


def write_supplier_template(directory: Path) -> list[Path]:
    """Write the templates (a CSV and an XLSX per list, and a README) into `directory`; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for kind in KINDS.values():
        csv_path = directory / f"{FILE_PREFIX}{kind.name}.csv"
        xlsx_path = directory / f"{FILE_PREFIX}{kind.name}.xlsx"
        _write_csv(csv_path, kind)
        _write_xlsx(xlsx_path, kind)
        written += [csv_path, xlsx_path]
    readme = directory / f"{FILE_PREFIX}README.txt"
    readme.write_text(_readme(), encoding="utf-8")
    return [*written, readme]
