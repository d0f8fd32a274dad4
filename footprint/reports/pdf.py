"""report.pdf: the HTML report laid out on A4 pages by WeasyPrint, so the PDF and the page never differ."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from footprint import json_strict

# WeasyPrint logs every CSS property it does not support; the report's CSS is ours and checked by tests.
for _name in ("weasyprint", "fontTools"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def write_json_html_pdf(out_dir: Path, stem: str, summary: dict[str, Any], html: str) -> dict[str, Path]:
    """<stem>.json, <stem>.html and <stem>.pdf of a report in out_dir: the three forms every report has."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / f"{stem}.json", out_dir / f"{stem}.html"
    json_path.write_text(json_strict.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    html_path.write_text(html, encoding="utf-8")
    return {json_path.name: json_path, html_path.name: html_path,
            f"{stem}.pdf": write_pdf(html_path, out_dir / f"{stem}.pdf")}


def write_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Render a self-contained HTML file (images as data URIs) to PDF beside it."""
    from weasyprint import HTML  # imported here: it loads Pango, which only reports need

    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    HTML(filename=str(html_path), base_url=str(html_path.parent)).write_pdf(str(pdf_path))
    return pdf_path
