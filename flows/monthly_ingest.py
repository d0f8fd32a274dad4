"""Monthly ingestion: pull the month's new files, load them, compute emissions, log the run."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from footprint.errors import FootprintError
from footprint.periods import format_period, parse_period
from footprint.pipeline import RunSummary
from tasks.compute_emissions import compute_emissions
from tasks.load_files import load_files
from tasks.pull_files import pull_files
from tasks.record_run import record_run


def previous_month(today: dt.date | None = None) -> str:
    first = (today or dt.date.today()).replace(day=1)
    return format_period((first - dt.timedelta(days=1)).replace(day=1))


def _ingest(config: str | None, period: str) -> RunSummary:
    started = dt.datetime.now(dt.timezone.utc)
    files = load_files(config, period, pull_files(config, period))
    try:
        emissions = compute_emissions(config, period)
    except FootprintError as exc:
        record_run(config, period, started, files, None, error=str(exc))
        raise
    return record_run(config, period, started, files, emissions)


@flow(name="monthly_ingest")
def monthly_ingest(period: str | None = None, config: str | None = None) -> RunSummary:
    """Ingest one month (default: last month, for the schedule in prefect.yaml)."""
    month = format_period(parse_period(period)) if period else previous_month()
    return _ingest(config, month)


@flow(name="ingest_months")
def ingest_months(periods: list[str], config: str | None = None) -> list[RunSummary]:
    """Ingest several months in one flow run: a backfill costs one flow start, not one per month."""
    return [_ingest(config, format_period(parse_period(p))) for p in periods]
