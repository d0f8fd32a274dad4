"""Section 5 of the half-year report: data quality, what is missing, and the arithmetic a reader would redo.

Coverage comes from footprint.queries.coverage (by the months the activity rows cover); file counts and
the checks from the warehouse's tables, aggregated in SQL.
"""

from __future__ import annotations

import datetime as dt
import math

from footprint.config.workspace import Workspace
from footprint.periods import format_period
from footprint.queries import Coverage
from footprint.reports.frames import frame, records
from footprint.reports.summary_types import Check, DataQuality, Emissions, Missing

EXPECTED_RULE = (
    "Only configured sources can be missing: each active meter (per EAN, by the months its rows cover), the "
    "fuel-card data when an active vehicle is configured, and the supplier and travel sources footprint.yaml "
    "`expected_sources` lists, at their rhythm (monthly; quarterly and yearly judged on whole calendar quarters "
    "and years). A meter month is partial when its rows start after the month's first moment or end before its "
    "last (local time)."
)

_FILES_SQL = """
SELECT period, dataset, count(*) AS files, sum(rows_read) AS rows_read, sum(rows_loaded) AS rows_loaded,
       sum(rows_quarantined) AS rows_quarantined, sum(rows_excluded) AS rows_excluded
FROM v_data_quality
WHERE period >= :start AND period <= :end AND superseded_by IS NULL
GROUP BY period, dataset ORDER BY period, dataset
"""

_ESTIMATED_SQL = """
SELECT carrier, unit, sum(estimated_quantity) AS estimated_quantity
FROM v_energy_monthly WHERE period >= :start AND period <= :end AND estimated_quantity <> 0
GROUP BY carrier, unit ORDER BY carrier, unit
"""

# Rows whose kg is not quantity x the factor the list gives (relative 1e-6), and the rows' own total.
_ROWS_SQL = """
SELECT count(*) AS emission_rows,
       sum(CASE WHEN e.factor_id IS NOT NULL AND (f.factor_id IS NULL OR abs(e.emissions_kg_co2e
                - e.quantity * f.value_kg_co2e_per_unit) > 1e-6 * (1 + abs(e.emissions_kg_co2e)))
                THEN 1 ELSE 0 END) AS off_rows,
       sum(e.emissions_kg_co2e) AS row_kg
FROM emissions e LEFT JOIN factors f ON f.factor_id = e.factor_id
WHERE e.period >= :start AND e.period <= :end
"""


def data_quality(ws: Workspace, start: dt.date, end: dt.date, totals: Emissions, found: Coverage) -> DataQuality:
    """Shares, coverage per month by the rows' own months, files per inbox month and estimated energy."""
    files = frame(ws, _FILES_SQL, start=start, end=end)
    total = totals["total_kg_co2e"]
    estimated = frame(ws, _ESTIMATED_SQL, start=start, end=end)
    files_num = files[["rows_read"]].astype(float) if len(files) else None
    covered = found.datasets.assign(period=[format_period(p) for p in found.datasets["period"]])
    return {
        "primary_kg_co2e": totals["primary_kg_co2e"],
        "secondary_kg_co2e": totals["secondary_kg_co2e"],
        "primary_share": totals["primary_kg_co2e"] / total if total else None,
        "secondary_share": totals["secondary_kg_co2e"] / total if total else None,
        "rows_read": int(files_num["rows_read"].sum()) if files_num is not None else 0,
        "rows_quarantined": int(found.datasets["rows_quarantined"].sum()),
        "coverage": records(covered),
        "files_per_month": records(files),
        "estimated_energy": records(estimated),
    }


def missing(found: Coverage) -> Missing:
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


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def checks(ws: Workspace, start: dt.date, end: dt.date, totals: Emissions) -> list[Check]:
    """The arithmetic a reader would redo: each row is quantity x its factor as the official list gives it, rows
    and breakdowns add up to the totals."""
    rows = frame(ws, _ROWS_SQL, start=start, end=end).iloc[0]
    total, location = totals["total_kg_co2e"], totals["total_location_based_kg_co2e"]
    scopes = sum((totals["scope_1_kg_co2e"], totals["scope_2_kg_co2e"], totals["scope_3_kg_co2e"]))
    by_source, by_site = totals["by_source"], totals["by_site"]
    off, checked = int(rows["off_rows"] or 0), int(rows["emission_rows"])
    sums = [
        ("scopes_add_up", "ladder scopes 1 + 2 + 3 add up to the total", scopes, total),
        ("sources_add_up", "rows per source add up to the total (market-based)",
         float(sum(r["emissions_kg_co2e"] for r in by_source)), total),
        ("sources_add_up_location", "rows per source add up to the total (location-based)",
         float(sum(r["location_emissions_kg_co2e"] for r in by_source)), location),
        ("sites_add_up", "rows per site add up to the total", float(sum(r["emissions_kg_co2e"] for r in by_site)),
         total),
        ("rows_add_up", "the emission rows add up to the reported total", float(rows["row_kg"] or 0.0), total),
    ]
    return [{"id": "rows_quantity_times_factor", "check": "every emission row equals quantity x its factor in the list",
             "holds": off == 0, "detail": f"{checked} rows checked, {off} differ",
             "figures": {"rows": checked, "differ": off}}] + [
        {"id": key, "check": name, "holds": _close(left, right), "detail": f"{left:.3f} vs {right:.3f} kg",
         "figures": {"left_kg": left, "right_kg": right}} for key, name, left, right in sums]
