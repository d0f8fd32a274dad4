from __future__ import annotations

from prefect import task

from footprint import verify
from tasks._workspace import workspace


@task(name="check_raw_store")
def check_raw_store(config: str | None) -> list[str]:
    """Every kept file still there with its size (no content read): a file deleted or edited by hand is named
    in each ingest, not first by an auditor. `footprint verify` re-hashes them all."""
    return verify.quick_check(workspace(config))
