from __future__ import annotations

from pathlib import Path

from prefect import task

from footprint.reports.write import write_public_report
from tasks._workspace import workspace


@task(name="write_public_summary", task_run_name="write_public_summary-{half}-{lang}")
def write_public_summary(config: str | None, half: str, out_dir: str, lang: str) -> dict[str, str]:
    """Write the one-page public summary (JSON, HTML, PDF) of a year ('2025H2') or year to date ('2025H1')."""
    written = write_public_report(workspace(config), half, Path(out_dir), lang)
    return {name: str(path) for name, path in written.items()}
