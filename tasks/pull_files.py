from __future__ import annotations

from prefect import task

from footprint.ingest.pull import Pulled, pull_inbox
from tasks._retry import RETRY_DELAYS, transient
from tasks._workspace import workspace


@task(name="pull_files", retries=2, retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient)
def pull_files(config: str | None, period: str) -> Pulled:
    """The inbox files of a period that have not been loaded before, and those left for a later run."""
    return pull_inbox(workspace(config), period)
