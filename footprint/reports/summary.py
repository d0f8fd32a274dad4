"""The half-year report's figures as one JSON-ready dict (schema: SUMMARY_SCHEMA.md beside this file).

Every figure comes from the warehouse's BI views and tables, aggregated in SQL and shaped with
pandas; nothing here loops over data rows. Emissions are exact kg CO2e (floats, never rounded).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pandas as pd

from footprint.config import Workspace, normalise_plate
from footprint.errors import UsageError
from footprint.factors.mapping import load_activity_mapping
from footprint.periods import format_period, year_problem
from footprint.queries import Coverage, coverage
from footprint.reports.factor_use import factor_lists, factor_years, list_refs, restatements
from footprint.reports.frames import clean as _clean
from footprint.reports.frames import frame as _frame
from footprint.reports.frames import records as _records

SCHEMA_VERSION = "2.0"

PRO_RATA_RULE = (
    "revenue_eur and fte are the configured figures of the calendar year (footprint.yaml `years`), "
    "taken pro rata for the months covered: figure x months / 12 (H1: 6/12, year to date to December: 12/12). "
    "Intensity = kg CO2e / (pro-rata revenue in million EUR) and kg CO2e / pro-rata FTE. "
    "Comparison periods (base year, previous year) use the same months and their own year's figures."
)
TARGET_RULE = (
    "The metric is the ladder scope's market-based kg CO2e over the report's months, per million EUR revenue "
    "(per_revenue), per FTE (per_fte) or absolute, compared with the same months of the base year. "
    "change_pct = (metric / base metric - 1) x 100; achieved_reduction_pct = -change_pct. The straight path "
    "runs from 0 % in the base year to reduction_pct in the target year: expected_reduction_pct = reduction_pct x "
    "(year - base_year) / (target_year - base_year), capped at reduction_pct. on_track = achieved >= expected."
)

_HALF = re.compile(r"^(\d{4})H([12])$")


def parse_half(half: str) -> tuple[int, int]:
    """'2025H1' -> (2025, 1). H2 reports the full year (year to date)."""
    match = _HALF.match(half.strip().upper())
    if not match:
        raise UsageError(f"half {half!r} is not a half year written as YYYYH1 or YYYYH2, e.g. 2025H1")
    problem = year_problem(int(match.group(1)))
    if problem is not None:
        raise UsageError(f"half {half!r}: {problem}")
    return int(match.group(1)), int(match.group(2))


def _months(year: int, last_month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, last_month, 1)


_EMISSIONS_SQL = """
SELECT year, month, ladder_scope, ghg_scope, ghg_category, site_id, source, unit,
       sum(quantity) AS quantity, sum(emissions_kg_co2e) AS kg, sum(location_emissions_kg_co2e) AS location_kg,
       sum(primary_kg_co2e) AS primary_kg, sum(activity_rows) AS activity_rows
FROM v_emissions_monthly
WHERE period >= :start AND period <= :end
GROUP BY year, month, ladder_scope, ghg_scope, ghg_category, site_id, source, unit
"""


def _emissions(ws: Workspace, start: dt.date, end: dt.date) -> pd.DataFrame:
    frame = _frame(ws, _EMISSIONS_SQL, start=start, end=end)
    for column in ("quantity", "kg", "location_kg", "primary_kg"):
        frame[column] = frame[column].astype(float)
    return frame


def _scope_totals(frame: pd.DataFrame) -> dict[str, float]:
    sums = frame.groupby("ladder_scope")["kg"].sum() if len(frame) else pd.Series(dtype=float)
    out = {f"scope_{s}_kg_co2e": float(sums.get(s, 0.0)) for s in (1, 2, 3)}
    out["total_kg_co2e"] = float(frame["kg"].sum()) if len(frame) else 0.0
    return out


def _totals(frame: pd.DataFrame) -> dict[str, Any]:
    """Totals and breakdowns of one period's emissions (market-based unless the key says location)."""
    by_ladder = frame.groupby("ladder_scope", as_index=False).agg(
        emissions_kg_co2e=("kg", "sum"), location_emissions_kg_co2e=("location_kg", "sum"))
    by_ghg = (
        frame.assign(ghg_category=frame["ghg_category"].astype(object).where(frame["ghg_category"].notna(), None))
        .groupby(["ghg_scope", "ghg_category"], as_index=False, dropna=False)
        .agg(emissions_kg_co2e=("kg", "sum"), location_emissions_kg_co2e=("location_kg", "sum"))
    )
    by_ghg = by_ghg.sort_values(["ghg_scope", "ghg_category"], na_position="first")
    # A few aggregated rows: categories as whole numbers (or null), not the floats NULLs force on pandas.
    by_ghg["ghg_category"] = pd.Series(
        [None if pd.isna(v) else int(v) for v in by_ghg["ghg_category"]], index=by_ghg.index, dtype=object)
    by_source = frame.groupby(["ladder_scope", "source", "unit"], as_index=False).agg(
        quantity=("quantity", "sum"), emissions_kg_co2e=("kg", "sum"),
        location_emissions_kg_co2e=("location_kg", "sum"), activity_rows=("activity_rows", "sum"))
    by_site = (
        frame.assign(site_id=frame["site_id"].fillna("(organisation-wide)"))
        .groupby(["site_id", "ladder_scope"], as_index=False)
        .agg(emissions_kg_co2e=("kg", "sum"), location_emissions_kg_co2e=("location_kg", "sum"))
    )
    electricity = frame[frame["source"] == "electricity"]
    total = float(frame["kg"].sum())
    return {
        **_scope_totals(frame),
        "total_location_based_kg_co2e": float(frame["location_kg"].sum()),
        "electricity": {
            "market_based_kg_co2e": float(electricity["kg"].sum()),
            "location_based_kg_co2e": float(electricity["location_kg"].sum()),
            "kwh": float(electricity.loc[electricity["unit"] == "kWh", "quantity"].sum()),
        },
        "by_ladder_scope": _records(by_ladder.sort_values("ladder_scope")),
        "by_ghg_scope": _records(by_ghg),
        "by_source": _records(by_source.sort_values(["ladder_scope", "emissions_kg_co2e"], ascending=[True, False])),
        "by_site": _records(by_site.sort_values(["site_id", "ladder_scope"])),
        "primary_kg_co2e": float(frame["primary_kg"].sum()),
        "secondary_kg_co2e": total - float(frame["primary_kg"].sum()),
    }


def _year_figures(ws: Workspace, year: int, months: int) -> dict[str, Any]:
    figures = ws.org.years.get(year)
    if figures is None:
        return {"revenue_eur": None, "fte": None, "note": f"no revenue_eur/fte configured for {year}"}
    share = months / 12
    return {"revenue_eur": figures.revenue_eur * share, "fte": figures.fte * share}


def _intensity(kg: float | None, figures: dict[str, Any]) -> dict[str, float | None]:
    if kg is None:
        return {"kg_co2e_per_million_eur": None, "kg_co2e_per_fte": None}
    revenue, fte = figures.get("revenue_eur"), figures.get("fte")
    return {
        "kg_co2e_per_million_eur": kg / (revenue / 1e6) if revenue else None,
        "kg_co2e_per_fte": kg / fte if fte else None,
    }


def _period_block(ws: Workspace, frame: pd.DataFrame, year: int, last_month: int) -> dict[str, Any]:
    """One comparison period; without any data its figures are null ("no data"), never 0 kg."""
    scopes = _scope_totals(frame) if len(frame) else {key: None for key in _scope_totals(frame)}
    figures = _year_figures(ws, year, last_month)
    block: dict[str, Any] = {
        "year": year,
        "from": f"{year:04d}-01",
        "to": f"{year:04d}-{last_month:02d}",
        "has_data": bool(len(frame)),
        **scopes,
        "revenue_eur_pro_rata": figures.get("revenue_eur"),
        "fte_pro_rata": figures.get("fte"),
        "intensity": {
            key: _intensity(value, figures) for key, value in scopes.items()
        },
    }
    if "note" in figures:
        block["note"] = figures["note"]
    return block


def _change_pct(now: float | None, then: float | None) -> float | None:
    if now is None or then in (None, 0):
        return None
    return (now / then - 1) * 100


def target_progress(
    base_value: float | None,
    current_value: float | None,
    base_year: int,
    target_year: int,
    reduction_pct: float,
    year: int,
) -> dict[str, Any]:
    """Progress of one target: achieved reduction against the straight path at `year` (see TARGET_RULE)."""
    span = target_year - base_year
    fraction = min(max((year - base_year) / span, 0.0), 1.0) if span > 0 else 1.0
    expected = reduction_pct * fraction
    change = _change_pct(current_value, base_value)
    achieved = -change if change is not None else None
    return {
        "base_value": base_value,
        "current_value": current_value,
        "change_pct": change,
        "achieved_reduction_pct": achieved,
        "expected_reduction_pct": expected,
        "path_value": base_value * (1 - expected / 100) if base_value is not None else None,
        "target_value": base_value * (1 - reduction_pct / 100) if base_value is not None else None,
        "on_track": (achieved >= expected - 1e-9) if achieved is not None else None,
    }


_METRIC_KEY = {"per_revenue": "kg_co2e_per_million_eur", "per_fte": "kg_co2e_per_fte"}
_METRIC_UNIT = {"per_revenue": "kg CO2e per million EUR", "per_fte": "kg CO2e per FTE", "absolute": "kg CO2e"}


def _metric(kg: float, basis: str, figures: dict[str, Any]) -> float | None:
    if basis == "absolute":
        return kg
    return _intensity(kg, figures)[_METRIC_KEY[basis]]


def _targets(ws: Workspace, year: int, last_month: int) -> list[dict[str, Any]]:
    """Each target's progress this year, and its history for every configured year with data."""
    org = ws.org
    if not org.targets:
        return []
    history = _frame(
        ws,
        """
        SELECT year, ladder_scope, sum(emissions_kg_co2e) AS kg
        FROM v_emissions_monthly
        WHERE month <= :last_month AND year >= :base_year AND year <= :year
        GROUP BY year, ladder_scope
        """,
        last_month=last_month, base_year=org.base_year, year=year,
    )
    kg = {(int(r.year), int(r.ladder_scope)): float(r.kg) for r in history.itertuples()}
    out = []
    for target in org.targets:
        scope, basis = int(target.ladder_scope), str(target.basis)

        def value(y: int, scope: int = scope, basis: str = basis) -> float | None:
            if (y, scope) not in kg and not any(k[0] == y for k in kg):
                return None  # no data at all that year
            return _metric(kg.get((y, scope), 0.0), basis, _year_figures(ws, y, last_month))

        progress = target_progress(value(org.base_year), value(year), org.base_year, target.target_year,
                                   target.reduction_pct, year)
        years = sorted({y for y, _ in kg} | {org.base_year, year})
        out.append({
            "id": target.id,
            "ladder_scope": scope,
            "basis": basis,
            "unit": _METRIC_UNIT[basis],
            "base_year": org.base_year,
            "target_year": target.target_year,
            "reduction_pct": target.reduction_pct,
            "year": year,
            "months": f"01-{last_month:02d}",
            **progress,
            "history": [
                {"year": y, "value": value(y),
                 "path_value": target_progress(value(org.base_year), None, org.base_year, target.target_year,
                                               target.reduction_pct, y)["path_value"]}
                for y in years
            ],
        })
    return out


def _energy(ws: Workspace, start: dt.date, end: dt.date) -> dict[str, Any]:
    frame = _frame(
        ws,
        """
        SELECT carrier, direction, unit, sum(quantity) AS quantity, sum(estimated_quantity) AS estimated_quantity,
               max(meters_or_vehicles) AS max_meters_or_vehicles_per_site_month, sum(activity_rows) AS activity_rows
        FROM v_energy_monthly WHERE period >= :start AND period <= :end
        GROUP BY carrier, direction, unit ORDER BY carrier, direction, unit
        """,
        start=start, end=end,
    )
    monthly = _frame(
        ws,
        """
        SELECT period, carrier, direction, unit, sum(quantity) AS quantity
        FROM v_energy_monthly WHERE period >= :start AND period <= :end
        GROUP BY period, carrier, direction, unit ORDER BY period, carrier, direction, unit
        """,
        start=start, end=end,
    )
    return {"by_carrier": _records(frame), "monthly": _records(monthly)}


def _data_quality(ws: Workspace, start: dt.date, end: dt.date, totals: dict[str, Any], found: Coverage) -> dict[str, Any]:
    """Shares, coverage per month by the rows' own months, files per inbox month and estimated energy."""
    files = _frame(
        ws,
        """
        SELECT period, dataset, count(*) AS files, sum(rows_read) AS rows_read, sum(rows_loaded) AS rows_loaded,
               sum(rows_quarantined) AS rows_quarantined, sum(rows_excluded) AS rows_excluded
        FROM v_data_quality
        WHERE period >= :start AND period <= :end AND superseded_by IS NULL
        GROUP BY period, dataset ORDER BY period, dataset
        """,
        start=start, end=end,
    )
    total = totals["total_kg_co2e"]
    estimated = _frame(
        ws,
        """
        SELECT carrier, unit, sum(estimated_quantity) AS estimated_quantity
        FROM v_energy_monthly WHERE period >= :start AND period <= :end AND estimated_quantity <> 0
        GROUP BY carrier, unit ORDER BY carrier, unit
        """,
        start=start, end=end,
    )
    files_num = files[["rows_read"]].astype(float) if len(files) else None
    covered = found.datasets.assign(period=[format_period(p) for p in found.datasets["period"]])
    return {
        "primary_kg_co2e": totals["primary_kg_co2e"],
        "secondary_kg_co2e": totals["secondary_kg_co2e"],
        "primary_share": totals["primary_kg_co2e"] / total if total else None,
        "secondary_share": totals["secondary_kg_co2e"] / total if total else None,
        "rows_read": int(files_num["rows_read"].sum()) if files_num is not None else 0,
        "rows_quarantined": int(found.datasets["rows_quarantined"].sum()),
        "coverage": _records(covered),
        "files_per_month": _records(files),
        "estimated_energy": _records(estimated),
    }


EXPECTED_RULE = (
    "Only configured sources can be missing: each active meter (per EAN, by the months its rows cover), the "
    "fuel-card data when an active vehicle is configured, and the supplier and travel sources footprint.yaml "
    "`expected_sources` lists, at their rhythm (monthly; quarterly and yearly judged on whole calendar quarters "
    "and years). A meter month is partial when its rows start after the month's first moment or end before its "
    "last (local time)."
)


def _missing(found: Coverage) -> dict[str, Any]:
    """Gaps and partial months of the period, each as structured items (the report words them per language)."""
    delivered = found.datasets.groupby("period")["rows_loaded"].sum()
    months = sorted({m["period"] for m in found.missing} | {m["period"] for m in found.partial})
    return {
        "rule": EXPECTED_RULE,
        "count": len(found.missing),
        "partial_count": len(found.partial),
        "months_without_any_data": sorted(format_period(p) for p, rows in delivered.items() if rows == 0),
        "items": found.missing,
        "partial": found.partial,
        "by_month": [{"period": month, "items": [m for m in found.missing if m["period"] == month],
                      "partial": [m for m in found.partial if m["period"] == month]} for month in months],
    }


def _about(alert: Any, org: Any, refs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What an alert's subject is, so a report can name it in its own words (a meter's carrier and site, ...)."""
    rule, subject = alert.rule, str(alert.subject)
    if rule == "quarantine_rate":
        return {"kind": "file"}
    if rule == "factor_restatement":
        return {"kind": "factor_list", "list": refs.get(subject), "base_year": org.base_year}
    if rule == "target_path":
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
    if normalise_plate(subject) in {v.plate for v in org.vehicles} or rule == "tank_exceeded":
        return {"kind": "vehicle"}
    return {"kind": "supplier" if rule == "missing" else "vehicle"}


def _alerts(ws: Workspace, start: dt.date, end: dt.date, refs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The period's alerts with the quality officer's status and note (section 4, unexpected changes), and
    `about`: what the subject is, for the report to word the alert in its language."""
    from footprint.alerts.store import list_alerts

    keep = ("alert_id", "rule", "subject", "period", "severity", "title", "message", "status", "note",
            "noted_by", "noted_at", "created_at")
    return [{k: _clean(getattr(a, k)) for k in keep} | {"evidence": a.evidence, "about": _about(a, ws.org, refs)}
            for a in list_alerts(ws, first_period=start, last_period=end)]


def _projects(ws: Workspace, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Section 8: every project running in the period with its allocated emissions (footprint.reports.project)."""
    from footprint.reports.project import projects_overview

    return projects_overview(ws, start, end)


def _measures(ws: Workspace, end: dt.date) -> list[dict[str, Any]]:
    """The configured measures with their status; open ones past their due month are marked overdue."""
    last = format_period(end)
    return [
        {**m.model_dump(mode="json"),
         "overdue": m.due is not None and m.due < last and str(m.status) in ("planned", "in_progress")}
        for m in ws.org.measures
    ]


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _checks(ws: Workspace, start: dt.date, end: dt.date, totals: dict[str, Any]) -> list[dict[str, Any]]:
    """The arithmetic a reader would redo: each row is quantity x its factor as the official list gives it, rows
    and breakdowns add up to the totals."""
    rows = _frame(
        ws,
        """
        SELECT count(*) AS emission_rows,
               sum(CASE WHEN e.factor_id IS NOT NULL AND (f.factor_id IS NULL OR abs(e.emissions_kg_co2e
                        - e.quantity * f.value_kg_co2e_per_unit) > 1e-6 * (1 + abs(e.emissions_kg_co2e)))
                        THEN 1 ELSE 0 END) AS off_rows,
               sum(e.emissions_kg_co2e) AS row_kg
        FROM emissions e LEFT JOIN factors f ON f.factor_id = e.factor_id
        WHERE e.period >= :start AND e.period <= :end
        """,
        start=start, end=end,
    ).iloc[0]
    total, location = totals["total_kg_co2e"], totals["total_location_based_kg_co2e"]
    scopes = sum(totals[f"scope_{n}_kg_co2e"] for n in (1, 2, 3))

    def summed(key: str, items: str) -> float:
        return float(sum(r[key] for r in totals[items]))

    off, checked = int(rows["off_rows"] or 0), int(rows["emission_rows"])
    sums = [
        ("scopes_add_up", "ladder scopes 1 + 2 + 3 add up to the total", scopes, total),
        ("sources_add_up", "rows per source add up to the total (market-based)",
         summed("emissions_kg_co2e", "by_source"), total),
        ("sources_add_up_location", "rows per source add up to the total (location-based)",
         summed("location_emissions_kg_co2e", "by_source"), location),
        ("sites_add_up", "rows per site add up to the total", summed("emissions_kg_co2e", "by_site"), total),
        ("rows_add_up", "the emission rows add up to the reported total", float(rows["row_kg"] or 0.0), total),
    ]
    return [{"id": "rows_quantity_times_factor", "check": "every emission row equals quantity x its factor in the list",
             "holds": off == 0, "detail": f"{checked} rows checked, {off} differ",
             "figures": {"rows": checked, "differ": off}}] + [
        {"id": key, "check": name, "holds": _close(left, right), "detail": f"{left:.3f} vs {right:.3f} kg",
         "figures": {"left_kg": left, "right_kg": right}} for key, name, left, right in sums]


def _monthly(frame: pd.DataFrame) -> list[dict[str, Any]]:
    if frame.empty:
        return []
    monthly = frame.groupby(["year", "month", "ladder_scope"], as_index=False).agg(
        emissions_kg_co2e=("kg", "sum"), location_emissions_kg_co2e=("location_kg", "sum"))
    return _records(monthly.sort_values(["year", "month", "ladder_scope"]))


def build_summary(ws: Workspace, half: str) -> dict[str, Any]:
    """All figures of the half-year report for '2025H1' (Jan-Jun) or '2025H2' (Jan-Dec, year to date)."""
    year, h = parse_half(half)
    last_month = 6 if h == 1 else 12
    start, end = _months(year, last_month)
    org = ws.org

    current = _emissions(ws, start, end)
    base = _emissions(ws, *_months(org.base_year, last_month))
    previous = _emissions(ws, *_months(year - 1, last_month))
    totals = _totals(current)
    half_only = None
    if h == 2:
        second = current[current["month"] >= 7] if len(current) else current
        half_only = {"from": f"{year:04d}-07", "to": f"{year:04d}-12", **_scope_totals(second)}

    current_block = _period_block(ws, current, year, last_month)
    base_block = _period_block(ws, base, org.base_year, last_month)
    previous_block = _period_block(ws, previous, year - 1, last_month)

    def changes(other: dict[str, Any]) -> dict[str, Any]:
        keys = ("scope_1_kg_co2e", "scope_2_kg_co2e", "scope_3_kg_co2e", "total_kg_co2e")
        return {
            "absolute_change_pct": {k: _change_pct(current_block[k], other[k]) for k in keys},
            "per_million_eur_change_pct": {
                k: _change_pct(current_block["intensity"][k]["kg_co2e_per_million_eur"],
                               other["intensity"][k]["kg_co2e_per_million_eur"]) for k in keys},
            "per_fte_change_pct": {
                k: _change_pct(current_block["intensity"][k]["kg_co2e_per_fte"],
                               other["intensity"][k]["kg_co2e_per_fte"]) for k in keys},
        }

    found = coverage(ws, start, end)
    refs = list_refs(ws)
    return {
        "schema_version": SCHEMA_VERSION,
        "organisation": org.organisation,
        "half": f"{year}H{h}",
        "period": {"from": format_period(start), "to": format_period(end), "months": last_month,
                   "year_to_date": True, "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
        "base_year": org.base_year,
        "units": {"emissions": "kg CO2e (market-based unless the key says location)", "intensity_revenue":
                  "kg CO2e per million EUR revenue", "intensity_fte": "kg CO2e per FTE"},
        "emissions": totals,
        "second_half_only": half_only,
        "monthly_emissions": _monthly(current),
        "base_year_monthly_emissions": _monthly(base),
        "energy": _energy(ws, start, end),
        "comparison": {
            "pro_rata_rule": PRO_RATA_RULE,
            "current": current_block,
            "base_year": base_block,
            "previous_year": previous_block,
            "vs_base_year": changes(base_block),
            "vs_previous_year": changes(previous_block),
        },
        "targets": {"rule": TARGET_RULE, "items": _targets(ws, year, last_month)},
        "data_quality": _data_quality(ws, start, end, totals, found),
        "missing": _missing(found),
        "factor_policy": {"mode": str(org.factor_policy.mode), "list_year": org.factor_policy.list_year},
        "factor_lists": factor_lists(ws, start, end),
        "factor_years": factor_years(ws, start, end, refs),
        "restatements": restatements(ws, start, end, refs),
        "alerts": _alerts(ws, start, end, refs),
        "measures": _measures(ws, end),
        "projects": _projects(ws, start, end),
        "checks": _checks(ws, start, end, totals),
    }
