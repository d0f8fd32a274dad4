"""Glansrijk Schoonmaak B.V.: the fictional cleaning company the demo writes data for.

Who the company is lives here as data (sites, meters, fleet, targets, measures, projects), as its
footprint.yaml says it; activity.py holds what it does month by month (seasons, prices, trips,
suppliers). Together they tell the demo's story (growth, HVO100 and green power cutting emissions,
not all the way to the targets), to be read and tuned in those two places.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from footprint.periods import format_period

ORGANISATION: Final = "Glansrijk Schoonmaak B.V."
BASE_YEAR: Final = 2022
FIRST_MONTH: Final = dt.date(2022, 1, 1)
LAST_MONTH: Final = dt.date(2026, 6, 1)
SEED: Final = 20220101
PSEUDONYM_KEY: Final = "glansrijk-demo-pseudonym-key-not-a-secret"

# Revenue grows about 6 % a year; FTE follow the work.
YEARS: Final = {
    2022: (4_200_000, 68.0),
    2023: (4_452_000, 71.5),
    2024: (4_719_000, 74.0),
    2025: (5_002_000, 77.5),
    2026: (5_302_000, 80.0),
}


def ean(body: str) -> str:
    """A Dutch EAN: 17 digits plus the GS1 mod-10 check digit."""
    weighted = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(body))
    return body + str((10 - weighted % 10) % 10)


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    city: str
    stations: tuple[str, ...]


SITES: Final = (
    Site(
        "hq",
        "Hoofdkantoor Utrecht",
        "Utrecht",
        ("Shell Utrecht Papendorp", "BP Utrecht Kanaleneiland", "Tango Utrecht Overvecht", "Shell A12 De Meern"),
    ),
    Site(
        "depot",
        "Depot Nieuwegein",
        "Nieuwegein",
        ("TotalEnergies Nieuwegein", "Esso Nieuwegein Noord", "Tinq Nieuwegein", "BP A2 Breukelen"),
    ),
    Site(
        "rotterdam",
        "Vestiging Rotterdam",
        "Rotterdam",
        ("Shell Rotterdam Kralingen", "Esso Rotterdam Alexander", "Tango Rotterdam Zuidplein"),
    ),
)
HVO_STATION: Final = "Tinq Nieuwegein"


@dataclass(frozen=True)
class Meter:
    key: str
    ean: str
    carrier: str
    site: str
    product: str
    unit: str
    annual: float
    yearly_change: float
    contract: str | None = None
    contract_from: tuple[tuple[str, str], ...] = ()
    direction: str = "consumption"
    description: str = ""


METERS: Final = (
    Meter(
        "hq_power",
        ean("87168712000104230"),
        "electricity",
        "hq",
        "Elektriciteit",
        "kWh",
        62_000,
        -0.03,
        contract="grey",
        contract_from=(("2024-07", "green_gvo_nl"),),
        description="Hoofdkantoor, slimme meter met kwartierwaarden; groene stroom met GvO vanaf juli 2024",
    ),
    Meter(
        "hq_gas",
        ean("87168714000104231"),
        "natural_gas",
        "hq",
        "Gas",
        "m3",
        7_400,
        -0.04,
        description="Hoofdkantoor, cv-ketel",
    ),
    Meter(
        "depot_power",
        ean("87168712000208455"),
        "electricity",
        "depot",
        "Elektriciteit",
        "kWh",
        46_000,
        0.01,
        contract="grey",
        description="Depot, werkplaats en laadpunten schoonmaakmachines",
    ),
    Meter(
        "depot_gas",
        ean("87168714000208456"),
        "natural_gas",
        "depot",
        "Gas",
        "m3",
        10_800,
        -0.02,
        description="Depot, heteluchtverwarming hal",
    ),
    Meter(
        "rotterdam_heat",
        ean("87168716000311872"),
        "district_heat",
        "rotterdam",
        "Warmte",
        "GJ",
        285,
        -0.01,
        description="Vestiging Rotterdam, stadsverwarming",
    ),
    Meter(
        "depot_solar",
        ean("87168712000208463"),
        "electricity",
        "depot",
        "Elektriciteit",
        "kWh",
        24_000,
        0.0,
        contract="green_gvo_nl",
        direction="generation",
        description="Zonnepanelen op het dak van het depot (eigen opwek)",
    ),
)
METER_BY_KEY: Final = {m.key: m for m in METERS}
INTERVAL_METER: Final = "hq_power"
UNKNOWN_EAN: Final = ean("87168712000999991")


@dataclass(frozen=True)
class Vehicle:
    plate: str
    site: str
    fuel: str
    tank_litres: float
    litres_per_month: float
    card: str
    drivers: tuple[str, ...]
    description: str
    in_fleet_from: str = "2022-01"
    in_fleet_until: str = "2026-12"
    hvo_from: str | None = None

    def in_fleet(self, month: str) -> bool:
        return self.in_fleet_from <= month <= self.in_fleet_until

    def on_hvo(self, month: str) -> bool:
        return self.hvo_from is not None and month >= self.hvo_from


VEHICLES: Final = (
    Vehicle(
        "VGH-42-K",
        "hq",
        "diesel",
        80,
        215,
        "7083540100012001",
        ("Jan de Vries", "Sanne Bakker"),
        "Bestelbus Renault Trafic",
    ),
    Vehicle(
        "VHT-17-P", "hq", "diesel", 80, 225, "7083540100012019", ("Mohamed El Amrani",), "Bestelbus Renault Trafic"
    ),
    Vehicle(
        "VJB-08-N",
        "hq",
        "diesel",
        75,
        205,
        "7083540100012027",
        ("Lotte Jansen", "Kees Visser"),
        "Bestelbus Volkswagen Transporter",
    ),
    Vehicle(
        "VKF-63-R",
        "depot",
        "diesel",
        80,
        240,
        "7083540100012035",
        ("Piotr Kowalski",),
        "Bestelbus Ford Transit; HVO100 vanaf juli 2023",
        hvo_from="2023-07",
    ),
    Vehicle("VLD-29-S", "depot", "diesel", 80, 235, "7083540100012043", ("Emre Özdemir",), "Bestelbus Ford Transit"),
    Vehicle(
        "VNX-54-T",
        "depot",
        "diesel",
        90,
        250,
        "7083540100012050",
        ("Fatima Saïdi", "Ruud Smit"),
        "Bestelbus Mercedes Sprinter",
    ),
    Vehicle(
        "VPR-71-H",
        "depot",
        "diesel",
        90,
        245,
        "7083540100012068",
        ("Henk Mulder",),
        "Bestelbus Mercedes Sprinter; verkocht december 2023",
        in_fleet_until="2023-12",
    ),
    Vehicle(
        "VXD-12-F",
        "depot",
        "diesel",
        80,
        240,
        "7083540100012076",
        ("Henk Mulder",),
        "Bestelbus Ford Transit (vervangt VPR-71-H); HVO100 vanaf januari 2025",
        in_fleet_from="2024-01",
        hvo_from="2025-01",
    ),
    Vehicle(
        "VSG-36-L", "rotterdam", "diesel", 80, 230, "7083540100012084", ("Noah Willems",), "Bestelbus Renault Trafic"
    ),
    Vehicle(
        "VTZ-85-B",
        "rotterdam",
        "diesel",
        80,
        220,
        "7083540100012092",
        ("Daan Hendriks", "Iris Maas"),
        "Bestelbus Renault Trafic",
    ),
    Vehicle(
        "K-218-XG", "hq", "petrol", 50, 105, "7083540100012100", ("Marieke van Dijk",), "Directieauto Volkswagen Passat"
    ),
    Vehicle(
        "N-804-RB",
        "hq",
        "petrol",
        45,
        95,
        "7083540100012118",
        ("José Martins",),
        "Poolauto Toyota Corolla; afgestoten juni 2025",
        in_fleet_until="2025-06",
    ),
    Vehicle(
        "65-ZK-TL",
        "rotterdam",
        "lpg",
        60,
        120,
        "7083540100012126",
        ("Bram de Graaf",),
        "Poolauto Opel Zafira LPG; afgestoten juni 2024",
        in_fleet_until="2024-06",
    ),
)
UNKNOWN_PLATE: Final = "ZZ-999-Z"

TARGETS: Final = (
    {
        "id": "scope1_per_revenue_2026",
        "ladder_scope": 1,
        "target_year": 2026,
        "reduction_pct": 30.0,
        "basis": "per_revenue",
    },
    {
        "id": "scope2_per_revenue_2026",
        "ladder_scope": 2,
        "target_year": 2026,
        "reduction_pct": 100.0,
        "basis": "per_revenue",
    },
    {
        "id": "scope3_suppliers_per_revenue_2026",
        "ladder_scope": 3,
        "target_year": 2026,
        "reduction_pct": 25.0,
        "basis": "per_revenue",
    },
)


# The energy management plan's measures, as the half-year report reviews them.
MEASURES: tuple[dict[str, object], ...] = (
    {"id": "M1", "description": "Replace diesel vans by electric vans at the end of their lease",
     "owner": "Fleet manager", "due": "2026-12", "ladder_scope": 1, "expected_saving_kg_co2e": 18000.0,
     "status": "in_progress", "note": "4 of 9 vans replaced"},
    {"id": "M2", "description": "Switch all electricity contracts to Dutch wind power with GvO",
     "owner": "Facility manager", "due": "2024-01", "ladder_scope": 2, "expected_saving_kg_co2e": 35000.0,
     "status": "done"},
    {"id": "M3", "description": "Run the remaining diesel vans on HVO100",
     "owner": "Fleet manager", "due": "2025-06", "ladder_scope": 1, "expected_saving_kg_co2e": 9000.0,
     "status": "planned"},
    {"id": "M4", "description": "Heat pump for the Rotterdam depot instead of the gas boiler",
     "owner": "Facility manager", "due": "2027-06", "ladder_scope": 1, "expected_saving_kg_co2e": 6000.0,
     "status": "planned"},
)


# A contract won with a CO2 award advantage: its vans drive for it only, it takes 30 % of the depot's energy.
PROJECTS: Final = (
    {
        "id": "gouda-2024",
        "name": "Schoonmaak gemeentelijke gebouwen Gouda",
        "client": "Gemeente Gouda",
        "start": "2024-01",
        "end": "2026-12",
        "vehicles": [{"plate": "VLD-29-S", "share_pct": 100.0}, {"plate": "VNX-54-T", "share_pct": 100.0}],
        "sites": [{"site": "depot", "share_pct": 30.0}],
    },
)


def organisation_config() -> dict[str, object]:
    """The footprint.yaml content for the demo company, as plain data in the order a person reads it."""
    return {
        "organisation": ORGANISATION,
        "base_year": BASE_YEAR,
        "years": {year: {"revenue_eur": revenue, "fte": fte} for year, (revenue, fte) in YEARS.items()},
        "sites": [{"id": s.id, "name": s.name, "city": s.city} for s in SITES],
        "meters": [_meter_config(m) for m in METERS],
        "vehicles": [
            {
                "plate": v.plate,
                "site": v.site,
                "fuel": v.fuel,
                "tank_litres": v.tank_litres,
                **({} if v.in_fleet(format_period(LAST_MONTH)) else {"active": False}),
                "description": v.description,
            }
            for v in VEHICLES
        ],
        "targets": list(TARGETS),
        "projects": list(PROJECTS),
        "measures": list(MEASURES),
        "factor_policy": {"mode": "per_year", "significance_pct": 5.0},
        "locations": {"inbox": "inbox", "raw_store": "raw", "warehouse": "warehouse.duckdb"},
    }


def _meter_config(meter: Meter) -> dict[str, object]:
    config: dict[str, object] = {"ean": meter.ean, "carrier": meter.carrier, "site": meter.site}
    if meter.contract:
        config["contract"] = meter.contract
    if meter.contract_from:
        config["contract_from"] = dict(meter.contract_from)
    if meter.direction != "consumption":
        config["direction"] = meter.direction
    config["description"] = meter.description
    return config
