"""The alerts table: an alert is stored once per (rule, subject, period), before anything is sent.

Alerts write it and reports read it, so it lies below both.

The unique key makes detection safe to repeat: recording the same deviation again adds nothing and
leaves an explained or dismissed alert as the quality officer left it. Deliveries are kept per
channel, so a failed channel stays pending and only it is sent again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from footprint import json_strict
from footprint.alert_record import (
    CHANNELS,
    NOT_JUDGED_BY_DETECT,
    RUN_MONTH_RULES,
    SEVERITIES,
    STATUSES,
    Alert,
)
from footprint.config.workspace import Workspace
from footprint.errors import UsageError
from footprint.periods import format_period, parse_period
from footprint.resources import warehouse
from footprint.warehouse.migrations import advisory_xact_lock

_COLUMNS = (
    "alert_id, rule, subject, period, severity, title, message, evidence_json, status, note, noted_by, noted_at, "
    "created_at"
)


def _month(value: str | dt.date) -> dt.date:
    return parse_period(value) if isinstance(value, str) else value.replace(day=1)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.isoformat()


def _alert(row: Any) -> Alert:
    return Alert(
        rule=row.rule,
        subject=row.subject,
        period=format_period(row.period),
        severity=row.severity,
        title=row.title,
        message=row.message,
        evidence=json.loads(row.evidence_json),
        alert_id=int(row.alert_id),
        status=row.status,
        note=row.note,
        noted_by=row.noted_by,
        noted_at=_iso(row.noted_at),
        created_at=_iso(row.created_at),
    )


def record(ws: Workspace, alerts: Iterable[Alert]) -> list[Alert]:
    """Store the alerts whose key is new and return them with their ids; known keys are left untouched."""
    unique: dict[str, Alert] = {}
    for alert in alerts:
        if alert.severity not in SEVERITIES:
            raise ValueError(f"alert {alert.key}: severity {alert.severity!r} is not one of {SEVERITIES}")
        unique.setdefault(alert.key, alert)
    if not unique:
        return []
    periods = sorted({_month(a.period) for a in unique.values()})
    now = dt.datetime.now(dt.timezone.utc)
    with warehouse(ws).begin() as conn:
        advisory_xact_lock(conn, "alerts")  # two runs of one month: the second finds the first's alerts known
        known = conn.execute(
            sa.text("SELECT rule, subject, period FROM alerts WHERE period IN :periods").bindparams(
                sa.bindparam("periods", expanding=True)
            ),
            {"periods": periods},
        ).all()
        seen = {f"{rule}|{subject}|{format_period(period)}" for rule, subject, period in known}
        fresh = [a for key, a in unique.items() if key not in seen]
        if not fresh:
            return []
        # Ids are small numbers a person can type (footprint alerts explain 12); the insert runs in
        # the same transaction as this max, and the primary key refuses a concurrent duplicate.
        first = int(conn.execute(sa.text("SELECT coalesce(max(alert_id), 0) FROM alerts")).scalar_one()) + 1
        stored = [
            replace(a, alert_id=first + i, status="open", note=None, noted_by=None, noted_at=None,
                    created_at=now.isoformat())
            for i, a in enumerate(fresh)
        ]
        conn.execute(
            sa.text(
                f"INSERT INTO alerts ({_COLUMNS}) VALUES (:alert_id, :rule, :subject, :period, :severity, :title, "
                ":message, :evidence_json, 'open', NULL, NULL, NULL, :created_at)"
            ),
            [
                {
                    "alert_id": a.alert_id, "rule": a.rule, "subject": a.subject, "period": _month(a.period),
                    "severity": a.severity, "title": a.title, "message": a.message,
                    "evidence_json": json_strict.dumps(a.evidence, ensure_ascii=False, sort_keys=True, default=str),
                    "created_at": now,
                }
                for a in stored
            ],
        )
    return stored


RESOLVED_BY = "footprint"


def resolve_stale(ws: Workspace, period: str, periods: Sequence[str], found: Iterable[Alert], why: str) -> list[Alert]:
    """Close, as resolved, the open alerts of what detect just judged that it no longer finds.

    A corrected or reprocessed file, or a late delivery, removed their cause: the alert stays as
    history with `why`, and no message is sent for it any more. Judged: every rule for the run's
    month `period`, those judged per recomputed month (alert_record.CATALOGUE) also for `periods`.
    """
    month = _month(period)
    months = {month} | {_month(p) for p in periods}
    still = {a.key for a in found}
    stale = [
        a for a in list_alerts(ws, "open", min(months), max(months))
        if a.rule not in NOT_JUDGED_BY_DETECT and a.key not in still
        and (_month(a.period) == month or (a.rule not in RUN_MONTH_RULES and _month(a.period) in months))
    ]
    if not stale:
        return []
    with warehouse(ws).begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE alerts SET status = 'resolved', note = :note, noted_by = :who, noted_at = :at "
                "WHERE alert_id = :id AND status = 'open'"
            ),
            [
                {"note": why, "who": RESOLVED_BY, "at": dt.datetime.now(dt.timezone.utc), "id": a.alert_id}
                for a in stale
            ],
        )
    return [get_alert(ws, a.alert_id) for a in stale if a.alert_id is not None]


def list_alerts(
    ws: Workspace,
    status: str | None = None,
    first_period: str | dt.date | None = None,
    last_period: str | dt.date | None = None,
) -> list[Alert]:
    """Alerts by period and id, optionally of one status and of the months first_period..last_period."""
    if status is not None and status not in STATUSES:
        raise UsageError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    where, params = ["1 = 1"], {}
    if status is not None:
        where.append("status = :status")
        params["status"] = status
    if first_period is not None:
        where.append("period >= :first")
        params["first"] = _month(first_period)
    if last_period is not None:
        where.append("period <= :last")
        params["last"] = _month(last_period)
    with warehouse(ws).connect() as conn:
        rows = conn.execute(
            sa.text(f"SELECT {_COLUMNS} FROM alerts WHERE {' AND '.join(where)} ORDER BY period, alert_id"), params
        ).all()
    return [_alert(row) for row in rows]


def get_alert(ws: Workspace, alert_id: int) -> Alert:
    with warehouse(ws).connect() as conn:
        row = conn.execute(sa.text(f"SELECT {_COLUMNS} FROM alerts WHERE alert_id = :id"), {"id": alert_id}).first()
    if row is None:
        raise UsageError(f"there is no alert {alert_id}; `footprint alerts list` shows them")
    return _alert(row)


def set_status(ws: Workspace, alert_id: int, status: str, note: str | None, who: str) -> Alert:
    """Record the quality officer's verdict: the report quotes the note with who and when."""
    if status not in STATUSES:
        raise UsageError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if status != "open" and not (note and note.strip()):
        raise UsageError(f"marking alert {alert_id} {status} needs a --note saying why")
    get_alert(ws, alert_id)
    with warehouse(ws).begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE alerts SET status = :status, note = :note, noted_by = :who, noted_at = :at "
                "WHERE alert_id = :id"
            ),
            {
                "status": status, "note": note.strip() if note else None, "who": who,
                "at": dt.datetime.now(dt.timezone.utc), "id": alert_id,
            },
        )
    return get_alert(ws, alert_id)


def pending(ws: Workspace, channels: Sequence[str]) -> list[tuple[Alert, str]]:
    """Open alerts not yet delivered on a channel, oldest first: what the next send must deliver."""
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise UsageError(f"unknown alert channel(s) {', '.join(unknown)}; expected {', '.join(CHANNELS)}")
    with warehouse(ws).connect() as conn:
        rows = conn.execute(sa.text(f"SELECT {_COLUMNS} FROM alerts WHERE status = 'open' ORDER BY alert_id")).all()
        done = set(map(tuple, conn.execute(sa.text("SELECT alert_id, channel FROM alert_deliveries")).all()))
    return [(alert, channel) for alert in map(_alert, rows) for channel in channels if (alert.alert_id, channel) not in done]


def mark_delivered(ws: Workspace, alert_id: int, channel: str) -> None:
    """Note one successful delivery; noting it twice keeps the first time."""
    with warehouse(ws).begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO alert_deliveries (alert_id, channel, delivered_at) VALUES (:id, :channel, :at) "
                "ON CONFLICT (alert_id, channel) DO NOTHING"
            ),
            {"id": alert_id, "channel": channel, "at": dt.datetime.now(dt.timezone.utc)},
        )


def deliveries(ws: Workspace) -> list[tuple[int, str, str]]:
    """(alert_id, channel, delivered_at) of every delivery, for the CLI and tests."""
    with warehouse(ws).connect() as conn:
        rows = conn.execute(sa.text("SELECT alert_id, channel, delivered_at FROM alert_deliveries ORDER BY 1, 2")).all()
    return [(int(a), c, _iso(at) or "") for a, c, at in rows]
