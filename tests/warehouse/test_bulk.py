from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from footprint.warehouse import SQL_DIR, apply_schema, make_warehouse
from footprint.warehouse.bulk import insert_frame, refresh_statistics, staged


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": ["r1", "r1"],
            "file_sha256": ["a" * 64, "b" * 64],
            "file_name": ["x.csv", "y;\"quoted\",name.csv"],
            "dataset": ["meter_usage", None],
            "outcome": ["loaded", "rejected"],
            "rows_read": [10, 0],
            "rows_loaded": [9, 0],
            "rows_quarantined": [1, 0],
            "rows_excluded": [0, 0],
            "duration_s": [0.5, 0.25],
            "message": [None, "line 3: bad"],
        }
    )


def test_insert_frame_round_trips_values_and_nulls(warehouse_url: str) -> None:
    engine = make_warehouse(warehouse_url)
    with engine.begin() as conn:
        assert insert_frame(conn, "run_files", _frame()) == 2
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT file_name, dataset, rows_loaded, message FROM run_files ORDER BY 1")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("x.csv", "meter_usage", 9, None), ('y;"quoted",name.csv', None, 0, "line 3: bad")]


def test_staged_frame_is_queryable_with_timestamps(warehouse_url: str) -> None:
    engine = make_warehouse(warehouse_url)
    frame = pd.DataFrame(
        {"ts": pd.date_range("2024-10-27 01:00", periods=4, freq="h", tz="Europe/Amsterdam"), "kwh": [1.0, 2.0, 3.0, 4.5]}
    )
    with engine.begin() as conn, staged(conn, frame) as name:
        total, hours = conn.execute(sa.text(f'SELECT sum(kwh), count(DISTINCT ts) FROM "{name}"')).one()
    engine.dispose()
    # 2024-10-27 is the 25-hour day: four distinct instants although two share a wall-clock hour.
    assert (total, hours) == (10.5, 4)


def test_schema_applies_once(warehouse_url: str) -> None:
    engine = make_warehouse(warehouse_url)
    apply_schema(engine)
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM schema_migrations")).scalars().all()
    engine.dispose()
    expected = sorted({p.name.split(".")[0] for p in SQL_DIR.glob("[0-9][0-9][0-9]_*.sql")})
    assert sorted(versions) == expected and "003_source_sheet" in expected


def test_refresh_statistics_tells_postgresql_the_size_of_a_bulk_load(pg_url: str) -> None:
    """Before autovacuum comes by, the planner would take the freshly copied table for empty."""
    engine = make_warehouse(pg_url)
    with engine.begin() as conn:
        insert_frame(conn, "run_files", pd.concat([_frame()] * 600, ignore_index=True))
    estimate = "SELECT reltuples FROM pg_class WHERE oid = CAST('run_files' AS regclass)"
    with engine.connect() as conn:
        before = conn.execute(sa.text(estimate)).scalar_one()
    refresh_statistics(engine, ["run_files"])
    with engine.connect() as conn:
        after = conn.execute(sa.text(estimate)).scalar_one()
    engine.dispose()
    assert (before, after) == (-1, 1200)  # -1: never analysed
