"""Section 4 of the half-year report: the period's alerts with the quality officer's explanation."""

from __future__ import annotations

from footprint.alerts.model import Alert
from footprint.alerts.store import record, set_status
from footprint.reports import build_summary
from footprint.reports.charts import write_charts
from footprint.reports.html import render_html


def _alert(period: str, subject: str) -> Alert:
    return Alert(rule="month_on_month", subject=subject, period=period, severity="warning",
                 title=f"Gas use of {subject} up 80 %", message="180 m3 against 100 m3 the month before",
                 evidence={"observed": 180.0, "threshold": 50.0, "unit": "m3"})


def test_explained_alert_appears_with_its_note(report_ws, tmp_path) -> None:
    stored = record(report_ws, [_alert("2025-03", "871687120000000001"), _alert("2025-09", "871687120000000002"),
                                _alert("2024-03", "871687120000000003")])
    explained = next(a for a in stored if a.period.startswith("2025-03"))
    set_status(report_ws, explained.alert_id, "explained", "New cleaning machine on trial in March", "kam@example.nl")

    h1 = build_summary(report_ws, "2025H1")
    assert [(a["subject"], a["status"], a["note"]) for a in h1["alerts"]] == [
        ("871687120000000001", "explained", "New cleaning machine on trial in March")]
    assert h1["alerts"][0]["noted_by"] == "kam@example.nl"
    full_year = build_summary(report_ws, "2025H2")
    assert [a["subject"] for a in full_year["alerts"]] == ["871687120000000001", "871687120000000002"]

    html = render_html(h1, write_charts(h1, tmp_path / "charts"), "nl")
    assert "New cleaning machine on trial in March" in html and "toegelicht" in html
    html = render_html(full_year, write_charts(full_year, tmp_path / "charts2"), "en")
    assert "open, not yet explained" in html
