"""Section 4 of the half-year report (unexpected changes): the period's alerts as the summary quotes them.

Each alert keeps the quality officer's status and note, and gets an `about`: what its subject is (a
meter with its carrier and site, a vehicle, a factor list...), so the report can word it in its own
language (footprint.reports.alert_texts).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from footprint.activity_mapping import load_activity_mapping
from footprint.alert_record import (
    FACTOR_RESTATEMENT,
    MISSING,
    QUARANTINE_RATE,
    TANK_EXCEEDED,
    TARGET_PATH,
    Alert,
)
from footprint.alert_store import list_alerts
from footprint.config.common import normalise_plate
from footprint.config.organisation import OrganisationConfig
from footprint.config.workspace import Workspace
from footprint.reports.frames import clean
from footprint.reports.summary_types import ListRef, ReportAlert


def _about(alert: Alert, org: OrganisationConfig, refs: dict[str, ListRef]) -> dict[str, Any]:
    """What an alert's subject is, so a report can name it in its own words (a meter's carrier and site, ...)."""
    rule, subject = alert.rule, str(alert.subject)
    if rule == QUARANTINE_RATE:
        return {"kind": "file"}
    if rule == FACTOR_RESTATEMENT:
        return {"kind": "factor_list", "list": refs.get(subject), "base_year": org.base_year}
    if rule == TARGET_PATH:
        target = next((t for t in org.targets if t.id == subject), None)
        return {"kind": "target", **({"ladder_scope": target.ladder_scope, "basis": str(target.basis),
                                      "reduction_pct": target.reduction_pct} if target else {})}
    ean, _, direction = subject.partition(":")
    meter = next((m for m in org.meters if m.ean == ean), None)
    if meter is not None or (ean.isdigit() and len(ean) == 18):
        return {"kind": "meter", "ean": ean, "carrier": meter.carrier if meter else None,
                "site": meter.site if meter else None, "direction": direction or None}
    if subject in {a.source for a in load_activity_mapping().activities.values()}:
        return {"kind": "source", "source": subject}
    if normalise_plate(subject) in {v.plate for v in org.vehicles} or rule == TANK_EXCEEDED:
        return {"kind": "vehicle"}
    return {"kind": "supplier" if rule == MISSING else "vehicle"}


def _quoted(alert: Alert, org: OrganisationConfig, refs: dict[str, ListRef]) -> ReportAlert:
    return ReportAlert(
        alert_id=clean(alert.alert_id), rule=clean(alert.rule), subject=clean(alert.subject),
        period=clean(alert.period), severity=clean(alert.severity), title=clean(alert.title),
        message=clean(alert.message), status=clean(alert.status), note=clean(alert.note),
        noted_by=clean(alert.noted_by), noted_at=clean(alert.noted_at), created_at=clean(alert.created_at),
        evidence=alert.evidence, about=_about(alert, org, refs),
    )


def period_alerts(ws: Workspace, start: dt.date, end: dt.date, refs: dict[str, ListRef]) -> list[ReportAlert]:
    """The alerts of the months start..end with the quality officer's status and note, and their `about`."""
    return [_quoted(a, ws.org, refs) for a in list_alerts(ws, first_period=start, last_period=end)]
