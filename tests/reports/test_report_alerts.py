"""Section 4 of the half-year report: the period's alerts with the quality officer's explanation."""

from __future__ import annotations

from footprint.alert_record import Alert
from footprint.alert_store import record, set_status
from footprint.reports.charts import write_charts
from footprint.reports.html import render_halfyear_html
from footprint.reports.summary import build_summary


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

    html = render_halfyear_html(h1, write_charts(h1, tmp_path / "charts"), "nl")
    assert "New cleaning machine on trial in March" in html and "toegelicht" in html
    html = render_halfyear_html(full_year, write_charts(full_year, tmp_path / "charts2"), "en")
    assert "open, not yet explained" in html


def test_a_resolved_alert_is_shown_as_resolved_not_open(report_ws, tmp_path) -> None:
    """footprint closes an alert whose cause a corrected or reprocessed file removed: status resolved, its note why."""
    import sqlalchemy as sa

    from footprint.resources import warehouse

    [stored] = record(report_ws, [_alert("2024-04", "871687120000000009")])
    with warehouse(report_ws).begin() as conn:
        conn.execute(sa.text("UPDATE alerts SET status = 'resolved', noted_by = 'footprint', note = :why "
                             "WHERE alert_id = :id"), {"id": stored.alert_id, "why": "no longer found in 2024-04"})
    s = build_summary(report_ws, "2024H1")
    [alert] = [a for a in s["alerts"] if a["subject"] == "871687120000000009"]
    assert (alert["status"], alert["note"]) == ("resolved", "no longer found in 2024-04")
    nl = render_halfyear_html(s, write_charts(s, tmp_path / "nl"), "nl")
    row = nl[nl.index("2024-04</td>"):]
    row = row[:row.index("</tr>")]
    assert "opgelost (de oorzaak is weg)" in row and "open, nog niet toegelicht" not in row
    assert "gesloten door footprint" in row and "no longer found" not in row
    en = render_halfyear_html(s, write_charts(s, tmp_path / "en"), "en")
    assert "resolved (its cause is gone)" in en and "no longer found in 2024-04" in en
