"""The value rules: month-on-month, year-on-year, outlier (robust z) and use on an inactive meter.

Monthly values per subject (meter EAN, vehicle plate, supplier-side source) come from the warehouse in
one grouped query and are pivoted into a subjects x months matrix; every rule then judges all
subjects at once with numpy, and only the few findings are worded. Rules look backwards only (values
up to the month judged), so judging a month again finds the same alerts.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from footprint.alert_record import (
    INACTIVE_METER,
    MONTH_ON_MONTH,
    OUTLIER,
    YEAR_ON_YEAR,
    Alert,
)
from footprint.alerts.finding import (
    Wording,
    capital,
    frame,
    number,
    plain,
    series,
    to_alert,
)
from footprint.config.alerting import AlertConfig, AlertThresholds
from footprint.config.organisation import OrganisationConfig
from footprint.periods import add_months, format_period, month_range

MAD_TO_SIGMA = 1.4826  # MAD x this estimates the standard deviation of normal data
SEASONAL_CARRIERS = ("natural_gas", "district_heat")
SEASONAL_DIRECTIONS = ("generation", "feed_in")  # solar panels follow the sun
BUSINESS_TRAVEL_CATEGORY = 6  # GHG Protocol scope 3 category 6: flights, train, private car
_EPSILON_SHARE = 0.05  # year-on-year ratios of months near zero are damped by 5 % of the mean level

_SUBJECT_COLUMNS = ("kind", "label", "unit", "seasonal", "active", "mom_pct", "yoy_pct", "zscore")


def subject_row(
    kind: str, label: str, unit: str, thresholds: AlertThresholds, seasonal: bool = False, active: bool = True
) -> dict[str, Any]:
    """One row of the subjects table; tests build theirs with it."""
    return {
        "kind": kind,
        "label": label,
        "unit": unit,
        "seasonal": thresholds.seasonal if thresholds.seasonal is not None else seasonal,
        "active": active,
        "mom_pct": thresholds.mom_pct if thresholds.mom_pct is not None else np.nan,
        "yoy_pct": thresholds.yoy_pct if thresholds.yoy_pct is not None else np.nan,
        "zscore": thresholds.zscore if thresholds.zscore is not None else np.nan,
    }


_VALUES_SQL = """
SELECT 'meter' AS kind, ean AS subject, direction AS part, unit, period, sum(quantity) AS value
FROM meter_usage WHERE period >= :first AND period <= :last
GROUP BY ean, direction, unit, period
UNION ALL
SELECT 'vehicle' AS kind, plate AS subject, NULL AS part, unit, period, sum(quantity) AS value
FROM fuel_transactions WHERE excluded_reason IS NULL AND period >= :first AND period <= :last
GROUP BY plate, unit, period
UNION ALL
SELECT 'source' AS kind, source AS subject, CAST(max(ghg_category) AS VARCHAR) AS part, unit, period,
       sum(quantity) AS value
FROM emissions WHERE activity_table = 'supplier_activity' AND period >= :first AND period <= :last
GROUP BY source, unit, period
"""


def monthly_values(
    conn: sa.Connection, org: OrganisationConfig, first: dt.date, last: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Values per subject and month (subjects x months, NaN where nothing was delivered) and the subjects table.

    A meter's subject is its EAN; rows of another direction than the configured one (feed-in on a
    consumption meter) are a subject of their own, "EAN:direction".
    """
    long = frame(conn, _VALUES_SQL, first=first, last=last)
    meters = {m.ean: m for m in org.meters}
    configured = long["subject"].map({e: m.direction for e, m in meters.items()})
    other_direction = (long["kind"] == "meter") & long["part"].notna() & (long["part"] != configured)
    long["subject"] = long["subject"].where(~other_direction, long["subject"] + ":" + long["part"].astype(str))
    long["period"] = pd.to_datetime(long["period"]).dt.date
    months = month_range(first, last)
    wide = long.groupby(["subject", "period"])["value"].sum().astype(float).unstack().reindex(columns=months)
    units = long.drop_duplicates("subject").set_index("subject")
    rows = {}
    vehicles = {v.plate: v for v in org.vehicles}
    for subject in wide.index:
        kind, unit = units.at[subject, "kind"], str(units.at[subject, "unit"])
        if kind == "meter":
            ean, _, part = subject.partition(":")
            meter = meters.get(ean)
            carrier = meter.carrier if meter else "meter"
            direction = part or (meter.direction if meter else "consumption")
            site = f", {meter.site}" if meter else ""
            extra = f" {direction}" if part else ""
            rows[subject] = subject_row(
                "meter", f"meter {ean} ({carrier.replace('_', ' ')}{extra}{site})", unit,
                org.alerts.thresholds_for(ean, carrier),
                seasonal=carrier in SEASONAL_CARRIERS or direction in SEASONAL_DIRECTIONS,
                active=meter.active if meter else True,
            )
        elif kind == "vehicle":
            vehicle = vehicles.get(subject)
            rows[subject] = subject_row(
                "vehicle", f"vehicle {subject}", unit,
                org.alerts.thresholds_for(subject, vehicle.fuel if vehicle else None),
            )
        else:
            travel = str(units.at[subject, "part"]) == str(BUSINESS_TRAVEL_CATEGORY)
            rows[subject] = subject_row(
                "source", f"source {subject}", unit, org.alerts.thresholds_for(subject, travel=travel)
            )
    subjects = pd.DataFrame.from_dict(rows, orient="index", columns=list(_SUBJECT_COLUMNS))
    return wide, subjects


def _robust_z(current: np.ndarray, history: np.ndarray, floor: float, floor_share: float) -> tuple[np.ndarray, ...]:
    """Per row: (current - median) / spread, spread = 1.4826 x MAD but at least floor and floor_share x |median|.

    The floors keep a flat history (MAD 0) from turning a 1 % wobble into an alert. Returns z, the
    median, the spread and how many months of history each row had.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows without history are NaN, as they should be
        median = np.nanmedian(history, axis=1)
        mad = np.nanmedian(np.abs(history - median[:, None]), axis=1)
    spread = np.maximum(np.maximum(MAD_TO_SIGMA * mad, floor), floor_share * np.abs(median))
    seen = np.sum(np.isfinite(history), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(spread > 0, (current - median) / spread, np.nan)
    return z, median, spread, seen


@dataclass(frozen=True)
class MonthValues:
    """One subject's figures in the month judged: what the value rules' texts and evidence quote."""

    label: str
    unit: str
    month: dt.date
    now: float
    previous: float
    year_ago: float
    mom: float  # % on the month before
    yoy: float  # % on the same month a year earlier
    z: float
    seen: int  # months of history behind z
    seasonal: bool
    median: float  # plain outlier: median and spread of the months before
    spread: float
    usual_log_ratio: float  # seasonal outlier: median log ratio to the year-earlier month
    mom_pct: float  # the subject's thresholds
    yoy_pct: float
    zscore: float
    series: list[dict[str, Any]]

    @property
    def period(self) -> str:
        return format_period(self.month)

    @property
    def before(self) -> str:
        return format_period(add_months(self.month, -1))

    @property
    def last_year(self) -> str:
        return format_period(add_months(self.month, -12))

    @property
    def common_evidence(self) -> dict[str, Any]:
        return {"observed": plain(self.now), "unit": self.unit, "series": self.series}


def _month_on_month(v: MonthValues) -> Wording:
    label = capital(v.label)
    return Wording(
        f"{label}: {v.mom:+.0f} % on the month before",
        f"{label} recorded {number(v.now)} {v.unit} in {v.period}, {v.mom:+.1f} % against "
        f"{number(v.previous)} {v.unit} in {v.before}; the month-on-month threshold is {v.mom_pct:g} %.",
        v.common_evidence | {"threshold": v.mom_pct, "previous": plain(v.previous), "change_pct": plain(v.mom)},
    )


def _year_on_year(v: MonthValues) -> Wording:
    label = capital(v.label)
    return Wording(
        f"{label}: {v.yoy:+.0f} % on the same month last year",
        f"{label} recorded {number(v.now)} {v.unit} in {v.period}, {v.yoy:+.1f} % against "
        f"{number(v.year_ago)} {v.unit} in {v.last_year}; the year-on-year threshold is {v.yoy_pct:g} %.",
        v.common_evidence | {"threshold": v.yoy_pct, "year_before": plain(v.year_ago), "change_pct": plain(v.yoy)},
    )


def _outlier(v: MonthValues) -> Wording:
    """Seasonal subjects against the same month a year earlier, the others against their own history."""
    label, direction = capital(v.label), "above" if v.z > 0 else "below"
    evidence = v.common_evidence | {"threshold": v.zscore, "zscore": plain(v.z), "history_months": v.seen}
    if v.seasonal:
        usual = math.expm1(v.usual_log_ratio) * 100
        return Wording(
            f"{label}: far {direction} its usual level for {v.month:%B}",
            f"{label} recorded {number(v.now)} {v.unit} in {v.period} against "
            f"{number(v.year_ago)} {v.unit} in {v.last_year} ({v.yoy:+.1f} %), while the {v.seen} "
            f"months before moved {usual:+.1f} % on their year-earlier month; robust z {v.z:+.1f}, "
            f"threshold {v.zscore:g}. The season alone does not explain it.",
            evidence | {
                "method": "seasonal: log ratio to the same month a year earlier, robust z against the "
                          f"ratios of the {v.seen} months before",
                "year_before": plain(v.year_ago), "change_pct": plain(v.yoy), "usual_change_pct": plain(usual),
            },
        )
    return Wording(
        f"{label}: far {direction} its own history",
        f"{label} recorded {number(v.now)} {v.unit} in {v.period}; the median of the "
        f"{v.seen} months before is {number(v.median)} {v.unit} (robust z {v.z:+.1f}, threshold {v.zscore:g}).",
        evidence | {
            "method": f"robust z: median and MAD of the {v.seen} months before",
            "median": plain(v.median), "spread": plain(v.spread),
        },
    )


def _inactive_meter(v: MonthValues) -> Wording:
    label = capital(v.label)
    return Wording(
        f"{label}: consumption on a meter marked inactive",
        f"{label} is marked active: false in footprint.yaml but recorded {number(v.now)} "
        f"{v.unit} in {v.period}. Is the meter back in use, or are the readings another meter's?",
        v.common_evidence | {"threshold": 0.0, "active": False},
    )


WORDING: dict[str, Callable[[MonthValues], Wording]] = {
    MONTH_ON_MONTH: _month_on_month,
    YEAR_ON_YEAR: _year_on_year,
    OUTLIER: _outlier,
    INACTIVE_METER: _inactive_meter,
}


def judge_values(wide: pd.DataFrame, subjects: pd.DataFrame, month: dt.date, config: AlertConfig) -> list[Alert]:
    """Month-on-month, year-on-year, outlier and inactive-meter findings for every subject in one month.

    Month-on-month is skipped for seasonal subjects (gas, heat, own generation): October to
    November doubles every year. Their outlier test compares each month with the same month a year
    earlier and asks whether that ratio is unusual against the ratios of the trailing months, so a
    cold January is judged against last January, not against July.
    """
    history = config.history_months
    window = [add_months(month, i) for i in range(-(history + 12), 1)]
    values = wide.reindex(index=subjects.index, columns=window).to_numpy(dtype=float)
    now = values[:, -1]
    previous, year_ago = values[:, -2], values[:, -13]
    seasonal = subjects["seasonal"].to_numpy(dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        mom = np.where(previous > 0, (now / previous - 1) * 100, np.nan)
        yoy = np.where(year_ago > 0, (now / year_ago - 1) * 100, np.nan)

    spread_share = config.outlier_min_spread_pct / 100
    z_plain, median_plain, spread_plain, seen_plain = _robust_z(now, values[:, -(history + 1):-1], 0.0, spread_share)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        epsilon = _EPSILON_SHARE * np.nanmean(np.abs(values), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.log((values[:, 12:] + epsilon[:, None]) / (values[:, :-12] + epsilon[:, None]))
    z_season, median_season, _, seen_season = _robust_z(ratios[:, -1], ratios[:, :-1], math.log1p(spread_share), 0.0)
    z = np.where(seasonal, z_season, z_plain)
    seen = np.where(seasonal, seen_season, seen_plain)

    has_value = np.isfinite(now)
    fires = {
        MONTH_ON_MONTH: has_value & ~seasonal & (np.abs(mom) > subjects["mom_pct"].to_numpy(dtype=float)),
        YEAR_ON_YEAR: has_value & (np.abs(yoy) > subjects["yoy_pct"].to_numpy(dtype=float)),
        OUTLIER: has_value & (seen >= config.min_history_months)
        & (np.abs(z) > subjects["zscore"].to_numpy(dtype=float)),
        INACTIVE_METER: has_value & (now != 0) & ~subjects["active"].to_numpy(dtype=bool)
        & (subjects["kind"] == "meter").to_numpy(),
    }
    period = format_period(month)
    alerts: list[Alert] = []
    for rule, mask in fires.items():
        for i in np.flatnonzero(mask):
            subject = str(subjects.index[i])
            info = subjects.iloc[i]
            found = MonthValues(
                label=info["label"], unit=info["unit"], month=month, now=now[i], previous=previous[i],
                year_ago=year_ago[i], mom=mom[i], yoy=yoy[i], z=z[i], seen=int(seen[i]), seasonal=bool(seasonal[i]),
                median=median_plain[i], spread=spread_plain[i], usual_log_ratio=median_season[i],
                mom_pct=float(info["mom_pct"]), yoy_pct=float(info["yoy_pct"]), zscore=float(info["zscore"]),
                series=series(wide, subject, month),
            )
            alerts.append(to_alert(rule, subject, period, WORDING[rule](found), config))
    return alerts
