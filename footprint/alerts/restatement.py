"""The factor-restatement rule: a newly loaded factor list that moves the base year beyond the significance threshold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from footprint.alert_record import FACTOR_RESTATEMENT, Alert
from footprint.alerts.finding import Wording, frame, plain, to_alert
from footprint.config.workspace import Workspace
from footprint.periods import format_period
from footprint.resources import warehouse
from footprint.restatements import FactorRestatement

_BASE_YEAR_SQL = (
    "SELECT period, sum(emissions_kg_co2e) AS kg FROM emissions WHERE period >= :first AND period <= :last "
    "GROUP BY period ORDER BY period"
)


def _wording(moved: Sequence[FactorRestatement], new_list: str, monthly: pd.DataFrame, base_year: int,
             old_total: float, new_total: float, change: float, threshold: float) -> Wording:
    """monthly: period, kg of the base year's months after the restatement."""
    old_lists = ", ".join(sorted({r.old_factor_list for r in moved if r.old_factor_list}))
    return Wording(
        f"Base year {base_year} restated {change:+.1f} % by factor list {new_list}",
        f"Loading factor list {new_list} restated {len(moved)} month(s) of the base year {base_year}: "
        f"{old_total / 1000:,.1f} -> {new_total / 1000:,.1f} t CO2e ({change:+.2f} %), beyond the significance "
        f"threshold of {threshold:g} %. The CO2-Prestatieladder asks for a base-year recalculation.",
        {
            "observed": plain(change), "threshold": threshold, "unit": "kg CO2e", "change_pct": plain(change),
            "old_kg_co2e": plain(old_total), "new_kg_co2e": plain(new_total), "old_factor_lists": old_lists,
            "new_factor_list": new_list,
            "series": [{"period": format_period(pd.Timestamp(p).date()), "value": plain(v)}
                       for p, v in zip(monthly["period"], monthly["kg"], strict=True)],
        },
    )


def factor_restatement_alerts(ws: Workspace, restated: Sequence[FactorRestatement]) -> list[Alert]:
    """A newly loaded factor list that moves the base year beyond factor_policy.significance_pct.

    The ladder then asks for a base-year recalculation. The alert's subject is the new list and its
    period the list's publication month, so loading it again (which restates nothing) adds nothing.
    """
    org = ws.org
    prefix = f"{org.base_year:04d}-"
    moved = [r for r in restated if r.period.startswith(prefix)]
    if not org.alerts.enabled or not moved:
        return []
    delta = sum(r.new_kg_co2e - r.old_kg_co2e for r in moved)
    with warehouse(ws).connect() as conn:
        monthly = frame(conn, _BASE_YEAR_SQL, first=dt.date(org.base_year, 1, 1), last=dt.date(org.base_year, 12, 1))
        # new_factor_list names the policy's list first, then any a partial list falls back to.
        new_list = moved[0].new_factor_list.split(", ")[0]
        version = frame(conn, "SELECT version FROM factor_lists WHERE list_id = :id", id=new_list)
    new_total = float(monthly["kg"].astype(float).sum())
    old_total = new_total - delta
    change = delta / old_total * 100 if old_total else 0.0
    threshold = org.factor_policy.significance_pct
    if abs(change) <= threshold:
        return []
    published = pd.Timestamp(version["version"].iloc[0]).date() if len(version) else dt.date.today()
    wording = _wording(moved, new_list, monthly, org.base_year, old_total, new_total, change, threshold)
    return [to_alert(FACTOR_RESTATEMENT, new_list, format_period(published), wording, org.alerts)]
