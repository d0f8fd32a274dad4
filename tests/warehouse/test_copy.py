"""COPY (PostgreSQL, both drivers) and Arrow scans (DuckDB) keep every value as it was."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa

from footprint.warehouse import make_warehouse
from footprint.warehouse.bulk import insert_frame, staged

SHA = "c" * 64


def _usage(timestamps: pd.DatetimeIndex) -> dict[str, pd.DataFrame]:
    """Four rows of meter_usage as stored: four series (awkward text) of one reading each (awkward numbers)."""
    n = len(timestamps)
    series = pd.DataFrame(
        {
            "series_id": range(1, n + 1),
            "file_sha256": SHA,
            "ean": "871687120000000004",
            "site_id": ["hq", None, "", 'a "quoted";, site\nwith a newline'][:n],
            "carrier": "electricity",
            "contract": None,
            "unit": "kWh",
            "direction": "consumption",
            "tariff": ["\\N", "NULL", None, "normaal"][:n],
            "activity_key": "electricity",
        }
    )
    readings = pd.DataFrame(
        {
            "series_id": range(1, n + 1),
            "source_row": range(2, n + 2),
            "period": [dt.date(2024, 10, 1)] * n,
            "interval_start": timestamps,
            "interval_end": timestamps + pd.Timedelta(minutes=15),
            "quantity": [0.1, 1e-7, 123456789.123456, float("nan")][:n],
            "estimated": [True, False, True, False][:n],
        }
    ).assign(quantity=lambda f: f["quantity"].fillna(0.0))
    return {"meter_series": series, "meter_readings": readings}


@pytest.mark.parametrize("unit", ["us", "ns"])
def test_copy_round_trips_text_nulls_floats_and_instants(any_url: str, unit: str) -> None:
    # 2024-10-27 has 25 hours in Amsterdam: 02:00-03:00 comes twice, the instants must stay apart.
    starts = pd.date_range("2024-10-27 01:45", periods=4, freq="30min", tz="Europe/Amsterdam", unit=unit)
    engine = make_warehouse(any_url)
    with engine.begin() as conn:
        for table, frame in _usage(starts).items():
            assert insert_frame(conn, table, pa.Table.from_pandas(frame, preserve_index=False)) == 4
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM meter_usage ORDER BY source_row")).mappings().all()
    engine.dispose()
    got = {key: [row[key] for row in rows] for key in rows[0]}
    assert got["activity_id"] == [f"{SHA[:16]}-{line}" for line in range(2, 6)]
    assert got["site_id"] == ["hq", None, "", 'a "quoted";, site\nwith a newline']
    assert got["tariff"] == ["\\N", "NULL", None, "normaal"]
    assert got["contract"] == [None] * 4
    assert got["quantity"] == [0.1, 1e-7, 123456789.123456, 0.0]
    assert got["estimated"] == [True, False, True, False]
    assert got["period"] == [dt.date(2024, 10, 1)] * 4
    assert [pd.Timestamp(v) for v in got["interval_start"]] == list(starts)


def test_mixed_python_objects_are_written_as_text(any_url: str) -> None:
    frame = pd.DataFrame(
        {
            "file_sha256": SHA, "file_name": "x.csv", "dataset": "meter_usage", "period": dt.date(2025, 3, 1),
            "source_row": [2, 3, 4], "column_name": "quantity",
            "value": pd.Series([1.5, "abc", None], dtype=object),
            "expectation": "expect_column_values_to_not_be_null", "reason": "bad",
        }
    )
    engine = make_warehouse(any_url)
    with engine.begin() as conn:
        insert_frame(conn, "quarantine", frame)
    with engine.connect() as conn:
        values = conn.execute(sa.text("SELECT value FROM quarantine ORDER BY source_row")).scalars().all()
    engine.dispose()
    assert values == ["1.5", "abc", None]


def test_a_table_whose_first_chunk_is_empty_loads_every_row(any_url: str) -> None:
    """pd.concat of string columns leaves chunked Arrow columns that may start empty: psycopg2 read the
    empty first CSV chunk as the end of the data and loaded nothing (caught by a report test)."""
    frame = pa.table(
        {
            "file_sha256": pa.chunked_array([[], [SHA, SHA]], pa.string()),
            "file_name": pa.chunked_array([[], ["x.csv", "x.csv"]], pa.string()),
            "dataset": pa.chunked_array([[], ["meter_usage"] * 2], pa.string()),
            "period": pa.chunked_array([[], [dt.date(2025, 3, 1)] * 2], pa.date32()),
            "source_row": pa.chunked_array([[], [2, 3]], pa.int64()),
            "column_name": pa.chunked_array([[], ["quantity"] * 2], pa.string()),
            "value": pa.chunked_array([[], ["1", "2"]], pa.string()),
            "expectation": pa.chunked_array([[], ["x"] * 2], pa.string()),
            "reason": pa.chunked_array([[], ["bad"] * 2], pa.string()),
        }
    )
    engine = make_warehouse(any_url)
    with engine.begin() as conn:
        insert_frame(conn, "quarantine", frame)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT source_row FROM quarantine ORDER BY source_row")).scalars().all()
    engine.dispose()
    assert rows == [2, 3]


def test_staged_columns_keep_their_types(any_url: str) -> None:
    frame = pd.DataFrame(
        {
            "period": [dt.date(2025, 1, 1), dt.date(2025, 2, 1)],
            "n": [1, 2],
            "kg": [0.5, 1.5],
            "ok": [True, False],
            "name": ["a", None],
        }
    )
    engine = make_warehouse(any_url)
    with engine.begin() as conn, staged(conn, frame) as name:
        row = conn.execute(
            sa.text(f"SELECT max(period) + 1, sum(n) * 2, sum(kg), count(*) FILTER (WHERE ok), count(name) FROM \"{name}\"")
        ).one()
    engine.dispose()
    assert tuple(row) == (dt.date(2025, 2, 2), 6, 2.0, 1, 1)
