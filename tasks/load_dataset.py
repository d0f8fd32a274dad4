from __future__ import annotations

from prefect import task

from footprint.ingest.results import FileResult, StagedFile
from footprint.ingest.stage import load_staged
from tasks._retry import RETRY_DELAYS, transient
from tasks._workspace import workspace


@task(name="load_dataset", task_run_name="load_dataset-{period}-{dataset}", retries=2,
      retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient)
def load_dataset(
    config: str | None, period: str, dataset: str, staged: list[StagedFile]
) -> list[FileResult]:
    """Validate and load one dataset's staged files of a period in one transaction: every file all in or all out."""
    return load_staged(workspace(config), period, dataset, staged)
