"""The travel agency's flight list and the staff's mileage declarations.

Flights grow rarer, and from 2024 only go further than 700 km; car kilometres give way to the train.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import numpy as np

from footprint.demo import activity as act
from footprint.demo import company as co
from footprint.demo.sheet import Sheet, days_in, dmy, nl, working_days
from footprint.periods import format_period
from footprint.sources import flights_csv, mileage_csv

FLIGHTS_HEADER: Final = tuple(c.header for c in flights_csv.HEADER)
MILEAGE_HEADER: Final = tuple(c.header for c in mileage_csv.HEADER)
_FLIGHT_CHANCE: Final = {2022: 0.45, 2023: 0.4, 2024: 0.3, 2025: 0.25, 2026: 0.25}


def flights_sheet(month: dt.date, rng: np.random.Generator) -> Sheet | None:
    period = format_period(month)
    trips: list[tuple[act.Route, int]] = []
    if rng.random() < _FLIGHT_CHANCE[month.year]:
        routes = [r for r in act.ROUTES if month.year < 2024 or r.km >= 700]
        trips = [
            (routes[int(rng.integers(len(routes)))], int(rng.integers(1, 4))) for _ in range(int(rng.integers(1, 3)))
        ]
    if period == act.LONG_HAUL_MONTH:
        trips.append((act.LONG_HAUL, 2))
    if not trips:
        return None
    legs: list[tuple[dt.date, str, str, act.Route, int]] = []
    for route, travellers in trips:
        out = month.replace(day=int(rng.integers(1, days_in(month) - 4)))
        back = out + dt.timedelta(days=int(rng.integers(1, 4)))
        legs.append((out, route.origin, route.destination, route, travellers))
        legs.append((back, route.destination, route.origin, route, travellers))
    legs.sort(key=lambda leg: (leg[0], leg[1]))
    rows = [
        [dmy(day), origin, destination, nl(route.km, 0), route.travel_class, str(travellers), act.TRAVEL_AGENCY]
        for day, origin, destination, route, travellers in legs
    ]
    return Sheet(f"vluchten_{period}.csv", flights_csv.NAME, FLIGHTS_HEADER, rows=rows)


def mileage_sheet(month: dt.date, rng: np.random.Generator) -> Sheet:
    """Car kilometres give way to the train over the years."""
    days = working_days(month)
    train_share = 0.15 + 0.09 * (month.year - co.BASE_YEAR)
    declarations = []
    for _ in range(int(rng.integers(9, 15))):
        name, fuel = act.STAFF[int(rng.integers(len(act.STAFF)))]
        day = days[int(rng.integers(len(days)))]
        errand = act.ERRANDS[int(rng.integers(len(act.ERRANDS)))]
        if rng.random() < train_share:
            declarations.append((day, [dmy(day), name, "Trein", "", str(int(rng.integers(40, 220))), errand]))
        else:
            km = float(rng.gamma(3.0, 30.0)) + 12
            declarations.append((day, [dmy(day), name, "Auto", fuel, nl(km, 1), errand]))
    declarations.sort(key=lambda d: (d[0], d[1][1]))
    return Sheet(
        f"km_declaraties_{format_period(month)}.csv",
        mileage_csv.NAME,
        MILEAGE_HEADER,
        rows=[row for _, row in declarations],
        encoding="utf-8-sig",
    )
