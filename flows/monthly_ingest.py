"""Monthly ingestion: pull the month's new files, load them, compute emissions, log the run, then alert.

Deviations are detected and stored per month; sending comes once at the end of a flow run, so a
backfill of many months asks the mail server once, and whatever fails stays pending for the next run.

A month with many files is parsed in batches and its datasets loaded as separate tasks, on the task
runner that FOOTPRINT_TASK_RUNNER names (threads, or Dask: see flows/task_runner.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from prefect import flow, get_run_logger

from flows.pull_sources import log_pull
from flows.task_runner import task_runner
from footprint.config.workspace import Settings
from footprint.errors import FootprintError
from footprint.ingest.results import FileResult
from footprint.ingest.stage import dataset_batches, file_batches
from footprint.periods import format_period, parse_period
from footprint.pull.run import PullReport
from footprint.runlog import RunSummary
from tasks._workspace import workspace
from tasks.check_raw_store import check_raw_store
from tasks.compute_emissions import compute_emissions
from tasks.detect_alerts import detect_alerts
from tasks.load_dataset import load_dataset
from tasks.load_files import load_files
from tasks.pull_files import pull_files
from tasks.pull_sources import pull_sources_task
from tasks.record_run import record_run
from tasks.send_alerts import send_alerts
from tasks.stage_files import stage_files

RUNNER = task_runner()


def previous_month(today: dt.date | None = None) -> str:
    first = (today or dt.date.today()).replace(day=1)
    return format_period((first - dt.timedelta(days=1)).replace(day=1))


def _load(config: str | None, period: str, paths: list[str]) -> list[FileResult]:
    """A month is one task, unless Settings.month_split maps it: parsed in batches, then loaded per dataset, in parallel.

    Either way each dataset of the month is loaded in one transaction; the split only decides where the work runs.
    """
    per_task = Settings().month_split()
    if per_task is None or len(paths) <= per_task:
        return load_files.submit(config, period, paths).result()
    parsing = [stage_files.submit(config, period, batch) for batch in file_batches(paths, per_task)]
    staged = [item for future in parsing for item in future.result()]
    loading = [load_dataset.submit(config, period, batch[0].dataset, batch) for batch in dataset_batches(staged)]
    rejected = [item for item in staged if isinstance(item, FileResult)]
    return rejected + [result for future in loading for result in future.result()]


def _ingest(config: str | None, period: str) -> RunSummary:
    started = dt.datetime.now(dt.UTC)
    pulled = pull_files(config, period)
    files = [*pulled.rejected, *_load(config, period, pulled.paths)]
    try:
        emissions = compute_emissions(config, period)
    except FootprintError as exc:
        record_run(config, period, started, files, None, error=str(exc), skipped=pulled.skipped)
        raise
    summary = record_run(config, period, started, files, emissions, skipped=pulled.skipped)
    detect_alerts(config, period, emissions.periods)
    return summary


def _send(config: str | None) -> None:
    """Send pending alerts; after the task's retries a failure is a warning, not a failed ingestion."""
    state = send_alerts(config, return_state=True)
    if state.is_failed():
        get_run_logger().warning("alerts stay pending and go out with the next run: %s", state.message)


def _checked_store(config: str | None, summaries: list[RunSummary]) -> list[RunSummary]:
    """The raw store checked once per flow run, after loading: what the warehouse points at must be there."""
    problems = check_raw_store(config)
    for line in problems:
        get_run_logger().warning("raw store: %s", line)
    return [replace(summary, raw_store_problems=problems) for summary in summaries] if problems else summaries


def _pull(config: str | None, month: str) -> PullReport | None:
    """The configured sources pulled first (footprint.yaml `pull:`); None when there are none."""
    if not workspace(config).org.pull:
        return None
    report = pull_sources_task(config, month)
    log_pull(report)
    return report


class PullFailed(FootprintError):
    """Some sources could not be pulled; what the others brought was ingested all the same."""


@flow(name="monthly_ingest", task_runner=RUNNER)
def monthly_ingest(period: str | None = None, config: str | None = None, pull: bool = True) -> RunSummary:
    """Pull the configured sources, then ingest one month (default: last month, for the schedule in prefect.yaml).

    Earlier months with pulled files not yet loaded (a source caught up after being down, a run killed
    after its pull) are ingested too, before this one. A source that failed fails the flow run at the end, after everything else is done.
    """
    month = format_period(parse_period(period)) if period else previous_month()
    pulled = _pull(config, month) if pull else None
    earlier = [m for m in (pulled.to_ingest if pulled else []) if m < month]
    *_, summary = _checked_store(config, [_ingest(config, m) for m in [*earlier, month]])
    _send(config)
    if pulled is not None and pulled.failed:
        raise PullFailed("; ".join(r.error or "" for r in pulled.failed))
    return summary


@flow(name="ingest_months", task_runner=RUNNER)
def ingest_months(periods: list[str], config: str | None = None) -> list[RunSummary]:
    """Ingest several months in one flow run: a backfill costs one flow start, not one per month."""
    summaries = _checked_store(config, [_ingest(config, format_period(parse_period(p))) for p in periods])
    _send(config)
    return summaries
