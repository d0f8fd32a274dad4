"""Benchmark workspace: N electricity meters with 15-minute data for a year, plus the demo's fuel-card and supplier files.

Files are written in the layouts footprint's inbox takes, by the demo's own generators
(footprint/demo/ (fuel, meters, supplier, travel)): its 15-minute sheet under each benchmark meter's EAN, its fuel-card
exports (with their planted bad rows), mileage declarations, flights and quarterly supplier
statements. Seeded, so the same arguments write the same bytes.

    .venv/bin/python bench/generate.py /tmp/ws --meters 29 --year 2025
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Final

import numpy as np
import yaml

from footprint.demo import company as co
from footprint.demo import fuel, supplier, travel
from footprint.demo import meters as demo_meters
from footprint.periods import format_period, month_range

INTERVAL_GLOB: Final = "inbox/*/kwartierwaarden_*.csv"
INTERVAL_PREAMBLE_LINES: Final = 4  # EAN, Aansluiting, Product, Resolutie above the header
ROWS_PER_METER_YEAR: Final = 35_040  # 365 days of 96 quarter-hours


def meter_eans(meters: int) -> list[str]:
    return [co.ean(f"87168799{i:09d}") for i in range(meters)]


def meters_for(rows: int) -> int:
    """Meters whose year of 15-minute rows comes closest to `rows` (at least one)."""
    return max(1, round(rows / ROWS_PER_METER_YEAR))


def write_config(root: Path, meters: int) -> None:
    """The demo company's footprint.yaml with the benchmark meters in place of its own."""
    config = co.organisation_config()
    config["meters"] = [
        {"ean": ean, "carrier": "electricity", "site": co.SITES[i % len(co.SITES)].id, "contract": "grey",
         "description": f"benchmark meter {i + 1}"}
        for i, ean in enumerate(meter_eans(meters))
    ]
    root.mkdir(parents=True, exist_ok=True)
    (root / "footprint.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    (root / ".env").write_text(
        f"FOOTPRINT_PSEUDONYM_KEY={co.PSEUDONYM_KEY}\nFOOTPRINT_INBOX_SETTLE_SECONDS=0\n", encoding="utf-8"
    )


def write_month(root: Path, month: dt.date, meters: int, odometer: dict[str, int]) -> int:
    """One month's inbox folder; returns the number of interval rows written."""
    period = format_period(month)
    seed = [co.SEED, month.year, month.month]
    fuel_rng, meter_rng, travel_rng, supply_rng = (np.random.default_rng([*seed, i]) for i in range(4))
    folder = root / "inbox" / period
    folder.mkdir(parents=True, exist_ok=True)
    sheets = [
        fuel.fuel_sheet(month, fuel_rng, odometer),
        travel.flights_sheet(month, travel_rng),
        travel.mileage_sheet(month, travel_rng),
        supplier.statement_sheet(month, supply_rng),
    ]
    rows = 0
    for ean in meter_eans(meters):
        sheet = demo_meters.interval_sheet(month, meter_rng)
        sheets.append(dataclasses.replace(
            sheet, name=f"kwartierwaarden_{ean}_{period}.csv", preamble=(f"EAN;{ean}", *sheet.preamble[1:])
        ))
        rows += len(sheet.rows)
    for sheet in sheets:
        if sheet is not None:
            (folder / sheet.name).write_bytes(sheet.render())
    return rows


def write_workspace(root: Path, meters: int, year: int, extra_months: int = 0) -> int:
    """Config plus a year of monthly folders (and `extra_months` after it); returns the year's interval rows."""
    write_config(root, meters)
    odometer = {v.plate: 40_000 + 7_919 * i for i, v in enumerate(co.VEHICLES)}
    rows = 0
    last = dt.date(year + (12 + extra_months - 1) // 12, (12 + extra_months - 1) % 12 + 1, 1)
    for month in month_range(dt.date(year, 1, 1), last):
        written = write_month(root, month, meters, odometer)
        rows += written if month.year == year else 0
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--meters", type=int, default=29)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--extra-months", type=int, default=0)
    args = parser.parse_args()
    rows = write_workspace(args.root, args.meters, args.year, args.extra_months)
    print(f"{args.root}: {args.meters} meters, {rows:,} interval rows in {args.year}")


if __name__ == "__main__":
    main()
