"""The embedded DuckDB warehouse gets a memory limit (FOOTPRINT_DUCKDB_MEMORY_LIMIT): its cache of the file is bounded."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from company_files import write_company

from footprint.config.workspace import DUCKDB_MEMORY_LIMIT, Settings, open_workspace
from footprint.errors import ConfigError
from footprint.warehouse import make_warehouse


def _setting(engine: sa.Engine, name: str) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT current_setting('{name}')")).scalar_one()


def test_duckdb_gets_the_limit_and_spills_beside_its_file(tmp_path: Path) -> None:
    engine = make_warehouse(f"duckdb:///{tmp_path / 'default.duckdb'}")
    assert DUCKDB_MEMORY_LIMIT == "512MB" and _setting(engine, "memory_limit") == "488.2 MiB"  # DuckDB says MiB
    assert _setting(engine, "temp_directory") == f"{tmp_path / 'default.duckdb'}.tmp"
    engine.dispose()
    engine = make_warehouse(f"duckdb:///{tmp_path / 'big.duckdb'}", duckdb_memory_limit="2GB")
    assert _setting(engine, "memory_limit") == "1.8 GiB"
    engine.dispose()


def test_empty_leaves_duckdbs_own_default(tmp_path: Path) -> None:
    engine = make_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}", duckdb_memory_limit="")
    assert _setting(engine, "memory_limit") != "488.2 MiB"
    engine.dispose()


def test_a_bad_size_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="'lots' is not a size such as 512MB"):
        make_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}", duckdb_memory_limit="lots")
    monkeypatch.setenv("FOOTPRINT_DUCKDB_MEMORY_LIMIT", "1 TB please")
    with pytest.raises(ConfigError, match="FOOTPRINT_DUCKDB_MEMORY_LIMIT: '1 TB please' is not a size such as 512MB"):
        Settings()


def test_the_workspace_carries_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_company(tmp_path / "co", {})
    assert open_workspace(path, Settings()).duckdb_memory_limit == DUCKDB_MEMORY_LIMIT
    monkeypatch.setenv("FOOTPRINT_DUCKDB_MEMORY_LIMIT", "2GB")
    assert open_workspace(path, Settings()).duckdb_memory_limit == "2GB"
