"""The alerts table on DuckDB and PostgreSQL: once per key, verdicts kept, deliveries per channel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from company_files import make_company

from footprint import alert_store
from footprint.alert_record import Alert
from footprint.config.workspace import Workspace
from footprint.errors import UsageError
from footprint.resources import close_warehouses, warehouse


@pytest.fixture
def ws(tmp_path: Path, warehouse_url: str) -> Iterator[Workspace]:
    yield make_company(tmp_path / "co", warehouse_url, {})
    close_warehouses()


def alert(rule: str = "month_on_month", subject: str = "VGH42K", period: str = "2025-03", **evidence: object) -> Alert:
    return Alert(
        rule, subject, period, "warning", f"{subject}: +80 % on the month before", "Vehicle VGH42K recorded 180 l.",
        {"observed": 180.0, "threshold": 50.0, "unit": "l",
         "series": [{"period": "2025-02", "value": 100.0}, {"period": period, "value": 180.0}], **evidence},
    )


def test_record_stores_new_keys_once_with_ids(ws: Workspace) -> None:
    first = alert_store.record(ws, [alert(), alert(subject="VHT17P"), alert()])
    assert [(a.alert_id, a.subject, a.status) for a in first] == [(1, "VGH42K", "open"), (2, "VHT17P", "open")]
    assert all(a.created_at for a in first)
    assert alert_store.record(ws, [alert(), alert(subject="VHT17P")]) == []
    more = alert_store.record(ws, [alert(), alert(period="2025-04")])
    assert [(a.alert_id, a.period) for a in more] == [(3, "2025-04")]
    listed = alert_store.list_alerts(ws)
    assert [a.key for a in listed] == ["month_on_month|VGH42K|2025-03", "month_on_month|VHT17P|2025-03",
                                       "month_on_month|VGH42K|2025-04"]
    assert listed[0].evidence == alert().evidence
    assert listed[0].created_at == first[0].created_at


def test_an_explained_alert_keeps_status_and_note_when_detected_again(ws: Workspace) -> None:
    (stored,) = alert_store.record(ws, [alert()])
    explained = alert_store.set_status(ws, stored.alert_id, "explained", "  New route to the Gouda project.  ", "kam")
    assert (explained.status, explained.note, explained.noted_by) == ("explained", "New route to the Gouda project.", "kam")
    assert explained.noted_at
    assert alert_store.record(ws, [alert(observed_again=True)]) == []
    (kept,) = alert_store.list_alerts(ws)
    assert (kept.status, kept.note, kept.noted_by, kept.noted_at) == (
        "explained", "New route to the Gouda project.", "kam", explained.noted_at)
    assert "observed_again" not in kept.evidence


def test_list_filters_by_status_and_period(ws: Workspace) -> None:
    ids = [a.alert_id for a in alert_store.record(ws, [alert(period=p) for p in ("2025-01", "2025-06", "2025-07")])]
    alert_store.set_status(ws, ids[1], "dismissed", "Known: meter swap.", "kam")
    assert [a.period for a in alert_store.list_alerts(ws, status="open")] == ["2025-01", "2025-07"]
    assert [a.period for a in alert_store.list_alerts(ws, first_period="2025-02", last_period="2025-06")] == ["2025-06"]
    assert [a.period for a in alert_store.list_alerts(ws, status="dismissed", last_period="2025-12")] == ["2025-06"]


def test_verdicts_need_a_known_alert_a_known_status_and_a_note(ws: Workspace) -> None:
    (stored,) = alert_store.record(ws, [alert()])
    with pytest.raises(UsageError, match="no alert 99"):
        alert_store.set_status(ws, 99, "explained", "why", "kam")
    with pytest.raises(UsageError, match="needs a --note"):
        alert_store.set_status(ws, stored.alert_id, "dismissed", " ", "kam")
    with pytest.raises(UsageError, match="status 'closed'"):
        alert_store.set_status(ws, stored.alert_id, "closed", "why", "kam")
    with pytest.raises(UsageError, match="status 'closed'"):
        alert_store.list_alerts(ws, status="closed")


def test_pending_is_per_channel_and_only_open_alerts(ws: Workspace) -> None:
    a, b, c = alert_store.record(ws, [alert(subject=s) for s in ("A", "B", "C")])
    assert [(x.subject, ch) for x, ch in alert_store.pending(ws, ["email", "webhook"])] == [
        ("A", "email"), ("A", "webhook"), ("B", "email"), ("B", "webhook"), ("C", "email"), ("C", "webhook"),
    ]
    alert_store.mark_delivered(ws, a.alert_id, "email")
    alert_store.mark_delivered(ws, a.alert_id, "email")  # noted twice: one row, the first time kept
    alert_store.mark_delivered(ws, b.alert_id, "webhook")
    alert_store.set_status(ws, c.alert_id, "dismissed", "Test alert.", "kam")
    assert [(x.subject, ch) for x, ch in alert_store.pending(ws, ["email", "webhook"])] == [("A", "webhook"), ("B", "email")]
    assert [(i, ch) for i, ch, _ in alert_store.deliveries(ws)] == [(a.alert_id, "email"), (b.alert_id, "webhook")]
    with pytest.raises(UsageError, match="pigeon"):
        alert_store.pending(ws, ["pigeon"])


def test_the_key_is_unique_in_the_table_itself(ws: Workspace) -> None:
    alert_store.record(ws, [alert()])
    with pytest.raises(sa.exc.IntegrityError), warehouse(ws).begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO alerts (alert_id, rule, subject, period, severity, title, message, evidence_json, status, "
            "created_at) SELECT 2, rule, subject, period, severity, title, message, evidence_json, status, created_at "
            "FROM alerts"
        ))
