"""PDF files of the reports: their HTML pages laid out on A4 by WeasyPrint, so the PDF and the page never differ."""

from __future__ import annotations

import logging
from pathlib import Path

# WeasyPrint logs every CSS property it does not support; the report's CSS is ours and checked by tests.
for _name in ("weasyprint", "fontTools"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def write_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Render a self-contained HTML file (images as data URIs) to PDF beside it."""
    from weasyprint import (
        HTML,  # imported here: it loads Pango, which only reports need
    )

    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    HTML(filename=str(html_path), base_url=str(html_path.parent)).write_pdf(str(pdf_path))
    return pdf_path
