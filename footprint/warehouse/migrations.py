"""Schema migrations: numbered SQL files that upgrade a warehouse in place, once each, in order.

`sql/NNN_name.sql` is the text both dialects run; `NNN_name.postgresql.sql` or `NNN_name.duckdb.sql`
beside it holds what only one dialect needs and runs right after it (a version may also consist of
variants only). Each version runs in its own transaction together with its row in
`schema_migrations`: it is applied completely or not at all. On PostgreSQL every step holds a
transaction-scoped advisory lock, so processes that start together apply each version once;
DuckDB admits one writing process per file. The views in `sql/views/` are recreated afterwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import sqlalchemy as sa

from footprint.errors import WarehouseError
from footprint.warehouse.grants import regrant_views

# The repository's sql/, installed as footprint.sql (setup.py).
SQL_DIR = Path(str(resources.files("footprint.sql")))
DIALECTS = ("duckdb", "postgresql")


@dataclass(frozen=True)
class Migration:
    version: str  # "002_restatements": the row in schema_migrations
    files: tuple[Path, ...]  # the common file first, then this dialect's variant; may be empty


def find_migrations(sql_dir: Path, dialect: str) -> list[Migration]:
    """The versions in `sql_dir` in order, each with the files this dialect runs for it."""
    files: dict[str, list[Path]] = {}
    for path in sorted(sql_dir.glob("[0-9][0-9][0-9]_*.sql")):
        version, _, variant = path.name.removesuffix(".sql").partition(".")
        if variant and variant not in DIALECTS:
            raise WarehouseError(
                f"{path}: {variant!r} is not a dialect; name a variant NNN_name.postgresql.sql or NNN_name.duckdb.sql"
            )
        found = files.setdefault(version, [])
        if not variant:
            found.insert(0, path)  # the common file runs first
        elif variant == dialect:
            found.append(path)
    numbers: dict[str, str] = {}
    for version in files:
        other = numbers.setdefault(version[:3], version)
        if other != version:
            raise WarehouseError(f"{sql_dir}: migrations {other} and {version} share the number {version[:3]}; renumber one")
    return [Migration(version, tuple(paths)) for version, paths in sorted(files.items())]


def statements(sql_text: str) -> list[str]:
    """The statements of a SQL file: comment lines dropped, split at semicolons."""
    lines = [line for line in sql_text.splitlines() if not line.strip().startswith("--")]
    return [stmt.strip() for stmt in "\n".join(lines).split(";") if stmt.strip()]


def apply_schema(engine: sa.Engine, schema: str | None = None, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply the migrations this warehouse lacks, then (re)create the BI views; returns the versions applied.

    `schema` is created first when given (the engine's connections already work in it).
    """
    migrations = find_migrations(sql_dir, engine.dialect.name)
    with _locked(engine, schema) as conn:
        if schema is not None:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        conn.execute(
            sa.text(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version VARCHAR NOT NULL, applied_at TIMESTAMP WITH TIME ZONE NOT NULL)"
            )
        )
        applied = _applied(conn)
    done: list[str] = []
    for migration in migrations:
        if migration.version in applied:
            continue
        with _locked(engine, schema) as conn:
            if migration.version in _applied(conn):
                continue  # another process applied it while this one waited for the lock
            for path in migration.files:
                _run_file(conn, path)
            conn.execute(
                sa.text("INSERT INTO schema_migrations VALUES (:v, CURRENT_TIMESTAMP)"), {"v": migration.version}
            )
        done.append(migration.version)
    with _locked(engine, schema) as conn:
        for path in sorted((sql_dir / "views").glob("*.sql")):
            _run_file(conn, path)
        if conn.dialect.name == "postgresql":
            regrant_views(conn)
    return done


def _applied(conn: sa.Connection) -> set[str]:
    return set(conn.execute(sa.text("SELECT version FROM schema_migrations")).scalars())


def _run_file(conn: sa.Connection, path: Path) -> None:
    for statement in statements(path.read_text(encoding="utf-8")):
        try:
            conn.execute(sa.text(statement))
        except sa.exc.DBAPIError as exc:
            raise WarehouseError(f"{path.name} failed and was rolled back: {first_line(exc.orig)}") from None


def first_line(error: BaseException | None) -> str:
    """The driver's message without its context lines: what a user can act on."""
    text = str(error).strip()
    return text.splitlines()[0] if text else repr(error)


@contextmanager
def _locked(engine: sa.Engine, schema: str | None) -> Iterator[sa.Connection]:
    """A transaction that holds the schema's migration lock (PostgreSQL) until it ends."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(schema)})
        yield conn


def _lock_key(schema: str | None, name: str = "apply_schema") -> int:
    digest = hashlib.sha256(f"footprint.{name}:{schema or ''}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def advisory_xact_lock(conn: sa.Connection, *parts: object) -> None:
    """Hold a lock on (current schema, parts) until the transaction ends, so two runs of one month take turns.

    PostgreSQL only: an embedded DuckDB file admits one writing process, which is its lock.
    """
    if conn.dialect.name != "postgresql":
        return
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    name = ":".join(str(part) for part in parts)
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(schema, name)})
