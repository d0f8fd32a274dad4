from __future__ import annotations

from prefect import task

from footprint.ingest import load
from footprint.ingest.results import FileResult
from tasks._retry import RETRY_DELAYS, transient
from tasks._workspace import workspace


@task(name="load_files", task_run_name="load_files-{period}", retries=2, retry_delay_seconds=RETRY_DELAYS,
      retry_condition_fn=transient)
def load_files(config: str | None, period: str, paths: list[str]) -> list[FileResult]:
    """Store, parse, validate and load a period's new files in memory: each file all in or all out."""
    return load.load_files(workspace(config), period, paths)
