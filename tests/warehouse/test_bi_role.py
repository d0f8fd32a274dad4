"""The BI role reads footprint's views and nothing else: no raw table, no writes (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from company_files import write_company
from typer.testing import CliRunner

from footprint.errors import ConfigError, UsageError, WarehouseError
from footprint.warehouse import SQL_DIR, apply_schema, make_warehouse
from footprint.warehouse.bulk import insert_frame
from footprint.warehouse.roles import grant_bi, grant_bi_for
from footprint_cli import app

SCHEMA = "klein"
PASSWORD_ENV = "FOOTPRINT_TEST_BI_PASSWORD"


@pytest.fixture
def role(pg_url: str) -> Iterator[str]:
    """A role name of this test process; dropped with everything granted to it afterwards."""
    name = f"fp_bi_{os.getpid()}"
    yield name
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}).first():
            conn.exec_driver_sql(f'DROP OWNED BY "{name}"')
            conn.exec_driver_sql(f'DROP ROLE "{name}"')
    admin.dispose()


def _loaded_warehouse(url: str) -> sa.Engine:
    """Two diesel transactions and the factor March applies to them: 50 l and 20 l at 3 kg/l."""
    engine = make_warehouse(url, SCHEMA)
    fuel = pd.DataFrame({
        "activity_id": ["a-2", "a-3"], "file_sha256": "e" * 64, "source_row": [2, 3], "period": dt.date(2025, 3, 1),
        "transaction_at": pd.Timestamp("2025-03-05 08:00", tz="UTC"), "plate": "AB-123-C", "site_id": "hq",
        "product": "Diesel", "fuel": "diesel", "quantity": [50.0, 20.0], "unit": "l", "activity_key": "fuel:diesel",
    })
    applied = pd.DataFrame({
        "period": [dt.date(2025, 3, 1)], "activity_table": "fuel_transactions", "activity_key": "fuel:diesel",
        "source": "diesel", "ladder_scope": 1, "ghg_scope": 1, "factor_id": "f", "factor_kg_co2e_per_unit": 3.0,
        "location_factor_id": "f", "location_factor_kg_co2e_per_unit": 3.0, "unit": "l", "list_unit": "liter",
        "unit_multiplier": 1.0,
    })
    with engine.begin() as conn:
        insert_frame(conn, "fuel_transactions", fuel)
        insert_frame(conn, "applied_factors", applied)
    return engine


def _as(url: str, role: str) -> sa.Engine:
    """The warehouse as the BI role sees it: its own login, one statement per transaction."""
    return sa.create_engine(sa.engine.make_url(url).set(username=role, password="bi-secret"), isolation_level="AUTOCOMMIT")


def _objects(engine: sa.Engine) -> tuple[list[str], list[str]]:
    with engine.connect() as conn:
        found = conn.execute(sa.text(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = :s ORDER BY 1"
        ), {"s": SCHEMA}).all()
    return [n for n, t in found if t == "VIEW"], [n for n, t in found if t == "BASE TABLE"]


def _refused(conn: sa.Connection, sql: str) -> str:
    with pytest.raises(sa.exc.DBAPIError) as caught:
        conn.execute(sa.text(sql))
    return str(caught.value.orig)


def test_the_bi_role_reads_every_view_and_no_table_and_writes_nothing(
    pg_url: str, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = _loaded_warehouse(pg_url)
    all_views, tables = _objects(owner)
    views = [v for v in all_views if v.startswith("v_")]
    assert {"v_emissions_monthly", "v_lineage"} <= set(views)
    assert {"raw_files", "fuel_transactions", "applied_factors", "quarantine", "schema_migrations"} <= set(tables)
    assert set(all_views) - set(views) == {"emissions", "meter_usage"}  # footprint's own views: not for BI
    monkeypatch.setenv(PASSWORD_ENV, "bi-secret")
    done = grant_bi_for(pg_url, SCHEMA, role, PASSWORD_ENV)
    assert (done.created, done.login, done.schema, done.views) == (True, True, SCHEMA, views)

    bi = _as(pg_url, role)
    with bi.connect() as conn:
        # Unqualified names: the role's search_path is the organisation's schema.
        for view in views:
            conn.execute(sa.text(f"SELECT * FROM {view} LIMIT 1")).all()
        # The view reads emissions with its owner's rights; the role itself may not.
        total = conn.execute(sa.text("SELECT sum(emissions_kg_co2e) FROM v_emissions_monthly")).scalar_one()
        assert total == 210.0
        for table in [*tables, "emissions", "meter_usage"]:
            assert "permission denied" in _refused(conn, f"SELECT * FROM {table}")
        assert conn.execute(sa.text("SHOW default_transaction_read_only")).scalar_one() == "on"
        assert "read-only transaction" in _refused(conn, "INSERT INTO applied_factors SELECT * FROM applied_factors")
        # Without the read-only default the privileges alone still refuse every write.
        conn.execute(sa.text("SET default_transaction_read_only = off"))
        for sql in (
            "INSERT INTO applied_factors SELECT * FROM applied_factors",
            "UPDATE applied_factors SET factor_kg_co2e_per_unit = 0",
            "DELETE FROM raw_files",
            "CREATE TABLE own_table (a INTEGER)",
            "CREATE VIEW v_own AS SELECT 1 AS a",
            "CREATE TABLE public.own_table (a INTEGER)",
            "DROP VIEW v_emissions_monthly",
        ):
            message = _refused(conn, sql)
            assert "permission denied" in message or "must be owner" in message, sql
    bi.dispose()
    owner.dispose()


def test_grant_bi_is_idempotent_and_new_views_reach_the_role(pg_url: str, role: str, tmp_path: Path) -> None:
    owner = _loaded_warehouse(pg_url)
    first = grant_bi(owner, role)
    assert (first.created, first.login) == (True, False)
    with owner.begin() as conn:
        conn.exec_driver_sql(f'GRANT SELECT ON emissions TO "{role}"')  # a grant someone added by hand
    again = grant_bi(owner, role)
    assert (again.created, again.views) == (False, first.views)
    # An upgrade that adds a view: apply_schema grants it to the roles that read the other views.
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    (sql_dir / "views" / "v_extra.sql").write_text(
        "CREATE OR REPLACE VIEW v_extra AS SELECT count(*) AS emission_rows FROM emissions;\n", encoding="utf-8"
    )
    apply_schema(owner, SCHEMA, sql_dir)
    with owner.connect() as conn:
        privileges = dict(conn.execute(sa.text(
            "SELECT table_name, has_table_privilege(:r, quote_ident(table_schema) || '.' || quote_ident(table_name), "
            "'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') "
            "FROM information_schema.tables WHERE table_schema = :s"
        ), {"r": role, "s": SCHEMA}).all())
        selects = dict(conn.execute(sa.text(
            "SELECT table_name, has_table_privilege(:r, quote_ident(table_schema) || '.' || quote_ident(table_name), "
            "'SELECT') FROM information_schema.views WHERE table_schema = :s"
        ), {"r": role, "s": SCHEMA}).all())
        writes = conn.execute(sa.text(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = :s AND has_table_privilege(:r, "
            "quote_ident(table_schema) || '.' || quote_ident(table_name), 'INSERT, UPDATE, DELETE, TRUNCATE')"
        ), {"r": role, "s": SCHEMA}).scalar_one()
        can_login = conn.execute(sa.text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar_one()
    owner.dispose()
    views = {name for name in selects if name.startswith("v_")}
    assert "v_extra" in views and all(selects[name] for name in views)
    assert selects["emissions"] is False  # footprint's own view: the hand-made grant is revoked
    assert {name for name, granted in privileges.items() if granted} == views  # the hand-made grant is gone
    assert writes == 0 and can_login is False


def test_a_password_is_stored_hashed_and_only_taken_from_the_environment(
    pg_url: str, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(ConfigError, match=f"--password-env {PASSWORD_ENV}: that environment variable is not set"):
        grant_bi_for(pg_url, SCHEMA, role, PASSWORD_ENV)
    monkeypatch.setenv(PASSWORD_ENV, "bi-secret")
    grant_bi_for(pg_url, SCHEMA, role, PASSWORD_ENV)
    admin = sa.create_engine(pg_url)
    with admin.connect() as conn:
        stored = conn.execute(sa.text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": role}).scalar_one()
    admin.dispose()
    assert stored.startswith("SCRAM-SHA-256$") and "bi-secret" not in stored


def test_a_role_that_could_read_everything_or_needs_quoting_is_refused(pg_url: str) -> None:
    with pytest.raises(WarehouseError, match="owns the warehouse or is a superuser"):
        grant_bi_for(pg_url, SCHEMA, "postgres")
    with pytest.raises(ConfigError, match="role 'Bi-Reader' is not a valid name"):
        grant_bi_for(pg_url, SCHEMA, "Bi-Reader")


def test_on_duckdb_grant_bi_says_it_needs_postgresql(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"needs a PostgreSQL warehouse.*duckdb -readonly"):
        grant_bi_for(f"duckdb:///{tmp_path / 'w.duckdb'}", None, "bi_reader")


def test_the_command_grants_and_explains(pg_url: str, role: str, tmp_path: Path) -> None:
    config = write_company(tmp_path / "co", {})
    env = {"FOOTPRINT_WAREHOUSE_URL": pg_url, "FOOTPRINT_WAREHOUSE_SCHEMA": SCHEMA, PASSWORD_ENV: "bi-secret"}
    runner = CliRunner()
    done = runner.invoke(app, ["warehouse", "grant-bi", role, "--password-env", PASSWORD_ENV, "-c", str(config)], env=env)
    assert done.exit_code == 0, done.output
    assert f"role {role} created (can log in)" in done.output and "v_emissions_monthly" in done.output
    duck = runner.invoke(app, ["warehouse", "grant-bi", role, "-c", str(config)],
                         env={"FOOTPRINT_WAREHOUSE_URL": f"duckdb:///{tmp_path / 'w.duckdb'}"})
    assert duck.exit_code == 2 and "duckdb -readonly" in duck.output and "Traceback" not in duck.output
