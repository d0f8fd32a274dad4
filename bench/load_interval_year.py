"""Load benchmark: one year of 15-minute data for N meters, ingested month by month.

Not a test: it prints timings per stage and peak memory. The files are generated first (not timed)
in the metering-portal layout footprint reads (`meter_interval_csv`), one file per meter and month,
then each month goes through the same core steps as the Prefect flow (without Prefect's start-up).

    .venv/bin/python bench/load_interval_year.py --meters 100 --year 2025
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
import yaml

from footprint.config.workspace import Settings, open_workspace
from footprint.emissions import compute_emissions
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.periods import format_period, month_range
from footprint.resources import warehouse


def ean_with_check_digit(body: str) -> str:
    digits = [int(c) for c in body]
    weighted = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits))
    return body + str((10 - weighted % 10) % 10)


def write_workspace(root: Path, meters: int, year: int) -> None:
    eans = [ean_with_check_digit(f"87168712{i:09d}") for i in range(meters)]
    config = {
        "organisation": "Benchmark B.V.",
        "base_year": year,
        "years": {year: {"revenue_eur": 10_000_000, "fte": 100}},
        "sites": [{"id": "site", "name": "Site"}],
        "meters": [{"ean": e, "carrier": "electricity", "site": "site", "contract": "grey"} for e in eans],
    }
    (root / "footprint.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    # Settle 0: the files were just written here, none is still being uploaded.
    (root / ".env").write_text(
        "FOOTPRINT_PSEUDONYM_KEY=benchmark-only\nFOOTPRINT_INBOX_SETTLE_SECONDS=0\n", encoding="utf-8"
    )
    rng = np.random.default_rng(42)
    for month in month_range(dt.date(year, 1, 1), dt.date(year, 12, 1)):
        end = dt.date(year + (month.month == 12), month.month % 12 + 1, 1)
        starts = pd.date_range(
            pd.Timestamp(month, tz="Europe/Amsterdam"), pd.Timestamp(end, tz="Europe/Amsterdam"), freq="15min",
            inclusive="left",
        )
        begin = starts.strftime("%Y-%m-%dT%H:%M:%S%z")
        finish = (starts + pd.Timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%S%z")
        folder = root / "inbox" / format_period(month)
        folder.mkdir(parents=True)
        for ean in eans:
            kwh = np.char.replace(np.char.mod("%.3f", rng.gamma(2.0, 0.4, len(starts))), ".", ",")
            lines = np.char.add(np.char.add(np.char.add(np.char.add(begin.to_numpy().astype(str), ";"),
                                                         np.char.add(finish.to_numpy().astype(str), ";")), kwh),
                                ";kWh;Gemeten")
            body = "\n".join(lines.tolist())
            (folder / f"kwartierwaarden_{ean}_{format_period(month)}.csv").write_text(
                f"EAN;{ean}\nBegin;Einde;Verbruik;Eenheid;Status\n{body}\n", encoding="utf-8"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=100)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--keep", type=Path, help="write the workspace here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="footprint-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    write_workspace(root, args.meters, args.year)
    print(f"generated {args.meters} meters x 12 months of 15-minute files in {time.perf_counter() - started:.1f} s")
    ws = open_workspace(root / "footprint.yaml", Settings())
    warehouse(ws)
    stages = {"load (store, parse, validate, insert)": 0.0, "compute emissions": 0.0}
    total = time.perf_counter()
    for month in month_range(dt.date(args.year, 1, 1), dt.date(args.year, 12, 1)):
        period = format_period(month)
        t = time.perf_counter()
        results = load_files(ws, period, pull_inbox(ws, period).paths)
        stages["load (store, parse, validate, insert)"] += time.perf_counter() - t
        t = time.perf_counter()
        compute_emissions(ws, period)
        stages["compute emissions"] += time.perf_counter() - t
        quarantined = sum(r.rows_quarantined for r in results)
        print(f"  {period}: {sum(r.rows_loaded for r in results):,} rows loaded, {quarantined} quarantined")
    elapsed = time.perf_counter() - total
    with warehouse(ws).connect() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM meter_usage")).scalar_one()
        emissions = conn.execute(sa.text("SELECT count(*) FROM emissions")).scalar_one()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for stage, seconds in stages.items():
        print(f"{stage}: {seconds:.1f} s")
    print(f"total: {rows:,} interval rows and {emissions:,} emission rows in {elapsed:.1f} s "
          f"({rows / elapsed:,.0f} rows/s); peak memory {peak_mib:,.0f} MiB")
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
