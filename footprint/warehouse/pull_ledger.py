"""The pull ledger (sql/009_pull_ledger.sql): what each pull source stored, and each channel's watermark.

The pull run writes it; ingestion reads which inbox files a connector wrote (whole, renamed into place,
so they need not wait out the inbox's settle time); `footprint pull --status` shows it. A handful of
rows per fetched item: plain statements, no bulk path needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class PulledFile:
    inbox_path: str  # below the inbox root: <source>/YYYY-MM/<name>; "" for an item that delivered nothing
    file_sha256: str
    size_bytes: int
    request: str


@dataclass(frozen=True)
class SourceStatus:
    source: str
    kind: str
    items: int
    files: int
    size_bytes: int
    last_fetched_at: dt.datetime | None
    watermarks: dict[str, str]


def watermarks(engine: sa.Engine, source: str) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT channel, watermark FROM pull_watermarks WHERE source = :s"), {"s": source})
        return {channel: mark for channel, mark in rows}


def pulled_keys(engine: sa.Engine, source: str) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT DISTINCT item_key FROM pulled_files WHERE source = :s"), {"s": source})
        return {key for (key,) in rows}


def record_item(
    engine: sa.Engine, *, source: str, kind: str, key: str, channel: str, period: dt.date,
    files: Sequence[PulledFile], fetched_at: dt.datetime,
) -> None:
    """An item's files, in one transaction: recorded completely or not at all, so a crash re-fetches it."""
    rows = [{"source": source, "kind": kind, "key": key, "channel": channel, "period": period,
             "path": f.inbox_path, "sha": f.file_sha256, "size": f.size_bytes, "request": f.request,
             "at": fetched_at} for f in files] or [
        {"source": source, "kind": kind, "key": key, "channel": channel, "period": period,
         "path": "", "sha": "", "size": 0, "request": "", "at": fetched_at}]
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO pulled_files (source, kind, item_key, channel, period, inbox_path, file_sha256, size_bytes, "
            "request, fetched_at) VALUES (:source, :kind, :key, :channel, :period, :path, :sha, :size, :request, :at)"
        ), rows)


def advance(engine: sa.Engine, source: str, channel: str, watermark: str, at: dt.datetime) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM pull_watermarks WHERE source = :s AND channel = :c"),
                     {"s": source, "c": channel})
        conn.execute(sa.text(
            "INSERT INTO pull_watermarks (source, channel, watermark, updated_at) VALUES (:s, :c, :w, :at)"),
            {"s": source, "c": channel, "w": watermark, "at": at})


def pulled_paths(engine: sa.Engine, period: dt.date) -> frozenset[str]:
    """The inbox paths (below the inbox root) connectors wrote for a month."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT inbox_path FROM pulled_files WHERE period = :p AND inbox_path <> ''"), {"p": period})
        return frozenset(path for (path,) in rows)


def unloaded_months(engine: sa.Engine) -> list[dt.date]:
    """Months with a pulled file whose content is in no raw_files row: stored in the inbox, not yet ingested.

    A file ingestion rejects (unreadable) has no row either, so its month is read again each run and
    rejected again with its message: shown, never silently dropped.
    """
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT DISTINCT p.period FROM pulled_files p LEFT JOIN raw_files r ON r.file_sha256 = p.file_sha256 "
            "WHERE p.inbox_path <> '' AND r.file_sha256 IS NULL ORDER BY p.period"))
        return [period for (period,) in rows]


def status(engine: sa.Engine) -> list[SourceStatus]:
    """Per source: items and files stored, bytes, the last fetch and every channel's watermark."""
    with engine.connect() as conn:
        totals = conn.execute(sa.text(
            "SELECT source, MIN(kind), COUNT(DISTINCT item_key), "
            "SUM(CASE WHEN inbox_path <> '' THEN 1 ELSE 0 END), SUM(size_bytes), MAX(fetched_at) "
            "FROM pulled_files GROUP BY source ORDER BY source")).all()
        marks = conn.execute(sa.text(
            "SELECT source, channel, watermark FROM pull_watermarks ORDER BY source, channel")).all()
    per_source: dict[str, dict[str, str]] = {}
    for source, channel, mark in marks:
        per_source.setdefault(source, {})[channel] = mark
    return [SourceStatus(source, kind, int(items), int(files or 0), int(size or 0), last,
                         per_source.get(source, {})) for source, kind, items, files, size, last in totals]
