"""Issue 15, point 8: the BI role is judged by what PostgreSQL lets it do, not by what grant-bi granted.

Two organisations share one database as the schemas `klein` and `groot`; `footprint warehouse
grant-bi` runs for `klein`. A role that reads or writes `groot` through a membership (direct or
through a group), an attribute, a grant on one of groot's tables, a default privilege or a
SECURITY DEFINER function is refused with exit code 1, every such capability named with its fix,
and the role is left exactly as it was. A clean role is granted and, logged in with psycopg,
reads klein's views and nothing of groot, and deletes nothing.

Roles are cluster-wide: each test's roles carry the process id and are dropped afterwards.
(Named *_reach: tests/warehouse/test_bi_role.py holds the basic grants, and two test modules
may not share a base name.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from click.testing import Result
from company_files import write_company
from typer.testing import CliRunner

from footprint.warehouse import make_warehouse
from footprint_cli import app

OWN, OTHER = "klein", "groot"
PASSWORD_ENV = "FOOTPRINT_TEST_BI_REACH_PASSWORD"
PASSWORD = "bi-reach-secret"
KLEIN_VIEWS = ["v_data_quality", "v_emissions_monthly", "v_energy_monthly", "v_lineage"]
GROOT_FILE = "groot-geheim.csv"


@pytest.fixture
def database(postgres_database: Any) -> Iterator[str]:
    """One database, two organisations' warehouses in it; groot has a raw file of its own."""
    with postgres_database(f"footprint_rel_{os.getpid()}_bi") as url:
        for schema in (OWN, OTHER):
            make_warehouse(url, schema).dispose()
        _sql(url, f"INSERT INTO {OTHER}.raw_files VALUES ('{'a' * 64}', '{GROOT_FILE}', 'csv', 'fuel', '2025-03-01', "
                  "10, 'raw/aa', 1, 1, 0, 0, now())")
        yield url


@pytest.fixture
def new_role(database: str) -> Iterator[Callable[[str, str], str]]:
    """`new_role(slug, sql)`: a role fp_rel_bi_<pid>_<slug>, set up by `sql` ({role} names it); dropped afterwards."""
    made: list[str] = []

    def make(slug: str, sql: str = "") -> str:
        role = f"fp_rel_bi_{os.getpid()}_{slug}"
        made.append(role)
        if sql:
            _sql(database, sql.format(role=role, pid=os.getpid()))
        return role

    yield make
    admin = sa.create_engine(database, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for role in reversed(made):
            if conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                conn.exec_driver_sql(f'DROP ROLE "{role}"')
    admin.dispose()


def _sql(url: str, sql: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """klein's footprint.yaml; its warehouse comes from the environment."""
    return write_company(tmp_path / "klein", {})


def _grant_bi(database: str, config: Path, role: str) -> Result:
    env = {"FOOTPRINT_WAREHOUSE_URL": database, "FOOTPRINT_WAREHOUSE_SCHEMA": OWN, PASSWORD_ENV: PASSWORD}
    return CliRunner().invoke(
        app, ["warehouse", "grant-bi", role, "--password-env", PASSWORD_ENV, "-c", str(config)], env=env
    )


def _login(database: str, role: str) -> psycopg.Connection[Any]:
    """The warehouse as the BI tool sees it: the role's own login, one statement per transaction."""
    url = sa.engine.make_url(database)
    return psycopg.connect(host=url.host, port=url.port or 5432, dbname=url.database, user=role, password=PASSWORD,
                           autocommit=True)


def _refused(conn: psycopg.Connection[Any], sql: str) -> str:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(sql)
    return str(caught.value).splitlines()[0]


def _state(database: str, role: str) -> dict[str, Any]:
    """What the role can do on klein and groot and how it is configured: to show a refusal changed nothing."""
    engine = sa.create_engine(database)
    with engine.connect() as conn:
        state = conn.execute(sa.text(
            "SELECT r.rolcanlogin, r.rolpassword,"
            " (SELECT array_agg(s.setconfig) FROM pg_db_role_setting s WHERE s.setrole = r.oid) AS db_settings,"
            " has_schema_privilege(r.rolname, 'klein', 'USAGE') AS klein_usage,"
            " has_table_privilege(r.rolname, 'klein.v_emissions_monthly', 'SELECT') AS klein_view,"
            " has_table_privilege(r.rolname, 'groot.raw_files', 'SELECT, DELETE') AS groot_raw_files,"
            " (SELECT array_agg(a.privilege_type ORDER BY a.privilege_type) FROM pg_database d, aclexplode(d.datacl) a"
            "  WHERE d.datname = current_database() AND a.grantee = r.oid) AS database_grants"
            " FROM pg_authid r WHERE r.rolname = :r"
        ), {"r": role}).mappings().one()
    engine.dispose()
    return dict(state)


def _groot_rows(database: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(database)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(f"SELECT file_sha256, file_name FROM {OTHER}.raw_files"))]
    engine.dispose()
    return rows


MEMBERSHIPS = [
    pytest.param(
        "reader", "CREATE ROLE {role} LOGIN; GRANT pg_read_all_data TO {role}",
        "it is a member of pg_read_all_data (reads every table in every schema)",
        "REVOKE pg_read_all_data FROM {role}", id="pg_read_all_data",
    ),
    pytest.param(
        "writer",
        "CREATE ROLE fp_rel_bi_{pid}_staff NOLOGIN; GRANT pg_write_all_data TO fp_rel_bi_{pid}_staff; "
        "CREATE ROLE {role} LOGIN PASSWORD 'bi-reach-secret' NOINHERIT; GRANT fp_rel_bi_{pid}_staff TO {role}",
        "it is a member of pg_write_all_data through fp_rel_bi_{pid}_staff (writes every table in every schema); "
        "it is a member of fp_rel_bi_{pid}_staff (and can use its privileges)",
        "REVOKE fp_rel_bi_{pid}_staff FROM {role}", id="pg_write_all_data-through-a-group",
    ),
    pytest.param(
        "files", "CREATE ROLE {role} LOGIN CREATEDB BYPASSRLS; GRANT pg_read_server_files TO {role}",
        "it has CREATEDB, BYPASSRLS; it is a member of pg_read_server_files (reads files on the database server)",
        "ALTER ROLE {role} NOCREATEDB NOBYPASSRLS; REVOKE pg_read_server_files FROM {role}",
        id="attributes-and-server-files",
    ),
]


@pytest.mark.parametrize(("slug", "setup", "problems", "fix"), MEMBERSHIPS)
def test_a_role_with_a_membership_or_attribute_is_refused_and_left_as_it_was(
    database: str, new_role: Callable[..., str], config: Path, slug: str, setup: str, problems: str, fix: str
) -> None:
    if slug == "writer":
        new_role("staff")  # dropped after the member
    role = new_role(slug, setup)
    before = _state(database, role)
    done = _grant_bi(database, config, role)
    names = {"role": role, "pid": os.getpid()}
    assert done.output == (
        f"error: grant-bi {role}: refused, nothing changed: {problems.format(**names)}; it could read or change "
        f"other organisations' data. Fix as a superuser: {fix.format(**names)}; or name a new role, which grant-bi "
        "creates clean\n"
    )
    assert done.exit_code == 1
    assert _state(database, role) == before
    assert before["db_settings"] is None
    # NOINHERIT hides the group's privileges from has_table_privilege, yet SET ROLE takes them: the reason
    # every membership is refused, not only those a privilege check sees.
    assert before["groot_raw_files"] is (slug == "reader")
    if slug == "writer":
        with _login(database, role) as conn, conn.transaction(force_rollback=True):
            conn.execute(f"SET ROLE fp_rel_bi_{os.getpid()}_staff")
            assert conn.execute(f"DELETE FROM {OTHER}.raw_files").rowcount == 1
    assert _groot_rows(database) == [("a" * 64, GROOT_FILE)]


CAPABILITIES = [
    pytest.param(
        "table", "CREATE ROLE {role} LOGIN; GRANT SELECT, DELETE ON groot.raw_files TO {role}",
        "groot.raw_files: SELECT, DELETE", "REVOKE ALL ON ALL TABLES IN SCHEMA groot FROM {role}", id="table-grant",
    ),
    pytest.param(
        "column", "CREATE ROLE {role} LOGIN; GRANT SELECT (file_name) ON groot.raw_files TO {role}",
        "groot.raw_files: SELECT", "REVOKE ALL ON ALL TABLES IN SCHEMA groot FROM {role}", id="column-grant",
    ),
    pytest.param(
        "public", "CREATE ROLE {role} LOGIN; GRANT SELECT ON groot.quarantine TO PUBLIC",
        "groot.quarantine: SELECT", "REVOKE ALL ON ALL TABLES IN SCHEMA groot FROM PUBLIC, {role}",
        id="grant-to-public",
    ),
    pytest.param(
        "view", "CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA groot TO {role}; "
        "GRANT SELECT ON groot.v_emissions_monthly TO {role}",
        "groot.v_emissions_monthly: SELECT", "REVOKE ALL ON ALL TABLES IN SCHEMA groot FROM {role}",
        id="another-organisations-view",
    ),
    pytest.param(
        "owner", "CREATE ROLE {role} LOGIN; CREATE TABLE public.notes (a int); ALTER TABLE public.notes OWNER TO {role}",
        "public.notes: SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER (owner)",
        "give public.notes another owner", id="owns-a-table",
    ),
    pytest.param(
        "schema", "CREATE ROLE {role} LOGIN; GRANT CREATE ON SCHEMA groot TO {role}",
        "schema groot: CREATE", "REVOKE CREATE ON SCHEMA groot FROM {role}", id="create-in-a-schema",
    ),
    pytest.param(
        "future", "CREATE ROLE {role} LOGIN; ALTER DEFAULT PRIVILEGES IN SCHEMA groot GRANT SELECT ON TABLES TO {role}",
        "future tables of postgres in schema groot: SELECT (default privileges)",
        "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA groot REVOKE ALL ON TABLES FROM {role}",
        id="default-privileges",
    ),
    pytest.param(
        "definer", "CREATE ROLE {role} LOGIN; CREATE FUNCTION public.peek() RETURNS bigint LANGUAGE sql "
        "SECURITY DEFINER AS 'SELECT count(*) FROM groot.raw_files'",
        "public.peek(): EXECUTE of a SECURITY DEFINER function (runs with its owner's rights)",
        "REVOKE EXECUTE ON FUNCTION public.peek() FROM PUBLIC, {role}", id="security-definer-function",
    ),
]


@pytest.mark.parametrize(("slug", "setup", "held", "fix"), CAPABILITIES)
def test_a_role_that_can_still_reach_beyond_the_views_is_refused_after_the_check(
    database: str, new_role: Callable[..., str], config: Path, slug: str, setup: str, held: str, fix: str
) -> None:
    role = new_role(slug, setup)
    before = _state(database, role)
    done = _grant_bi(database, config, role)
    assert done.output == (
        f"error: grant-bi {role}: refused, nothing changed: checked after granting, in database "
        f"{sa.engine.make_url(database).database} the role still has {held.format(role=role)}. "
        f"Fix: {fix.format(role=role)}; or name a new role, which grant-bi creates clean\n"
    )
    assert done.exit_code == 1
    # Rolled back: not even klein's views, its search_path or read-only default were granted.
    assert _state(database, role) == before
    assert (before["klein_usage"], before["klein_view"], before["db_settings"]) == (False, False, None)
    assert _groot_rows(database) == [("a" * 64, GROOT_FILE)]


def test_a_clean_role_reads_its_views_and_nothing_of_the_other_organisation(
    database: str, new_role: Callable[..., str], config: Path
) -> None:
    role = new_role("clean")
    done = _grant_bi(database, config, role)
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    db = sa.engine.make_url(database).database
    assert lines[:6] == [
        f"role {role} created (can log in); checked what it can do in database {db}:",
        f"  reads 4 views: {', '.join(f'{OWN}.{v}' for v in KLEIN_VIEWS)}",
        "  reads no table, writes nothing, creates nothing",
        "  uses schemas: klein, public",
        "  temporary tables of its own: yes, through PUBLIC",
        lines[5],
    ]
    others = lines[5].removeprefix("  connects to other databases: ").split(", ")
    assert "postgres" in others and db not in others
    assert lines[6:] == [
        "  sees the catalog as every role does: names of all schemas, tables and columns, view definitions, "
        "tables' row counts (see sql/README.md, Read-only role for BI tools)"
    ]

    with _login(database, role) as conn:
        rows = conn.execute("SELECT count(*) FROM v_lineage").fetchone()
        assert rows == (0,)
        for sql in ("SELECT * FROM groot.raw_files", "SELECT file_name FROM groot.raw_files",
                    "SELECT * FROM groot.v_emissions_monthly", "SELECT * FROM klein.raw_files"):
            assert _refused(conn, sql).startswith("permission denied"), sql
        # Its sessions start read-only; without that the privileges alone still refuse every write.
        assert _refused(conn, "DELETE FROM klein.raw_files") == "cannot execute DELETE in a read-only transaction"
        conn.execute("SET default_transaction_read_only = off")
        for sql in ("DELETE FROM groot.raw_files", "DELETE FROM klein.raw_files", "TRUNCATE groot.raw_files",
                    "CREATE TABLE groot.mine (a int)", "CREATE TABLE public.mine (a int)", "CREATE SCHEMA mine"):
            assert _refused(conn, sql).startswith("permission denied"), sql
    assert _groot_rows(database) == [("a" * 64, GROOT_FILE)]

    again = _grant_bi(database, config, role)  # the role grant-bi made passes its own check again
    assert again.exit_code == 0 and again.output.startswith(f"role {role} updated (can log in); checked"), again.output


def test_where_public_lost_connect_and_temp_the_role_gets_connect_and_loses_its_own_temp(
    database: str, new_role: Callable[..., str], config: Path
) -> None:
    db = sa.engine.make_url(database).database
    role = new_role("hardened", f'CREATE ROLE {{role}} LOGIN; GRANT TEMPORARY ON DATABASE "{db}" TO {{role}}; '
                                f'REVOKE CONNECT, TEMPORARY ON DATABASE "{db}" FROM PUBLIC')
    assert _state(database, role)["database_grants"] == ["TEMPORARY"]
    done = _grant_bi(database, config, role)
    assert done.exit_code == 0, done.output
    assert "  temporary tables of its own: no\n" in done.output
    assert _state(database, role)["database_grants"] == ["CONNECT"]
    with _login(database, role) as conn:
        assert conn.execute("SELECT count(*) FROM v_data_quality").fetchone() is not None
        conn.execute("SET default_transaction_read_only = off")
        assert _refused(conn, "CREATE TEMPORARY TABLE mine (a int)").startswith("permission denied")
