"""The lists of footprint's own template for suppliers and staff: supplier statements, mileage and flights.

Each list (a Kind) has its columns, the columns that identify its header line, and for every column
the note and example a person filling it in reads. The first line of a filled-in list,
`footprint template;<kind>;version 1`, names the kind: supplier_template reads such files,
supplier_template_writer writes the blank ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from footprint.sources.text_head import Column

MARKER: Final = "footprint template"
VERSION: Final = "version 1"
KEEP_LINE: Final = "laat deze regel staan / keep this line"
STATEMENTS: Final = "supplier_statements"
MILEAGE: Final = "mileage"
FLIGHTS: Final = "flights"


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
