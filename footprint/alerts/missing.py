"""The missing-delivery rule: a subject that delivered on a rhythm and whose next delivery is due but absent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from footprint.alert_record import MISSING, Alert
from footprint.alerts.finding import (
    SERIES_MONTHS,
    Wording,
    capital,
    frame,
    to_alert,
)
from footprint.config.alerting import AlertConfig
from footprint.config.organisation import OrganisationConfig
from footprint.periods import add_months, format_period, month_at, month_index

MISSING_WINDOW_MONTHS = 36  # deliveries looked at for a rhythm: enough for quarterly and half-yearly ones

_DELIVERIES_SQL = """
SELECT 'meter' AS kind, d.subject, r.period, count(*) AS files
FROM (SELECT DISTINCT file_sha256, ean AS subject FROM meter_usage) d
JOIN raw_files r ON r.file_sha256 = d.file_sha256
WHERE r.period >= :first AND r.period <= :last GROUP BY d.subject, r.period
UNION ALL
SELECT 'vehicle' AS kind, d.subject, r.period, count(*) AS files
FROM (SELECT DISTINCT file_sha256, plate AS subject FROM fuel_transactions) d
JOIN raw_files r ON r.file_sha256 = d.file_sha256
WHERE r.period >= :first AND r.period <= :last GROUP BY d.subject, r.period
UNION ALL
SELECT 'supplier' AS kind, d.subject, r.period, count(*) AS files
FROM (SELECT DISTINCT file_sha256, supplier AS subject FROM supplier_activity) d
JOIN raw_files r ON r.file_sha256 = d.file_sha256
WHERE r.period >= :first AND r.period <= :last GROUP BY d.subject, r.period
"""


def _wording(label: str, cadence: int, last: dt.date, due: dt.date, month: dt.date,
             history: list[dict[str, Any]]) -> Wording:
    rhythm = "every month" if cadence == 1 else f"every {cadence} months"
    return Wording(
        f"{capital(label)}: no delivery since {format_period(last)}",
        f"{capital(label)} delivered {rhythm} up to {format_period(last)}; its delivery for "
        f"{format_period(due)} has not arrived (checked with the files of {format_period(month)}).",
        {"observed": 0.0, "threshold": float(cadence), "unit": "files delivered", "cadence_months": cadence,
         "last_delivered": format_period(last), "series": history},
    )


def missing_alerts(
    deliveries: pd.DataFrame, expected: dict[str, tuple[str, bool]], month: dt.date, config: AlertConfig
) -> list[Alert]:
    """Subjects that delivered on a regular rhythm and whose next delivery is due but absent.

    deliveries: kind, subject, period (month of the files that carried it, date), files.
    expected: subject -> (label, expected at all: an active meter, an active vehicle, a supplier).
    The rhythm is the gap between deliveries when the last `missing_regular_deliveries` gaps are
    equal (monthly meters, quarterly statements); irregular sources such as flights have none. The
    alert's period is the month the delivery was due, so later months of the same silence repeat
    its key and add nothing.
    """
    need = config.missing_regular_deliveries
    index = deliveries.assign(i=[month_index(p) for p in deliveries["period"]])
    now = month_index(month)
    index = index[index["i"] <= now]
    alerts = []
    for subject, group in index.groupby("subject", sort=True):
        label, wanted = expected.get(str(subject), (str(subject), False))
        months = np.unique(group["i"].to_numpy())
        if not wanted or months[-1] == now or len(months) < need + 1:
            continue
        gaps = np.diff(months[-(need + 1):])
        if len(set(gaps.tolist())) != 1:
            continue
        cadence = int(gaps[0])
        due = int(months[-1]) + cadence
        if due > now or now - due >= config.missing_lookback_months:
            continue
        counts = dict(zip(group["i"], group["files"], strict=False))
        history = [
            {"period": format_period(month_at(i)), "value": float(counts.get(i, 0))}
            for i in range(max(int(months[0]), now - SERIES_MONTHS), now + 1)
        ]
        wording = _wording(label, cadence, month_at(months[-1]), month_at(due), month, history)
        alerts.append(to_alert(MISSING, str(subject), format_period(month_at(due)), wording, config))
    return alerts


def expected_subjects(org: OrganisationConfig, deliveries: pd.DataFrame) -> dict[str, tuple[str, bool]]:
    """Per subject its label and whether a delivery is expected at all (active and the rule not switched off)."""
    config = org.alerts
    out: dict[str, tuple[str, bool]] = {}
    for meter in org.meters:
        wanted = meter.active and config.thresholds_for(meter.ean, meter.carrier).missing
        out[meter.ean] = (f"meter {meter.ean} ({meter.carrier.replace('_', ' ')}, {meter.site})", wanted)
    for vehicle in org.vehicles:
        out[vehicle.plate] = (f"vehicle {vehicle.plate}",
                              vehicle.active and config.thresholds_for(vehicle.plate, vehicle.fuel).missing)
    for supplier in deliveries.loc[deliveries["kind"] == "supplier", "subject"].unique():
        out[str(supplier)] = (f"supplier {supplier}", config.thresholds_for(str(supplier)).missing)
    return out


def find_missing_alerts(conn: sa.Connection, org: OrganisationConfig, month: dt.date) -> list[Alert]:
    """The run's month judged against the deliveries of the MISSING_WINDOW_MONTHS before it."""
    deliveries = frame(conn, _DELIVERIES_SQL, first=add_months(month, -MISSING_WINDOW_MONTHS), last=month)
    deliveries["period"] = pd.to_datetime(deliveries["period"]).dt.date
    return missing_alerts(deliveries, expected_subjects(org, deliveries), month, org.alerts)
