"""Warehouse fixtures: every backend and PostgreSQL driver footprint supports."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

PG_DRIVERS = ["postgresql+psycopg", "postgresql+psycopg2"]


def with_driver(url: str, driver: str) -> str:
    """The same PostgreSQL URL through another driver."""
    return driver + "://" + url.split("://", 1)[1]


@pytest.fixture(params=PG_DRIVERS, ids=["psycopg3", "psycopg2"])
def pg_url(request: pytest.FixtureRequest, postgres_database: Callable[[str], AbstractContextManager[str]]) -> Iterator[str]:
    """A fresh PostgreSQL database, through psycopg 3 and through psycopg2."""
    with postgres_database(f"footprint_wh_{os.getpid()}") as url:
        yield with_driver(url, request.param)


@pytest.fixture(params=["duckdb", *PG_DRIVERS], ids=["duckdb", "psycopg3", "psycopg2"])
def any_url(request: pytest.FixtureRequest, tmp_path, postgres_database) -> Iterator[str]:  # noqa: ANN001
    """DuckDB and PostgreSQL through each driver: the bulk path differs per driver."""
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
        return
    with postgres_database(f"footprint_wh_{os.getpid()}") as url:
        yield with_driver(url, request.param)
