"""The read-only role for BI tools (PostgreSQL): it reads footprint's views and nothing else.

PostgreSQL views run with their owner's rights, so SELECT on a view works while the tables behind
it stay refused. The role gets CONNECT on the database, USAGE on the organisation's schema and
SELECT on each `v_*` view, no privilege on any table, and every session of it starts read-only.
A role is judged by what PostgreSQL says it can do, not by what grant-bi granted: privileges also
arrive through role memberships (pg_read_all_data reads every schema), attributes, ownership,
PUBLIC and grants in other organisations' schemas. A DuckDB file has no roles: BI tools open it
read-only (`duckdb -readonly FILE`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa

from footprint.errors import ConfigError, UsageError, WarehouseError
from footprint.warehouse import check_identifier, make_warehouse, normalise_url
from footprint.warehouse.grants import views
from footprint.warehouse.migrations import first_line

# Role attributes that reach beyond granted privileges (pg_roles column: the word; ALTER ROLE NO<word> drops it).
RISKY_ATTRIBUTES = {
    "rolsuper": "SUPERUSER", "rolcreaterole": "CREATEROLE", "rolcreatedb": "CREATEDB",
    "rolreplication": "REPLICATION", "rolbypassrls": "BYPASSRLS",
}
# What PostgreSQL's predefined roles give a member, for the refusal message.
PREDEFINED_ROLES = {
    "pg_read_all_data": "reads every table in every schema",
    "pg_write_all_data": "writes every table in every schema",
    "pg_read_server_files": "reads files on the database server",
    "pg_write_server_files": "writes files on the database server",
    "pg_execute_server_program": "runs programs on the database server",
    "pg_monitor": "sees every session's queries and statistics",
    "pg_read_all_stats": "sees every session's queries and statistics",
    "pg_read_all_settings": "reads every server setting",
    "pg_stat_scan_tables": "locks and scans tables for statistics",
    "pg_signal_backend": "cancels other sessions",
    "pg_checkpoint": "forces checkpoints",
}
# Schemas of the server itself: their catalog is readable by every role (see sql/README.md).
SYSTEM_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'"


@dataclass(frozen=True)
class BiReach:
    """What the role can do in this database as PostgreSQL answers for it, whatever the grant's path."""

    database: str
    reads: list[str]  # schema.relation it may SELECT from; it writes and creates nothing, or grant-bi refuses
    schemas: list[str]  # schemas it may use (look up objects in)
    temporary: str | None  # how it may create temporary tables here (PUBLIC has TEMP by default), else None
    databases: list[str]  # other databases it may connect to (PUBLIC has CONNECT by default)


@dataclass(frozen=True)
class BiGrant:
    """What grant-bi did: the role, whether it was created and can log in, the views it reads, what it can do."""

    role: str
    schema: str
    created: bool
    login: bool
    views: list[str]
    reach: BiReach


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

    Idempotent: a second run grants views added since and revokes anything granted on this schema.
    An existing role with a membership or a risky attribute is refused, not altered: both are
    cluster-wide and may serve something else. After granting, what the role can really read and
    write in the database is checked; anything beyond the views refuses and rolls everything back.
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
    found = conn.execute(sa.text("SELECT * FROM pg_roles WHERE rolname = :r"), {"r": role}).mappings().first()
    if role == me:
        raise WarehouseError(f"grant-bi {role}: that role owns the warehouse or is a superuser; it would read everything")
    if found is not None:
        _refuse_memberships_and_attributes(conn, role, found)
    name = quote(role)
    login = f"LOGIN PASSWORD '{_password_hash(conn, role, password)}'" if password else None
    if found is None:
        conn.exec_driver_sql(f"CREATE ROLE {name} {login or 'NOLOGIN'}")
    elif login:
        conn.exec_driver_sql(f"ALTER ROLE {name} {login}")
    conn.exec_driver_sql(f"ALTER ROLE {name} SET default_transaction_read_only = on")
    conn.exec_driver_sql(f"ALTER ROLE {name} IN DATABASE {quote(database)} SET search_path = {quote(schema)}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {quote(schema)} FROM {name}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {quote(schema)} FROM {name}")
    conn.exec_driver_sql(f"REVOKE ALL ON SCHEMA {quote(schema)} FROM {name}")
    conn.exec_driver_sql(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {quote(schema)} REVOKE ALL ON TABLES FROM {name}")
    conn.exec_driver_sql(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {quote(schema)} REVOKE ALL ON SEQUENCES FROM {name}")
    _set_database_privileges(conn, role, database)
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {name}")
    readable = views(conn)
    if readable:
        conn.exec_driver_sql(f"GRANT SELECT ON {', '.join(quote(v) for v in readable)} TO {name}")
    reach = _check_reach(conn, role, schema, database, readable)
    can_login = bool(password) or bool(found is not None and found["rolcanlogin"])
    return BiGrant(role=role, schema=schema, created=found is None, login=can_login, views=readable, reach=reach)


def _refuse_memberships_and_attributes(conn: sa.Connection, role: str, found: sa.RowMapping) -> None:
    """Refuse a role that is a member of any role (directly or through others) or has a risky attribute.

    A member inherits the other role's privileges, or can SET ROLE to it even with NOINHERIT, which
    no privilege check of the role itself shows; so every membership is refused, predefined or not.
    """
    attributes = [word for column, word in RISKY_ATTRIBUTES.items() if found[column]]
    memberships = conn.execute(sa.text(
        "WITH RECURSIVE up(roleid, path) AS ("
        " SELECT m.roleid, ARRAY[m.roleid] FROM pg_auth_members m WHERE m.member = :oid"
        " UNION ALL SELECT m.roleid, up.path || m.roleid FROM pg_auth_members m JOIN up ON m.member = up.roleid"
        " WHERE m.roleid <> ALL(up.path))"
        " SELECT DISTINCT ON (roleid) roleid::regrole::text AS granted, path[1]::regrole::text AS direct,"
        " ARRAY(SELECT p::regrole::text FROM unnest(path[1:cardinality(path) - 1]) p) AS through"
        " FROM up ORDER BY roleid, cardinality(path)"
    ), {"oid": found["oid"]}).all()
    if not attributes and not memberships:
        return
    problems = [f"it has {', '.join(attributes)}"] if attributes else []
    problems += [
        f"it is a member of {m.granted}"
        + (f" through {' and '.join(m.through)}" if m.through else "")
        + (f" ({PREDEFINED_ROLES[m.granted]})" if m.granted in PREDEFINED_ROLES else " (and can use its privileges)")
        for m in sorted(memberships, key=lambda m: (m.granted not in PREDEFINED_ROLES, m.granted))
    ]
    fixes = [f"ALTER ROLE {role} {' '.join('NO' + a for a in attributes)}"] if attributes else []
    direct = sorted({m.direct for m in memberships})
    fixes += [f"REVOKE {', '.join(direct)} FROM {role}"] if direct else []
    raise WarehouseError(
        f"grant-bi {role}: refused, nothing changed: {'; '.join(problems)}; it could read or change other "
        f"organisations' data. Fix as a superuser: {'; '.join(fixes)}; or name a new role, which grant-bi creates clean"
    )


def _set_database_privileges(conn: sa.Connection, role: str, database: str) -> None:
    """CONNECT on this database (needed where PUBLIC's was revoked); no CREATE or TEMP granted to the role itself."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    direct = conn.execute(sa.text(
        "SELECT a.privilege_type FROM pg_database d, aclexplode(d.datacl) a "
        "WHERE d.datname = current_database() AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = :r) "
        "AND a.privilege_type IN ('CREATE', 'TEMPORARY') ORDER BY 1"
    ), {"r": role}).scalars().all()
    if direct:
        conn.exec_driver_sql(f"REVOKE {', '.join(direct)} ON DATABASE {quote(database)} FROM {quote(role)}")
    connects = conn.execute(sa.text("SELECT has_database_privilege(:r, current_database(), 'CONNECT')"), {"r": role})
    if not connects.scalar_one():
        conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {quote(database)} TO {quote(role)}")


def _check_reach(conn: sa.Connection, role: str, schema: str, database: str, readable: list[str]) -> BiReach:
    """What `role` can really do in this database; anything beyond reading this schema's views refuses."""
    found = _ask_catalog(conn, role)
    beyond = _beyond_views(found, role, {(schema, name) for name in readable})
    if beyond:
        raise WarehouseError(
            f"grant-bi {role}: refused, nothing changed: checked after granting, in database {database} the role "
            f"still has {'; '.join(what for what, _ in beyond)}. "
            f"Fix: {'; '.join(dict.fromkeys(fix for _, fix in beyond))}; "
            "or name a new role, which grant-bi creates clean"
        )
    here = next(row for row in found.databases if row.here)
    temporary = None
    if here.temporary:
        temporary = "through PUBLIC" if here.public_temporary else "granted to it or a role it belongs to"
    return BiReach(
        database=database,
        reads=[rel.relation for rel in found.relations if "SELECT" in rel.privileges],
        schemas=[row.name for row in found.schemas if row.uses],
        temporary=temporary,
        databases=[row.name for row in found.databases if row.connects and not row.here],
    )


class _Catalog(NamedTuple):
    relations: Sequence[sa.Row[Any]]
    schemas: Sequence[sa.Row[Any]]
    databases: Sequence[sa.Row[Any]]
    defaults: Sequence[sa.Row[Any]]
    definers: Sequence[str]


def _ask_catalog(conn: sa.Connection, role: str) -> _Catalog:
    """PostgreSQL's answer for `role` on every relation, schema, database, default privilege and definer function.

    has_*_privilege counts grants to the role, to PUBLIC, through memberships and by ownership alike,
    and column privileges through has_any_column_privilege.
    """
    params = {"r": role}
    relations = conn.execute(sa.text(
        "WITH r AS (SELECT oid FROM pg_roles WHERE rolname = :r), held AS ("
        " SELECT n.nspname, c.relname, c.relkind, c.relowner = r.oid AS owns, p.ord, p.privilege,"
        " has_table_privilege('public', c.oid, p.privilege) AS public"
        " FROM r, pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, (VALUES (1, 'SELECT'), (2, 'INSERT'),"
        " (3, 'UPDATE'), (4, 'DELETE'), (5, 'TRUNCATE'), (6, 'REFERENCES'), (7, 'TRIGGER')) p(ord, privilege)"
        f" WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {SYSTEM_SCHEMAS} AND (has_table_privilege(r.oid, c.oid,"
        " p.privilege) OR (p.privilege IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')"
        " AND has_any_column_privilege(r.oid, c.oid, p.privilege)))"
        " UNION ALL"
        " SELECT n.nspname, c.relname, c.relkind, c.relowner = r.oid, p.ord, p.privilege,"
        " has_sequence_privilege('public', c.oid, p.privilege)"
        " FROM r, pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,"
        " (VALUES (1, 'SELECT'), (3, 'UPDATE'), (8, 'USAGE')) p(ord, privilege)"
        f" WHERE c.relkind = 'S' AND {SYSTEM_SCHEMAS} AND has_sequence_privilege(r.oid, c.oid, p.privilege))"
        " SELECT quote_ident(nspname) || '.' || quote_ident(relname) AS relation, nspname, relname, relkind,"
        " bool_or(owns) AS owns, bool_or(public) AS public,"
        " array_agg(privilege ORDER BY ord) AS privileges FROM held GROUP BY nspname, relname, relkind ORDER BY 1"
    ), params).all()
    schemas = conn.execute(sa.text(
        "SELECT quote_ident(n.nspname) AS name, has_schema_privilege(r.oid, n.oid, 'USAGE') AS uses,"
        " has_schema_privilege(r.oid, n.oid, 'CREATE') AS creates, has_schema_privilege('public', n.oid, 'CREATE')"
        " AS public, n.nspowner = r.oid AS owns"
        f" FROM pg_namespace n, (SELECT oid FROM pg_roles WHERE rolname = :r) r WHERE {SYSTEM_SCHEMAS} ORDER BY 1"
    ), params).all()
    databases = conn.execute(sa.text(
        "SELECT d.datname AS name, d.datname = current_database() AS here,"
        " has_database_privilege(:r, d.oid, 'CONNECT') AS connects, has_database_privilege(:r, d.oid, 'CREATE')"
        " AS creates, has_database_privilege(:r, d.oid, 'TEMP') AS temporary,"
        " has_database_privilege('public', d.oid, 'TEMP') AS public_temporary FROM pg_database d"
        " WHERE d.datallowconn ORDER BY d.datname"
    ), params).all()
    defaults = conn.execute(sa.text(
        "SELECT pg_get_userbyid(d.defaclrole) AS owner, coalesce(quote_ident(n.nspname), '') AS nspname,"
        " d.defaclobjtype AS kind, string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS privileges"
        " FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace, aclexplode(d.defaclacl) a"
        " WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = :r) AND d.defaclobjtype IN ('r', 'S')"
        " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    ), params).all()
    definers = conn.execute(sa.text(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '('"
        " || pg_get_function_identity_arguments(p.oid) || ')'"
        " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        f" WHERE p.prosecdef AND {SYSTEM_SCHEMAS} AND has_function_privilege(:r, p.oid, 'EXECUTE') ORDER BY 1"
    ), params).scalars().all()
    return _Catalog(relations, schemas, databases, defaults, definers)


def _beyond_views(found: _Catalog, role: str, allowed: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each thing the role can do besides SELECT on the `allowed` views, with how to take it away."""
    beyond: list[tuple[str, str]] = []
    for rel in found.relations:
        extra = [p for p in rel.privileges if not ((rel.nspname, rel.relname) in allowed and p == "SELECT")]
        if not extra:
            continue
        grantee = f"PUBLIC, {role}" if rel.public else role
        fix = (f"give {rel.relation} another owner" if rel.owns
               else f"REVOKE ALL ON ALL {'SEQUENCES' if rel.relkind == 'S' else 'TABLES'} IN SCHEMA "
                    f"{rel.relation.rsplit('.', 1)[0]} FROM {grantee}")
        beyond.append((f"{rel.relation}: {', '.join(extra)}{' (owner)' if rel.owns else ''}", fix))
    for row in found.schemas:
        if row.creates:
            fix = f"give schema {row.name} another owner" if row.owns else (
                f"REVOKE CREATE ON SCHEMA {row.name} FROM {f'PUBLIC, {role}' if row.public else role}")
            beyond.append((f"schema {row.name}: CREATE", fix))
    for row in found.databases:
        if row.creates:
            beyond.append((f"database {row.name}: CREATE", f"REVOKE CREATE ON DATABASE {row.name} FROM {role} "
                           "(or give the database another owner)"))
    for row in found.defaults:
        where = f" IN SCHEMA {row.nspname}" if row.nspname else ""
        kind = "TABLES" if row.kind == "r" else "SEQUENCES"
        beyond.append((f"future {kind.lower()} of {row.owner}{' in schema ' + row.nspname if row.nspname else ''}: "
                       f"{row.privileges} (default privileges)",
                       f"ALTER DEFAULT PRIVILEGES FOR ROLE {row.owner}{where} REVOKE ALL ON {kind} FROM {role}"))
    for function in found.definers:
        beyond.append((f"{function}: EXECUTE of a SECURITY DEFINER function (runs with its owner's rights)",
                       f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC, {role}"))
    return beyond


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
