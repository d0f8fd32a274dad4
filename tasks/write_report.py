from __future__ import annotations

from pathlib import Path

from prefect import task

from footprint.reports import write_report as write_report_files
from tasks._workspace import workspace


@task(name="write_report", task_run_name="write_report-{half}-{lang}")
def write_report(config: str | None, half: str, out_dir: str, lang: str) -> dict[str, str]:
    """Write the half-year report artefacts (JSON, XLSX, HTML, charts) for one language."""
    written = write_report_files(workspace(config), half, Path(out_dir), lang)
    return {name: str(path) for name, path in written.items()}
