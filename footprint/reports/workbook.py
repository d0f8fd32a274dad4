"""report.xlsx: one sheet per section of the half-year summary plus the emission lines behind the period.

Interval meter rows come summed per meter, file and month (footprint.reports.lineage.emission_lines;
the sheet says so in its notes): 10 M 15-minute rows become a few thousand lines; an xlsx sheet holds
1,048,575. Renders what it is given; the queries are the builders'.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from footprint.reports.alert_texts import alert_note, alert_text, subject
from footprint.reports.sheets import frame_sheet
from footprint.reports.summary_types import Summary
from footprint.reports.texts import Texts, texts

_CODE_COLUMNS = {"source": "source", "unit": "unit", "carrier": "carrier", "direction": "direction",
                 "dataset": "dataset", "activity_table": "dataset", "data_quality": "data_quality",
                 "kind": "restatement", "severity": "severity", "rule": "alert_rule"}


def _coded(frame: pd.DataFrame, t: Texts) -> pd.DataFrame:
    """Code columns in words and every header in the report's language: no code reaches the reader."""
    out = frame.copy()
    for column, group in _CODE_COLUMNS.items():
        if column in out.columns:
            words = {v: t.code(group, v) for v in out[column].dropna().unique()}  # a few codes, not every row
            out[column] = out[column].map(words).astype(object).where(out[column].notna(), None)
    return out.rename(columns={c: t.L.get(f"col.{c}", c) for c in out.columns})


def _sheet(book: openpyxl.Workbook, t: Texts, name: str, rows: list[dict[str, Any]] | pd.DataFrame,
           columns: list[str], empty: str, notes: tuple[str, ...] = ()) -> None:
    """A section's table with the given columns, in the report's language."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows, columns=columns, dtype=object)
    frame = frame[[c for c in columns if c in frame.columns]]
    frame_sheet(book, t.L[f"sheet.{name}"], _coded(frame, t), t.L[f"xl_{empty}"], notes=notes)


def _pairs(book: openpyxl.Workbook, t: Texts, name: str, pairs: list[tuple[str, Any]]) -> None:
    frame = pd.DataFrame(pairs, columns=[t.L["xl_item"], t.L["xl_value"]], dtype=object)
    frame_sheet(book, t.L[f"sheet.{name}"], frame, "", 60)


def _overview(summary: Summary, t: Texts) -> list[tuple[str, Any]]:
    L, e = t.L, summary["emissions"]
    second = summary["second_half_only"]
    return [
        (L["xl_organisation"], summary["organisation"]), (L["xl_half"], summary["half"]),
        (L["xl_period_from"], summary["period"]["from"]), (L["xl_period_to"], summary["period"]["to"]),
        (L["xl_generated"], summary["period"]["generated_at"]), (L["base_year"], summary["base_year"]),
        (L["version"], summary["schema_version"]),
        *[(f"{L['scope']} {n} ({L['xl_kg']})", e[f"scope_{n}_kg_co2e"]) for n in (1, 2, 3)],
        (f"{L['total']}, {L['market']} ({L['xl_kg']})", e["total_kg_co2e"]),
        (f"{L['total']}, {L['location']} ({L['xl_kg']})", e["total_location_based_kg_co2e"]),
        (f"{L['electricity']}, {L['market']} ({L['xl_kg']})", e["electricity"]["market_based_kg_co2e"]),
        (f"{L['electricity']}, {L['location']} ({L['xl_kg']})", e["electricity"]["location_based_kg_co2e"]),
        (L["xl_electricity_kwh"], e["electricity"]["kwh"]),
        (f"{L['primary']} ({L['xl_kg']})", e["primary_kg_co2e"]),
        (f"{L['secondary']} ({L['xl_kg']})", e["secondary_kg_co2e"]),
        (L["xl_second_half"], second["total_kg_co2e"] if second else L["xl_not_h1"]),
    ]


def _comparison(summary: Summary, t: Texts) -> pd.DataFrame:
    """Section 2 as a table; a period without data says so ("no data") instead of a 0."""
    L, c = t.L, summary["comparison"]
    blocks = [c["base_year"], c["previous_year"], c["current"]]
    columns = [L["xl_item"], f"{L['col.base']} {blocks[0]['year']}", f"{L['col.previous']} {blocks[1]['year']}",
               f"{L['col.current']} {blocks[2]['year']}", L["col.change_base"], L["col.change_prev"]]
    rows = []
    for key in ("scope_1_kg_co2e", "scope_2_kg_co2e", "scope_3_kg_co2e", "total_kg_co2e"):
        name = L["total"] if key == "total_kg_co2e" else f"{L['scope']} {key[6]}"
        for unit, pick, change in ((L["xl_kg"], lambda b, k=key: b[k], "absolute_change_pct"),
                                   (L["xl_intensity_meur"], lambda b, k=key: b["intensity"][k]["kg_co2e_per_million_eur"],
                                    "per_million_eur_change_pct"),
                                   (L["xl_intensity_fte"], lambda b, k=key: b["intensity"][k]["kg_co2e_per_fte"],
                                    "per_fte_change_pct")):
            rows.append([f"{name} ({unit})", *[pick(b) if b["has_data"] else L["no_data"] for b in blocks],
                         c["vs_base_year"][change][key], c["vs_previous_year"][change][key]])
    rows.append([f"{L['revenue']} (EUR)", *[b["revenue_eur_pro_rata"] for b in blocks], None, None])
    rows.append([L["fte"], *[b["fte_pro_rata"] for b in blocks], None, None])
    rows.append([f"{L['rule']}: {L['rule_pro_rata']}", None, None, None, None, None])
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _alert_rows(summary: Summary, t: Texts) -> list[dict[str, Any]]:
    rows = []
    for a in summary["alerts"]:
        title, message = alert_text(a, t)
        rows.append({"alert_id": a["alert_id"], "period": a["period"][:7], "rule": a["rule"],
                     "subject": subject(a, t), "severity": a["severity"], "status": t.code("alert_status", a["status"]),
                     "title": title, "message": message, "note": alert_note(a, t) or None,
                     "noted_by": a["noted_by"], "noted_at": a["noted_at"]})
    return rows


def _fallback_rows(summary: Summary, t: Texts) -> list[dict[str, Any]]:
    rows = []
    for y in summary["factor_years"]:
        rows += [{"year": y["year"], "activity": None, "why": t.fallback(note)} for note in y["year_notes"]]
        rows += [{"year": y["year"], "activity": t.activity(f["activity_key"]),
                  "why": "; ".join(str(t.fallback(r, f["list"])) for r in f["reasons"])} for f in y["fallbacks"]]
    return rows


def write_halfyear_workbook(summary: Summary, emission_lines: pd.DataFrame, path: Path, lang: str = "en") -> Path:
    """Write report.xlsx in the report's language; emissions are exact kg CO2e as in summary.json.

    emission_lines: footprint.reports.lineage.emission_lines of the summary's half year.
    """
    t = texts(lang, html=False)
    L = t.L
    book = openpyxl.Workbook(write_only=True)  # streamed: a year of 15-minute rows in seconds
    e, dq, m = summary["emissions"], summary["data_quality"], summary["missing"]
    _pairs(book, t, "overview", _overview(summary, t))
    kg = ["emissions_kg_co2e", "location_emissions_kg_co2e"]
    _sheet(book, t, "by_ladder_scope", e["by_ladder_scope"], ["ladder_scope", *kg], "no_emissions")
    _sheet(book, t, "by_ghg_scope", e["by_ghg_scope"], ["ghg_scope", "ghg_category", *kg], "no_emissions")
    _sheet(book, t, "by_source", e["by_source"], ["ladder_scope", "source", "unit", "quantity", *kg, "activity_rows"],
           "no_emissions")
    sites = [{**r, "site_id": L["org_wide"] if r["site_id"] == "(organisation-wide)" else r["site_id"]}
             for r in e["by_site"]]
    _sheet(book, t, "by_site", sites, ["site_id", "ladder_scope", *kg], "no_emissions")
    _sheet(book, t, "energy", summary["energy"]["by_carrier"],
           ["carrier", "direction", "unit", "quantity", "estimated_quantity", "max_meters_or_vehicles_per_site_month",
            "activity_rows"], "no_energy")
    _sheet(book, t, "monthly", summary["monthly_emissions"] + summary["base_year_monthly_emissions"],
           ["year", "month", "ladder_scope", *kg], "no_emissions")
    frame_sheet(book, L["sheet.comparison"], _comparison(summary, t), "", 50)
    targets = [{**tg, "basis": L[f"basis_{tg['basis']}"]} for tg in summary["targets"]["items"]]
    _sheet(book, t, "targets", targets,
           ["id", "ladder_scope", "basis", "base_year", "target_year", "reduction_pct", "year", "months", "base_value",
            "current_value", "change_pct", "achieved_reduction_pct", "expected_reduction_pct", "path_value",
            "target_value", "on_track"], "no_targets")
    _sheet(book, t, "alerts", _alert_rows(summary, t),
           ["alert_id", "period", "rule", "subject", "severity", "status", "title", "message", "note", "noted_by",
            "noted_at"], "no_alerts")
    _pairs(book, t, "data_quality", [
        (f"{L['primary']} ({L['xl_kg']})", dq["primary_kg_co2e"]), (f"{L['primary']} ({L['xl_share']})",
                                                                     dq["primary_share"]),
        (f"{L['secondary']} ({L['xl_kg']})", dq["secondary_kg_co2e"]), (f"{L['secondary']} ({L['xl_share']})",
                                                                         dq["secondary_share"]),
        (L["rows_read"], dq["rows_read"]), (L["quarantined"], dq["rows_quarantined"]),
    ])
    coverage = [{**r, "status": t.code("coverage", r["status"])} for r in dq["coverage"]]
    _sheet(book, t, "coverage", coverage, ["period", "dataset", "files", "rows_loaded", "rows_quarantined", "status"],
           "no_files")
    _sheet(book, t, "files", dq["files_per_month"],
           ["period", "dataset", "files", "rows_read", "rows_loaded", "rows_quarantined", "rows_excluded"], "no_files")
    _sheet(book, t, "missing", [{"period": i["period"], "item": t.missing(i)} for i in m["items"]],
           ["period", "item"], "no_missing")
    _sheet(book, t, "partial", [{**i, "item": t.partial(i)} for i in m["partial"]],
           ["period", "item", "first_start_local", "last_end_local"], "no_partial")
    _sheet(book, t, "factor_lists", summary["factor_lists"],
           ["list_id", "list_year", "version", "list_source", "source_file", "emission_rows", "emissions_kg_co2e",
            "first_period", "last_period"], "no_factor")
    _sheet(book, t, "fallbacks", _fallback_rows(summary, t), ["year", "activity", "why"], "no_fallbacks")
    restated = [{**r, "old_factor_lists": t.join([t.factor_list(x) for x in r["old_lists"]]) or None,
                 "new_factor_lists": t.join([t.factor_list(x) for x in r["new_lists"]]) or None}
                for r in summary["restatements"]]
    _sheet(book, t, "restatements", restated,
           ["period", "kind", "file_name", "old_factor_lists", "new_factor_lists", "old_kg_co2e", "new_kg_co2e",
            "restated_at"], "no_restatements")
    measures = [{**ms, "status": L[f"measure_{ms['status']}"]} for ms in summary["measures"]]
    _sheet(book, t, "measures", measures,
           ["id", "description", "owner", "due", "ladder_scope", "expected_saving_kg_co2e", "status", "overdue", "note"],
           "no_measures")
    checks = [{"check": L[f"check_{c['id']}"], "holds": c["holds"], "detail": t.check(c)} for c in summary["checks"]]
    _sheet(book, t, "checks", checks, ["check", "holds", "detail"], "no_checks")
    projects = [{**p, "rules": "; ".join(str(t.allocation(a)) for a in p["allocations"])} for p in summary["projects"]]
    _sheet(book, t, "projects", projects,
           ["id", "name", "client", "from", "to", "rules", "scope_1_kg_co2e", "scope_2_kg_co2e", "scope_3_kg_co2e",
            "total_kg_co2e", "total_before_share_kg_co2e", "total_location_based_kg_co2e", "primary_kg_co2e",
            "data_gaps"], "no_projects")
    _sheet(book, t, "emission_rows", emission_lines, list(emission_lines.columns), "no_rows",
           notes=tuple(L[f"xl_lines_note_{i}"] for i in range(1, 5)))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
