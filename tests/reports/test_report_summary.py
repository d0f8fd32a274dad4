"""summary.json figures against the BI views, a hand computation and hand-written target numbers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from footprint.errors import UsageError
from footprint.periods import Half
from footprint.reports.summary import SCHEMA_VERSION, build_summary
from footprint.resources import warehouse
from footprint.targets import target_progress

# March 2025 of tests/company_files.py, quantity x factor of the 2026 list, by hand.
SCOPE_1 = 50 * 3.251 - 10 * 2.794 + 100 * 2.134  # diesel, petrol credit note, natural gas
SCOPE_2 = 1000 * 0.483 + 2 * 371 * 0.234 + 100 * 0.224  # grey electricity, flight, private car
SCOPE_3 = 250.5  # supplier's own figure
ELECTRICITY_LOCATION = 1000 * 0.244


def test_parse_half() -> None:
    assert Half.parse("2025H1") == Half(2025, 1)
    assert Half.parse("2025h2") == Half(2025, 2)
    with pytest.raises(UsageError):
        Half.parse("2025-H3")
    h1, h2 = Half(2025, 1), Half.of("2025H2")
    assert (h1.first_month, h1.last_month, h1.months, str(h1)) == (dt.date(2025, 1, 1), dt.date(2025, 6, 1), 6,
                                                                   "2025H1")
    assert (h2.first_month, h2.last_month, h2.months, str(h2)) == (dt.date(2025, 1, 1), dt.date(2025, 12, 1), 12,
                                                                   "2025H2")
    assert Half.of(h1) is h1
    with pytest.raises(UsageError):
        Half.parse("0001H1")


def test_totals_equal_hand_computation_and_views(report_ws) -> None:
    s = build_summary(report_ws, "2025H1")
    assert s["schema_version"] == SCHEMA_VERSION
    e = s["emissions"]
    assert e["scope_1_kg_co2e"] == pytest.approx(SCOPE_1, abs=1e-9)
    assert e["scope_2_kg_co2e"] == pytest.approx(SCOPE_2, abs=1e-9)
    assert e["scope_3_kg_co2e"] == pytest.approx(SCOPE_3, abs=1e-9)
    assert e["total_kg_co2e"] == pytest.approx(SCOPE_1 + SCOPE_2 + SCOPE_3, abs=1e-9)
    assert e["electricity"]["market_based_kg_co2e"] == pytest.approx(1000 * 0.483)
    assert e["electricity"]["location_based_kg_co2e"] == pytest.approx(ELECTRICITY_LOCATION)
    assert e["electricity"]["kwh"] == pytest.approx(1000)
    with warehouse(report_ws).connect() as conn:
        view = dict(conn.execute(sa.text(
            "SELECT ladder_scope, sum(emissions_kg_co2e) FROM v_emissions_monthly "
            "WHERE period BETWEEN DATE '2025-01-01' AND DATE '2025-06-01' GROUP BY ladder_scope")).all())
        by_ghg = conn.execute(sa.text(
            "SELECT ghg_scope, ghg_category, sum(emissions_kg_co2e) FROM v_emissions_monthly "
            "WHERE year = 2025 GROUP BY ghg_scope, ghg_category")).all()
        energy = {(r[0], r[1]): r[2] for r in conn.execute(sa.text(
            "SELECT carrier, unit, sum(quantity) FROM v_energy_monthly WHERE year = 2025 GROUP BY carrier, unit"))}
    for scope in (1, 2, 3):
        assert e[f"scope_{scope}_kg_co2e"] == pytest.approx(float(view[scope]), abs=1e-9)
    got_ghg = {(r["ghg_scope"], r["ghg_category"]): r["emissions_kg_co2e"] for r in e["by_ghg_scope"]}
    assert got_ghg == {(r[0], r[1]): pytest.approx(float(r[2])) for r in by_ghg}
    assert all(isinstance(k[1], (int, type(None))) for k in got_ghg)
    assert got_ghg[(3, 6)] == pytest.approx(2 * 371 * 0.234 + 100 * 0.224)  # business travel
    assert sum(r["emissions_kg_co2e"] for r in e["by_source"]) == pytest.approx(e["total_kg_co2e"])
    assert sum(r["emissions_kg_co2e"] for r in e["by_site"]) == pytest.approx(e["total_kg_co2e"])
    got_energy = {(r["carrier"], r["unit"]): r["quantity"] for r in s["energy"]["by_carrier"]}
    assert got_energy == {k: pytest.approx(float(v)) for k, v in energy.items()}
    json.dumps(s)  # plain JSON values only


def test_comparison_and_intensity_pro_rata(report_ws) -> None:
    s = build_summary(report_ws, "2025H1")
    c = s["comparison"]
    assert "pro rata" in c["pro_rata_rule"]
    # H1: half of the year's revenue and FTE.
    assert c["current"]["revenue_eur_pro_rata"] == 1_000_000 and c["current"]["fte_pro_rata"] == 10
    assert c["base_year"]["year"] == 2024 and c["base_year"]["revenue_eur_pro_rata"] == 500_000
    total = SCOPE_1 + SCOPE_2 + SCOPE_3
    assert c["current"]["intensity"]["total_kg_co2e"]["kg_co2e_per_million_eur"] == pytest.approx(total / 1.0)
    assert c["base_year"]["intensity"]["total_kg_co2e"]["kg_co2e_per_fte"] == pytest.approx(total / 5)
    assert c["vs_base_year"]["absolute_change_pct"]["total_kg_co2e"] == pytest.approx(0, abs=1e-9)
    assert c["vs_previous_year"]["per_million_eur_change_pct"]["scope_1_kg_co2e"] == pytest.approx(-50)
    full = build_summary(report_ws, "2025H2")
    assert full["comparison"]["current"]["revenue_eur_pro_rata"] == 2_000_000
    assert full["second_half_only"]["total_kg_co2e"] == 0.0


def test_target_progress_hand_numbers() -> None:
    # base intensity 100 kg/MEUR, now 80; target -30 % by 2026 from 2022; in 2025 the path is at -22.5 %.
    p = target_progress(100.0, 80.0, 2022, 2026, 30.0, 2025)
    assert p["expected_reduction_pct"] == pytest.approx(22.5)
    assert p["achieved_reduction_pct"] == pytest.approx(20.0)
    assert p["change_pct"] == pytest.approx(-20.0)
    assert p["path_value"] == pytest.approx(77.5)
    assert p["target_value"] == pytest.approx(70.0)
    assert p["on_track"] is False
    assert target_progress(100.0, 77.0, 2022, 2026, 30.0, 2025)["on_track"] is True
    assert target_progress(100.0, 60.0, 2022, 2026, 30.0, 2030)["expected_reduction_pct"] == 30.0
    assert target_progress(None, 60.0, 2022, 2026, 30.0, 2025)["on_track"] is None


def test_targets_in_summary(report_ws) -> None:
    targets = {t["id"]: t for t in build_summary(report_ws, "2025H1")["targets"]["items"]}
    s1 = targets["s1_rev"]  # base 2024: 348.01 kg / 0.5 MEUR; 2025: 348.01 kg / 1 MEUR -> -50 %
    assert s1["base_value"] == pytest.approx(SCOPE_1 / 0.5)
    assert s1["current_value"] == pytest.approx(SCOPE_1 / 1.0)
    assert s1["expected_reduction_pct"] == pytest.approx(15.0)  # 30 % x (2025-2024)/(2026-2024)
    assert s1["achieved_reduction_pct"] == pytest.approx(50.0)
    assert s1["on_track"] is True
    s2 = targets["s2_abs"]  # absolute scope 2 unchanged: 0 % against a path of 25 %
    assert s2["unit"] == "kg CO2e" and s2["achieved_reduction_pct"] == pytest.approx(0, abs=1e-9)
    assert s2["expected_reduction_pct"] == pytest.approx(25.0) and s2["on_track"] is False
    assert [h["year"] for h in s2["history"]] == [2024, 2025]


def test_missing_months_and_meters_are_listed(report_ws) -> None:
    """March 2025 alone has data: the fuel cards (an active vehicle) and both meters miss five months each;
    suppliers and travel are not expected (no expected_sources), so they are never missing."""
    s = build_summary(report_ws, "2025H1")
    m = s["missing"]
    gaps = ["2025-01", "2025-02", "2025-04", "2025-05", "2025-06"]
    assert m["months_without_any_data"] == gaps
    assert m["count"] == len(m["items"]) == 5 + 2 * 5
    assert sorted((i["period"], i["kind"], i.get("ean") or i.get("dataset")) for i in m["items"]) == sorted(
        [(g, "dataset", "fuel_transactions") for g in gaps]
        + [(g, "meter", ean) for g in gaps for ean in ("871687120000000004", "871687140000000002")])
    assert not any(i["kind"] == "source" for i in m["items"])
    assert m["partial"] == [] and m["partial_count"] == 0  # monthly readings 01-03 to 01-04 cover March
    assert [b["period"] for b in m["by_month"]] == gaps
    coverage = {(r["period"], r["dataset"]): r["status"] for r in s["data_quality"]["coverage"]}
    assert coverage[("2025-01", "supplier_activity")] == "not_expected"
    assert coverage[("2025-01", "fuel_transactions")] == coverage[("2025-01", "meter_usage")] == "missing"
    assert {coverage[("2025-03", d)] for d in ("fuel_transactions", "meter_usage", "supplier_activity")} == {"ok"}


def test_data_quality_factor_lists_and_restatements(report_ws) -> None:
    s = build_summary(report_ws, "2025H1")
    dq = s["data_quality"]
    assert dq["secondary_kg_co2e"] == pytest.approx(100 * 2.134)  # estimated gas reading
    assert dq["primary_share"] + dq["secondary_share"] == pytest.approx(1)
    assert dq["rows_quarantined"] == 0
    assert {r["dataset"] for r in dq["files_per_month"]} == {"fuel_transactions", "meter_usage", "supplier_activity"}
    assert [f["list_year"] for f in s["factor_lists"]] == [2026]
    assert s["factor_lists"][0]["version"] and s["factor_lists"][0]["list_source"]
    assert s["restatements"] == []


def test_a_year_without_a_list_of_its_own_says_which_list_applied(report_ws) -> None:
    """Only the 2026 list is loaded: 2025 falls back to it (per_year policy), every key by the same year note."""
    from footprint.reports.charts import write_charts
    from footprint.reports.html import render_halfyear_html

    s = build_summary(report_ws, "2025H1")
    official = {"list_id": "co2ef-2026-20260820", "kind": "official", "list_year": 2026, "version": "20-08-2026"}
    assert s["factor_policy"] == {"mode": "per_year", "list_year": None}
    [year] = s["factor_years"]
    assert (year["year"], year["applied_list"], year["list_of_its_own"], year["fallbacks"]) == (2025, official, False, [])
    assert year["year_notes"] == [{"reason": "no_year_list", "year": 2025, "applied": {
        "kind": "official", "list_year": 2026, "version": "20-08-2026"}}]
    html = render_halfyear_html(s, write_charts(s, report_ws.staging / "fallback"), "nl")
    assert ("voor 2025 is geen eigen lijst geladen; co2emissiefactoren.nl 2026 (versie 20-08-2026) is toegepast"
            in html)
