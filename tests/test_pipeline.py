"""The monthly steps on a tiny company, against DuckDB and PostgreSQL alike.

Expected emissions are a quantity times a factor of the 2026 list, written out by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from footprint import pipeline
from footprint.config import Settings, Workspace, open_workspace
from footprint.warehouse import bulk

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

# (market-based kg CO2e, location-based kg CO2e) per emission row, by hand.
EXPECTED = [
    (50 * 3.251, 50 * 3.251),  # Diesel B7
    (-10 * 2.794, -10 * 2.794),  # Benzine E10, credit note
    (1000 * 0.483, 1000 * 0.244),  # grey electricity; location-based: grid mix
    (100 * 2.134, 100 * 2.134),  # Aardgas (G-gas), m3 taken as Nm3
    (2 * 371 * 0.234, 2 * 371 * 0.234),  # flight under 700 km, per passenger-km
    (100 * 0.224, 100 * 0.224),  # private car, diesel, per km
    (250.5, 250.5),  # the supplier's own kg CO2e
]


def make_company(root: Path, warehouse_url: str, files: dict[str, str]) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    (root / "footprint.yaml").write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    inbox = root / "inbox" / PERIOD
    inbox.mkdir(parents=True)
    for name, text in files.items():
        (inbox / name).write_text(text, encoding="utf-8")
    return open_workspace(root / "footprint.yaml", Settings(warehouse_url=warehouse_url, pseudonym_key="test-key"))


@pytest.fixture
def company(tmp_path: Path, warehouse_url: str):
    files = {"fuel.csv": FUEL, "meters.csv": METERS, "flights.csv": FLIGHTS, "km.csv": MILEAGE, "co2.csv": SUPPLIER}
    ws = make_company(tmp_path / "co", warehouse_url, files)
    yield ws
    pipeline.close_warehouses()


def _ingest(ws: Workspace) -> list[pipeline.FileResult]:
    results = pipeline.load_files(ws, PERIOD, pipeline.pull_new_files(ws, PERIOD))
    pipeline.compute_emissions(ws, PERIOD)
    return results


def test_emissions_are_quantity_times_factor(company: Workspace) -> None:
    results = _ingest(company)
    assert {r.file_name: (r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_excluded) for r in results} == {
        "fuel.csv": (3, 3, 0, 1),
        "meters.csv": (2, 2, 0, 0),
        "flights.csv": (1, 1, 0, 0),
        "km.csv": (1, 1, 0, 0),
        "co2.csv": (1, 1, 0, 0),
    }
    with pipeline.warehouse(company).connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT e.activity_table, e.source, e.ladder_scope, e.ghg_scope, e.ghg_category, "
                "e.emissions_kg_co2e, e.location_emissions_kg_co2e, e.data_quality, f.name "
                "FROM emissions e LEFT JOIN factors f ON f.factor_id = e.factor_id ORDER BY e.emissions_kg_co2e"
            )
        ).all()
    got = sorted((round(r[5], 9), round(r[6], 9)) for r in rows)
    assert got == sorted((round(m, 9), round(loc, 9)) for m, loc in EXPECTED)
    by_factor = {r[8]: r for r in rows}
    assert by_factor["Diesel B7"][2:5] == (1, 1, None)
    assert by_factor["Grijze Stroom"][2:5] == (2, 2, None)
    assert by_factor["Aardgas (G-gas)"][7] == "secondary"  # estimated meter reading
    assert by_factor["Regionaal (<700 km)"][2:5] == (2, 3, 6)  # business travel: ladder 2, GHG scope 3 cat. 6
    assert by_factor[None][2:5] == (3, 3, 1)  # supplier-reported, category from the statement


def test_personal_data_is_pseudonymised(company: Workspace) -> None:
    _ingest(company)
    with pipeline.warehouse(company).connect() as conn:
        cards, drivers = zip(*conn.execute(sa.text("SELECT card_id, driver_id FROM fuel_transactions")).all())
    assert "7083540100012001" not in cards and "Jan de Vries" not in drivers
    assert len(set(cards)) == 1 and len(cards[0]) == 16


def test_one_broken_row_quarantined_the_rest_loaded(tmp_path: Path, warehouse_url: str) -> None:
    broken = FUEL.replace("-10,00;L", "tien;L")
    ws = make_company(tmp_path / "co", warehouse_url, {"fuel.csv": broken})
    try:
        [result] = _ingest(ws)
        assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
        with pipeline.warehouse(ws).connect() as conn:
            quarantine = conn.execute(sa.text("SELECT file_name, source_row, column_name, reason FROM quarantine")).all()
            loaded = conn.execute(sa.text("SELECT source_row FROM fuel_transactions ORDER BY 1")).scalars().all()
    finally:
        pipeline.close_warehouses()
    assert [(f, r, c) for f, r, c, _ in quarantine] == [("fuel.csv", 3, "quantity")]
    assert "quantity" in quarantine[0][3]
    assert loaded == [2, 4]


def test_a_file_loads_all_or_nothing(company: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    real_insert = bulk.insert_frame

    def failing_insert(conn, table, frame):
        if table == "raw_files":
            raise RuntimeError("disk full while recording the file")
        return real_insert(conn, table, frame)

    monkeypatch.setattr(pipeline, "insert_frame", failing_insert)
    with pytest.raises(RuntimeError):
        pipeline.load_files(company, PERIOD, pipeline.pull_new_files(company, PERIOD))
    with pipeline.warehouse(company).connect() as conn:
        counts = [conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in
                  ("fuel_transactions", "meter_usage", "supplier_activity", "quarantine", "raw_files")]
    assert counts == [0, 0, 0, 0, 0]
    monkeypatch.setattr(pipeline, "insert_frame", real_insert)
    assert sum(r.rows_loaded for r in _ingest(company)) == 8


def test_unreadable_file_is_rejected_by_name_and_the_others_load(tmp_path: Path, warehouse_url: str) -> None:
    ws = make_company(tmp_path / "co", warehouse_url, {"fuel.csv": FUEL, "notes.csv": "Hallo;Wereld\n1;2\n"})
    try:
        results = {r.file_name: r for r in _ingest(ws)}
    finally:
        pipeline.close_warehouses()
    assert results["fuel.csv"].outcome == "loaded"
    assert results["notes.csv"].outcome == "rejected"
    assert "notes.csv" in results["notes.csv"].message
    assert "fuelcard_nl_portal" in results["notes.csv"].message
