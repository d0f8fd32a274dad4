"""Shared fixtures: offline Prefect, one Prefect test harness per session, warehouses to test against."""

from __future__ import annotations

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Test inboxes are written and read at once; tests/storage checks the settle time itself.
os.environ.setdefault("FOOTPRINT_INBOX_SETTLE_SECONDS", "0")

import logging  # noqa: E402
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


S3_REGION = "eu-west-1"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """One moto S3 server per test module, on a free loopback port: real HTTP, not an in-process mock."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def aws_env(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Dummy credentials and the moto endpoint, through the standard AWS variables only."""
    from footprint.storage.s3 import ENDPOINT_ENV

    empty = tmp_path_factory.mktemp("aws")
    with pytest.MonkeyPatch.context() as env:
        for name in list(os.environ):
            if name.startswith("AWS_") or name == ENDPOINT_ENV:
                env.delenv(name)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", S3_REGION)
        env.setenv("AWS_CONFIG_FILE", str(empty / "config"))
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        env.setenv("AWS_ENDPOINT_URL", s3_endpoint)
        yield s3_endpoint


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The same test runs against the embedded default and against PostgreSQL."""
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
        return
    with _postgres_database(f"footprint_test_{os.getpid()}") as url:
        yield url
