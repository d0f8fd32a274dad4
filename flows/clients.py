"""Many clients, one schedule: the monthly pull and ingestion of every organisation in a clients file.

Each client runs as its own monthly_ingest flow run (named after it), at most max_parallel at a
time and each client once per run: the deployment's concurrency limit of one keeps two runs of the
list, and so of one client, apart. A client that fails (its configuration, a source, its warehouse)
is reported and never stops another; the run fails at the end when one did.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, get_run_logger

from flows.monthly_ingest import monthly_ingest, previous_month
from footprint.config.clients import load_clients, shared_places
from footprint.errors import ConfigError, FootprintError
from footprint.periods import format_period, parse_period
from footprint.visible import one_line


@dataclass(frozen=True)
class ClientOutcome:
    name: str
    config: str
    ok: bool
    message: str


class ClientsFailed(FootprintError):
    """Some clients' runs failed; the others ran to the end."""


def _run_client(name: str, config: Path, month: str) -> ClientOutcome:
    state = monthly_ingest.with_options(flow_run_name=f"{name} {month}")(
        period=month, config=str(config), return_state=True)
    if state.is_completed():
        summary = state.result()
        loaded = sum(f.outcome == "loaded" for f in summary.files)
        return ClientOutcome(name, str(config), True, f"{loaded} file(s) loaded, {summary.rows_quarantined} "
                                                     "row(s) quarantined")
    return ClientOutcome(name, str(config), False, one_line(state.message or "failed"))


@flow(name="monthly_ingest_clients")
def monthly_ingest_clients(clients: str, period: str | None = None, max_parallel: int = 2) -> list[ClientOutcome]:
    """Pull and ingest one month (default: last month) for every active client in the clients file."""
    month = format_period(parse_period(period)) if period else previous_month()
    entries = load_clients(Path(clients))
    shared = shared_places(entries)
    if shared:
        raise ConfigError(f"{clients}: {'; '.join(shared)}: give each client its own warehouse (or "
                          "locations.warehouse_schema) and inbox, and no FOOTPRINT_WAREHOUSE_SCHEMA or FOOTPRINT_INBOX "
                          "in the worker's environment")
    with ThreadPoolExecutor(max_workers=max(1, max_parallel)) as pool:
        outcomes = list(pool.map(lambda entry: _run_client(*entry, month), entries))
    logger = get_run_logger()
    for outcome in outcomes:
        (logger.info if outcome.ok else logger.error)("client %s %s: %s", outcome.name, month, outcome.message)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise ClientsFailed(f"{len(failed)} of {len(outcomes)} client(s) failed for {month}: "
                            + "; ".join(f"{o.name}: {o.message}" for o in failed))
    return outcomes
