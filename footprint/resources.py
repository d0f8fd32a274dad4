"""The shared resources of every room, built once per process from the workspace: warehouse engine,
inbox, raw store and staging folder. Ingestion, emissions, reports and alerts all take them from here,
so none of them depends on another's module for a connection.
"""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa

from footprint.config.workspace import Workspace
from footprint.factors.loader import ensure_default_factors
from footprint.storage.inbox import Inbox, open_inbox
from footprint.storage.raw_store import RawStore, open_raw_store
from footprint.warehouse import make_warehouse

_ENGINES: dict[tuple[str, str | None], sa.Engine] = {}


_ENGINES_LOCK = threading.Lock()


def warehouse(ws: Workspace) -> sa.Engine:
    """One engine per warehouse and process, schema applied and the default factor list loaded."""
    key = (ws.warehouse_url, ws.warehouse_schema)  # organisations sharing a database differ by schema
    with _ENGINES_LOCK:  # a month's datasets load in parallel tasks: migrate and seed once
        engine = _ENGINES.get(key)
        if engine is None:
            engine = make_warehouse(ws.warehouse_url, ws.warehouse_schema, duckdb_memory_limit=ws.duckdb_memory_limit)
            ensure_default_factors(engine)
            _ENGINES[key] = engine
    return engine


def close_warehouses() -> None:
    """Release every open warehouse: an embedded DuckDB file is locked while this process holds it."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


def staging_folder(ws: Workspace) -> Path:
    return ws.staging or ws.config_path.parent / ".staging"


def inbox(ws: Workspace) -> Inbox:
    """The workspace's inbox: a folder or S3, with files still being written left for the next run."""
    return open_inbox(ws.inbox, staging_folder(ws), settle_seconds=ws.inbox_settle_seconds, endpoint_url=ws.s3_endpoint_url)


def raw_store(ws: Workspace) -> RawStore:
    return open_raw_store(ws.raw_store, endpoint_url=ws.s3_endpoint_url)
