"""What every rule shares: how a finding is worded and becomes an Alert, and the helpers its texts use."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from footprint.alert_record import DEFAULT_SEVERITY, Alert
from footprint.config.alerting import AlertConfig
from footprint.periods import add_months, format_period

SERIES_MONTHS = 24  # history shown with an alert: two years before its month


@dataclass(frozen=True)
class Wording:
    """What the officer reads about one finding: title and message, and the evidence they rest on."""

    title: str
    message: str
    evidence: dict[str, Any]


def to_alert(rule: str, subject: str, period: str, wording: Wording, config: AlertConfig) -> Alert:
    """The finding as an alert, with the severity footprint.yaml gives the rule (else its default)."""
    severity = config.severity.get(rule, DEFAULT_SEVERITY[rule])
    return Alert(rule, subject, period, severity, wording.title, wording.message, wording.evidence)


def number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}" if abs(value) >= 1 else f"{value:.3g}"


def plain(value: Any) -> float | None:
    """A JSON-ready number: NaN and infinities become None."""
    if value is None:
        return None
    value = float(value)
    return round(value, 6) if math.isfinite(value) else None


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def series(wide: pd.DataFrame, subject: str, month: dt.date) -> list[dict[str, Any]]:
    """The subject's values from SERIES_MONTHS before the month to the month; gaps are None."""
    window = [add_months(month, -i) for i in range(SERIES_MONTHS, -1, -1)]
    values = wide.loc[subject].reindex(window)
    points = [{"period": format_period(m), "value": plain(v)} for m, v in zip(window, values.tolist(), strict=True)]
    while points and points[0]["value"] is None:
        points.pop(0)
    return points


def frame(conn: sa.Connection, sql: str, **params: Any) -> pd.DataFrame:
    result = conn.execute(sa.text(sql), params)
    # Plain tuples: pandas probing SQLAlchemy rows for array attributes costs more than the query.
    return pd.DataFrame(list(map(tuple, result.fetchall())), columns=list(result.keys()))
