"""The warehouse: one SQLAlchemy engine for DuckDB (embedded default) or PostgreSQL (production).

Everything dialect-specific lives in this package: the engine, schema migration and bulk loading.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from footprint.errors import ConfigError

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


def make_warehouse(url: str) -> sa.Engine:
    """Return the engine for a warehouse URL (duckdb:///file or postgresql://...) with the schema applied."""
    if url.startswith("duckdb:///"):
        target = Path(url.removeprefix("duckdb:///"))
        if str(target) not in ("", ":memory:"):
            target.parent.mkdir(parents=True, exist_ok=True)
    elif url.startswith("postgresql://"):
        # psycopg2 is the driver footprint ships; its COPY is the bulk path.
        url = "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    elif not url.startswith("postgresql+psycopg2://"):
        raise ConfigError(f"warehouse URL {url!r} is neither duckdb:///FILE nor postgresql://...")
    engine = sa.create_engine(url, future=True)
    apply_schema(engine)
    return engine


def _statements(sql_text: str) -> list[str]:
    lines = [line for line in sql_text.splitlines() if not line.strip().startswith("--")]
    return [stmt.strip() for stmt in "\n".join(lines).split(";") if stmt.strip()]


def apply_schema(engine: sa.Engine) -> None:
    """Apply sql/NNN_*.sql migrations once each, then (re)create the BI views in sql/views/."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version VARCHAR NOT NULL, applied_at TIMESTAMP WITH TIME ZONE NOT NULL)"
            )
        )
        applied = {row[0] for row in conn.execute(sa.text("SELECT version FROM schema_migrations"))}
        for path in sorted(SQL_DIR.glob("[0-9][0-9][0-9]_*.sql")):
            if path.stem in applied:
                continue
            for statement in _statements(path.read_text(encoding="utf-8")):
                conn.execute(sa.text(statement))
            conn.execute(
                sa.text("INSERT INTO schema_migrations VALUES (:v, CURRENT_TIMESTAMP)"), {"v": path.stem}
            )
        for path in sorted((SQL_DIR / "views").glob("*.sql")):
            for statement in _statements(path.read_text(encoding="utf-8")):
                conn.execute(sa.text(statement))
