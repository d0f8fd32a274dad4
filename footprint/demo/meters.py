"""The energy meters' exports: the head office's quarter-hours, and every other meter's monthly overview.

Use follows office hours, daylight, heating seasons and each meter's trend. Planted: a bad row in
some months' overview, the meter that goes silent and the gas jump.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Final

import numpy as np
import pandas as pd

from footprint.demo import activity as act
from footprint.demo import company as co
from footprint.demo.manifest import GAS_JUMP, SILENT_FROM, SILENT_METER
from footprint.demo.sheet import Sheet, days_in, dmy, nl_grouped
from footprint.periods import format_period, next_month
from footprint.schemas import LOCAL_TZ
from footprint.sources import meter_interval_csv, meter_monthly_csv

INTERVAL_HEADER: Final = ("Begin", "Einde", "Verbruik", "Eenheid", "Richting", "Status")
MONTHLY_HEADER: Final = tuple(c.header for c in meter_monthly_csv.HEADER)
_METER_PLANTS: Final = {
    "2023-08": ("ean", "ean_check_digit"),
    "2024-11": ("quantity", "negative_quantity"),
    "2025-02": ("ean", "unknown_ean"),
}
_UNIT_DECIMALS: Final = {"kWh": 0, "m3": 0, "GJ": 2}


def interval_sheet(month: dt.date, rng: np.random.Generator) -> Sheet:
    """Quarter-hours between two local midnights: 2976 in a 31-day month, 4 fewer or more on DST days."""
    meter = co.METER_BY_KEY[co.INTERVAL_METER]
    start = pd.Timestamp(month).tz_localize(LOCAL_TZ).tz_convert("UTC")
    end = pd.Timestamp(next_month(month)).tz_localize(LOCAL_TZ).tz_convert("UTC")
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
        day = int(rng.integers(1, days_in(month) + 1))
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
    return Sheet(
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


def monthly_sheet(month: dt.date, rng: np.random.Generator) -> Sheet:
    period = format_period(month)
    nxt = next_month(month)
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
            amounts = [("Enkel", meter.annual * act.HEATING_PROFILE[index] * act.HEATING_YEAR[month.year])]
        elif meter.carrier == "district_heat":
            share = 0.25 / 12 + 0.75 * act.HEATING_PROFILE[index] * act.HEATING_YEAR[month.year]
            amounts = [("Enkel", meter.annual * share)]
            status = "Geschat" if period in ("2023-01", "2023-02") else status
        elif meter.direction == "generation":
            amounts = [("Enkel", meter.annual * act.SOLAR_PROFILE[index] * rng.uniform(0.85, 1.15))]
        else:
            monthly = meter.annual / 12 * (1 + 0.12 * math.cos(2 * math.pi * index / 12))
            amounts = [("Normaal", monthly * act.DAY_TARIFF_SHARE), ("Dal", monthly * (1 - act.DAY_TARIFF_SHARE))]
        for tariff, amount in amounts:
            quantity = amount * trend * rng.normal(1, 0.04) * jump
            if silent:
                continue
            rows.append(
                [
                    meter.ean,
                    meter.product,
                    dmy(month),
                    dmy(nxt),
                    nl_grouped(quantity, _UNIT_DECIMALS[meter.unit]),
                    meter.unit,
                    "Opwek" if meter.direction == "generation" else "Levering",
                    tariff,
                    status,
                ]
            )
    sheet = Sheet(f"maandoverzicht_energie_{period}.csv", meter_monthly_csv.NAME, MONTHLY_HEADER, rows=rows)
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
