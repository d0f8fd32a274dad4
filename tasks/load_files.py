from __future__ import annotations

from prefect import task

from footprint import pipeline
from tasks._workspace import workspace


@task(name="load_files", task_run_name="load_files-{period}")
def load_files(config: str | None, period: str, paths: list[str]) -> list[pipeline.FileResult]:
    """Store, parse, validate and load a period's new files, each file in its own transaction."""
    return pipeline.load_files(workspace(config), period, paths)
