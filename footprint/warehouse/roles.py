"""The read-only role for BI tools (PostgreSQL): it reads footprint's views and nothing else.

PostgreSQL views run with their owner's rights, so SELECT on a view works while the tables behind
it stay refused. The role gets USAGE on the organisation's schema and SELECT on each `v_*` view,
no privilege on any table, and every session of it starts read-only. A DuckDB file has no roles:
BI tools open it read-only (`duckdb -readonly FILE`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import sqlalchemy as sa

from footprint.errors import ConfigError, UsageError, WarehouseError
from footprint.warehouse import check_identifier, make_warehouse, normalise_url
from footprint.warehouse.migrations import first_line


@dataclass(frozen=True)
class BiGrant:
    """What grant-bi did: the role, whether it was created and can log in, the views it reads."""

    role: str
    schema: str
    created: bool
    login: bool
    views: list[str]


def grant_bi_for(url: str, schema: str | None, role: str, password_env: str | None = None) -> BiGrant:
    """Open the warehouse (migrated to the current version) and grant `role` read access to its views.

    The password, if any, comes from the environment variable named `password_env`, never from
    the command line, where other users and the shell history would see it.
    """
    if not normalise_url(url).startswith("postgresql"):
        raise UsageError(
            "grant-bi needs a PostgreSQL warehouse (FOOTPRINT_WAREHOUSE_URL=postgresql+psycopg://...); "
            "a DuckDB file has no roles: give BI tools a read-only connection instead (duckdb -readonly FILE)"
        )
    password = None
    if password_env is not None:
        password = os.environ.get(password_env)
        if not password:
            raise ConfigError(f"--password-env {password_env}: that environment variable is not set or empty")
    engine = make_warehouse(url, schema)
    try:
        return grant_bi(engine, role, password)
    finally:
        engine.dispose()


def grant_bi(engine: sa.Engine, role: str, password: str | None = None) -> BiGrant:
    """Create `role` if missing (NOLOGIN without a password) and let it read the views, nothing else.

    Idempotent: a second run grants views added since and revokes anything granted on tables.
    """
    check_identifier(role, "role")
    if engine.dialect.name != "postgresql":
        raise UsageError("grant-bi needs a PostgreSQL warehouse; give BI tools a read-only DuckDB connection instead")
    with engine.begin() as conn:
        try:
            return _grant(conn, role, password)
        except sa.exc.DBAPIError as exc:
            raise WarehouseError(f"grant-bi {role}: {first_line(exc.orig)}") from None


def _grant(conn: sa.Connection, role: str, password: str | None) -> BiGrant:
    quote = conn.dialect.identifier_preparer.quote_identifier
    schema, database, me = conn.execute(sa.text("SELECT current_schema(), current_database(), current_user")).one()
    found = conn.execute(sa.text("SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    if role == me or (found is not None and found.rolsuper):
        raise WarehouseError(f"grant-bi {role}: that role owns the warehouse or is a superuser; it would read everything")
    name = quote(role)
    login = f"LOGIN PASSWORD '{_password_hash(conn, role, password)}'" if password else None
    if found is None:
        conn.exec_driver_sql(f"CREATE ROLE {name} {login or 'NOLOGIN'}")
    elif login:
        conn.exec_driver_sql(f"ALTER ROLE {name} {login}")
    conn.exec_driver_sql(f"ALTER ROLE {name} SET default_transaction_read_only = on")
    conn.exec_driver_sql(f"ALTER ROLE {name} IN DATABASE {quote(database)} SET search_path = {quote(schema)}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {quote(schema)} FROM {name}")
    conn.exec_driver_sql(f"REVOKE ALL ON SCHEMA {quote(schema)} FROM {name}")
    conn.exec_driver_sql(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {quote(schema)} REVOKE ALL ON TABLES FROM {name}")
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {name}")
    views = _views(conn)
    if views:
        conn.exec_driver_sql(f"GRANT SELECT ON {', '.join(quote(v) for v in views)} TO {name}")
    can_login = bool(password) or bool(found is not None and found.rolcanlogin)
    return BiGrant(role=role, schema=schema, created=found is None, login=can_login, views=views)


def regrant_views(conn: sa.Connection) -> None:
    """Grant every view to each role that already reads one, so a view added by a migration reaches BI."""
    roles = conn.execute(
        sa.text(
            "SELECT DISTINCT a.grantee::regrole::text FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a "
            "WHERE n.nspname = current_schema() AND c.relkind = 'v' AND left(c.relname, 2) = 'v_' "
            "AND a.privilege_type = 'SELECT' AND a.grantee NOT IN (0, c.relowner) ORDER BY 1"
        )
    ).scalars().all()
    views = _views(conn)
    if roles and views:
        quote = conn.dialect.identifier_preparer.quote_identifier
        conn.exec_driver_sql(f"GRANT SELECT ON {', '.join(quote(v) for v in views)} TO {', '.join(roles)}")


def _views(conn: sa.Connection) -> list[str]:
    return list(
        conn.execute(
            sa.text("SELECT viewname FROM pg_views WHERE schemaname = current_schema() AND left(viewname, 2) = 'v_' ORDER BY 1")
        ).scalars()
    )


def _password_hash(conn: sa.Connection, role: str, password: str | None) -> str:
    """The password as the server stores it (SCRAM), hashed by libpq: the plain text never reaches a log."""
    driver = conn.connection.driver_connection
    if conn.dialect.driver == "psycopg":
        hashed = driver.pgconn.encrypt_password(str(password).encode(), role.encode()).decode()
    else:
        from psycopg2.extensions import encrypt_password

        hashed = encrypt_password(str(password), role, driver)
    if "'" in hashed:
        raise WarehouseError(f"grant-bi {role}: the server returned an unexpected password hash")
    return hashed
