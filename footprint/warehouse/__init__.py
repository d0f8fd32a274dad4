"""The warehouse: one SQLAlchemy engine for DuckDB (embedded default) or PostgreSQL (production).

Everything dialect-specific lives in this package: the engine, schema migration, bulk loading
and the read-only BI role. One installation can serve several organisations: each gets its own
schema (PostgreSQL or DuckDB), and every connection of its engine sees only that schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from footprint.config.workspace import DUCKDB_MEMORY_LIMIT, MEMORY_SIZE
from footprint.errors import ConfigError, WarehouseError
from footprint.warehouse.migrations import SQL_DIR, apply_schema, first_line

__all__ = ["SQL_DIR", "apply_schema", "make_warehouse", "normalise_url", "safe_url"]

# URL scheme -> the SQLAlchemy driver footprint uses for it. Plain postgresql:// keeps SQLAlchemy's
# own meaning (psycopg2); postgresql+psycopg:// is psycopg 3. Both bulk-load with COPY.
_SCHEMES = {
    "duckdb": "duckdb",
    "postgresql": "postgresql+psycopg2",
    "postgresql+psycopg2": "postgresql+psycopg2",
    "postgresql+psycopg": "postgresql+psycopg",
}
# Lower case only: PostgreSQL folds unquoted names, so a BI tool typing the name finds the same schema.
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def normalise_url(url: str) -> str:
    """The URL with the driver footprint uses made explicit; a clear error for any other form."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in _SCHEMES:
        raise ConfigError(
            f"warehouse URL {safe_url(url)!r} is not one footprint supports: use duckdb:///FILE, "
            "postgresql+psycopg://USER@HOST/DB (psycopg 3), postgresql+psycopg2://... or postgresql://..."
        )
    return f"{_SCHEMES[scheme]}://{rest}"


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", url)


def check_identifier(name: str, what: str) -> str:
    """A schema or role name footprint will quote into SQL: validated, never escaped."""
    if not IDENTIFIER.match(name):
        raise ConfigError(
            f"{what} {name!r} is not a valid name: use lower-case letters, digits and _ "
            "(not starting with a digit, at most 63 characters)"
        )
    return name


def make_warehouse(
    url: str, schema: str | None = None, sql_dir: Path = SQL_DIR, duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT
) -> sa.Engine:
    """Return the engine for a warehouse URL with the schema brought to the current version.

    With `schema`, every connection works in that schema only (created when missing), so two
    organisations sharing a database never see each other's tables. An embedded DuckDB gets
    `duckdb_memory_limit` ("" leaves DuckDB's default, 80 % of RAM; see Settings.duckdb_memory_limit).
    """
    url = normalise_url(url)
    if url.startswith("duckdb:///"):
        target = Path(url.removeprefix("duckdb:///"))
        if str(target) not in ("", ":memory:"):
            target.parent.mkdir(parents=True, exist_ok=True)
    if schema is not None:
        check_identifier(schema, "warehouse schema")
    engine = sa.create_engine(url)
    if engine.dialect.name == "duckdb" and duckdb_memory_limit:
        sa.event.listen(engine, "connect", _duckdb_memory_limit(duckdb_memory_limit))
    if schema is not None:
        sa.event.listen(engine, "connect", _use_schema(schema, engine.dialect.name), insert=True)
    try:
        apply_schema(engine, schema, sql_dir)
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise WarehouseError(f"cannot open the warehouse {safe_url(url)}: {_why(exc.orig)}") from None
    except WarehouseError:
        engine.dispose()
        raise
    return engine


def _why(error: BaseException | None) -> str:
    """The driver's reason; DuckDB's lock conflict said as what it means for the user."""
    text = first_line(error)
    holder = re.search(r"Conflicting lock is held in .*?\(PID (\d+)\)", text)
    if "Could not set lock on file" in text:
        by = f" (PID {holder.group(1)})" if holder else ""
        return (f"the file is in use by another process{by}, most likely another footprint run; "
                "nothing was changed: run again when it has finished")
    return text


def _duckdb_memory_limit(limit: str) -> Callable[[Any, Any], None]:
    """A connect hook capping DuckDB's memory, buffer pool included; above it DuckDB evicts and spills.

    Without it DuckDB keeps every block of the file it has written cached, up to 80 % of RAM: a
    year of 15-minute rows grew the process by the size of the database (500 MiB at 10 M rows).
    Spilled data goes to DuckDB's default temp_directory, the database file's name plus .tmp.
    """
    if not MEMORY_SIZE.match(limit):
        raise ConfigError(f"DuckDB memory limit {limit!r} is not a size such as 512MB or 2GB")

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET memory_limit = '{limit}'")  # a checked size, never user SQL
        cursor.close()

    return on_connect


def _use_schema(schema: str, dialect: str) -> Callable[[Any, Any], None]:
    """A connect hook that confines a new connection to the organisation's schema."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        if dialect == "postgresql":
            # Outside a transaction, so that a later rollback cannot undo it.
            autocommit = dbapi_connection.autocommit
            dbapi_connection.autocommit = True
            cursor = dbapi_connection.cursor()
            cursor.execute(f'SET search_path TO "{schema}"')
            cursor.close()
            dbapi_connection.autocommit = autocommit
            return
        # DuckDB refuses a search_path naming a schema that does not exist yet; it has one writer.
        cursor = dbapi_connection.cursor()
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        cursor.execute(f"SET search_path = '{schema}'")
        cursor.close()

    return on_connect
