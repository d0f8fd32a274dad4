"""Numbered migrations upgrade a warehouse in place: once each, each in its own transaction."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from footprint.errors import WarehouseError
from footprint.ingest.datasets.meter import series_id
from footprint.warehouse import SQL_DIR, apply_schema, make_warehouse
from footprint.warehouse.bulk import insert_frame
from footprint.warehouse.migrations import find_migrations

SHA = "d" * 64


def _versions(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT version FROM schema_migrations ORDER BY version")).scalars().all()


def _current() -> list[str]:
    return [m.version for m in find_migrations(SQL_DIR, "duckdb")]


def _sql_dir(tmp_path: Path, *names: str) -> Path:
    """A copy of some of sql/'s migrations, without views: the warehouse as an older release left it."""
    target = tmp_path / "sql"
    target.mkdir()
    for name in names:
        shutil.copy(SQL_DIR / name, target / name)
    return target


def _version_1_rows() -> dict[str, pd.DataFrame]:
    loaded_at = pd.Timestamp("2025-04-02 09:00", tz="UTC")
    return {
        "raw_files": pd.DataFrame({
            "file_sha256": [SHA], "file_name": ["meters.csv"], "source_format": ["meter_monthly_csv"],
            "dataset": ["meter_usage"], "period": [dt.date(2025, 3, 1)], "size_bytes": [120],
            "stored_path": [f"raw/{SHA}"], "rows_read": [2], "rows_loaded": [2], "rows_quarantined": [0],
            "rows_excluded": [0], "loaded_at": [loaded_at],
        }),
        "meter_usage": pd.DataFrame({
            "activity_id": [f"{SHA[:16]}-2", f"{SHA[:16]}-3"], "file_sha256": SHA, "source_row": [2, 3],
            "period": dt.date(2025, 3, 1), "ean": "871687120000000004", "site_id": "hq", "carrier": "electricity",
            "contract": "grey", "interval_start": pd.Timestamp("2025-03-01", tz="Europe/Amsterdam"),
            "interval_end": pd.Timestamp("2025-04-01", tz="Europe/Amsterdam"), "quantity": [1000.0, 250.5],
            "unit": "kWh", "direction": "consumption", "tariff": None, "estimated": [False, True],
            "activity_key": "electricity:grey",
        }),
        "emissions": pd.DataFrame({
            "period": dt.date(2025, 3, 1), "activity_table": "meter_usage",
            "activity_id": [f"{SHA[:16]}-2", f"{SHA[:16]}-3"], "file_sha256": SHA, "site_id": "hq",
            "source": "electricity", "ladder_scope": 2, "ghg_scope": 2, "ghg_category": None,
            "quantity": [1000.0, 250.5], "unit": "kWh", "factor_id": "f1", "factor_kg_co2e_per_unit": 0.328,
            "emissions_kg_co2e": [328.0, 82.164], "location_factor_id": "f1",
            "location_emissions_kg_co2e": [328.0, 82.164], "data_quality": "primary",
        }),
    }


def test_an_old_warehouse_is_upgraded_in_place_and_keeps_its_rows(any_url: str, tmp_path: Path) -> None:
    old = make_warehouse(any_url, sql_dir=_sql_dir(tmp_path, "001_schema.sql"))
    rows = _version_1_rows()
    with old.begin() as conn:
        for table, frame in rows.items():
            insert_frame(conn, table, frame)
    assert _versions(old) == ["001_schema"]
    old.dispose()

    engine = make_warehouse(any_url)
    assert _versions(engine) == _current()
    with engine.connect() as conn:
        usage = conn.execute(sa.text("SELECT activity_id, quantity, estimated FROM meter_usage ORDER BY 1")).all()
        files = conn.execute(sa.text("SELECT file_name, rows_loaded, superseded_by, source_sheet FROM raw_files")).all()
        monthly = conn.execute(sa.text("SELECT emissions_kg_co2e, activity_rows FROM v_emissions_monthly")).all()
        series = conn.execute(sa.text("SELECT series_id, ean, direction, tariff, unit FROM meter_series")).all()
        # Version 5 derives emission rows from the activity rows and the factors the month applied.
        emissions = conn.execute(sa.text(
            "SELECT activity_id, factor_id, factor_kg_co2e_per_unit, emissions_kg_co2e, location_emissions_kg_co2e, "
            "data_quality FROM emissions ORDER BY 1"
        )).all()
        quality = conn.execute(sa.text("SELECT file_name, rows_loaded, superseded_by FROM v_data_quality")).all()
    engine.dispose()
    assert [tuple(r) for r in usage] == [(f"{SHA[:16]}-2", 1000.0, False), (f"{SHA[:16]}-3", 250.5, True)]
    assert [tuple(r) for r in files] == [("meters.csv", 2, None, None)]
    # Version 6 keeps the two rows' shared columns once, under the id the loader computes for them.
    assert [tuple(r) for r in series] == [
        (series_id(SHA, "871687120000000004", "consumption", None, "kWh"), "871687120000000004", "consumption", None, "kWh")
    ]
    assert [tuple(r) for r in monthly] == [(pytest.approx(410.164), 2)]
    assert [tuple(r) for r in emissions] == [
        (f"{SHA[:16]}-2", "f1", 0.328, pytest.approx(1000.0 * 0.328), pytest.approx(1000.0 * 0.328), "primary"),
        (f"{SHA[:16]}-3", "f1", 0.328, pytest.approx(250.5 * 0.328), pytest.approx(250.5 * 0.328), "secondary"),
    ]
    assert [tuple(r) for r in quality] == [("meters.csv", 2, None)]


def test_each_migration_commits_on_its_own_and_a_failing_one_leaves_nothing(any_url: str, tmp_path: Path) -> None:
    sql_dir = _sql_dir(tmp_path, "001_schema.sql")
    (sql_dir / "002_half_done.sql").write_text(
        "CREATE TABLE half_done (a INTEGER);\nALTER TABLE raw_files ADD COLUMN note VARCHAR;\nSELECT * FROM no_such_table;\n",
        encoding="utf-8",
    )
    with pytest.raises(WarehouseError, match="002_half_done.sql failed and was rolled back"):
        make_warehouse(any_url, sql_dir=sql_dir)
    engine = sa.create_engine(any_url)
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM schema_migrations")).scalars().all()
        columns = conn.execute(sa.text("SELECT * FROM raw_files")).keys()
        with pytest.raises(sa.exc.DBAPIError):
            conn.execute(sa.text("SELECT * FROM half_done"))
    engine.dispose()
    assert versions == ["001_schema"]
    assert "note" not in list(columns)


def test_dialect_variants_run_after_the_common_file_and_only_for_their_dialect(tmp_path: Path) -> None:
    for name in ("001_a.sql", "002_b.duckdb.sql", "002_b.sql", "002_b.postgresql.sql", "003_c.postgresql.sql"):
        (tmp_path / name).write_text("SELECT 1;\n", encoding="utf-8")
    duck = {m.version: [p.name for p in m.files] for m in find_migrations(tmp_path, "duckdb")}
    pg = {m.version: [p.name for p in m.files] for m in find_migrations(tmp_path, "postgresql")}
    assert duck == {"001_a": ["001_a.sql"], "002_b": ["002_b.sql", "002_b.duckdb.sql"], "003_c": []}
    assert pg == {"001_a": ["001_a.sql"], "002_b": ["002_b.sql", "002_b.postgresql.sql"], "003_c": ["003_c.postgresql.sql"]}


def test_a_variant_applies_on_its_dialect_and_the_version_is_recorded_on_both(any_url: str, tmp_path: Path) -> None:
    sql_dir = _sql_dir(tmp_path, "001_schema.sql")
    (sql_dir / "002_note.postgresql.sql").write_text("ALTER TABLE raw_files ADD COLUMN note TEXT;\n", encoding="utf-8")
    (sql_dir / "002_note.duckdb.sql").write_text("ALTER TABLE raw_files ADD COLUMN note VARCHAR;\n", encoding="utf-8")
    (sql_dir / "003_pg_only.postgresql.sql").write_text("CREATE INDEX raw_files_period ON raw_files (period);\n",
                                                        encoding="utf-8")
    engine = make_warehouse(any_url, sql_dir=sql_dir)
    with engine.connect() as conn:
        columns = list(conn.execute(sa.text("SELECT * FROM raw_files")).keys())
    assert _versions(engine) == ["001_schema", "002_note", "003_pg_only"]
    engine.dispose()
    assert "note" in columns


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["004_x.sql", "004_y.sql"], "004_x and 004_y share the number 004"),
        (["005_x.mysql.sql"], "'mysql' is not a dialect"),
    ],
    ids=["same-number", "unknown-dialect"],
)
def test_a_misnamed_migration_is_refused_by_name(tmp_path: Path, names: list[str], message: str) -> None:
    for name in names:
        (tmp_path / name).write_text("SELECT 1;\n", encoding="utf-8")
    with pytest.raises(WarehouseError, match=message):
        find_migrations(tmp_path, "duckdb")


def test_processes_starting_together_apply_each_migration_once(pg_url: str) -> None:
    starters = 4
    barrier = threading.Barrier(starters)
    failures: list[BaseException] = []

    def start() -> None:
        engine = sa.create_engine(pg_url)
        try:
            barrier.wait()
            apply_schema(engine)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    engine = sa.create_engine(pg_url)
    assert _versions(engine) == _current()
    engine.dispose()


def test_an_unreachable_warehouse_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match=r"cannot open the warehouse postgresql\+psycopg://nobody:\*\*\*@127.0.0.1:1/x"):
        make_warehouse("postgresql+psycopg://nobody:secret@127.0.0.1:1/x")
