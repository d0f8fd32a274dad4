"""The reports: the half-year report (the Check of Plan-Do-Check-Act), the per-project and the public report.

Builders read the warehouse and return JSON-ready summaries (summary, project, public and the sections
beside them); renderers turn a summary into files (charts, html, pdf, workbook, project_workbook,
outputs); footprint.reports.write puts the two together for each report.
"""
