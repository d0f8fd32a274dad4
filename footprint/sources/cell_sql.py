"""DuckDB over a column of cells: numbers and timestamps are converted by SQL, a whole column per query."""

from __future__ import annotations

import threading

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

_local = threading.local()


def _duckdb() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per thread: connections are not shared across threads."""
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        _local.con = con
    return con


def sql(query: str, **arrays: pa.Array) -> pa.Table:
    """Run a query over the given arrays, visible to it as the table `cells`."""
    return _duckdb().from_arrow(pa.table(arrays)).query("cells", query).to_arrow_table()


def all_match(values: pa.Array, pattern: str) -> bool:
    """Whether every value is present and matches: the condition for a fast path with no per-row fallback."""
    return len(values) > 0 and values.null_count == 0 and pc.all(pc.match_substring_regex(values, pattern)).as_py()
