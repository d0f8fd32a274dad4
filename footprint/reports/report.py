"""write_report: summary.json, charts/*.png, report.xlsx, report.html and report.pdf for one half year."""

from __future__ import annotations

from pathlib import Path

from footprint import json_strict
from footprint.config import Workspace
from footprint.reports.archive import archive_report
from footprint.reports.charts import write_charts
from footprint.reports.html import write_html
from footprint.reports.pdf import write_pdf
from footprint.reports.summary import build_summary
from footprint.reports.workbook import write_workbook
from footprint.storage import disk_errors
from footprint.verify import check_sizes


def write_report(ws: Workspace, half: str, out_dir: Path, lang: str = "nl") -> dict[str, Path]:
    """Write every artefact of the half-year report into out_dir and archive the run; returns name -> path.

    manifest.json (input checksums, factor lists, config hash, comparison with the last archived run)
    is stored in the archive and copied beside the report. The raw store is checked first (every
    recorded file there with its size) and the report states what that found: `raw_store_check`.
    """
    out_dir = Path(out_dir)
    checked = check_sizes(ws)
    summary = {**build_summary(ws, half), "raw_store_check": checked.as_summary()}
    folder = f"report folder {out_dir}"
    with disk_errors(folder, "writing the report"):
        out_dir.mkdir(parents=True, exist_ok=True)
        summary_path = out_dir / "summary.json"
        summary_path.write_text(json_strict.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
        charts = write_charts(summary, out_dir / "charts", lang)
        html = write_html(summary, charts, out_dir / "report.html", lang)
        written = {
            "summary.json": summary_path,
            "report.xlsx": write_workbook(ws, summary, out_dir / "report.xlsx", lang),
            "report.html": html,
            "report.pdf": write_pdf(html, out_dir / "report.pdf"),
            **{f"charts/{path.name}": path for path in charts.values()},
        }
    manifest = archive_report(ws, half, written, summary)
    # The run's manifest beside the report too: the reader sees what it rests on and how it compares.
    manifest_path = out_dir / "manifest.json"
    with disk_errors(folder, "writing manifest.json (the report is archived)"):
        manifest_path.write_text(json_strict.dumps(manifest, indent=2), encoding="utf-8")
    return {**written, "manifest.json": manifest_path}
