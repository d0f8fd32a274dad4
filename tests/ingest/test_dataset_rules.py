"""Each dataset's load rules are declared once (footprint/ingest/datasets/); here they are held to the
warehouse: the key is unique over loaded rows, the DDL names the same key, a file's rows go with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from company_files import ALL_FILES, PERIOD, make_company

from footprint import schemas
from footprint.ingest.datasets.registry import DATASET_RULES
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.resources import close_warehouses, warehouse
from footprint.warehouse import SQL_DIR


def _ddl_keys() -> dict[str, str]:
    """Per table, the key its CREATE TABLE's comment states: `(key: a, b)` up to the first `=` or `)`."""
    keys: dict[str, str] = {}
    for path in sorted(SQL_DIR.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        for comment, table in re.findall(r"((?:^--[^\n]*\n)+)CREATE TABLE IF NOT EXISTS (\w+)", text, re.M):
            found = re.search(r"\(key: ([\w, ]+?)(?: =|,\s*\n|\)|,\s*the)", comment.replace("\n-- ", " "))
            if found:
                keys[table] = found.group(1).strip()
    return keys


def test_every_dataset_has_rules_and_every_table_a_declared_key() -> None:
    assert set(DATASET_RULES) == set(schemas.DATASETS)
    ddl = _ddl_keys()
    for rules in DATASET_RULES.values():
        for table, key in rules.keys.items():
            assert ddl.get(table) == ", ".join(key), f"{rules.name}: {table}"


def test_keys_hold_and_a_files_rows_go_with_it(tmp_path: Path, warehouse_url: str) -> None:
    ws = make_company(tmp_path / "co", warehouse_url, ALL_FILES)
    try:
        results = load_files(ws, PERIOD, pull_inbox(ws, PERIOD).paths)
        loaded: dict[str, list[str]] = {}
        for r in results:
            if r.outcome == "loaded":
                loaded.setdefault(r.dataset, []).append(r.file_sha256)
        assert set(loaded) == set(schemas.DATASETS)
        with warehouse(ws).begin() as conn:
            for rules in DATASET_RULES.values():
                for table, key in rules.keys.items():
                    columns = ", ".join(key)
                    rows, distinct = conn.execute(sa.text(
                        f"SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT {columns} FROM {table}) d) FROM {table}"
                    )).one()
                    assert rows > 0 and rows == distinct, f"{table}: {rows} rows, {distinct} keys"
                for sha in loaded[rules.name]:
                    rules.delete_file_rows(conn, sha)
                for table in rules.tables:
                    assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table
            conn.rollback()
    finally:
        close_warehouses()


@pytest.mark.parametrize("dataset", sorted(DATASET_RULES))
def test_configuration_rules_are_the_shared_ones_and_fuels_own(dataset: str) -> None:
    shared = {"product_mapped", "plate_configured", "ean_configured", "unit_routed"}
    extra = {"quantity_plausible"} if dataset == schemas.FUEL_TRANSACTIONS else set()
    assert DATASET_RULES[dataset].configuration_rules == shared | extra
