"""write_report: summary.json, charts/*.png, report.xlsx and report.html for one half year."""

from __future__ import annotations

import json
from pathlib import Path

from footprint.config import Workspace
from footprint.reports.archive import archive_report
from footprint.reports.charts import write_charts
from footprint.reports.html import write_html
from footprint.reports.summary import build_summary
from footprint.reports.workbook import write_workbook


def write_report(ws: Workspace, half: str, out_dir: Path, lang: str = "nl") -> dict[str, Path]:
    """Write every artefact of the half-year report into out_dir and archive the run; returns name -> path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = build_summary(ws, half)
    summary_path = out_dir / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    charts = write_charts(summary, out_dir / "charts")
    written = {
        "summary.json": summary_path,
        "report.xlsx": write_workbook(ws, summary, out_dir / "report.xlsx"),
        "report.html": write_html(summary, charts, out_dir / "report.html", lang),
        **{f"charts/{path.name}": path for path in charts.values()},
    }
    return {**written, "archive": archive_report(ws, half, written, summary)}
