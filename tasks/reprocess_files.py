from __future__ import annotations

import datetime as dt

from prefect import task

from footprint import reprocess
from tasks._workspace import workspace


@task(name="reprocess_files")
def reprocess_files(
    config: str | None,
    first: dt.date | None,
    last: dt.date | None,
    file_pattern: str | None,
    dataset: str | None,
) -> reprocess.ReprocessResult:
    """Read the selected stored files again with today's configuration and restate what moved."""
    return reprocess.reprocess(workspace(config), first, last, file_pattern, dataset)
