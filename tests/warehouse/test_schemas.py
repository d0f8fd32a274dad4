"""One schema per organisation: organisations sharing a database never see each other's rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from company_files import write_company

from footprint.config.workspace import Settings, open_workspace
from footprint.errors import ConfigError
from footprint.warehouse import make_warehouse, normalise_url
from footprint.warehouse.bulk import insert_frame


def _runs(run_ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({
        "run_id": run_ids, "period": dt.date(2025, 3, 1), "started_at": pd.Timestamp("2025-04-05 06:00", tz="UTC"),
        "finished_at": None, "status": "done", "files_seen": 1, "files_loaded": 1, "rows_read": 10,
        "rows_loaded": 10, "rows_quarantined": 0, "rows_excluded": 0, "duration_s": 1.0, "message": None,
    })


def test_each_organisation_sees_only_its_own_rows(any_url: str) -> None:
    rows = {None: ["default-1"], "org_a": ["a-1", "a-2"], "org_b": ["b-1", "b-2", "b-3"]}
    engines = {schema: make_warehouse(any_url, schema) for schema in rows}
    for schema, run_ids in rows.items():
        with engines[schema].begin() as conn:
            insert_frame(conn, "runs", _runs(run_ids))
    seen = {}
    for schema, engine in engines.items():
        with engine.connect() as conn:
            seen[schema] = conn.execute(sa.text("SELECT run_id FROM runs ORDER BY 1")).scalars().all()
            assert conn.execute(sa.text("SELECT count(*) FROM v_data_quality")).scalar_one() == 0
        engine.dispose()
    assert seen == rows


def test_a_schema_has_its_own_migrations_and_views(pg_url: str) -> None:
    make_warehouse(pg_url, "org_a").dispose()
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        found = conn.execute(sa.text(
            "SELECT table_schema, count(*) FILTER (WHERE table_type = 'VIEW') FROM information_schema.tables "
            "WHERE table_name IN ('schema_migrations', 'meter_usage') OR table_name LIKE 'v\\_%' GROUP BY 1"
        )).all()
    engine.dispose()
    assert [tuple(r) for r in found] == [("org_a", 5)]  # the four v_* views and meter_usage


@pytest.mark.parametrize("schema", ["Org-A", "1org", "org a", 'x"; DROP TABLE runs; --'])
def test_a_schema_name_footprint_would_have_to_quote_is_refused(schema: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="warehouse schema .* is not a valid name"):
        make_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}", schema)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://fp@db.example/footprint", "postgresql+psycopg://fp@db.example/footprint"),
        ("postgresql+psycopg2://fp@db.example/footprint", "postgresql+psycopg2://fp@db.example/footprint"),
        ("postgresql://fp@db.example/footprint", "postgresql+psycopg2://fp@db.example/footprint"),
        ("duckdb:///tmp/w.duckdb", "duckdb:///tmp/w.duckdb"),
    ],
    ids=["psycopg3", "psycopg2", "plain", "duckdb"],
)
def test_url_forms(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


def test_another_url_names_the_supported_forms_and_hides_the_password() -> None:
    with pytest.raises(ConfigError) as caught:
        normalise_url("mysql://fp:s3cret@db.example/footprint")
    assert "postgresql+psycopg://" in str(caught.value) and "s3cret" not in str(caught.value)


def test_the_schema_comes_from_the_yaml_and_the_environment_wins(tmp_path: Path) -> None:
    config = write_company(tmp_path / "co", {}, locations={"warehouse_schema": "klein"})
    assert open_workspace(config, Settings(pseudonym_key="k")).warehouse_schema == "klein"
    ws = open_workspace(config, Settings(pseudonym_key="k", warehouse_schema="klein_prod"))
    assert ws.warehouse_schema == "klein_prod"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["locations"]["warehouse_schema"] = "Klein B.V."
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="locations.warehouse_schema"):
        open_workspace(config, Settings(pseudonym_key="k"))
