"""The blank template files for suppliers and staff: one CSV and one XLSX per list, and a README.

`write_supplier_template(directory)` (`footprint template supplier`) writes them. In a CSV the first
line (`footprint template;<kind>;version 1`) names the list and the header line follows; in an XLSX the
same two rows open the first sheet ("Gegevens"), and a second sheet ("Toelichting") explains each
column. Filled in, such a file is read by supplier_template.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Final

from footprint.activity_mapping import load_activity_mapping
from footprint.sources.supplier_template_layout import (
    FLIGHTS,
    KEEP_LINE,
    KINDS,
    MARKER,
    MILEAGE,
    STATEMENTS,
    VERSION,
    Kind,
)
from footprint.sources.text_head import SEPARATOR

FILE_PREFIX: Final = "footprint_template_"
DATA_SHEET: Final = "Gegevens"
NOTES_SHEET: Final = "Toelichting"
TEXT_COLUMNS: Final = frozenset({"Periode", "Vertrekluchthaven (IATA)", "Aankomstluchthaven (IATA)"})


def _marker_row(kind: Kind) -> list[str]:
    return [MARKER, kind.name, VERSION, KEEP_LINE]


def _band_notes() -> list[list[str]]:
    """The flight distance bands of the factor mapping, so the template explains what distance decides."""
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
        writer = csv.writer(handle, delimiter=SEPARATOR, lineterminator="\r\n")
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
