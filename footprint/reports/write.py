"""Writing the three reports: each builds its summary (the builders read the warehouse), then renders it to
files (the renderers only render). What `footprint report`, the report flows and their tasks call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from footprint import json_strict
from footprint.config.workspace import Workspace
from footprint.periods import Half
from footprint.reports.archive import archive_report
from footprint.reports.charts import write_charts
from footprint.reports.html import (
    render_halfyear_html,
    render_project_html,
    render_public_html,
)
from footprint.reports.lineage import emission_lines, input_files
from footprint.reports.outputs import (
    write_html_page,
    write_summary_and_page,
    write_summary_json,
)
from footprint.reports.pdf import write_pdf
from footprint.reports.project import project_emission_rows, project_summary
from footprint.reports.project_workbook import write_project_workbook
from footprint.reports.public import public_summary
from footprint.reports.summary import build_summary
from footprint.reports.summary_types import WrittenSummary
from footprint.reports.workbook import write_halfyear_workbook
from footprint.storage.files import disk_errors


def write_halfyear_report(ws: Workspace, half: Half | str, out_dir: Path, lang: str = "nl", *,
                          raw_store_check: Mapping[str, Any]) -> dict[str, Path]:
    """Write summary.json, charts/*.png, report.xlsx, report.html and report.pdf of one half year into out_dir
    and archive the run; returns name -> path.

    manifest.json (input checksums, factor lists, config hash, comparison with the last archived run)
    is stored in the archive and copied beside the report. The caller checks the raw store first (every
    recorded file there with its size: footprint.verify.check_sizes(ws).as_summary()), so writing a report
    never fails on a store it only describes; the report states what that check found: `raw_store_check`.
    """
    half = Half.of(half)
    out_dir = Path(out_dir)
    summary: WrittenSummary = {**build_summary(ws, half), "raw_store_check": dict(raw_store_check)}
    lines = emission_lines(ws, half)
    folder = f"report folder {out_dir}"
    with disk_errors(folder, "writing the report"):
        summary_path = write_summary_json(summary, out_dir / "summary.json")
        charts = write_charts(summary, out_dir / "charts", lang)
        html = write_html_page(render_halfyear_html(summary, charts, lang), out_dir / "report.html")
        written = {
            "summary.json": summary_path,
            "report.xlsx": write_halfyear_workbook(summary, lines, out_dir / "report.xlsx", lang),
            "report.html": html,
            "report.pdf": write_pdf(html, out_dir / "report.pdf"),
            **{f"charts/{path.name}": path for path in charts.values()},
        }
    manifest = archive_report(ws, half, written, summary, input_files(ws, half))
    # The run's manifest beside the report too: the reader sees what it rests on and how it compares.
    manifest_path = out_dir / "manifest.json"
    with disk_errors(folder, "writing manifest.json (the report is archived)"):
        manifest_path.write_text(json_strict.dumps(manifest, indent=2), encoding="utf-8")
    return {**written, "manifest.json": manifest_path}


def write_project_report(
    ws: Workspace, project_id: str, first: dt.date, last: dt.date, out_dir: Path, lang: str = "nl"
) -> dict[str, Path]:
    """Write project.json, project.html, project.pdf and project.xlsx into out_dir; returns name -> path."""
    summary = project_summary(ws, project_id, first, last)
    html = render_project_html(summary, lang)  # before writing anything: a bad language fails cleanly
    rows = project_emission_rows(ws, summary)
    written = write_summary_and_page(out_dir, "project", summary, html)
    return {**written, "project.xlsx": write_project_workbook(summary, rows, Path(out_dir) / "project.xlsx")}


def write_public_report(ws: Workspace, half: Half | str, out_dir: Path, lang: str = "nl") -> dict[str, Path]:
    """Write public.json, public.html and public.pdf (one A4 page) into out_dir; returns name -> path."""
    summary = public_summary(ws, half)
    return write_summary_and_page(out_dir, "public", summary, render_public_html(summary, lang))
