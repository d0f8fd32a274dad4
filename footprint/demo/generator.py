"""Writes the demo workspace: footprint.yaml, .env and four and a half years of monthly input files.

Everything comes from seeded random streams and the fixed facts in company.py, never from the clock,
so two runs write identical bytes. A few bad rows are planted on purpose; the manifest says where,
so a test can check that validation quarantines each one. Three anomalies are planted too (a meter
that goes silent, a fuelling larger than the tank, a gas jump in January beyond the season), each
without drawing from the random streams, so every other figure stays as it was; the manifest names
the alert each one must raise.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import yaml

from footprint.config import normalise_plate
from footprint.demo import company as co
from footprint.periods import format_period, month_range
from footprint.schemas import LOCAL_TZ
from footprint.sources import (
    flights_csv,
    fuelcard_nl_portal,
    meter_interval_csv,
    meter_monthly_csv,
    mileage_csv,
    supplier_statement_csv,
)

FUEL_HEADER: Final = tuple(c.header for c in fuelcard_nl_portal.HEADER)
INTERVAL_HEADER: Final = ("Begin", "Einde", "Verbruik", "Eenheid", "Richting", "Status")
MONTHLY_HEADER: Final = tuple(c.header for c in meter_monthly_csv.HEADER)
FLIGHTS_HEADER: Final = tuple(c.header for c in flights_csv.HEADER)
MILEAGE_HEADER: Final = tuple(c.header for c in mileage_csv.HEADER)
STATEMENT_HEADER: Final = tuple(c.header for c in supplier_statement_csv.HEADER)


@dataclass(frozen=True)
class PlantedRow:
    """A deliberately bad row: `column` is the canonical column at fault, None for a whole-row problem."""

    period: str
    file_name: str
    source_row: int
    column: str | None
    kind: str


@dataclass(frozen=True)
class PlantedAnomaly:
    """A deviation planted on purpose: footprint must raise `rule` for `subject` in `period`, nothing else."""

    kind: str
    rule: str
    subject: str
    period: str
    detail: str
    file_name: str | None = None
    source_row: int | None = None  # the planted row, where the anomaly is one row

    @property
    def alert_key(self) -> tuple[str, str, str]:
        return (self.rule, self.subject, self.period)


@dataclass(frozen=True)
class DemoFile:
    path: str
    format: str | None


@dataclass(frozen=True)
class DemoManifest:
    workdir: Path
    files: tuple[DemoFile, ...]
    planted: tuple[PlantedRow, ...]
    anomalies: tuple[PlantedAnomaly, ...] = ()

    @property
    def config_path(self) -> Path:
        return self.workdir / "footprint.yaml"

    @property
    def inbox_files(self) -> tuple[DemoFile, ...]:
        return tuple(f for f in self.files if f.format is not None)

    @property
    def expected_alerts(self) -> set[tuple[str, str, str]]:
        """(rule, subject, period) of every alert the demo must raise: the anomalies and the story's targets."""
        return {a.alert_key for a in self.anomalies} | set(STORY_ALERTS)


@dataclass
class _Sheet:
    """One CSV file being assembled: rows as text fields, planted rows as (row index, column, kind)."""

    name: str
    format: str
    header: tuple[str, ...]
    rows: list[list[str]] = field(default_factory=list)
    preamble: tuple[str, ...] = ()
    encoding: str = "utf-8"
    newline: str = "\n"
    planted: list[tuple[int, str | None, str]] = field(default_factory=list)

    def plant(self, index: int, row: list[str], column: str | None, kind: str) -> None:
        self.planted = [(i + (i >= index), c, k) for i, c, k in self.planted]
        self.rows.insert(index, row)
        self.planted.append((index, column, kind))

    def source_row(self, index: int) -> int:
        return len(self.preamble) + 2 + index

    def render(self) -> bytes:
        lines = [*self.preamble, ";".join(self.header), *(";".join(r) for r in self.rows)]
        return (self.newline.join(lines) + self.newline).encode(self.encoding)


def _nl(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def _nl_grouped(value: float, decimals: int = 0) -> str:
    """Dutch number with thousands dots, as portals print them: 12.345,67."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _dmy(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def _days(month: dt.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def _growth(rate: float, month: dt.date) -> float:
    return float((1 + rate) ** (month.year - co.BASE_YEAR + (month.month - 1) / 12))


def _working_days(month: dt.date) -> list[dt.date]:
    return [d for d in (month.replace(day=i) for i in range(1, _days(month) + 1)) if d.weekday() < 5]


@dataclass(frozen=True)
class _Fuelling:
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
            _dmy(self.at.date()),
            self.at.strftime("%H:%M"),
            self.vehicle.card,
            self.vehicle.plate,
            self.driver,
            self.station,
            self.product,
            _nl(self.quantity, 2),
            self.unit,
            _nl(self.price, 3),
            _nl(self.amount, 2),
            "EUR",
            "-" if self.odometer is None else str(self.odometer),
        ]


_KM_PER_LITRE: Final = {"diesel": 10.5, "petrol": 14.5, "lpg": 10.0}


def _fuellings(month: dt.date, rng: np.random.Generator, odometer: dict[str, int]) -> list[_Fuelling]:
    period = format_period(month)
    year_index = month.year - co.BASE_YEAR
    days = _working_days(month)
    winter = 1 + 0.05 * math.cos(2 * math.pi * (month.month - 1) / 12)
    rows: list[_Fuelling] = []
    for vehicle in co.VEHICLES:
        if not vehicle.in_fleet(period):
            continue
        site = next(s for s in co.SITES if s.id == vehicle.site)
        litres = vehicle.litres_per_month * _growth(co.FUEL_GROWTH_PER_YEAR, month) * winter * rng.normal(1, 0.07)
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
                product = co.PRODUCT_OF_FUEL[vehicle.fuel]
            station = co.HVO_STATION if product == "HVO100" else str(rng.choice(site.stations))
            odometer[vehicle.plate] += int(fill * _KM_PER_LITRE[vehicle.fuel] * rng.uniform(0.9, 1.1))
            minute = int(rng.integers(6 * 60 + 30, 19 * 60))
            rows.append(
                _Fuelling(
                    at=dt.datetime.combine(days[day_index], dt.time(minute // 60, minute % 60)),
                    vehicle=vehicle,
                    driver=str(rng.choice(vehicle.drivers)),
                    station=station,
                    product=product,
                    quantity=round(float(fill), 2),
                    unit="L",
                    price=round(co.PRICE_PER_LITRE[product][year_index] + rng.normal(0, 0.03), 3),
                    odometer=odometer[vehicle.plate],
                )
            )
        extras = [
            ("AdBlue", 10.0, "L", 0.45 if vehicle.fuel == "diesel" else 0.0),
            ("Wasstraat", 1.0, "st", 0.5),
            ("Shop", 1.0, "st", 0.3),
        ]
        for product, quantity, unit, chance in extras:
            if rng.random() < chance:
                minute = int(rng.integers(7 * 60, 18 * 60))
                price = co.NON_FUEL_PRICE[product] if product != "Shop" else round(float(rng.uniform(2.5, 12.0)), 2)
                rows.append(
                    _Fuelling(
                        at=dt.datetime.combine(days[int(rng.integers(len(days)))], dt.time(minute // 60, minute % 60)),
                        vehicle=vehicle,
                        driver=str(rng.choice(vehicle.drivers)),
                        station=str(rng.choice(site.stations)),
                        product=product,
                        quantity=quantity,
                        unit=unit,
                        price=price,
                        odometer=None,
                    )
                )
    rows.sort(key=lambda r: (r.at, r.vehicle.plate, r.product))
    if rng.random() < 0.18:
        rows = _with_credit_note(rows, month, rng)
    return rows


def _with_credit_note(rows: list[_Fuelling], month: dt.date, rng: np.random.Generator) -> list[_Fuelling]:
    """The portal corrects a wrong price by crediting the transaction and booking it again."""
    fuel = [r for r in rows if r.unit == "L" and r.product != "AdBlue" and r.at.day <= _days(month) - 3]
    original = fuel[int(rng.integers(len(fuel)))]
    when = dt.datetime.combine(original.at.date() + dt.timedelta(days=2), dt.time(10, 0))
    credit = replace(original, at=when, quantity=-original.quantity, odometer=None)
    rebooked = replace(
        original, at=when + dt.timedelta(minutes=1), price=round(original.price - 0.04, 3), odometer=None
    )
    return sorted([*rows, credit, rebooked], key=lambda r: r.at)


# The planted anomalies: the meter whose rows stop, the van fuelled beyond its tank, the gas jump.
SILENT_METER: Final = "depot_power"
SILENT_FROM: Final = "2026-05"
FUEL_SPIKE: Final = ("VGH-42-K", "2025-11", 1.5)  # plate, month, fuelling as a multiple of the tank
GAS_JUMP: Final = ("depot_gas", "2026-01", 1.6)  # meter, month, factor on that month's use
# The story (growth, HVO100 and green power, not all the way to the targets) makes targets fall
# behind their straight path in these half years: footprint's target_path rule raises exactly these.
STORY_ALERTS: Final = (
    ("target_path", "scope1_per_revenue_2026", "2023-06"),
    ("target_path", "scope2_per_revenue_2026", "2023-06"),
    ("target_path", "scope3_suppliers_per_revenue_2026", "2023-06"),
    ("target_path", "scope3_suppliers_per_revenue_2026", "2024-12"),
)


def _fuel_spike(month: dt.date) -> _Fuelling:
    """A fuelling half again the van's tank (a jerrycan or another vehicle on its card), no random draws."""
    plate, _, times_tank = FUEL_SPIKE
    vehicle = next(v for v in co.VEHICLES if v.plate == plate)
    site = next(s for s in co.SITES if s.id == vehicle.site)
    day = _working_days(month)[12]
    return _Fuelling(
        at=dt.datetime.combine(day, dt.time(16, 40)),
        vehicle=vehicle,
        driver=vehicle.drivers[0],
        station=site.stations[0],
        product="Diesel",
        quantity=round(vehicle.tank_litres * times_tank, 2),
        unit="L",
        price=co.PRICE_PER_LITRE["Diesel"][month.year - co.BASE_YEAR],
        odometer=None,
    )


_FUEL_PLANTS: Final = {
    "2022-05": ("quantity", "quantity_not_a_number"),
    "2022-09": ("transaction_at", "date_before_base_year"),
    "2023-03": ("product", "unknown_product"),
    "2023-10": ("plate", "unknown_plate"),
    "2024-05": (None, "duplicate_transaction"),
    "2025-09": ("quantity", "quantity_exceeds_tank"),
}


def _fuel_sheet(month: dt.date, rng: np.random.Generator, odometer: dict[str, int]) -> _Sheet:
    period = format_period(month)
    rows = _fuellings(month, rng, odometer)
    if period == FUEL_SPIKE[1]:
        rows = sorted([*rows, _fuel_spike(month)], key=lambda r: r.at)
    sheet = _Sheet(
        f"tankpas_transacties_{period}.csv",
        fuelcard_nl_portal.NAME,
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
            bad[0] = _dmy(month.replace(year=co.BASE_YEAR - 2))
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


def _interval_sheet(month: dt.date, rng: np.random.Generator) -> _Sheet:
    """Quarter-hours between two local midnights: 2976 in a 31-day month, 4 fewer or more on DST days."""
    meter = co.METER_BY_KEY[co.INTERVAL_METER]
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    start = pd.Timestamp(month).tz_localize(LOCAL_TZ).tz_convert("UTC")
    end = pd.Timestamp(nxt).tz_localize(LOCAL_TZ).tz_convert("UTC")
    utc = pd.date_range(start, end, freq="15min", inclusive="left")
    local = utc.tz_convert(LOCAL_TZ)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60
    weekday = local.day_of_week.to_numpy() < 5
    office = weekday & (hour >= 7) & (hour < 18)
    evening = weekday & (hour >= 18) & (hour < 21)
    darkness = 0.5 + 0.5 * math.cos(2 * math.pi * (month.month - 1) / 12)
    profile = (0.95 + office * (2.3 + 0.35 * darkness) + evening * 0.8) * (1 + meter.yearly_change) ** (
        month.year - co.BASE_YEAR
    )
    usage = profile * np.clip(rng.normal(1, 0.08, len(utc)), 0.6, 1.4)
    status = np.full(len(utc), "Gemeten", dtype=object)
    if rng.random() < 0.12:
        day = int(rng.integers(1, _days(month) + 1))
        gap = local.day.to_numpy() == day
        usage[gap] = profile[gap]
        status[gap] = "Geschat"
    begin = _iso_with_offset(utc)
    finish = _iso_with_offset(utc + pd.Timedelta(minutes=15))
    rows = [
        [b, e, f"{q:.3f}".replace(".", ","), "kWh", "Levering", s]
        for b, e, q, s in zip(begin, finish, usage.tolist(), status.tolist(), strict=True)
    ]
    site = next(s for s in co.SITES if s.id == meter.site)
    return _Sheet(
        f"kwartierwaarden_{meter.ean}_{format_period(month)}.csv",
        meter_interval_csv.NAME,
        INTERVAL_HEADER,
        rows=rows,
        preamble=(f"EAN;{meter.ean}", f"Aansluiting;{site.name}", "Product;Elektriciteit", "Resolutie;15 minuten"),
    )


def _iso_with_offset(utc: pd.DatetimeIndex) -> list[str]:
    local = utc.tz_convert(LOCAL_TZ)
    wall = local.tz_localize(None)
    summer = (wall - utc.tz_localize(None)) == pd.Timedelta(hours=2)
    text = np.datetime_as_string(wall.to_numpy(dtype="datetime64[s]"), unit="s")
    return [t + ("+02:00" if s else "+01:00") for t, s in zip(text.tolist(), summer.tolist(), strict=True)]


_METER_PLANTS: Final = {
    "2023-08": ("ean", "ean_check_digit"),
    "2024-11": ("quantity", "negative_quantity"),
    "2025-02": ("ean", "unknown_ean"),
}
_UNIT_DECIMALS: Final = {"kWh": 0, "m3": 0, "GJ": 2}


def _monthly_sheet(month: dt.date, rng: np.random.Generator) -> _Sheet:
    period = format_period(month)
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    index = month.month - 1
    rows: list[list[str]] = []
    for meter in co.METERS:
        if meter.key == co.INTERVAL_METER:
            continue
        # The silent meter's rows stop; its random draw still happens, so the other meters keep their figures.
        silent = meter.key == SILENT_METER and period >= SILENT_FROM
        jump = GAS_JUMP[2] if (meter.key, period) == GAS_JUMP[:2] else 1.0
        trend = (1 + meter.yearly_change) ** (month.year - co.BASE_YEAR)
        status = "Gemeten"
        if meter.carrier == "natural_gas":
            amounts = [("Enkel", meter.annual * co.HEATING_PROFILE[index] * co.HEATING_YEAR[month.year])]
        elif meter.carrier == "district_heat":
            share = 0.25 / 12 + 0.75 * co.HEATING_PROFILE[index] * co.HEATING_YEAR[month.year]
            amounts = [("Enkel", meter.annual * share)]
            status = "Geschat" if period in ("2023-01", "2023-02") else status
        elif meter.direction == "generation":
            amounts = [("Enkel", meter.annual * co.SOLAR_PROFILE[index] * rng.uniform(0.85, 1.15))]
        else:
            monthly = meter.annual / 12 * (1 + 0.12 * math.cos(2 * math.pi * index / 12))
            amounts = [("Normaal", monthly * co.DAY_TARIFF_SHARE), ("Dal", monthly * (1 - co.DAY_TARIFF_SHARE))]
        for tariff, amount in amounts:
            quantity = amount * trend * rng.normal(1, 0.04) * jump
            if silent:
                continue
            rows.append(
                [
                    meter.ean,
                    meter.product,
                    _dmy(month),
                    _dmy(nxt),
                    _nl_grouped(quantity, _UNIT_DECIMALS[meter.unit]),
                    meter.unit,
                    "Opwek" if meter.direction == "generation" else "Levering",
                    tariff,
                    status,
                ]
            )
    sheet = _Sheet(f"maandoverzicht_energie_{period}.csv", meter_monthly_csv.NAME, MONTHLY_HEADER, rows=rows)
    if period in _METER_PLANTS:
        column, kind = _METER_PLANTS[period]
        bad = list(rows[1])
        if kind == "ean_check_digit":
            bad[0] = bad[0][:-1] + str((int(bad[0][-1]) + 1) % 10)
        elif kind == "unknown_ean":
            bad[0] = co.UNKNOWN_EAN
        elif kind == "negative_quantity":
            bad[4] = "-" + bad[4]
        sheet.plant(2, bad, column, kind)
    return sheet


_FLIGHT_CHANCE: Final = {2022: 0.45, 2023: 0.4, 2024: 0.3, 2025: 0.25, 2026: 0.25}


def _flights_sheet(month: dt.date, rng: np.random.Generator) -> _Sheet | None:
    period = format_period(month)
    trips: list[tuple[co.Route, int]] = []
    if rng.random() < _FLIGHT_CHANCE[month.year]:
        routes = [r for r in co.ROUTES if month.year < 2024 or r.km >= 700]
        trips = [
            (routes[int(rng.integers(len(routes)))], int(rng.integers(1, 4))) for _ in range(int(rng.integers(1, 3)))
        ]
    if period == co.LONG_HAUL_MONTH:
        trips.append((co.LONG_HAUL, 2))
    if not trips:
        return None
    legs: list[tuple[dt.date, str, str, co.Route, int]] = []
    for route, travellers in trips:
        out = month.replace(day=int(rng.integers(1, _days(month) - 4)))
        back = out + dt.timedelta(days=int(rng.integers(1, 4)))
        legs.append((out, route.origin, route.destination, route, travellers))
        legs.append((back, route.destination, route.origin, route, travellers))
    legs.sort(key=lambda leg: (leg[0], leg[1]))
    rows = [
        [_dmy(day), origin, destination, _nl(route.km, 0), route.travel_class, str(travellers), co.TRAVEL_AGENCY]
        for day, origin, destination, route, travellers in legs
    ]
    return _Sheet(f"vluchten_{period}.csv", flights_csv.NAME, FLIGHTS_HEADER, rows=rows)


def _mileage_sheet(month: dt.date, rng: np.random.Generator) -> _Sheet:
    """Car kilometres give way to the train over the years."""
    days = _working_days(month)
    train_share = 0.15 + 0.09 * (month.year - co.BASE_YEAR)
    declarations = []
    for _ in range(int(rng.integers(9, 15))):
        name, fuel = co.STAFF[int(rng.integers(len(co.STAFF)))]
        day = days[int(rng.integers(len(days)))]
        errand = co.ERRANDS[int(rng.integers(len(co.ERRANDS)))]
        if rng.random() < train_share:
            declarations.append((day, [_dmy(day), name, "Trein", "", str(int(rng.integers(40, 220))), errand]))
        else:
            km = float(rng.gamma(3.0, 30.0)) + 12
            declarations.append((day, [_dmy(day), name, "Auto", fuel, _nl(km, 1), errand]))
    declarations.sort(key=lambda d: (d[0], d[1][1]))
    return _Sheet(
        f"km_declaraties_{format_period(month)}.csv",
        mileage_csv.NAME,
        MILEAGE_HEADER,
        rows=[row for _, row in declarations],
        encoding="utf-8-sig",
    )


def _statement_sheet(month: dt.date, rng: np.random.Generator) -> _Sheet | None:
    """The supplier sends one statement a quarter, with a row per product per month of that quarter."""
    if month.month % 3:
        return None
    rows = []
    for offset in (2, 1, 0):
        covered = dt.date(month.year, month.month - offset, 1)
        for line in co.SUPPLY_LINES:
            amount = round(line.per_month * _growth(0.05, covered) * rng.normal(1, 0.1))
            kg = amount * line.kg_co2e_per_unit[covered.year - co.BASE_YEAR]
            rows.append(
                [
                    co.SUPPLIER,
                    format_period(covered),
                    "1",
                    line.description,
                    _nl_grouped(amount),
                    line.unit,
                    _nl_grouped(kg, 2),
                    line.method,
                    line.quality,
                ]
            )
    quarter = (month.month - 1) // 3 + 1
    return _Sheet(
        f"co2_opgave_hygiena_{month.year}-Q{quarter}.csv", supplier_statement_csv.NAME, STATEMENT_HEADER, rows=rows
    )


_CONFIG_HEADER: Final = (
    "# footprint.yaml of the demo company written by `footprint demo`.\n"
    "# Glansrijk Schoonmaak B.V. is fictional: every name, EAN, plate and figure is invented.\n"
)
_ENV: Final = (
    "# Demo only: this key pseudonymises the demo's fuel-card numbers and driver names.\n"
    "# A real workspace needs its own secret key, kept out of version control.\n"
    f"FOOTPRINT_PSEUDONYM_KEY={co.PSEUDONYM_KEY}\n"
    "# The demo writes its inbox and ingests it at once: no wait for files still being copied.\n"
    "FOOTPRINT_INBOX_SETTLE_SECONDS=0\n"
)


def write_demo(workdir: Path) -> DemoManifest:
    """Write the demo company's configuration and inbox into workdir (existing files are overwritten)."""
    workdir.mkdir(parents=True, exist_ok=True)
    files: list[DemoFile] = []
    planted: list[PlantedRow] = []
    config = yaml.safe_dump(co.organisation_config(), sort_keys=False, allow_unicode=True, width=120)
    (workdir / "footprint.yaml").write_text(_CONFIG_HEADER + config, encoding="utf-8")
    (workdir / ".env").write_text(_ENV, encoding="utf-8")
    files += [DemoFile("footprint.yaml", None), DemoFile(".env", None)]

    fuel_rng, meter_rng, travel_rng, supply_rng = (np.random.default_rng([co.SEED, i]) for i in range(4))
    odometer = {v.plate: 40_000 + 7_919 * i for i, v in enumerate(co.VEHICLES)}
    spike = ("", 0)
    for month in month_range(co.FIRST_MONTH, co.LAST_MONTH):
        period = format_period(month)
        folder = workdir / "inbox" / period
        folder.mkdir(parents=True, exist_ok=True)
        sheets = [
            _fuel_sheet(month, fuel_rng, odometer),
            _interval_sheet(month, meter_rng),
            _monthly_sheet(month, meter_rng),
            _flights_sheet(month, travel_rng),
            _mileage_sheet(month, travel_rng),
            _statement_sheet(month, supply_rng),
        ]
        for sheet in sheets:
            if sheet is None:
                continue
            (folder / sheet.name).write_bytes(sheet.render())
            files.append(DemoFile(f"inbox/{period}/{sheet.name}", sheet.format))
            planted += [
                PlantedRow(period, sheet.name, sheet.source_row(index), column, kind)
                for index, column, kind in sheet.planted
            ]
            if period == FUEL_SPIKE[1] and sheet.format == fuelcard_nl_portal.NAME:
                spike = (sheet.name, sheet.source_row(sheet.rows.index(_fuel_spike(month).fields())))
    return DemoManifest(workdir=workdir, files=tuple(files), planted=tuple(planted), anomalies=_anomalies(*spike))


def _anomalies(spike_file: str, spike_row: int) -> tuple[PlantedAnomaly, ...]:
    silent, gas = co.METER_BY_KEY[SILENT_METER], co.METER_BY_KEY[GAS_JUMP[0]]
    plate, spike_month, times_tank = FUEL_SPIKE
    vehicle = next(v for v in co.VEHICLES if v.plate == plate)
    return (
        PlantedAnomaly("silent_meter", "missing", silent.ean, SILENT_FROM,
                       f"{silent.description}: no rows in the monthly overview from {SILENT_FROM}"),
        PlantedAnomaly("fuel_spike", "tank_exceeded", normalise_plate(plate), spike_month,
                       f"one fuelling of {vehicle.tank_litres * times_tank:g} l into a {vehicle.tank_litres:g} l tank",
                       spike_file, spike_row),
        PlantedAnomaly("gas_jump", "outlier", gas.ean, GAS_JUMP[1],
                       f"{gas.description}: {GAS_JUMP[2]:g} x the month's gas, beyond a cold January"),
    )
