"""Bulk movement of DataFrames into the warehouse: the one place where DuckDB and PostgreSQL differ.

DuckDB scans a registered DataFrame directly (millions of rows per second); PostgreSQL gets COPY
with CSV written by Arrow, through psycopg 3 or psycopg2, whichever the URL chose.
Row-by-row INSERTs are never used for data rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import sqlalchemy as sa

_COPY_CHUNK_ROWS = 50_000  # about 13 MB of meter_usage CSV per write
_CSV_BATCH_ROWS = 16_384


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
    table = to_arrow(frame)
    columns = ", ".join(f'"{field.name}" {_pg_type(field.type)}' for field in table.schema)
    conn.execute(sa.text(f'CREATE TEMPORARY TABLE "{name}" ({columns}) ON COMMIT DROP'))
    copy_into(conn, f'"{name}"', table)
    yield name


def insert_frame(conn: sa.Connection, table: str, frame: pd.DataFrame | pa.Table) -> int:
    """Append rows to a table by column name, in bulk; returns the number of rows.

    An Arrow table is the cheap input for DuckDB (scanned in place, slices are zero-copy).
    """
    if len(frame) == 0:
        return 0
    if is_duckdb(conn):
        columns = frame.column_names if isinstance(frame, pa.Table) else list(frame.columns)
        column_list = ", ".join(f'"{col}"' for col in columns)
        with staged(conn, frame) as name:
            conn.execute(sa.text(f'INSERT INTO {table} ({column_list}) SELECT {column_list} FROM "{name}"'))
    else:
        copy_into(conn, table, to_arrow(frame))
    return len(frame)


def refresh_statistics(engine: sa.Engine, tables: Iterable[str]) -> None:
    """ANALYZE tables a bulk load changed (PostgreSQL; DuckDB keeps its statistics as it writes).

    Until autovacuum gets to a freshly loaded table the planner takes it for nearly empty and joins a
    half year of meter rows to the factors in a nested loop: the half-year summary of a million
    rows took 43 s instead of 7. Its own short transaction: ANALYZE holds a lock until commit that a
    concurrent run's ANALYZE of the same table would wait for.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE " + ", ".join(sorted(set(tables)))))  # footprint's own table names


def copy_into(conn: sa.Connection, table: str, frame: pa.Table) -> None:
    """COPY an Arrow table into a PostgreSQL table (in the connection's transaction), by column name."""
    column_list = ", ".join(f'"{col}"' for col in frame.column_names)
    sql = f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv)"
    chunks = _csv_chunks(frame)
    driver = conn.connection.driver_connection
    if conn.dialect.driver == "psycopg":
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for chunk in chunks:
                copy.write(chunk)
        return
    with driver.cursor() as cursor:
        cursor.copy_expert(sql, _Reader(chunks))


class _Reader:
    """The file psycopg2's copy_expert reads: each read() returns the next CSV chunk, b"" at the end."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def read(self, _size: int = -1) -> bytes:
        return next(self._chunks, b"")


def to_arrow(frame: pd.DataFrame | pa.Table) -> pa.Table:
    """An Arrow table of the frame; a column of mixed Python objects becomes text, as CSV would write it."""
    if isinstance(frame, pa.Table):
        return frame
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arrays = []
        for col in frame.columns:
            try:
                arrays.append(pa.array(frame[col], from_pandas=True))
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                arrays.append(pa.array(frame[col].map(lambda v: None if pd.isna(v) else str(v)), pa.string()))
        return pa.table(arrays, names=[str(col) for col in frame.columns])


def _csv_chunks(table: pa.Table) -> Iterator[bytes]:
    """CSV as PostgreSQL's COPY reads it, in chunks: the server parses one while the next is written.

    Text is always quoted and NULL is an empty unquoted field. Zoned timestamps are written as UTC
    instants with a Z: the same value, and Arrow formats them ten times faster than with their offset.
    """
    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            utc = column.cast(pa.timestamp(column.type.unit)).cast(pa.string())
            column = pc.binary_join_element_wise(utc, "Z", "")
        elif pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        columns.append(column)
    options = pa_csv.WriteOptions(include_header=False, batch_size=_CSV_BATCH_ROWS)
    for batch in pa.table(columns, names=table.column_names).to_batches(max_chunksize=_COPY_CHUNK_ROWS):
        if batch.num_rows == 0:
            # A table of chunked columns can start with an empty batch; psycopg2's copy_expert takes an
            # empty read() as the end of the data and would load nothing after it.
            continue
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(batch, sink, options)
        yield sink.getvalue().to_pybytes()


def _pg_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_dictionary(arrow_type):
        return _pg_type(arrow_type.value_type)
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    if pa.types.is_integer(arrow_type):
        return "BIGINT"
    if pa.types.is_floating(arrow_type):
        return "DOUBLE PRECISION"
    if pa.types.is_decimal(arrow_type):
        return "NUMERIC"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMP WITH TIME ZONE" if arrow_type.tz is not None else "TIMESTAMP"
    if pa.types.is_date(arrow_type):
        return "DATE"
    return "VARCHAR"
