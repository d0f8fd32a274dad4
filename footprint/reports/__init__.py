"""Half-year report (the Check of Plan-Do-Check-Act): summary JSON, charts, workbook and HTML."""

from __future__ import annotations

from footprint.reports.summary import SCHEMA_VERSION, build_summary, parse_half

__all__ = ["SCHEMA_VERSION", "build_summary", "parse_half", "write_report"]


def write_report(*args, **kwargs):
    from footprint.reports.report import write_report as _write_report

    return _write_report(*args, **kwargs)
