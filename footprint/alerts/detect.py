"""Detection: every rule for the month ingested, then one alert per subject and month.

Rules look backwards only (values up to the month judged), so judging a month again finds the same
alerts, and the alert store's key (rule, subject, period) keeps each one single.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from footprint.alert_record import (
    INACTIVE_METER,
    MONTH_ON_MONTH,
    OUTLIER,
    TANK_EXCEEDED,
    YEAR_ON_YEAR,
    Alert,
)
from footprint.alerts.finding import SERIES_MONTHS
from footprint.alerts.missing import find_missing_alerts
from footprint.alerts.quarantine import find_quarantine_alerts
from footprint.alerts.tanks import find_tank_alerts
from footprint.alerts.target_path import find_target_alerts
from footprint.alerts.values import judge_values, monthly_values
from footprint.config.workspace import Workspace
from footprint.periods import add_months, parse_period
from footprint.resources import warehouse

# When several rules flag the same subject in the same month they tell one story: the officer gets
# one alert, of the first rule in this order, with the others' findings in its evidence.
_PRECEDENCE = (INACTIVE_METER, TANK_EXCEEDED, OUTLIER, YEAR_ON_YEAR, MONTH_ON_MONTH)


def consolidate(alerts: Sequence[Alert]) -> list[Alert]:
    """One alert per subject and month for the value rules: the strongest, the others in its evidence."""
    ranked = {rule: i for i, rule in enumerate(_PRECEDENCE)}
    groups: dict[tuple[str, str], list[Alert]] = {}
    out: list[Alert] = []
    for alert in alerts:
        if alert.rule in ranked:
            groups.setdefault((alert.subject, alert.period), []).append(alert)
        else:
            out.append(alert)
    for group in groups.values():
        lead, *others = sorted(group, key=lambda a: ranked[a.rule])
        if others:
            also = [{k: v for k, v in {"rule": a.rule, "observed": a.evidence.get("observed"),
                                       "threshold": a.evidence.get("threshold"), "change_pct": a.evidence.get("change_pct"),
                                       "zscore": a.evidence.get("zscore")}.items() if v is not None} for a in others]
            # The others' titles without their subject prefix: the lead's message has named it already.
            also_text = "; ".join(a.title.split(": ", 1)[-1] for a in others)
            lead = replace(lead, message=f"{lead.message} Also: {also_text}.",
                           evidence={**lead.evidence, "also": also})
        out.append(lead)
    return sorted(out, key=lambda a: (a.period, a.rule, a.subject))


def detect(ws: Workspace, period: str, periods: Sequence[str] = ()) -> list[Alert]:
    """Every rule for the month ingested; the value rules also for the months its files reached back to.

    periods: the months compute_emissions recomputed (a quarterly statement delivered in March
    carries January and February). Missing deliveries, quarantine and targets concern the run's
    month itself.
    """
    config = ws.org.alerts
    if not config.enabled:
        return []
    month = parse_period(period)
    months = sorted({parse_period(p) for p in periods} | {month})
    first = add_months(months[0], -max(SERIES_MONTHS, config.history_months + 12))
    found: list[Alert] = []
    with warehouse(ws).connect() as conn:
        wide, subjects = monthly_values(conn, ws.org, first, months[-1])
        for each in months:
            found += judge_values(wide, subjects, each, config)
        found += find_tank_alerts(conn, ws.org, months, wide)
        found += find_missing_alerts(conn, ws.org, month)
        found += find_quarantine_alerts(conn, month, config)
        found += find_target_alerts(conn, ws.org, month)
    return consolidate(found)
