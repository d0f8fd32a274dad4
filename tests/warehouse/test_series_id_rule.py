"""The meter series key has one rule (footprint.ingest.datasets.meter.series_id); the SQL that migrated
earlier rows to it (sql/006_meter_series.<dialect>.sql) must give the same number for the same parts."""

from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa

from footprint.ingest.datasets.meter import SERIES_ID_PARTS, series_id
from footprint.warehouse import SQL_DIR

PARTS = [
    ("a" * 64, "871687120000000004", "consumption", None, "kWh"),
    ("0" * 64, "871687120000000004", "production", "high", "kWh"),
    ("f" * 64, "541448820000000006", "consumption", "low", "m3"),
    ("1234abcd" * 8, "FILE-CODE-ÄÖ-é", "consumption", "normal", "GJ"),  # non-ASCII: bytes are UTF-8 on both sides
]


def _sql_rule(dialect: str) -> str:
    """The SELECT expression of the migration that computes series_id, as the file states it."""
    text = (SQL_DIR / f"006_meter_series.{dialect}.sql").read_text(encoding="utf-8")
    found = re.findall(r"SELECT (.+?),\s*\n\s*file_sha256, ean,", text)
    assert len(set(found)) == 1, f"expected one series_id rule in the {dialect} migration, found {found}"
    return found[0]


def test_python_rule_by_hand() -> None:
    """The first 15 hex digits of SHA-256 of the joined parts, worked out with hashlib apart from series_id."""
    joined = "|".join(["a" * 64, "871687120000000004", "consumption", "", "kWh"])
    assert series_id("a" * 64, "871687120000000004", "consumption", None, "kWh") == int(
        hashlib.sha256(joined.encode()).hexdigest()[:15], 16
    )
    assert 0 < series_id(*PARTS[1]) < 2**60


def test_migration_sql_computes_the_same_series_id(warehouse_url: str) -> None:
    dialect = "duckdb" if warehouse_url.startswith("duckdb") else "postgresql"
    rule = _sql_rule(dialect)
    columns = ", ".join(SERIES_ID_PARTS)
    values = ", ".join(f"(:f{i}, :e{i}, :d{i}, CAST(:t{i} AS VARCHAR), :u{i})" for i in range(len(PARTS)))
    params = {f"{k}{i}": v for i, row in enumerate(PARTS) for k, v in zip("fedtu", row)}
    engine = sa.create_engine(warehouse_url)
    try:
        with engine.connect() as conn:
            got = conn.execute(sa.text(f"SELECT {rule} FROM (VALUES {values}) AS t({columns})"), params).scalars().all()
    finally:
        engine.dispose()
    assert got == [series_id(*row) for row in PARTS]


@pytest.mark.parametrize("dialect", ["duckdb", "postgresql"])
def test_migration_rule_joins_the_declared_parts_in_order(dialect: str) -> None:
    rule = _sql_rule(dialect)
    assert re.findall(r"\b(file_sha256|ean|direction|tariff|unit)\b", rule) == list(SERIES_ID_PARTS)
