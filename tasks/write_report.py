from __future__ import annotations

from pathlib import Path

from prefect import task

from footprint.reports.write import write_halfyear_report
from footprint.verify import check_sizes
from tasks._workspace import workspace


@task(name="write_report", task_run_name="write_report-{half}-{lang}")
def write_report(config: str | None, half: str, out_dir: str | None, lang: str) -> dict[str, str]:
    """Write the half-year report artefacts (JSON, XLSX, HTML, PDF, charts) and archive the run."""
    ws = workspace(config)
    target = Path(out_dir) if out_dir else ws.config_path.parent / "reports" / half
    written = write_halfyear_report(ws, half, target, lang, raw_store_check=check_sizes(ws).as_summary())
    return {name: str(path) for name, path in written.items()}
