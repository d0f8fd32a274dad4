"""One pull of an organisation's sources for a month: each source on its own, none stopping another.

Per source: find its secret, open its connector, list what is new past its watermarks, and for each
item not pulled before fetch it, store every file write-once in the inbox under
`<source>/YYYY-MM/`, record it in the ledger (one transaction per item), and mark it at the source.
A channel's watermark moves only after all of its listed items are stored, so a run stopped
half-way (a crash, a 500 after the retries, a lost connection) moves nothing it did not finish, and
the next run fetches only what is missing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import sqlalchemy as sa

from footprint.config.pull import PullSource, SftpSource
from footprint.config.workspace import Workspace
from footprint.crashpoints import crash_point
from footprint.errors import FootprintError, UsageError
from footprint.periods import format_period, parse_period
from footprint.pull.connector import Connector, CredentialError, Item
from footprint.pull.kinds import open_connector
from footprint.pull.secrets import (
    Secret,
    SecretLookup,
    env_file,
    environment,
    find_secret,
    first_of,
)
from footprint.resources import warehouse
from footprint.storage.inbox_delivery import deliver, delivery_path
from footprint.visible import one_line
from footprint.warehouse import pull_ledger
from footprint.warehouse.pull_ledger import PulledFile

_log = logging.getLogger(__name__)

Opener = Callable[[PullSource, Secret], Connector]
SOURCES_AT_ONCE: Final = 4  # each a connection of its own; more would only queue at the warehouse


@dataclass(frozen=True)
class SourceResult:
    source: str
    kind: str
    items: int = 0  # items fetched and stored this run
    files: int = 0
    size_bytes: int = 0
    already: int = 0  # listed items pulled by an earlier run, not fetched again
    months: tuple[str, ...] = ()  # inbox months that received files
    warnings: tuple[str, ...] = ()
    error: str | None = None
    credentials: bool = False  # the error is about the credentials (missing, refused)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class PullReport:
    period: str
    results: list[SourceResult] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceResult]:
        return [r for r in self.results if not r.ok]

    unloaded: list[str] = field(default_factory=list)  # months with pulled files ingestion has not loaded yet

    @property
    def months(self) -> list[str]:
        """Every month a source delivered files to in this run."""
        return sorted({m for r in self.results for m in r.months})

    @property
    def to_ingest(self) -> list[str]:
        """The months ingestion should read: those this run filled, and any an earlier pull filled that no
        ingestion has loaded (a run killed after its pull, a footprint pull nobody followed with an ingest)."""
        return sorted({*self.months, *self.unloaded})


def pull_sources(
    ws: Workspace, period: str, blocks: SecretLookup | None = None, *, only: Sequence[str] = (),
    opener: Opener = open_connector,
) -> PullReport:
    """Pull every configured source (or those named in only) for the month; a failing source fails alone.

    Secrets by name from the environment, the .env beside footprint.yaml, then blocks (Prefect's).
    """
    lookup = first_of([environment, env_file(ws.config_path.parent / ".env"), *([blocks] if blocks else [])])
    sources = list(ws.org.pull)
    if only:
        unknown = sorted(set(only) - {s.name for s in sources})
        if unknown:
            known = ", ".join(s.name for s in sources) or "none (footprint.yaml has no pull: section)"
            raise UsageError(f"no pull source {', '.join(unknown)}; sources: {known}")
        sources = [s for s in sources if s.name in only]
    month = parse_period(period).strftime("%Y-%m")
    # Sources side by side: one server down spends its retries without holding up the others.
    with ThreadPoolExecutor(max_workers=max(1, min(SOURCES_AT_ONCE, len(sources)))) as pool:
        results = list(pool.map(lambda source: pull_source(ws, source, month, lookup, opener), sources))
    unloaded = [format_period(m) for m in pull_ledger.unloaded_months(warehouse(ws))]
    return PullReport(month, results, unloaded)


def _channels(items: list[Item]) -> dict[str, list[Item]]:
    grouped: dict[str, list[Item]] = {}
    for item in items:
        grouped.setdefault(item.channel, []).append(item)
    return grouped


def pull_source(ws: Workspace, source: PullSource, period: str, lookup: SecretLookup, opener: Opener) -> SourceResult:
    """One source's pull; its failure is the result's error, one line naming the source."""
    engine = warehouse(ws)
    if isinstance(source, SftpSource) and source.known_hosts and not Path(source.known_hosts).expanduser().is_absolute():
        source = source.model_copy(update={"known_hosts": str(ws.config_path.parent / source.known_hosts)})
    try:
        connector = opener(source, find_secret(source.name, source.secret, lookup))
    except FootprintError as exc:
        return SourceResult(source.name, source.kind, error=one_line(str(exc)),
                            credentials=isinstance(exc, CredentialError))
    counts = {"items": 0, "files": 0, "size_bytes": 0, "already": 0}
    months: set[str] = set()
    error: str | None = None
    credentials = False
    try:
        done = pull_ledger.pulled_keys(engine, source.name)
        for channel, items in _channels(connector.list_new(period, pull_ledger.watermarks(engine, source.name))).items():
            for item in items:
                if item.key in done:
                    counts["already"] += 1
                    continue
                stored = _store(ws, engine, source, item, connector)
                counts["items"] += 1
                counts["files"] += len(stored)
                counts["size_bytes"] += sum(f.size_bytes for f in stored)
                if stored:
                    months.add(item.period)
                crash_point("pull")  # reliability tests: die between two items
            pull_ledger.advance(engine, source.name, channel, items[-1].watermark, dt.datetime.now(dt.UTC))
    except FootprintError as exc:
        error, credentials = one_line(str(exc)), isinstance(exc, CredentialError)
    except Exception as exc:  # noqa: BLE001 - a source fails alone: what a client library or a server did that
        # no connector foresaw (a name the disk refuses, a body that is no gzip) is this source's one-line error,
        # not the end of every other source's pull; the next run tries the same item again.
        error = one_line(f"pull source {source.name}: {type(exc).__name__}: {exc}")[:500]
    finally:
        connector.close()
    warnings = tuple(one_line(w) for w in getattr(connector, "warnings", ()))
    return SourceResult(source.name, source.kind, months=tuple(sorted(months)), warnings=warnings, error=error,
                        credentials=credentials, **counts)


def _store(ws: Workspace, engine: sa.Engine, source: PullSource, item: Item, connector: Connector) -> list[PulledFile]:
    fetched_at = dt.datetime.now(dt.UTC)
    stored = []
    for delivered in connector.fetch(item):
        relative = delivery_path(source.name, item.period, delivered.file_name)
        sha = deliver(ws.inbox, relative, delivered.content, endpoint_url=ws.s3_endpoint_url)
        stored.append(PulledFile(relative, sha, len(delivered.content), delivered.request))
    pull_ledger.record_item(engine, source=source.name, kind=source.kind, key=item.key, channel=item.channel,
                            period=parse_period(item.period), files=stored, fetched_at=fetched_at)
    connector.taken(item)
    _log.info("pull %s: %s -> %d file(s)", source.name, item.request, len(stored))
    return stored
