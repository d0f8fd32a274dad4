"""The fuel-card portal's monthly export: every van's fuellings, AdBlue, car washes and shop purchases.

Fuellings follow each vehicle's use, the winter and the fleet's growth; now and then the portal
corrects a price by a credit note. Planted: a bad row in some months, and the fuel spike.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from typing import Final

import numpy as np

from footprint.demo import activity as act
from footprint.demo import company as co
from footprint.demo.manifest import FUEL_SPIKE
from footprint.demo.sheet import Sheet, days_in, dmy, growth, nl, working_days
from footprint.periods import format_period
from footprint.sources.fuelcard_profile import builtin_format

_PORTAL: Final = builtin_format("fuelcard_nl_portal")  # the layout the demo's fuel-card exports follow
FUEL_FORMAT: Final = _PORTAL.NAME
FUEL_HEADER: Final = tuple(c.header for c in _PORTAL.HEADER)
_KM_PER_LITRE: Final = {"diesel": 10.5, "petrol": 14.5, "lpg": 10.0}
_FUEL_PLANTS: Final = {
    "2022-05": ("quantity", "quantity_not_a_number"),
    "2022-09": ("transaction_at", "date_before_base_year"),
    "2023-03": ("product", "unknown_product"),
    "2023-10": ("plate", "unknown_plate"),
    "2024-05": (None, "duplicate_transaction"),
    "2025-09": ("quantity", "quantity_exceeds_tank"),
}


@dataclass(frozen=True)
class Fuelling:
    at: dt.datetime
    vehicle: co.Vehicle
    driver: str
    station: str
    product: str
    quantity: float
    unit: str
    price: float
    odometer: int | None

    @property
    def amount(self) -> float:
        return round(self.quantity * self.price, 2)

    def fields(self) -> list[str]:
        return [
            dmy(self.at.date()),
            self.at.strftime("%H:%M"),
            self.vehicle.card,
            self.vehicle.plate,
            self.driver,
            self.station,
            self.product,
            nl(self.quantity, 2),
            self.unit,
            nl(self.price, 3),
            nl(self.amount, 2),
            "EUR",
            "-" if self.odometer is None else str(self.odometer),
        ]


def _at(day: dt.date, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(minute // 60, minute % 60))


def _fuellings(month: dt.date, rng: np.random.Generator, odometer: dict[str, int]) -> list[Fuelling]:
    period = format_period(month)
    year_index = month.year - co.BASE_YEAR
    days = working_days(month)
    winter = 1 + 0.05 * math.cos(2 * math.pi * (month.month - 1) / 12)
    rows: list[Fuelling] = []
    for vehicle in co.VEHICLES:
        if not vehicle.in_fleet(period):
            continue
        site = next(s for s in co.SITES if s.id == vehicle.site)
        litres = vehicle.litres_per_month * growth(act.FUEL_GROWTH_PER_YEAR, month) * winter * rng.normal(1, 0.07)
        count = max(1, round(litres / (0.72 * vehicle.tank_litres)))
        weights = rng.uniform(0.8, 1.2, count)
        fills = np.minimum(litres * weights / weights.sum(), 0.97 * vehicle.tank_litres)
        fill_days = sorted(rng.choice(len(days), size=min(count, len(days)), replace=False))
        for fill, day_index in zip(fills, fill_days, strict=False):
            if vehicle.on_hvo(period):
                product = "HVO100" if rng.random() < 0.9 else "Diesel"
            elif vehicle.fuel == "diesel":
                product = "V-Power Diesel" if rng.random() < 0.12 else "Diesel"
            else:
                product = act.PRODUCT_OF_FUEL[vehicle.fuel]
            station = co.HVO_STATION if product == "HVO100" else str(rng.choice(site.stations))
            odometer[vehicle.plate] += int(fill * _KM_PER_LITRE[vehicle.fuel] * rng.uniform(0.9, 1.1))
            minute = int(rng.integers(6 * 60 + 30, 19 * 60))
            # Drawn in this order (driver, then price), so a seed writes the same rows.
            driver = str(rng.choice(vehicle.drivers))
            price = round(act.PRICE_PER_LITRE[product][year_index] + rng.normal(0, 0.03), 3)
            rows.append(Fuelling(_at(days[day_index], minute), vehicle, driver, station, product,
                                 round(float(fill), 2), "L", price, odometer[vehicle.plate]))
        rows += _extras(vehicle, site, days, rng)
    rows.sort(key=lambda r: (r.at, r.vehicle.plate, r.product))
    if rng.random() < 0.18:
        rows = _with_credit_note(rows, month, rng)
    return rows


def _extras(vehicle: co.Vehicle, site: co.Site, days: list[dt.date], rng: np.random.Generator) -> list[Fuelling]:
    """What else the card pays at the pump: AdBlue for diesels, a car wash, something from the shop."""
    extras = [
        ("AdBlue", 10.0, "L", 0.45 if vehicle.fuel == "diesel" else 0.0),
        ("Wasstraat", 1.0, "st", 0.5),
        ("Shop", 1.0, "st", 0.3),
    ]
    rows: list[Fuelling] = []
    for product, quantity, unit, chance in extras:
        if rng.random() < chance:
            minute = int(rng.integers(7 * 60, 18 * 60))
            price = act.NON_FUEL_PRICE[product] if product != "Shop" else round(float(rng.uniform(2.5, 12.0)), 2)
            day = days[int(rng.integers(len(days)))]
            driver = str(rng.choice(vehicle.drivers))
            station = str(rng.choice(site.stations))
            rows.append(Fuelling(_at(day, minute), vehicle, driver, station, product, quantity, unit, price, None))
    return rows


def _with_credit_note(rows: list[Fuelling], month: dt.date, rng: np.random.Generator) -> list[Fuelling]:
    """The portal corrects a wrong price by crediting the transaction and booking it again."""
    fuel = [r for r in rows if r.unit == "L" and r.product != "AdBlue" and r.at.day <= days_in(month) - 3]
    original = fuel[int(rng.integers(len(fuel)))]
    when = dt.datetime.combine(original.at.date() + dt.timedelta(days=2), dt.time(10, 0))
    credit = replace(original, at=when, quantity=-original.quantity, odometer=None)
    rebooked = replace(
        original, at=when + dt.timedelta(minutes=1), price=round(original.price - 0.04, 3), odometer=None
    )
    return sorted([*rows, credit, rebooked], key=lambda r: r.at)


def fuel_spike(month: dt.date) -> Fuelling:
    """A fuelling half again the van's tank (a jerrycan or another vehicle on its card), no random draws."""
    plate, _, times_tank = FUEL_SPIKE
    vehicle = next(v for v in co.VEHICLES if v.plate == plate)
    site = next(s for s in co.SITES if s.id == vehicle.site)
    day = working_days(month)[12]
    return Fuelling(
        at=dt.datetime.combine(day, dt.time(16, 40)),
        vehicle=vehicle,
        driver=vehicle.drivers[0],
        station=site.stations[0],
        product="Diesel",
        quantity=round(vehicle.tank_litres * times_tank, 2),
        unit="L",
        price=act.PRICE_PER_LITRE["Diesel"][month.year - co.BASE_YEAR],
        odometer=None,
    )


def fuel_sheet(month: dt.date, rng: np.random.Generator, odometer: dict[str, int]) -> Sheet:
    period = format_period(month)
    rows = _fuellings(month, rng, odometer)
    if period == FUEL_SPIKE[1]:
        rows = sorted([*rows, fuel_spike(month)], key=lambda r: r.at)
    sheet = Sheet(
        f"tankpas_transacties_{period}.csv",
        FUEL_FORMAT,
        FUEL_HEADER,
        rows=[r.fields() for r in rows],
        encoding="cp1252",
        newline="\r\n",
    )
    if period in _FUEL_PLANTS:
        column, kind = _FUEL_PLANTS[period]
        index = len(rows) // 2
        template = next(r for r in rows[index:] if r.product in ("Diesel", "V-Power Diesel", "HVO100"))
        bad = replace(template, at=template.at + dt.timedelta(minutes=7), odometer=None).fields()
        if kind == "quantity_not_a_number":
            bad[7] = "6O,25"
        elif kind == "date_before_base_year":
            # A row counts in its own month whatever folder it comes in; only one before the base year is out.
            bad[0] = dmy(month.replace(year=co.BASE_YEAR - 2))
        elif kind == "unknown_product":
            bad[6] = "Ruitenvloeistof"
        elif kind == "unknown_plate":
            bad[2], bad[3], bad[4] = "7083540100019998", co.UNKNOWN_PLATE, ""
        elif kind == "duplicate_transaction":
            index = rows.index(template)
            bad = template.fields()
        elif kind == "quantity_exceeds_tank":
            bad = replace(template, at=template.at + dt.timedelta(minutes=7), quantity=950.0, odometer=None).fields()
        sheet.plant(index + 1, bad, column, kind)
    return sheet
