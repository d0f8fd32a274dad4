"""Deviation rules: what moved beyond its thresholds in a month, with the evidence the rule saw.

Monthly values per subject (meter EAN, vehicle plate, supplier-side source) come from the warehouse in
one grouped query and are pivoted into a subjects x months matrix; every rule then judges all
subjects at once with numpy, and only the few findings become Alert objects. Rules look backwards
only (values up to the month judged), so judging a month again finds the same alerts, and the
store's key (rule, subject, period) keeps each one single.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from footprint.alerts.model import Alert
from footprint.config import AlertConfig, AlertThresholds, OrganisationConfig, Workspace
from footprint.periods import format_period, parse_period
from footprint.pipeline import FactorRestatement, warehouse
from footprint.schemas import LOCAL_TZ

MONTH_ON_MONTH = "month_on_month"
YEAR_ON_YEAR = "year_on_year"
OUTLIER = "outlier"
MISSING = "missing"
INACTIVE_METER = "inactive_meter"
TANK_EXCEEDED = "tank_exceeded"
QUARANTINE_RATE = "quarantine_rate"
FACTOR_RESTATEMENT = "factor_restatement"
TARGET_PATH = "target_path"

RULES = (
    MONTH_ON_MONTH, YEAR_ON_YEAR, OUTLIER, MISSING, INACTIVE_METER, TANK_EXCEEDED, QUARANTINE_RATE,
    FACTOR_RESTATEMENT, TARGET_PATH,
)
# What detect judges: these rules for the run's month only, the others (but factor_restatement, which
# loading a list raises) for every month the run recomputed. An open alert of a judged rule and month
# that detect no longer finds has lost its cause (see store.resolve_stale).
RUN_MONTH_RULES = (MISSING, QUARANTINE_RATE, TARGET_PATH)
NOT_JUDGED_BY_DETECT = (FACTOR_RESTATEMENT,)
DEFAULT_SEVERITY = {
    MONTH_ON_MONTH: "warning",
    YEAR_ON_YEAR: "warning",
    OUTLIER: "warning",
    MISSING: "warning",
    INACTIVE_METER: "warning",
    TANK_EXCEEDED: "critical",
    QUARANTINE_RATE: "warning",
    FACTOR_RESTATEMENT: "critical",
    TARGET_PATH: "warning",
}
# When several rules flag the same subject in the same month they tell one story: the officer gets
# one alert, of the first rule in this order, with the others' findings in its evidence.
_PRECEDENCE = (INACTIVE_METER, TANK_EXCEEDED, OUTLIER, YEAR_ON_YEAR, MONTH_ON_MONTH)
SERIES_MONTHS = 24  # history shown with an alert: two years before its month
MISSING_WINDOW_MONTHS = 36  # deliveries looked at for a rhythm: enough for quarterly and half-yearly ones
MAD_TO_SIGMA = 1.4826  # MAD x this estimates the standard deviation of normal data
SEASONAL_CARRIERS = ("natural_gas", "district_heat")
SEASONAL_DIRECTIONS = ("generation", "feed_in")  # solar panels follow the sun
BUSINESS_TRAVEL_CATEGORY = 6  # GHG Protocol scope 3 category 6: flights, train, private car
_EPSILON_SHARE = 0.05  # year-on-year ratios of months near zero are damped by 5 % of the mean level


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _severity(rule: str, config: AlertConfig) -> str:
    return config.severity.get(rule, DEFAULT_SEVERITY[rule])


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}" if abs(value) >= 1 else f"{value:.3g}"


def _plain(value: Any) -> float | None:
    """A JSON-ready number: NaN and infinities become None."""
    if value is None:
        return None
    value = float(value)
    return round(value, 6) if math.isfinite(value) else None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]



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


def _frame(conn: sa.Connection, sql: str, **params: Any) -> pd.DataFrame:
    result = conn.execute(sa.text(sql), params)
    # Plain tuples: pandas probing SQLAlchemy rows for array attributes costs more than the query.
    return pd.DataFrame(list(map(tuple, result.fetchall())), columns=list(result.keys()))


def monthly_values(
    conn: sa.Connection, org: OrganisationConfig, first: dt.date, last: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Values per subject and month (subjects x months, NaN where nothing was delivered) and the subjects table.

    A meter's subject is its EAN; rows of another direction than the configured one (feed-in on a
    consumption meter) are a subject of their own, "EAN:direction".
    """
    long = _frame(conn, _VALUES_SQL, first=first, last=last)
    meters = {m.ean: m for m in org.meters}
    configured = long["subject"].map({e: m.direction for e, m in meters.items()})
    other_direction = (long["kind"] == "meter") & long["part"].notna() & (long["part"] != configured)
    long["subject"] = long["subject"].where(~other_direction, long["subject"] + ":" + long["part"].astype(str))
    long["period"] = pd.to_datetime(long["period"]).dt.date
    months = [add_months(first, i) for i in range((last.year - first.year) * 12 + last.month - first.month + 1)]
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


def _series(wide: pd.DataFrame, subject: str, month: dt.date) -> list[dict[str, Any]]:
    """The subject's values from SERIES_MONTHS before the month to the month; gaps are None."""
    window = [add_months(month, -i) for i in range(SERIES_MONTHS, -1, -1)]
    values = wide.loc[subject].reindex(window)
    points = [{"period": format_period(m), "value": _plain(v)} for m, v in zip(window, values.tolist(), strict=True)]
    while points and points[0]["value"] is None:
        points.pop(0)
    return points


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


def judge_values(wide: pd.DataFrame, subjects: pd.DataFrame, month: dt.date, config: AlertConfig) -> list[Alert]:
    """Month-on-month, year-on-year, outlier and inactive-meter findings for every subject in one month.

    Month-on-month is skipped for seasonal subjects (gas, heat, own generation): October to
    November doubles every year. Their outlier test compares each month with the same month a year
    earlier and asks whether that ratio is unusual against the ratios of the trailing months, so a
    cold January is judged against last January, not against July.
    """
    history = config.history_months
    window = [add_months(month, i) for i in range(-(history + 12), 1)]
    frame = wide.reindex(index=subjects.index, columns=window)
    values = frame.to_numpy(dtype=float)
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
    period, before, last_year = format_period(month), format_period(add_months(month, -1)), format_period(
        add_months(month, -12))
    alerts: list[Alert] = []
    for rule, mask in fires.items():
        for i in np.flatnonzero(mask):
            subject = str(subjects.index[i])
            info = subjects.iloc[i]
            label, unit = info["label"], info["unit"]
            evidence: dict[str, Any] = {"observed": _plain(now[i]), "unit": unit, "series": _series(wide, subject, month)}
            if rule == MONTH_ON_MONTH:
                threshold = float(info["mom_pct"])
                evidence |= {"threshold": threshold, "previous": _plain(previous[i]), "change_pct": _plain(mom[i])}
                title = f"{_capital(label)}: {mom[i]:+.0f} % on the month before"
                message = (
                    f"{_capital(label)} recorded {_number(now[i])} {unit} in {period}, {mom[i]:+.1f} % against "
                    f"{_number(previous[i])} {unit} in {before}; the month-on-month threshold is {threshold:g} %."
                )
            elif rule == YEAR_ON_YEAR:
                threshold = float(info["yoy_pct"])
                evidence |= {"threshold": threshold, "year_before": _plain(year_ago[i]), "change_pct": _plain(yoy[i])}
                title = f"{_capital(label)}: {yoy[i]:+.0f} % on the same month last year"
                message = (
                    f"{_capital(label)} recorded {_number(now[i])} {unit} in {period}, {yoy[i]:+.1f} % against "
                    f"{_number(year_ago[i])} {unit} in {last_year}; the year-on-year threshold is {threshold:g} %."
                )
            elif rule == OUTLIER:
                threshold = float(info["zscore"])
                direction = "above" if z[i] > 0 else "below"
                evidence |= {"threshold": threshold, "zscore": _plain(z[i]), "history_months": int(seen[i])}
                if seasonal[i]:
                    usual = math.expm1(median_season[i]) * 100
                    evidence |= {
                        "method": "seasonal: log ratio to the same month a year earlier, robust z against the "
                                  f"ratios of the {int(seen[i])} months before",
                        "year_before": _plain(year_ago[i]), "change_pct": _plain(yoy[i]),
                        "usual_change_pct": _plain(usual),
                    }
                    title = f"{_capital(label)}: far {direction} its usual level for {month:%B}"
                    message = (
                        f"{_capital(label)} recorded {_number(now[i])} {unit} in {period} against "
                        f"{_number(year_ago[i])} {unit} in {last_year} ({yoy[i]:+.1f} %), while the {int(seen[i])} "
                        f"months before moved {usual:+.1f} % on their year-earlier month; robust z {z[i]:+.1f}, "
                        f"threshold {threshold:g}. The season alone does not explain it."
                    )
                else:
                    evidence |= {
                        "method": f"robust z: median and MAD of the {int(seen[i])} months before",
                        "median": _plain(median_plain[i]), "spread": _plain(spread_plain[i]),
                    }
                    title = f"{_capital(label)}: far {direction} its own history"
                    message = (
                        f"{_capital(label)} recorded {_number(now[i])} {unit} in {period}; the median of the "
                        f"{int(seen[i])} months before is {_number(median_plain[i])} {unit} (robust z {z[i]:+.1f}, "
                        f"threshold {threshold:g})."
                    )
            else:
                evidence |= {"threshold": 0.0, "active": False}
                title = f"{_capital(label)}: consumption on a meter marked inactive"
                message = (
                    f"{_capital(label)} is marked active: false in footprint.yaml but recorded {_number(now[i])} "
                    f"{unit} in {period}. Is the meter back in use, or are the readings another meter's?"
                )
            alerts.append(Alert(rule, subject, period, _severity(rule, config), title, message, evidence))
    return alerts


def tank_alerts(
    fuellings: pd.DataFrame, tanks: dict[str, float], wide: pd.DataFrame, config: AlertConfig
) -> list[Alert]:
    """A single fuelling above the vehicle's tank size: fuel for another vehicle, a jerrycan, or a typo.

    fuellings: plate, period (date), transaction_at, quantity, station, file_name, source_row (litres only).
    One alert per vehicle and month, naming the largest such fuelling.
    """
    if fuellings.empty or not tanks:
        return []
    tank = fuellings["plate"].map(tanks).astype(float)
    over = fuellings[fuellings["quantity"] > tank * (1 + config.tank_tolerance_pct / 100)]
    over = over.assign(tank=tank[over.index]).sort_values("quantity", ascending=False)
    alerts = []
    for (plate, month), group in over.groupby(["plate", "period"], sort=True):
        top = group.iloc[0]
        period = format_period(month)
        at = pd.Timestamp(top["transaction_at"])
        when = (at.tz_convert(LOCAL_TZ) if at.tzinfo else at).strftime("%Y-%m-%d %H:%M")  # as on the receipt
        evidence = {
            "observed": _plain(top["quantity"]),
            "threshold": _plain(top["tank"]),
            "unit": "l",
            "tolerance_pct": config.tank_tolerance_pct,
            "fuellings_over_tank": len(group),
            "transaction_at": when,
            "station": top["station"],
            "file_name": top["file_name"],
            "source_row": int(top["source_row"]),
            "series": _series(wide, plate, month) if plate in wide.index else [],
        }
        alerts.append(Alert(
            TANK_EXCEEDED, str(plate), period, _severity(TANK_EXCEEDED, config),
            f"Vehicle {plate}: a fuelling of {top['quantity']:,.1f} l exceeds its {top['tank']:g} l tank",
            f"Vehicle {plate} fuelled {top['quantity']:,.2f} l at once on {when} at {top['station']} "
            f"({top['file_name']} line {int(top['source_row'])}), more than its {top['tank']:g} l tank holds"
            + (f"; {len(group)} such fuellings this month" if len(group) > 1 else "")
            + ". Fuel for another vehicle or a jerrycan, or a wrong quantity?",
            evidence,
        ))
    return alerts


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
    index = deliveries.assign(i=[p.year * 12 + p.month - 1 for p in deliveries["period"]])
    now = month.year * 12 + month.month - 1
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
        due_month, last = dt.date(due // 12, due % 12 + 1, 1), dt.date(months[-1] // 12, months[-1] % 12 + 1, 1)
        counts = dict(zip(group["i"], group["files"], strict=False))
        series = [
            {"period": format_period(dt.date(i // 12, i % 12 + 1, 1)), "value": float(counts.get(i, 0))}
            for i in range(max(int(months[0]), now - SERIES_MONTHS), now + 1)
        ]
        rhythm = "every month" if cadence == 1 else f"every {cadence} months"
        alerts.append(Alert(
            MISSING, str(subject), format_period(due_month), _severity(MISSING, config),
            f"{_capital(label)}: no delivery since {format_period(last)}",
            f"{_capital(label)} delivered {rhythm} up to {format_period(last)}; its delivery for "
            f"{format_period(due_month)} has not arrived (checked with the files of {format_period(month)}).",
            {"observed": 0.0, "threshold": float(cadence), "unit": "files delivered", "cadence_months": cadence,
             "last_delivered": format_period(last), "series": series},
        ))
    return alerts


def quarantine_alerts(files: pd.DataFrame, shares: pd.DataFrame, month: dt.date, config: AlertConfig) -> list[Alert]:
    """Files of the month whose quarantined share is above the threshold, and files that could not be read.

    files: file_name, dataset, rows_read, rows_quarantined (None for a rejected file), message.
    shares: dataset, period, share_pct: the datasets' monthly quarantined share, for the history.
    """
    if files.empty:
        return []
    rejected = files["rows_quarantined"].isna()
    read = files["rows_read"].fillna(0).astype(float)
    rate = np.where(rejected, 100.0, files["rows_quarantined"].fillna(0).astype(float) / read.clip(lower=1) * 100)
    fires = rejected | ((read >= config.quarantine_min_rows) & (rate > config.quarantine_pct))
    period = format_period(month)
    alerts = []
    for i in np.flatnonzero(fires.to_numpy()):
        row = files.iloc[i]
        history = shares[shares["dataset"] == row["dataset"]].sort_values("period")
        series = [{"period": format_period(p), "value": _plain(v)} for p, v in zip(history["period"], history["share_pct"],
                                                                                   strict=True)]
        evidence = {"observed": _plain(rate[i]), "threshold": config.quarantine_pct, "unit": "% of rows quarantined",
                    "file_name": row["file_name"], "dataset": row["dataset"], "series": series}
        if rejected.iloc[i]:
            title = f"{row['file_name']}: the file could not be read"
            message = f"{row['file_name']} delivered for {period} could not be read at all: {row['message']}"
        else:
            evidence |= {"rows_read": int(row["rows_read"]), "rows_quarantined": int(row["rows_quarantined"]),
                         "min_rows": config.quarantine_min_rows}
            title = f"{row['file_name']}: {rate[i]:.0f} % of its rows failed validation"
            message = (
                f"{int(row['rows_quarantined'])} of {int(row['rows_read'])} rows of {row['file_name']} ({period}) "
                f"were quarantined ({rate[i]:.1f} %, threshold {config.quarantine_pct:g} %); "
                "`footprint status` and the quarantine table say which and why."
            )
        alerts.append(Alert(QUARANTINE_RATE, str(row["file_name"]), period, _severity(QUARANTINE_RATE, config),
                            title, message, evidence))
    return alerts


_TARGET_UNIT = {"per_revenue": "kg CO2e per million EUR", "per_fte": "kg CO2e per FTE", "absolute": "kg CO2e"}


def target_alerts(kg: pd.DataFrame, org: OrganisationConfig, month: dt.date) -> list[Alert]:
    """After June and December: targets that fall behind their straight path this half year.

    kg: year, month, ladder_scope, kg (market-based kg CO2e per month). The metric is the year to
    date (January to June, or the whole year) against the same months of the base year, pro rata
    revenue or FTE, as the half-year report computes it (footprint.reports.summary.target_progress).
    Staying behind is not news: the alert comes when a target was on its path the half year before.
    """
    from footprint.reports.summary import target_progress

    config = org.alerts
    if not (config.target_path and org.targets and month.month in (6, 12)):
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
            total = float(ytd[last].get((year, scope), 0.0))
            figures = org.years.get(year)
            if basis == "absolute":
                return total
            if figures is None:
                return None
            share = last / 12
            return total / (figures.revenue_eur * share / 1e6) if basis == "per_revenue" else total / (figures.fte * share)

        checks = []
        for year, last in ends:
            progress = target_progress(metric(org.base_year, last), metric(year, last), org.base_year,
                                       target.target_year, target.reduction_pct, year)
            current, path = progress["current_value"], progress["path_value"]
            behind = current is not None and path is not None and (
                current > path * (1 + config.target_path_tolerance_pct / 100) + 1e-9 * abs(path))
            checks.append((f"{year:04d}-{last:02d}", progress, behind))
        period, progress, behind = checks[-1]
        if not behind or (len(checks) > 1 and checks[-2][2]):
            continue
        unit = _TARGET_UNIT[basis]
        achieved = progress["achieved_reduction_pct"]
        alerts.append(Alert(
            TARGET_PATH, target.id, period, _severity(TARGET_PATH, config),
            f"Target {target.id}: behind its straight path to -{target.reduction_pct:g} % in {target.target_year}",
            f"Ladder scope {target.ladder_scope} came to {_number(progress['current_value'])} {unit} over "
            f"{month.year}-01..{period}, {progress['change_pct']:+.1f} % against the same months of the base year "
            f"{org.base_year}; the straight path to -{target.reduction_pct:g} % in {target.target_year} asks "
            f"-{progress['expected_reduction_pct']:.1f} % ({_number(progress['path_value'])} {unit}) by now.",
            {
                "observed": _plain(progress["current_value"]), "threshold": _plain(progress["path_value"]),
                "unit": unit, "achieved_reduction_pct": _plain(achieved),
                "expected_reduction_pct": _plain(progress["expected_reduction_pct"]),
                "base_value": _plain(progress["base_value"]), "target_year": target.target_year,
                "tolerance_pct": config.target_path_tolerance_pct,
                "series": [{"period": p, "value": _plain(c["current_value"])} for p, c, _ in checks],
                "path": [{"period": p, "value": _plain(c["path_value"])} for p, c, _ in checks],
            },
        ))
    return alerts


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

_FILES_SQL = """
SELECT file_name, dataset, rows_read, rows_quarantined - coalesce(rows_already_counted, 0) AS rows_quarantined,
       NULL AS message
FROM raw_files WHERE period = :period AND superseded_by IS NULL
UNION ALL
SELECT f.file_name, f.dataset, NULL AS rows_read, NULL AS rows_quarantined, max(f.message) AS message
FROM run_files f JOIN runs r ON r.run_id = f.run_id
WHERE r.period = :period AND f.outcome = 'rejected'
  AND f.file_sha256 NOT IN (SELECT file_sha256 FROM raw_files)
GROUP BY f.file_name, f.dataset
"""

_SHARES_SQL = """
SELECT dataset, period, 100.0 * sum(rows_quarantined - coalesce(rows_already_counted, 0)) / sum(rows_read)
       AS share_pct
FROM raw_files WHERE superseded_by IS NULL AND rows_read > 0 AND period >= :first AND period <= :last
GROUP BY dataset, period
"""

_FUELLINGS_SQL = """
SELECT f.plate, f.period, f.transaction_at, f.quantity, f.station, r.file_name, f.source_row
FROM fuel_transactions f JOIN raw_files r ON r.file_sha256 = f.file_sha256
WHERE f.excluded_reason IS NULL AND lower(f.unit) = 'l' AND f.quantity > :least
  AND f.period >= :first AND f.period <= :last
"""

_TARGET_SQL = """
SELECT year, month, ladder_scope, sum(emissions_kg_co2e) AS kg
FROM v_emissions_monthly WHERE year >= :base_year AND period <= :last
GROUP BY year, month, ladder_scope
"""


def _expected(org: OrganisationConfig, deliveries: pd.DataFrame) -> dict[str, tuple[str, bool]]:
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
    last = months[-1]
    found: list[Alert] = []
    with warehouse(ws).connect() as conn:
        wide, subjects = monthly_values(conn, ws.org, first, last)
        for each in months:
            found += judge_values(wide, subjects, each, config)
        tanks = {v.plate: v.tank_litres for v in ws.org.vehicles if v.tank_litres}
        if tanks:
            least = min(tanks.values()) * (1 + config.tank_tolerance_pct / 100)
            fuellings = _frame(conn, _FUELLINGS_SQL, least=least, first=months[0], last=last)
            fuellings["period"] = pd.to_datetime(fuellings["period"]).dt.date
            found += tank_alerts(fuellings, tanks, wide, config)
        deliveries = _frame(conn, _DELIVERIES_SQL, first=add_months(month, -MISSING_WINDOW_MONTHS), last=month)
        deliveries["period"] = pd.to_datetime(deliveries["period"]).dt.date
        found += missing_alerts(deliveries, _expected(ws.org, deliveries), month, config)
        files = _frame(conn, _FILES_SQL, period=month)
        if not files.empty:
            shares = _frame(conn, _SHARES_SQL, first=add_months(month, -SERIES_MONTHS), last=month)
            shares["period"] = pd.to_datetime(shares["period"]).dt.date
            found += quarantine_alerts(files, shares, month, config)
        if config.target_path and ws.org.targets and month.month in (6, 12):
            kg = _frame(conn, _TARGET_SQL, base_year=ws.org.base_year, last=month)
            kg = kg.astype({"year": int, "month": int, "ladder_scope": int, "kg": float})
            found += target_alerts(kg, ws.org, month)
    return consolidate(found)


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
        monthly = _frame(
            conn, "SELECT period, sum(emissions_kg_co2e) AS kg FROM emissions WHERE period >= :first AND period <= :last "
            "GROUP BY period ORDER BY period", first=dt.date(org.base_year, 1, 1), last=dt.date(org.base_year, 12, 1),
        )
        # new_factor_list names the policy's list first, then any a partial list falls back to.
        new_list = moved[0].new_factor_list.split(", ")[0]
        version = _frame(conn, "SELECT version FROM factor_lists WHERE list_id = :id", id=new_list)
    new_total = float(monthly["kg"].astype(float).sum())
    old_total = new_total - delta
    change = delta / old_total * 100 if old_total else 0.0
    threshold = org.factor_policy.significance_pct
    if abs(change) <= threshold:
        return []
    published = pd.Timestamp(version["version"].iloc[0]).date() if len(version) else dt.date.today()
    old_lists = ", ".join(sorted({r.old_factor_list for r in moved if r.old_factor_list}))
    return [Alert(
        FACTOR_RESTATEMENT, new_list, format_period(published), _severity(FACTOR_RESTATEMENT, org.alerts),
        f"Base year {org.base_year} restated {change:+.1f} % by factor list {new_list}",
        f"Loading factor list {new_list} restated {len(moved)} month(s) of the base year {org.base_year}: "
        f"{old_total / 1000:,.1f} -> {new_total / 1000:,.1f} t CO2e ({change:+.2f} %), beyond the significance "
        f"threshold of {threshold:g} %. The CO2-Prestatieladder asks for a base-year recalculation.",
        {
            "observed": _plain(change), "threshold": threshold, "unit": "kg CO2e", "change_pct": _plain(change),
            "old_kg_co2e": _plain(old_total), "new_kg_co2e": _plain(new_total), "old_factor_lists": old_lists,
            "new_factor_list": new_list,
            "series": [{"period": format_period(pd.Timestamp(p).date()), "value": _plain(v)}
                       for p, v in zip(monthly["period"], monthly["kg"], strict=True)],
        },
    )]
