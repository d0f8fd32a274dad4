"""Writes the demo workspace: footprint.yaml, .env and four and a half years of monthly input files.

Everything comes from seeded random streams and the fixed facts in company.py and activity.py, never
from the clock, so two runs write identical bytes. A few bad rows and three anomalies are planted on
purpose; the manifest says where, so a test can check that validation quarantines each bad row and
that each anomaly raises its alert.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import yaml

from footprint.demo import company as co
from footprint.demo.fuel import FUEL_FORMAT, fuel_sheet, fuel_spike
from footprint.demo.manifest import (
    FUEL_SPIKE,
    DemoFile,
    DemoManifest,
    PlantedRow,
    planted_anomalies,
)
from footprint.demo.meters import interval_sheet, monthly_sheet
from footprint.demo.supplier import statement_sheet
from footprint.demo.travel import flights_sheet, mileage_sheet
from footprint.periods import format_period, month_range

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
            fuel_sheet(month, fuel_rng, odometer),
            interval_sheet(month, meter_rng),
            monthly_sheet(month, meter_rng),
            flights_sheet(month, travel_rng),
            mileage_sheet(month, travel_rng),
            statement_sheet(month, supply_rng),
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
            if period == FUEL_SPIKE[1] and sheet.format == FUEL_FORMAT:
                spike = (sheet.name, sheet.source_row(sheet.rows.index(fuel_spike(month).fields())))
    return DemoManifest(
        workdir=workdir, files=tuple(files), planted=tuple(planted), anomalies=planted_anomalies(*spike)
    )
