"""Shared fixtures: offline Prefect, one Prefect test harness per session, warehouses to test against."""

from __future__ import annotations

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Test inboxes are written and read at once; tests/storage checks the settle time itself.
os.environ.setdefault("FOOTPRINT_INBOX_SETTLE_SECONDS", "0")

from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from hypothesis import settings  # noqa: E402

# In CI the property tests replay the same examples every run, so a landing never hangs on chance;
# locally they explore new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

POSTGRES_ADMIN_URL = os.environ.get("FOOTPRINT_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def _admin(sql: str) -> None:
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(sql))
    finally:
        admin.dispose()


@contextmanager
def _postgres_database(name: str) -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards; fails in CI when the server is absent, skips elsewhere."""
    try:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI at {POSTGRES_ADMIN_URL}: {exc}")
        pytest.skip(f"no PostgreSQL at {POSTGRES_ADMIN_URL}")
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_database():  # noqa: ANN201 - the context manager itself, for fixtures of wider scope
    """`with postgres_database(name) as url:` a fresh database for module-scoped fixtures."""
    return _postgres_database


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The same test runs against the embedded default and against PostgreSQL."""
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
        return
    with _postgres_database(f"footprint_test_{os.getpid()}") as url:
        yield url
