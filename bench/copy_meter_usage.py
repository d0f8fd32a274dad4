"""COPY benchmark: N quarter-hours of one meter loaded in one insert_frame call, the warehouse's bulk path.

meter_usage is a view: the rows go to meter_readings, what they share to one meter_series row.

Not a test: it prints rows per second. It works in a scratch schema (`copy_bench`) of the warehouse
it is given, dropped afterwards, so it never touches an organisation's tables.

    .venv/bin/python bench/copy_meter_usage.py --url postgresql+psycopg://postgres@127.0.0.1/bench --rows 1000000
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
import sqlalchemy as sa

from footprint.ingest.datasets.meter import series_id
from footprint.warehouse import make_warehouse
from footprint.warehouse.bulk import insert_frame

SCHEMA = "copy_bench"


def usage_rows(n: int) -> dict[str, pd.DataFrame]:
    """Quarter-hour rows as the loader writes them: the series once, then numbers and zoned instants per row."""
    starts = pd.date_range("2025-01-01", periods=n, freq="15min", tz="Europe/Amsterdam")
    sha, ean = "ab" * 32, "871687120000000004"
    series = series_id(sha, ean, "consumption", None, "kWh")
    return {
        "meter_series": pd.DataFrame({
            "series_id": [series], "file_sha256": sha, "ean": ean, "site_id": "hq", "carrier": "electricity",
            "contract": "grey", "unit": "kWh", "direction": "consumption", "tariff": None,
            "activity_key": "electricity:grey",
        }),
        "meter_readings": pd.DataFrame({
            "series_id": series,
            "source_row": np.arange(2, n + 2),
            "period": starts.tz_localize(None).to_period("M").to_timestamp().date,
            "interval_start": starts,
            "interval_end": starts + pd.Timedelta(minutes=15),
            "quantity": np.random.default_rng(1).gamma(2.0, 0.4, n).round(3),
            "estimated": False,
        }),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("FOOTPRINT_WAREHOUSE_URL"), required="FOOTPRINT_WAREHOUSE_URL" not in os.environ)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    frames = usage_rows(args.rows)
    engine = make_warehouse(args.url, SCHEMA)
    try:
        started = time.perf_counter()
        with engine.begin() as conn:
            for table, frame in frames.items():
                insert_frame(conn, table, frame)
        seconds = time.perf_counter() - started
        with engine.connect() as conn:
            count = conn.execute(sa.text("SELECT count(*) FROM meter_usage")).scalar_one()
        print(f"{engine.dialect.name}+{engine.dialect.driver}: {count:,} rows in {seconds:.2f} s = {count / seconds:,.0f} rows/s")
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {SCHEMA} CASCADE"))
        engine.dispose()


if __name__ == "__main__":
    main()
