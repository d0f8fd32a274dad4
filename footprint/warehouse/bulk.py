"""Bulk movement of DataFrames into the warehouse: the one place where DuckDB and PostgreSQL differ.

DuckDB scans a registered DataFrame directly (millions of rows per second); PostgreSQL gets COPY.
Row-by-row INSERTs are never used for data rows.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa


def is_duckdb(conn: sa.Connection) -> bool:
    return conn.dialect.name == "duckdb"


@contextmanager
def staged(conn: sa.Connection, frame: pd.DataFrame | pa.Table) -> Iterator[str]:
    """Make a DataFrame queryable by SQL on this connection for the duration of the block."""
    name = f"stage_{uuid.uuid4().hex[:12]}"
    if is_duckdb(conn):
        driver = conn.connection.driver_connection
        driver.register(name, frame)
        try:
            yield name
        finally:
            driver.unregister(name)
        return
    if isinstance(frame, pa.Table):
        frame = frame.to_pandas()
    columns = ", ".join(f'"{col}" {_pg_type(frame[col])}' for col in frame.columns)
    conn.execute(sa.text(f'CREATE TEMPORARY TABLE "{name}" ({columns}) ON COMMIT DROP'))
    _copy_into(conn, name, frame)
    yield name


def insert_frame(conn: sa.Connection, table: str, frame: pd.DataFrame | pa.Table) -> int:
    """Append rows to a table by column name, in bulk; returns the number of rows.

    An Arrow table is the cheap input for DuckDB (scanned in place, slices are zero-copy).
    """
    if len(frame) == 0:
        return 0
    columns = frame.column_names if isinstance(frame, pa.Table) else list(frame.columns)
    column_list = ", ".join(f'"{col}"' for col in columns)
    if is_duckdb(conn):
        with staged(conn, frame) as name:
            conn.execute(sa.text(f'INSERT INTO {table} ({column_list}) SELECT {column_list} FROM "{name}"'))
    else:
        _copy_into(conn, table, frame.to_pandas() if isinstance(frame, pa.Table) else frame)
    return len(frame)


def _copy_into(conn: sa.Connection, table: str, frame: pd.DataFrame) -> None:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="\\N", date_format="%Y-%m-%dT%H:%M:%S.%f%z")
    buffer.seek(0)
    column_list = ", ".join(f'"{col}"' for col in frame.columns)
    cursor = conn.connection.driver_connection.cursor()
    cursor.copy_expert(f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)


def _pg_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(series):
        return "BIGINT"
    if pd.api.types.is_float_dtype(series):
        return "DOUBLE PRECISION"
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "TIMESTAMP WITH TIME ZONE"
    if pd.api.types.is_datetime64_dtype(series):
        return "TIMESTAMP"
    return "VARCHAR"
