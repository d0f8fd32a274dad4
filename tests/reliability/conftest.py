"""Warehouses and a clean run for the reliability tests, on DuckDB and PostgreSQL alike."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import reliability_kit as kit

from footprint.resources import close_warehouses


@pytest.fixture(params=["duckdb", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def new_warehouse(backend: str, tmp_path: Path, postgres_database: Any) -> Iterator[Callable[[str], str]]:
    """`new_warehouse(name)`: the URL of an empty warehouse of the test's backend (a fresh PostgreSQL database)."""
    with ExitStack() as stack:

        def make(name: str) -> str:
            if backend == "duckdb":
                return f"duckdb:///{tmp_path / name / 'warehouse.duckdb'}"
            return stack.enter_context(postgres_database(f"footprint_rel_{os.getpid()}_{name}"))

        yield make
        close_warehouses()


@pytest.fixture(scope="session")
def clean_contents(tmp_path_factory: pytest.TempPathFactory, postgres_database: Any) -> Callable[[str], dict[str, Any]]:
    """`clean_contents(backend)`: every table after one undisturbed run of the kit's months, computed once per backend."""
    cache: dict[str, dict[str, Any]] = {}

    def contents(backend: str) -> dict[str, Any]:
        if backend not in cache:
            root = tmp_path_factory.mktemp(f"clean-{backend}")
            with ExitStack() as stack:
                url = (
                    f"duckdb:///{root / 'warehouse.duckdb'}"
                    if backend == "duckdb"
                    else stack.enter_context(postgres_database(f"footprint_rel_{os.getpid()}_clean"))
                )
                ws = kit.workspace(kit.write_months(root / "co"), url)
                try:
                    kit.ingest(ws, kit.MONTHS)
                    cache[backend] = kit.contents(ws)
                finally:
                    close_warehouses()
        return cache[backend]

    return contents
