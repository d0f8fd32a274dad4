"""The half-year report's figures as one JSON-ready dict (shape: summary_types.Summary; meaning: SUMMARY_SCHEMA.md).

Every figure comes from the warehouse's BI views and tables, aggregated in SQL and shaped with
pandas; nothing here loops over data rows. Emissions are exact kg CO2e (floats, never rounded).
The sections live beside this module (quality, period_alerts, factor_use, project); this one builds
the emissions, the comparison and the targets, and puts the summary together.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from footprint.config.assets import YearFigures
from footprint.config.workspace import Workspace
from footprint.periods import Half, format_period
from footprint.queries import coverage
from footprint.reports.factor_use import (
    factor_lists,
    factor_years,
    list_refs,
    restatements,
)
from footprint.reports.frames import frame, records, scope_totals, whole_numbers
from footprint.reports.period_alerts import period_alerts
from footprint.reports.project import projects_overview
from footprint.reports.quality import checks, data_quality, missing
from footprint.reports.summary_types import (
    Changes,
    Emissions,
    Energy,
    Intensity,
    Measure,
    MonthlyEmissions,
    PeriodBlock,
    SecondHalf,
    Summary,
    TargetItem,
)
from footprint.targets import (
    METRIC_UNIT,
    TARGET_RULE,
    change_pct,
    target_metric,
    target_progress,
)

SCHEMA_VERSION = "2.0"

PRO_RATA_RULE = (
    "revenue_eur and fte are the configured figures of the calendar year (footprint.yaml `years`), "
    "taken pro rata for the months covered: figure x months / 12 (H1: 6/12, year to date to December: 12/12). "
    "Intensity = kg CO2e / (pro-rata revenue in million EUR) and kg CO2e / pro-rata FTE. "
    "Comparison periods (base year, previous year) use the same months and their own year's figures."
)

_SCOPE_KEYS = ("scope_1_kg_co2e", "scope_2_kg_co2e", "scope_3_kg_co2e", "total_kg_co2e")

_EMISSIONS_SQL = """
SELECT year, month, ladder_scope, ghg_scope, ghg_category, site_id, source, unit,
       sum(quantity) AS quantity, sum(emissions_kg_co2e) AS kg, sum(location_emissions_kg_co2e) AS location_kg,
       sum(primary_kg_co2e) AS primary_kg, sum(activity_rows) AS activity_rows
FROM v_emissions_monthly
WHERE period >= :start AND period <= :end
GROUP BY year, month, ladder_scope, ghg_scope, ghg_category, site_id, source, unit
"""

_TARGET_HISTORY_SQL = """
SELECT year, ladder_scope, sum(emissions_kg_co2e) AS kg
FROM v_emissions_monthly
WHERE month <= :last_month AND year >= :base_year AND year <= :year
GROUP BY year, ladder_scope
"""

_ENERGY_SQL = """
SELECT carrier, direction, unit, sum(quantity) AS quantity, sum(estimated_quantity) AS estimated_quantity,
       max(meters_or_vehicles) AS max_meters_or_vehicles_per_site_month, sum(activity_rows) AS activity_rows
FROM v_energy_monthly WHERE period >= :start AND period <= :end
GROUP BY carrier, direction, unit ORDER BY carrier, direction, unit
"""

_ENERGY_MONTHLY_SQL = """
SELECT period, carrier, direction, unit, sum(quantity) AS quantity
FROM v_energy_monthly WHERE period >= :start AND period <= :end
GROUP BY period, carrier, direction, unit ORDER BY period, carrier, direction, unit
"""


def _emissions(ws: Workspace, year: int, months: int) -> pd.DataFrame:
    """The monthly emission aggregates of a year's first `months` months."""
    found = frame(ws, _EMISSIONS_SQL, start=dt.date(year, 1, 1), end=dt.date(year, months, 1))
    for column in ("quantity", "kg", "location_kg", "primary_kg"):
        found[column] = found[column].astype(float)
    return found


def _totals(emissions: pd.DataFrame) -> Emissions:
    """Totals and breakdowns of one period's emissions (market-based unless the key says location)."""
    by_ladder = emissions.groupby("ladder_scope", as_index=False).agg(
        emissions_kg_co2e=("kg", "sum"), location_emissions_kg_co2e=("location_kg", "sum"))
    categories = emissions["ghg_category"]
    by_ghg = (
        emissions.assign(ghg_category=categories.astype(object).where(categories.notna(), None))
        .groupby(["ghg_scope", "ghg_category"], as_index=False, dropna=False)
        .agg(emissions_kg_co2e=("kg", "sum"), location_emissions_kg_co2e=("location_kg", "sum"))
    )
    by_ghg = by_ghg.sort_values(["ghg_scope", "ghg_category"], na_position="first")
    by_ghg["ghg_category"] = whole_numbers(by_ghg["ghg_category"])
    by_source = emissions.groupby(["ladder_scope", "source", "unit"], as_index=False).agg(
        quantity=("quantity", "sum"), emissions_kg_co2e=("kg", "sum"),
        location_emissions_kg_co2e=("location_kg", "sum"), activity_rows=("activity_rows", "sum"))
    by_site = (
        emissions.assign(site_id=emissions["site_id"].fillna("(organisation-wide)"))
        .groupby(["site_id", "ladder_scope"], as_index=False)
        .agg(emissions_kg_co2e=("kg", "sum"), location_emissions_kg_co2e=("location_kg", "sum"))
    )
    electricity = emissions[emissions["source"] == "electricity"]
    total = float(emissions["kg"].sum())
    return {
        **scope_totals(emissions, "kg"),
        "total_location_based_kg_co2e": float(emissions["location_kg"].sum()),
        "electricity": {
            "market_based_kg_co2e": float(electricity["kg"].sum()),
            "location_based_kg_co2e": float(electricity["location_kg"].sum()),
            "kwh": float(electricity.loc[electricity["unit"] == "kWh", "quantity"].sum()),
        },
        "by_ladder_scope": records(by_ladder.sort_values("ladder_scope")),
        "by_ghg_scope": records(by_ghg),
        "by_source": records(by_source.sort_values(["ladder_scope", "emissions_kg_co2e"], ascending=[True, False])),
        "by_site": records(by_site.sort_values(["site_id", "ladder_scope"])),
        "primary_kg_co2e": float(emissions["primary_kg"].sum()),
        "secondary_kg_co2e": total - float(emissions["primary_kg"].sum()),
    }


def _intensity(kg: float | None, figures: YearFigures | None, months: int) -> Intensity:
    if kg is None:
        return {"kg_co2e_per_million_eur": None, "kg_co2e_per_fte": None}
    return {"kg_co2e_per_million_eur": target_metric(kg, "per_revenue", figures, months),
            "kg_co2e_per_fte": target_metric(kg, "per_fte", figures, months)}


def _period_block(ws: Workspace, emissions: pd.DataFrame, year: int, months: int) -> PeriodBlock:
    """One comparison period; without any data its figures are null ("no data"), never 0 kg."""
    totals = scope_totals(emissions, "kg")
    scopes: dict[str, float | None] = {**totals} if len(emissions) else {key: None for key in totals}
    figures = ws.org.years.get(year)
    share = months / 12
    block: PeriodBlock = {
        "year": year,
        "from": f"{year:04d}-01",
        "to": f"{year:04d}-{months:02d}",
        "has_data": bool(len(emissions)),
        "scope_1_kg_co2e": scopes["scope_1_kg_co2e"],
        "scope_2_kg_co2e": scopes["scope_2_kg_co2e"],
        "scope_3_kg_co2e": scopes["scope_3_kg_co2e"],
        "total_kg_co2e": scopes["total_kg_co2e"],
        "revenue_eur_pro_rata": figures.revenue_eur * share if figures is not None else None,
        "fte_pro_rata": figures.fte * share if figures is not None else None,
        "intensity": {key: _intensity(value, figures, months) for key, value in scopes.items()},
    }
    if figures is None:
        block["note"] = f"no revenue_eur/fte configured for {year}"
    return block


def _changes(current: PeriodBlock, other: PeriodBlock) -> Changes:
    def per(basis: str) -> dict[str, float | None]:
        return {k: change_pct(current["intensity"][k][basis], other["intensity"][k][basis]) for k in _SCOPE_KEYS}

    return {
        "absolute_change_pct": {k: change_pct(current[k], other[k]) for k in _SCOPE_KEYS},
        "per_million_eur_change_pct": per("kg_co2e_per_million_eur"),
        "per_fte_change_pct": per("kg_co2e_per_fte"),
    }


def _targets(ws: Workspace, year: int, months: int) -> list[TargetItem]:
    """Each target's progress this year, and its history for every configured year with data."""
    org = ws.org
    if not org.targets:
        return []
    history = frame(ws, _TARGET_HISTORY_SQL, last_month=months, base_year=org.base_year, year=year)
    kg = {(int(r.year), int(r.ladder_scope)): float(r.kg) for r in history.itertuples()}
    out: list[TargetItem] = []
    for target in org.targets:
        scope, basis = int(target.ladder_scope), str(target.basis)

        def value(y: int, scope: int = scope, basis: str = basis) -> float | None:
            if (y, scope) not in kg and not any(k[0] == y for k in kg):
                return None  # no data at all that year
            return target_metric(kg.get((y, scope), 0.0), basis, org.years.get(y), months)

        progress = target_progress(value(org.base_year), value(year), org.base_year, target.target_year,
                                   target.reduction_pct, year)
        years = sorted({y for y, _ in kg} | {org.base_year, year})
        out.append({
            "id": target.id,
            "ladder_scope": scope,
            "basis": basis,
            "unit": METRIC_UNIT[basis],
            "base_year": org.base_year,
            "target_year": target.target_year,
            "reduction_pct": target.reduction_pct,
            "year": year,
            "months": f"01-{months:02d}",
            **progress,
            "history": [
                {"year": y, "value": value(y),
                 "path_value": target_progress(value(org.base_year), None, org.base_year, target.target_year,
                                               target.reduction_pct, y)["path_value"]}
                for y in years
            ],
        })
    return out


def _energy(ws: Workspace, start: dt.date, end: dt.date) -> Energy:
    return {"by_carrier": records(frame(ws, _ENERGY_SQL, start=start, end=end)),
            "monthly": records(frame(ws, _ENERGY_MONTHLY_SQL, start=start, end=end))}


def _monthly(emissions: pd.DataFrame) -> list[MonthlyEmissions]:
    if emissions.empty:
        return []
    monthly = emissions.groupby(["year", "month", "ladder_scope"], as_index=False).agg(
        emissions_kg_co2e=("kg", "sum"), location_emissions_kg_co2e=("location_kg", "sum"))
    return records(monthly.sort_values(["year", "month", "ladder_scope"]))


def _measures(ws: Workspace, end: dt.date) -> list[Measure]:
    """The configured measures with their status; open ones past their due month are marked overdue."""
    last = format_period(end)
    return [
        {**m.model_dump(mode="json"),
         "overdue": m.due is not None and m.due < last and str(m.status) in ("planned", "in_progress")}
        for m in ws.org.measures
    ]


def _second_half(emissions: pd.DataFrame, year: int) -> SecondHalf:
    """H2 reports the whole year; this is July-December alone."""
    second = emissions[emissions["month"] >= 7] if len(emissions) else emissions
    return {"from": f"{year:04d}-07", "to": f"{year:04d}-12", **scope_totals(second, "kg")}


def build_summary(ws: Workspace, half: Half | str) -> Summary:
    """All figures of the half-year report for '2025H1' (Jan-Jun) or '2025H2' (Jan-Dec, year to date)."""
    half = Half.of(half)
    year, months = half.year, half.months
    start, end = half.first_month, half.last_month
    org = ws.org

    current = _emissions(ws, year, months)
    base = _emissions(ws, org.base_year, months)
    previous = _emissions(ws, year - 1, months)
    totals = _totals(current)
    current_block = _period_block(ws, current, year, months)
    base_block = _period_block(ws, base, org.base_year, months)
    previous_block = _period_block(ws, previous, year - 1, months)
    found = coverage(ws, start, end)
    refs = list_refs(ws)
    return {
        "schema_version": SCHEMA_VERSION,
        "organisation": org.organisation,
        "half": str(half),
        "period": {"from": format_period(start), "to": format_period(end), "months": months,
                   "year_to_date": True, "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
        "base_year": org.base_year,
        "units": {"emissions": "kg CO2e (market-based unless the key says location)", "intensity_revenue":
                  "kg CO2e per million EUR revenue", "intensity_fte": "kg CO2e per FTE"},
        "emissions": totals,
        "second_half_only": _second_half(current, year) if half.half == 2 else None,
        "monthly_emissions": _monthly(current),
        "base_year_monthly_emissions": _monthly(base),
        "energy": _energy(ws, start, end),
        "comparison": {
            "pro_rata_rule": PRO_RATA_RULE,
            "current": current_block,
            "base_year": base_block,
            "previous_year": previous_block,
            "vs_base_year": _changes(current_block, base_block),
            "vs_previous_year": _changes(current_block, previous_block),
        },
        "targets": {"rule": TARGET_RULE, "items": _targets(ws, year, months)},
        "data_quality": data_quality(ws, start, end, totals, found),
        "missing": missing(found),
        "factor_policy": {"mode": str(org.factor_policy.mode), "list_year": org.factor_policy.list_year},
        "factor_lists": factor_lists(ws, start, end),
        "factor_years": factor_years(ws, start, end, refs),
        "restatements": restatements(ws, start, end, refs),
        "alerts": period_alerts(ws, start, end, refs),
        "measures": _measures(ws, end),
        "projects": projects_overview(ws, start, end),
        "checks": checks(ws, start, end, totals),
    }
