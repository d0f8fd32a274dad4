from __future__ import annotations

import datetime as dt

from prefect import task

from footprint import runlog
from footprint.emissions import EmissionResult
from footprint.ingest.results import FileResult
from footprint.runlog import RunSummary
from tasks._workspace import workspace


@task(name="record_run", task_run_name="record_run-{period}")
def record_run(
    config: str | None,
    period: str,
    started_at: dt.datetime,
    files: list[FileResult],
    emissions: EmissionResult | None,
    error: str | None = None,
    skipped: list[str] | None = None,
) -> RunSummary:
    """Write the run log: files, rows read / loaded / quarantined, durations."""
    return runlog.record_run(workspace(config), period, started_at, files, emissions, error, skipped)
