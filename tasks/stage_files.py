from __future__ import annotations

from prefect import task

from footprint.ingest import stage
from footprint.ingest.results import FileResult, StagedFile
from tasks._retry import RETRY_DELAYS, transient
from tasks._workspace import workspace


@task(name="stage_files", task_run_name="stage_files-{period}", retries=2, retry_delay_seconds=RETRY_DELAYS,
      retry_condition_fn=transient)
def stage_files(config: str | None, period: str, paths: list[str]) -> list[FileResult | StagedFile]:
    """Keep a batch of a period's files in the raw store and parse them to staged Parquet; rows never travel."""
    return stage.stage_files(workspace(config), period, paths)
