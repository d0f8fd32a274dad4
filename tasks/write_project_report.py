from __future__ import annotations

from pathlib import Path

from prefect import task

from footprint.periods import parse_period
from footprint.reports.write import write_project_report as write_project_files
from tasks._workspace import workspace


@task(name="write_project_report", task_run_name="write_project_report-{project_id}-{first}-{last}-{lang}")
def write_project_report(config: str | None, project_id: str, first: str, last: str, out_dir: str,
                         lang: str) -> dict[str, str]:
    """Write a project's emission report (JSON, HTML, PDF, XLSX) for the months first..last (YYYY-MM)."""
    written = write_project_files(workspace(config), project_id, parse_period(first), parse_period(last),
                                  Path(out_dir), lang)
    return {name: str(path) for name, path in written.items()}
