"""Reprocessing: read stored raw files again after the configuration changed, then judge the months again.

The files are read, loaded and recomputed in one task (footprint.reprocess); the alerts of every
month they were delivered in are judged again, so an alert whose cause the new reading removed is
closed as resolved, and a new deviation is raised and sent like any other.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.monthly_ingest import RUNNER, _send
from footprint.reprocess import ReprocessResult
from tasks.detect_alerts import detect_alerts
from tasks.reprocess_files import reprocess_files


@flow(name="reprocess", task_runner=RUNNER)
def reprocess(
    config: str | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
    file_pattern: str | None = None,
    dataset: str | None = None,
) -> ReprocessResult:
    """Reprocess the stored files of the months, file name pattern or dataset given."""
    result = reprocess_files(config, first, last, file_pattern, dataset)
    why = "its cause was restated away by footprint reprocess (the files read again no longer show it)"
    for period in result.delivery_periods:
        detect_alerts(config, period, result.activity_periods, why)
    _send(config)
    return result
