"""Per-project report: the emissions of the vehicles, sites and suppliers allocated to a project.

Projects won with a CO2 award advantage (gunningvoordeel) must report their own emissions. The
allocation rules live in footprint.yaml (`projects:`); every figure here is the warehouse's emission
rows of the allocated items (v_lineage), multiplied by the rule's share in SQL. Exact kg CO2e.
project.json is documented in PROJECT_SCHEMA.md beside this file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import sqlalchemy as sa

from footprint.config.projects import Project
from footprint.config.workspace import Workspace
from footprint.errors import UsageError
from footprint.periods import format_period, month_range
from footprint.queries import INTERVAL_FILES_CTE
from footprint.reports.frames import records as _records
from footprint.reports.frames import scope_totals, whole_numbers
from footprint.reports.summary_types import ProjectOverview
from footprint.resources import warehouse
from footprint.warehouse.bulk import staged

SCHEMA_VERSION = "1.0"

ALLOCATION_RULE = (
    "A project is allocated a share of the emissions of named items in the months it runs (start to end in "
    "footprint.yaml, within the report period): a vehicle (plate) with all its fuel-card transactions; a site with "
    "the energy of its meters (electricity, natural gas, district heat; its vehicles are allocated by plate, never "
    "through the site); a supplier (name as in its statements) with its rows, or only those of one source. "
    "allocated kg CO2e = kg CO2e of the item's emission rows x share_pct / 100. Electricity is market-based "
    "(green with Dutch GvO counts 0); the location-based figure is given beside it."
)

# The emission rows of every rule's items in the period, with the rule's share: one row per activity.
_MATCHED_SQL = """
WITH rules AS (
    SELECT rule_no, kind, item, source AS source_filter, share_pct FROM "{rules}"
),
lineage AS (
    SELECT * FROM v_lineage WHERE period >= :start AND period <= :end
),
matched AS (
    SELECT r.rule_no, r.kind, r.share_pct, l.*
    FROM lineage l
    JOIN rules r ON (
        (r.kind = 'vehicle' AND l.activity_table = 'fuel_transactions' AND l.subject = r.item)
        OR (r.kind = 'site' AND l.activity_table = 'meter_usage' AND l.site_id = r.item)
        OR (r.kind = 'supplier' AND l.activity_table = 'supplier_activity'
            AND (r.item IS NULL OR lower(l.subject) = lower(r.item))
            AND (r.source_filter IS NULL OR l.source = r.source_filter))
    )
)
"""

_LINES_SQL = _MATCHED_SQL + """
SELECT m.rule_no, m.period, m.subject, m.ladder_scope, m.ghg_scope, m.ghg_category, m.source, m.unit,
       m.factor_name, m.factor_kg_co2e_per_unit, f.list_id AS factor_list_id, m.factor_list_year,
       m.factor_list_version, fl.source AS factor_list_source,
       count(*) AS activity_rows,
       sum(m.quantity) AS quantity,
       sum(m.quantity * m.share_pct / 100) AS allocated_quantity,
       sum(m.emissions_kg_co2e) AS before_share_kg_co2e,
       sum(m.emissions_kg_co2e * m.share_pct / 100) AS allocated_kg_co2e,
       sum(m.location_emissions_kg_co2e * m.share_pct / 100) AS allocated_location_kg_co2e,
       sum(CASE WHEN m.data_quality = 'primary' THEN m.emissions_kg_co2e * m.share_pct / 100 ELSE 0 END)
           AS allocated_primary_kg_co2e
FROM matched m
LEFT JOIN factors f ON f.factor_id = m.factor_id
LEFT JOIN factor_lists fl ON fl.list_id = f.list_id
GROUP BY m.rule_no, m.period, m.subject, m.ladder_scope, m.ghg_scope, m.ghg_category, m.source, m.unit,
         m.factor_name, m.factor_kg_co2e_per_unit, f.list_id, m.factor_list_year, m.factor_list_version, fl.source
"""

# One line per allocated emission row, interval meter rows summed per meter, file and month as in the
# half-year workbook (footprint.reports.lineage.emission_lines): a site's year of them would not fit a sheet.
_ROWS_SQL = _MATCHED_SQL + "," + INTERVAL_FILES_CTE + """
SELECT m.rule_no, m.kind, m.share_pct, m.period, m.ladder_scope, m.ghg_scope, m.ghg_category, m.source, m.subject,
       m.activity_table, count(*) AS activity_rows,
       CASE WHEN count(*) = 1 THEN left(m.file_sha256, 16) || '-' || CAST(min(m.source_row) AS VARCHAR) END
           AS activity_id,
       m.file_name, min(m.source_row) AS source_row, max(m.source_row) AS last_source_row, m.file_sha256,
       sum(m.quantity) AS quantity, m.unit, m.factor_name, m.factor_list_year, m.factor_list_version,
       m.factor_kg_co2e_per_unit, sum(m.emissions_kg_co2e) AS before_share_kg_co2e,
       sum(m.emissions_kg_co2e * m.share_pct / 100) AS allocated_kg_co2e,
       sum(m.location_emissions_kg_co2e * m.share_pct / 100) AS allocated_location_kg_co2e, m.data_quality
FROM matched m LEFT JOIN interval_files i ON i.file_sha256 = m.file_sha256
GROUP BY m.rule_no, m.kind, m.share_pct, m.period, m.ladder_scope, m.ghg_scope, m.ghg_category, m.source, m.subject,
         m.activity_table, m.file_name, m.file_sha256, m.unit, m.factor_name, m.factor_list_year,
         m.factor_list_version, m.factor_kg_co2e_per_unit, m.data_quality,
         CASE WHEN i.file_sha256 IS NULL THEN m.source_row END  -- a file's line: its activity_id
ORDER BY m.rule_no, m.period, m.source, m.file_name, source_row
"""


def rule_text(kind: str, item: str | None, source: str | None, share_pct: float) -> str:
    """A rule in words, as the report prints it: 'vehicle VGH42K 100 %'."""
    if kind == "supplier":
        what = f"supplier {item or '(any)'}" + (f", source {source}" if source else "")
    else:
        what = f"{kind} {item}"
    return f"{what} {share_pct:g} %"


def _rules(project: Project) -> pd.DataFrame:
    rows = ([("vehicle", v.plate, None, v.share_pct) for v in project.vehicles]
            + [("site", s.site, None, s.share_pct) for s in project.sites]
            + [("supplier", s.supplier.strip() if s.supplier else None, s.source, s.share_pct)
               for s in project.suppliers])
    frame = pd.DataFrame(rows, columns=["kind", "item", "source", "share_pct"])
    frame.insert(0, "rule_no", range(1, len(frame) + 1))
    frame["text"] = [rule_text(*r) for r in rows]
    return frame.astype({"rule_no": "int64", "kind": "string", "item": "string", "source": "string",
                         "share_pct": "float64", "text": "string"})


def _query(ws: Workspace, sql: str, rules: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    with warehouse(ws).begin() as conn, staged(conn, rules[["rule_no", "kind", "item", "source", "share_pct"]]) as name:
        result = conn.execute(sa.text(sql.format(rules=name)), {"start": start, "end": end})
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _clip(project: Project, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The report months that fall within the project's own start and end (end < start: none do)."""
    start = max(first, dt.date(int(project.start[:4]), int(project.start[5:]), 1)) if project.start else first
    end = min(last, dt.date(int(project.end[:4]), int(project.end[5:]), 1)) if project.end else last
    return start, end


def _effective_period(project: Project, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    if last < first:
        raise UsageError(f"--to {format_period(last)} lies before --from {format_period(first)}")
    start, end = _clip(project, first, last)
    if end < start:
        raise UsageError(
            f"project {project.id} runs {project.start or '…'} to {project.end or '…'}: the period "
            f"{format_period(first)} to {format_period(last)} lies outside it"
        )
    return start, end


_FLOATS = ("quantity", "allocated_quantity", "before_share_kg_co2e", "allocated_kg_co2e",
           "allocated_location_kg_co2e", "allocated_primary_kg_co2e", "factor_kg_co2e_per_unit")
_SUMS = {"activity_rows": ("activity_rows", "sum"), "before_share_kg_co2e": ("before_share_kg_co2e", "sum"),
         "allocated_kg_co2e": ("allocated_kg_co2e", "sum"),
         "allocated_location_kg_co2e": ("allocated_location_kg_co2e", "sum")}


def _lines(ws: Workspace, rules: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    frame = _query(ws, _LINES_SQL, rules, start, end)
    for column in _FLOATS:
        frame[column] = frame[column].astype(float)
    frame["activity_rows"] = frame["activity_rows"].astype("int64")
    frame["factor_list_year"] = frame["factor_list_year"].astype("Int64")
    frame["period"] = pd.to_datetime(frame["period"]).dt.strftime("%Y-%m")
    return frame.merge(rules[["rule_no", "kind", "item", "share_pct"]], on="rule_no")


def _scope_totals(lines: pd.DataFrame) -> dict[str, float]:
    return {
        **scope_totals(lines, "allocated_kg_co2e"),
        "total_before_share_kg_co2e": float(lines["before_share_kg_co2e"].sum()),
        "total_location_based_kg_co2e": float(lines["allocated_location_kg_co2e"].sum()),
        "primary_kg_co2e": float(lines["allocated_primary_kg_co2e"].sum()),
    }


def _emissions(lines: pd.DataFrame) -> dict[str, Any]:
    by_ladder = lines.groupby("ladder_scope", as_index=False).agg(**_SUMS)
    by_ghg = lines.assign(ghg_category=lines["ghg_category"].astype(object)).groupby(
        ["ghg_scope", "ghg_category"], as_index=False, dropna=False).agg(**_SUMS)
    by_ghg["ghg_category"] = whole_numbers(by_ghg["ghg_category"])
    return {
        **_scope_totals(lines),
        "by_ladder_scope": _records(by_ladder.sort_values("ladder_scope")),
        "by_ghg_scope": _records(by_ghg.sort_values(["ghg_scope", "ghg_category"], na_position="first")),
    }


def _items(lines: pd.DataFrame, rules: pd.DataFrame) -> list[dict[str, Any]]:
    sums = lines.groupby("rule_no", as_index=False).agg(**_SUMS)
    items = rules.merge(sums, on="rule_no", how="left").fillna(
        {"activity_rows": 0, "before_share_kg_co2e": 0.0, "allocated_kg_co2e": 0.0, "allocated_location_kg_co2e": 0.0})
    items["activity_rows"] = items["activity_rows"].astype("int64")
    return _records(items.astype(object).where(items.notna(), None))


def _activity_lines(lines: pd.DataFrame) -> list[dict[str, Any]]:
    keys = ["rule_no", "kind", "item", "share_pct", "ladder_scope", "ghg_scope", "ghg_category", "source", "unit",
            "factor_name", "factor_kg_co2e_per_unit", "factor_list_year", "factor_list_version"]
    grouped = lines.assign(**{k: lines[k].astype(object) for k in keys}).groupby(keys, as_index=False, dropna=False)
    table = grouped.agg(quantity=("quantity", "sum"), allocated_quantity=("allocated_quantity", "sum"), **_SUMS)
    for column in ("ghg_category", "factor_list_year"):
        table[column] = whole_numbers(table[column])
    table = table.sort_values(["rule_no", "ladder_scope", "source", "factor_list_year"], na_position="first")
    return _records(table.astype(object).where(table.notna(), None))


def _monthly(lines: pd.DataFrame, months: list[str], gap_months: list[str]) -> list[dict[str, Any]]:
    """Every month of the period, also those without data (a gap, not a zero: see data_gaps)."""
    by_scope = lines.groupby(["period", "ladder_scope"])["allocated_kg_co2e"].sum().unstack("ladder_scope")
    by_scope = by_scope.reindex(index=months, columns=[1, 2, 3]).fillna(0.0)
    before = lines.groupby("period")["before_share_kg_co2e"].sum().reindex(months).fillna(0.0)
    frame = pd.DataFrame({
        "period": months,
        **{f"scope_{n}_kg_co2e": by_scope[n].to_numpy() for n in (1, 2, 3)},
        "total_kg_co2e": by_scope.sum(axis=1).to_numpy(),
        "before_share_kg_co2e": before.to_numpy(),
        "activity_rows": lines.groupby("period")["activity_rows"].sum().reindex(months).fillna(0).to_numpy("int64"),
        "data_gaps": [m in gap_months for m in months],
    })
    return _records(frame)


def _energy(lines: pd.DataFrame) -> list[dict[str, Any]]:
    energy = lines[lines["kind"].isin(["vehicle", "site"])]
    table = energy.groupby(["source", "unit"], as_index=False).agg(
        quantity_before_share=("quantity", "sum"), quantity=("allocated_quantity", "sum"))
    return _records(table.rename(columns={"source": "carrier"}).sort_values(["carrier", "unit"]))


def _factor_lists(lines: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    with_factor = lines[lines["factor_list_id"].notna()]
    lists = with_factor.groupby(["factor_list_id", "factor_list_year", "factor_list_version", "factor_list_source"],
                                as_index=False).agg(allocated_kg_co2e=("allocated_kg_co2e", "sum"),
                                                    first_period=("period", "min"), last_period=("period", "max"))
    factors = with_factor.groupby(["factor_name", "unit", "factor_kg_co2e_per_unit", "factor_list_year",
                                   "factor_list_version"], as_index=False).agg(
        allocated_kg_co2e=("allocated_kg_co2e", "sum"))
    return {
        "lists": _records(lists.sort_values(["factor_list_year", "factor_list_version"])),
        "factors": _records(factors.sort_values(["factor_name", "factor_list_year"])),
    }


def _expected(ws: Workspace, rules: pd.DataFrame) -> pd.DataFrame:
    """Who should deliver each month: a vehicle's plate, each active energy meter of a site, a supplier rule."""
    meters = pd.DataFrame(
        [(m.site, m.ean, m.carrier) for m in ws.org.meters
         if m.active and m.direction == "consumption" and m.carrier != "water"],
        columns=["item", "subject", "carrier"])
    sites = rules[rules["kind"] == "site"].merge(meters, on="item")
    vehicles = rules[rules["kind"] == "vehicle"].assign(subject=lambda f: f["item"], carrier=None)
    suppliers = rules[rules["kind"] == "supplier"].assign(subject=None, carrier=None)
    return pd.concat([vehicles, sites, suppliers], ignore_index=True)[["rule_no", "kind", "item", "source",
                                                                      "subject", "carrier"]]


_GAP_REASON = {"vehicle": "no fuel-card transactions", "site": "no data from this meter",
               "supplier": "no rows from this supplier"}


def _data_gaps(ws: Workspace, rules: pd.DataFrame, lines: pd.DataFrame, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Months in which an allocated item delivered nothing: its share of them is missing, not zero."""
    months = pd.DataFrame({"period": [format_period(m) for m in month_range(start, end)]})
    expected = _expected(ws, rules).merge(months, how="cross")
    delivered = lines.assign(subject=lines["subject"].where(lines["kind"] != "supplier"))
    delivered = delivered[["rule_no", "subject", "period"]].drop_duplicates().assign(found=True)
    gaps = expected.merge(delivered, on=["rule_no", "subject", "period"], how="left")
    gaps = gaps[gaps["found"].isna()].drop(columns="found")
    gaps = gaps.assign(meter=gaps["subject"].where(gaps["kind"] == "site"), reason=gaps["kind"].map(_GAP_REASON))
    gaps = gaps[["period", "kind", "item", "source", "meter", "carrier", "reason"]].sort_values(
        ["kind", "item", "period"])
    return {"count": len(gaps), "months": sorted(gaps["period"].unique().tolist()),
            "items": _records(gaps.astype(object).where(gaps.notna(), None))}


def project_summary(ws: Workspace, project_id: str, first_month: dt.date, last_month: dt.date) -> dict[str, Any]:
    """Every figure of a project's emission report for the months first_month..last_month (both first days)."""
    project = ws.org.project(project_id)
    start, end = _effective_period(project, first_month, last_month)
    rules = _rules(project)
    lines = _lines(ws, rules, start, end)
    factor_lists = _factor_lists(lines)
    gaps = _data_gaps(ws, rules, lines, start, end)
    return {
        "schema_version": SCHEMA_VERSION,
        "report": "project",
        "organisation": ws.org.organisation,
        "project": {"id": project.id, "name": project.name, "client": project.client,
                    "start": project.start, "end": project.end},
        "period": {"from": format_period(start), "to": format_period(end),
                   "requested_from": format_period(first_month), "requested_to": format_period(last_month),
                   "months": len(month_range(start, end)),
                   "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
        "units": {"emissions": "kg CO2e (allocated: after the share; market-based unless the key says location)",
                  "share": "percent of the item's emissions"},
        "allocation": {"rule": ALLOCATION_RULE,
                       "rules": _records(rules.astype(object).where(rules.notna(), None))},
        "emissions": _emissions(lines),
        "items": _items(lines, rules),
        "lines": _activity_lines(lines),
        "monthly": _monthly(lines, [format_period(m) for m in month_range(start, end)], gaps["months"]),
        "energy": _energy(lines),
        "factor_lists": factor_lists["lists"],
        "factors": factor_lists["factors"],
        "data_gaps": gaps,
    }


def projects_overview(ws: Workspace, first_month: dt.date, last_month: dt.date) -> list[ProjectOverview]:
    """Section 8 of the half-year report: each project running in the months, with its allocated totals."""
    overview: list[ProjectOverview] = []
    for project in ws.org.projects:
        start, end = _clip(project, first_month, last_month)
        if end < start:
            continue
        s = project_summary(ws, project.id, first_month, last_month)
        overview.append({
            **s["project"], "from": s["period"]["from"], "to": s["period"]["to"],
            "rules": [r["text"] for r in s["allocation"]["rules"]],
            "allocations": [{k: r[k] for k in ("kind", "item", "source", "share_pct")} for r in s["allocation"]["rules"]],
            **{k: v for k, v in s["emissions"].items() if not isinstance(v, list)},
            "data_gaps": s["data_gaps"]["count"],
        })
    return overview


def project_emission_rows(ws: Workspace, summary: dict[str, Any]) -> pd.DataFrame:
    """The allocated emission rows behind a project summary, as project.xlsx lists them (_ROWS_SQL)."""
    project = ws.org.project(summary["project"]["id"])
    start, end = (dt.date(int(p[:4]), int(p[5:]), 1) for p in (summary["period"]["from"], summary["period"]["to"]))
    return _query(ws, _ROWS_SQL, _rules(project), start, end)
