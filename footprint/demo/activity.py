"""What Glansrijk Schoonmaak B.V. does month by month: the figures only its input files show.

Seasons, fuel prices, business trips, mileage declarations and the supplier's products: the generator
draws each month's files from these (company.py holds what footprint.yaml says about the company).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# Share of a year's heating gas and solar yield per calendar month (January first).
# Heating need of each year relative to an average one (mild and cold winters).
HEATING_YEAR: Final = {2022: 0.95, 2023: 0.98, 2024: 0.93, 2025: 1.01, 2026: 1.04}
HEATING_PROFILE: Final = (0.170, 0.150, 0.120, 0.080, 0.040, 0.020, 0.015, 0.015, 0.030, 0.080, 0.120, 0.160)
SOLAR_PROFILE: Final = (0.025, 0.045, 0.080, 0.110, 0.130, 0.135, 0.135, 0.120, 0.090, 0.060, 0.040, 0.030)
DAY_TARIFF_SHARE: Final = 0.58


# Litres per vehicle grow with the work, slower than revenue: routes are planned tighter each year.
FUEL_GROWTH_PER_YEAR: Final = 0.045
PRODUCT_OF_FUEL: Final = {"diesel": "Diesel", "petrol": "Euro 95", "lpg": "LPG", "hvo": "HVO100"}
PRICE_PER_LITRE: Final = {
    "Diesel": (1.96, 1.84, 1.79, 1.74, 1.71),
    "V-Power Diesel": (2.17, 2.05, 1.99, 1.94, 1.90),
    "Euro 95": (2.14, 2.06, 2.01, 1.97, 1.93),
    "HVO100": (2.22, 2.10, 2.04, 1.98, 1.95),
    "LPG": (1.09, 1.02, 0.99, 0.97, 0.96),
}
NON_FUEL_PRICE: Final = {"AdBlue": 0.89, "Wasstraat": 14.95, "Shop": 4.60}


@dataclass(frozen=True)
class Route:
    origin: str
    destination: str
    km: float
    travel_class: str = "Economy"


# Business trips by plane; from 2024 the company takes the train for destinations under 700 km.
ROUTES: Final = (
    Route("AMS", "LHR", 371),
    Route("AMS", "CPH", 629),
    Route("AMS", "BER", 577),
    Route("AMS", "BCN", 1240),
    Route("AMS", "MXP", 826),
    Route("AMS", "FCO", 1297),
    Route("AMS", "MAD", 1460),
    Route("AMS", "LIS", 1859),
)
LONG_HAUL: Final = Route("AMS", "JFK", 5851, "Business")
LONG_HAUL_MONTH: Final = "2023-09"
TRAVEL_AGENCY: Final = "Zakenreizen Noord B.V."

STAFF: Final = (
    ("Anouk Vermeulen", "Benzine"),
    ("Bart Kuipers", "Diesel"),
    ("Chantal Dekker", "Benzine"),
    ("Dirk Brouwer", "Onbekend"),
    ("Esther de Wit", "Elektrisch"),
    ("Frank Peters", "Diesel"),
    ("Gerda Bos", "Benzine"),
    ("Hans Vos", "Benzine"),
    ("Ilse Koster", "Elektrisch"),
    ("Joris van Leeuwen", "Diesel"),
)
ERRANDS: Final = (
    "Klantbezoek Houten",
    "Offerte-opname Zeist",
    "Oplevering schoonmaak Amersfoort",
    "Kwaliteitsronde Utrecht Centrum",
    "Overleg vestiging Rotterdam",
    "Training nieuwe medewerkers Nieuwegein",
    "Inspectie kantoorpand Woerden",
    "Aanbesteding gemeente Gouda",
)

SUPPLIER: Final = "Hygiëna Groothandel B.V."


@dataclass(frozen=True)
class SupplyLine:
    description: str
    unit: str
    per_month: float
    kg_co2e_per_unit: tuple[float, ...]
    method: str
    quality: str


# kg CO2e per unit by year from 2022: concentrated products from 2024 cut the cleaning agents' footprint.
SUPPLY_LINES: Final = (
    SupplyLine(
        "Schoonmaakmiddelen", "kg", 1_050, (1.95, 1.93, 1.78, 1.73, 1.71), "leverancierspecifiek (LCA)", "primair"
    ),
    SupplyLine(
        "Microvezeldoeken", "st", 620, (0.118, 0.118, 0.112, 0.108, 0.105), "leverancierspecifiek (LCA)", "primair"
    ),
    SupplyLine("Werkkleding", "st", 38, (7.9, 7.9, 7.6, 7.2, 7.0), "spend-based (EEIO)", "secundair"),
)
