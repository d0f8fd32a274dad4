"""A tiny company and its March 2025 files, in the demo's provider formats, for pipeline and CLI tests."""

from __future__ import annotations

from pathlib import Path

import yaml

from footprint.config.workspace import Settings, Workspace, open_workspace

PERIOD = "2025-03"
ELECTRICITY_EAN = "871687120000000004"  # check digit worked out by hand: 76 -> 4
GAS_EAN = "871687140000000002"  # 78 -> 2

CONFIG = {
    "organisation": "Klein B.V.",
    "base_year": 2025,
    "years": {2025: {"revenue_eur": 2_000_000, "fte": 20}},
    "sites": [{"id": "hq", "name": "Kantoor"}],
    "meters": [
        {"ean": ELECTRICITY_EAN, "carrier": "electricity", "site": "hq", "contract": "grey"},
        {"ean": GAS_EAN, "carrier": "natural_gas", "site": "hq"},
    ],
    "vehicles": [{"plate": "VGH-42-K", "site": "hq", "fuel": "diesel", "tank_litres": 80}],
}

FUEL = """Datum;Tijd;Kaartnummer;Kenteken;Bestuurder;Station;Product;Hoeveelheid;Eenheid;Prijs per eenheid;Bedrag;Valuta;Kilometerstand
03-03-2025;07:42;7083540100012001;VGH-42-K;Jan de Vries;Shell Utrecht;Diesel;50,00;L;1,859;92,95;EUR;123456
05-03-2025;10:00;7083540100012001;VGH-42-K;Jan de Vries;Shell Utrecht;Euro 95;-10,00;L;1,959;-19,59;EUR;-
05-03-2025;11:12;7083540100012001;VGH-42-K;Jan de Vries;Shell Utrecht;Wasstraat;1;st;14,95;14,95;EUR;-
"""
METERS = f"""EAN;Product;Periode van;Periode tot;Verbruik;Eenheid;Richting;Tarief;Status
{ELECTRICITY_EAN};Elektriciteit;01-03-2025;01-04-2025;1.000;kWh;Levering;Enkel;Gemeten
{GAS_EAN};Gas;01-03-2025;01-04-2025;100;m3;Levering;Enkel;Geschat
"""
FLIGHTS = """Vertrekdatum;Van;Naar;Afstand km;Klasse;Reizigers
10-03-2025;AMS;LHR;371;Economy;2
"""
MILEAGE = """Datum;Medewerker;Vervoer;Brandstof;Kilometers;Omschrijving
12-03-2025;Piet Jansen;Auto;Diesel;100;Klantbezoek
"""
SUPPLIER = """Leverancier;Periode;Categorie;Omschrijving;Hoeveelheid;Eenheid;kg CO2e;Methode;Datakwaliteit
Hygiena B.V.;2025-03;1;Schoonmaakmiddelen;100;kg;250,5;leverancierspecifiek;primair
"""

ALL_FILES = {"fuel.csv": FUEL, "meters.csv": METERS, "flights.csv": FLIGHTS, "km.csv": MILEAGE, "co2.csv": SUPPLIER}


def write_company(root: Path, files: dict[str, str], **config: object) -> Path:
    """footprint.yaml (CONFIG plus any keys given), a .env with a test key and the files in inbox/2025-03/."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "footprint.yaml").write_text(yaml.safe_dump({**CONFIG, **config}), encoding="utf-8")
    (root / ".env").write_text("FOOTPRINT_PSEUDONYM_KEY=test-key\n", encoding="utf-8")
    inbox = root / "inbox" / PERIOD
    inbox.mkdir(parents=True)
    for name, text in files.items():
        (inbox / name).write_text(text, encoding="utf-8")
    return root / "footprint.yaml"


def make_company(root: Path, warehouse_url: str, files: dict[str, str], **config: object) -> Workspace:
    config_path = write_company(root, files, **config)
    return open_workspace(config_path, Settings(warehouse_url=warehouse_url, pseudonym_key="test-key"))


def write_list_copy(target: Path, *, title: str, grey_kwh: float) -> None:
    """A copy of the shipped 2026 list under another title, with grey electricity changed."""
    import openpyxl

    from footprint.factors.loader import shipped_list_path

    workbook = openpyxl.load_workbook(shipped_list_path())
    sheet = workbook.active
    sheet.title = title
    for row in sheet.iter_rows():
        first = row[0].value
        if isinstance(first, str) and first.strip() == "Grijze Stroom":
            row[1].value = grey_kwh
        if isinstance(first, str) and first.startswith("Factoren 2026"):
            row[0].value = title
    workbook.save(target)
