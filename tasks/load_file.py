from __future__ import annotations

from prefect import task

from footprint import pipeline
from tasks._workspace import workspace


@task(name="load_file", task_run_name="load_file-{period}-{path}")
def load_file(config: str | None, period: str, path: str) -> pipeline.FileResult:
    """Store, parse, validate and load one raw file in one transaction."""
    return pipeline.ingest_file(workspace(config), period, path)
