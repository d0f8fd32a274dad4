"""A report's JSON and page files: the summary as JSON, the HTML page and its PDF."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from footprint import json_strict
from footprint.reports.pdf import write_pdf


def write_summary_json(summary: Mapping[str, Any], path: Path) -> Path:
    """The summary as JSON (UTF-8, two-space indent, no NaN): what other systems read of a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json_strict.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def write_html_page(html: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def write_summary_and_page(out_dir: Path, stem: str, summary: Mapping[str, Any], html: str) -> dict[str, Path]:
    """<stem>.json, <stem>.html and <stem>.pdf in out_dir, the three files of a one-page report; name -> path."""
    out_dir = Path(out_dir)
    json_path = write_summary_json(summary, out_dir / f"{stem}.json")
    html_path = write_html_page(html, out_dir / f"{stem}.html")
    return {json_path.name: json_path, html_path.name: html_path,
            f"{stem}.pdf": write_pdf(html_path, out_dir / f"{stem}.pdf")}
