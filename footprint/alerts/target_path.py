"""The target-path rule: after June and December, targets that fell behind their straight path."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from footprint.alert_record import TARGET_PATH, Alert
from footprint.alerts.finding import Wording, frame, number, plain, to_alert
from footprint.config.assets import Target
from footprint.config.organisation import OrganisationConfig
from footprint.targets import (
    METRIC_UNIT,
    TargetProgress,
    target_metric,
    target_progress,
)

_TARGET_SQL = """
SELECT year, month, ladder_scope, sum(emissions_kg_co2e) AS kg
FROM v_emissions_monthly WHERE year >= :base_year AND period <= :last
GROUP BY year, month, ladder_scope
"""

# Per half-year end (YYYY-MM): the target's progress and whether it was behind its path then.
Checks = list[tuple[str, TargetProgress, bool]]


def _wording(target: Target, checks: Checks, org: OrganisationConfig, month: dt.date) -> Wording:
    period, progress, _ = checks[-1]
    unit = METRIC_UNIT[str(target.basis)]
    return Wording(
        f"Target {target.id}: behind its straight path to -{target.reduction_pct:g} % in {target.target_year}",
        f"Ladder scope {target.ladder_scope} came to {number(progress['current_value'])} {unit} over "
        f"{month.year}-01..{period}, {progress['change_pct']:+.1f} % against the same months of the base year "
        f"{org.base_year}; the straight path to -{target.reduction_pct:g} % in {target.target_year} asks "
        f"-{progress['expected_reduction_pct']:.1f} % ({number(progress['path_value'])} {unit}) by now.",
        {
            "observed": plain(progress["current_value"]), "threshold": plain(progress["path_value"]),
            "unit": unit, "achieved_reduction_pct": plain(progress["achieved_reduction_pct"]),
            "expected_reduction_pct": plain(progress["expected_reduction_pct"]),
            "base_value": plain(progress["base_value"]), "target_year": target.target_year,
            "tolerance_pct": org.alerts.target_path_tolerance_pct,
            "series": [{"period": p, "value": plain(c["current_value"])} for p, c, _ in checks],
            "path": [{"period": p, "value": plain(c["path_value"])} for p, c, _ in checks],
        },
    )


def _judged(org: OrganisationConfig, month: dt.date) -> bool:
    """Targets are judged after June and December, when the rule is on and footprint.yaml sets any."""
    return bool(org.alerts.target_path and org.targets and month.month in (6, 12))


def target_alerts(kg: pd.DataFrame, org: OrganisationConfig, month: dt.date) -> list[Alert]:
    """After June and December: targets that fall behind their straight path this half year.

    kg: year, month, ladder_scope, kg (market-based kg CO2e per month). The metric is the year to
    date (January to June, or the whole year) against the same months of the base year, pro rata
    revenue or FTE, as the half-year report computes it (footprint.targets.target_progress).
    Staying behind is not news: the alert comes when a target was on its path the half year before.
    """
    config = org.alerts
    if not _judged(org, month):
        return []
    ends = [(y, m) for y in range(org.base_year, month.year + 1) for m in (6, 12) if (y, m) <= (month.year, month.month)]
    # Year-to-date kg per (year, last month, scope), and the years with any data in those months.
    ytd = {last: kg[kg["month"] <= last].groupby(["year", "ladder_scope"])["kg"].sum().to_dict() for last in (6, 12)}
    with_data = {last: {year for year, _ in ytd[last]} for last in (6, 12)}
    alerts = []
    for target in org.targets:
        basis, scope = str(target.basis), int(target.ladder_scope)

        def metric(year: int, last: int, scope: int = scope, basis: str = basis) -> float | None:
            if year not in with_data[last]:
                return None
            return target_metric(float(ytd[last].get((year, scope), 0.0)), basis, org.years.get(year), last)

        checks: Checks = []
        for year, last in ends:
            progress = target_progress(metric(org.base_year, last), metric(year, last), org.base_year,
                                       target.target_year, target.reduction_pct, year)
            current, path = progress["current_value"], progress["path_value"]
            behind = current is not None and path is not None and (
                current > path * (1 + config.target_path_tolerance_pct / 100) + 1e-9 * abs(path))
            checks.append((f"{year:04d}-{last:02d}", progress, behind))
        period, _, behind = checks[-1]
        if not behind or (len(checks) > 1 and checks[-2][2]):
            continue
        alerts.append(to_alert(TARGET_PATH, target.id, period, _wording(target, checks, org, month), config))
    return alerts


def find_target_alerts(conn: sa.Connection, org: OrganisationConfig, month: dt.date) -> list[Alert]:
    """After June and December: the months since the base year, per ladder scope, judged against the targets."""
    if not _judged(org, month):
        return []
    kg = frame(conn, _TARGET_SQL, base_year=org.base_year, last=month)
    kg = kg.astype({"year": int, "month": int, "ladder_scope": int, "kg": float})
    return target_alerts(kg, org, month)
