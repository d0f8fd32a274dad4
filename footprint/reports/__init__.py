"""Half-year report (the Check of Plan-Do-Check-Act): summary JSON, charts, workbook and HTML."""

from __future__ import annotations

from footprint.reports.summary import SCHEMA_VERSION, build_summary, parse_half

__all__ = ["SCHEMA_VERSION", "build_summary", "parse_half", "write_report"]


def write_report(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - thin re-export, see footprint.reports.report
    from footprint.reports.report import write_report as _write_report

    return _write_report(*args, **kwargs)
