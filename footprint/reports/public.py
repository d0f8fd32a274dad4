"""Annual public summary: one A4 page for the website and newsletter, without internal detail.

Built from the half-year summary (build_summary), so its figures are the report's figures; it keeps
only organisation-level totals in tonnes, the change against the base year, the targets and the share
of green electricity. No plates, EANs, file names, suppliers, sites or quarantine details (public.json:
PUBLIC_SCHEMA.md beside this file).
"""

from __future__ import annotations

from typing import Any

from footprint.config.workspace import Workspace
from footprint.periods import Half
from footprint.reports.frames import frame
from footprint.reports.summary import build_summary
from footprint.reports.summary_types import PeriodBlock, Summary

SCHEMA_VERSION = "1.0"

METHOD = (
    "Emissions in tonnes CO2 equivalent by the scopes of the CO2-Prestatieladder (handbook 4.0; business travel "
    "counts in scope 2), with the official Dutch emission factors (co2emissiefactoren.nl), electricity "
    "market-based. Per revenue: per million EUR of the year's revenue, taken pro rata for the months covered. "
    "Figures are rounded in text; totals are computed before rounding."
)

_SCOPES = ("scope_1", "scope_2", "scope_3", "total")


def _tidy(pct: float | None) -> float | None:
    """A change that is float noise around zero (-1e-14 %) reads as 0, not as -0.0 %."""
    return None if pct is None else round(pct, 9) + 0.0


def _tonnes(block: PeriodBlock) -> dict[str, float | None]:
    """A period's scopes in tonnes; null where the period has no data at all."""
    return {key: None if block[f"{key}_kg_co2e"] is None else block[f"{key}_kg_co2e"] / 1000 for key in _SCOPES}


_GREEN_KWH_SQL = (
    "SELECT coalesce(sum(quantity), 0) AS kwh FROM meter_usage WHERE carrier = 'electricity' AND unit = 'kWh' "
    "AND direction = 'consumption' AND contract = 'green_gvo_nl' AND period >= :start AND period <= :end"
)


def _green_kwh(ws: Workspace, half: Half) -> float:
    """Purchased electricity under a green contract with Dutch guarantees of origin (not in the summary)."""
    return float(frame(ws, _GREEN_KWH_SQL, start=half.first_month, end=half.last_month)["kwh"].iloc[0])


def _green_electricity(ws: Workspace, summary: Summary, half: Half) -> dict[str, Any] | None:
    purchased = summary["emissions"]["electricity"]["kwh"]
    generated = float(sum(r["quantity"] for r in summary["energy"]["by_carrier"]
                    if r["carrier"] == "electricity" and r["direction"] == "generation" and r["unit"] == "kWh"))
    if not purchased:
        return None
    green = _green_kwh(ws, half)
    return {"share_pct": green / purchased * 100, "purchased_kwh": purchased, "green_kwh": green,
            "own_generation_kwh": generated}


def public_summary(ws: Workspace, half: Half | str) -> dict[str, Any]:
    """The public page's figures: '2025H2' is the full year, '2025H1' the year to date (January-June)."""
    half = Half.of(half)
    s = build_summary(ws, half)
    c = s["comparison"]

    def per_meur(block: PeriodBlock) -> dict[str, float | None]:
        values = {k: block["intensity"][f"{k}_kg_co2e"]["kg_co2e_per_million_eur"] for k in _SCOPES}
        return {k: v / 1000 if v is not None else None for k, v in values.items()}

    return {
        "schema_version": SCHEMA_VERSION,
        "report": "public",
        "organisation": s["organisation"],
        "year": half.year,
        "half": s["half"],
        "year_to_date": half.half == 1,
        "period": {"from": s["period"]["from"], "to": s["period"]["to"], "months": s["period"]["months"],
                   "generated_at": s["period"]["generated_at"]},
        "base_year": s["base_year"],
        "units": {"emissions": "t CO2e (tonnes CO2 equivalent), electricity market-based",
                  "intensity": "t CO2e per million EUR revenue", "change": "percent"},
        "emissions_t_co2e": _tonnes(c["current"]),
        "base_year_emissions_t_co2e": _tonnes(c["base_year"]) if c["base_year"]["has_data"] else None,
        "t_co2e_per_million_eur": {"current": per_meur(c["current"]), "base_year": per_meur(c["base_year"])},
        "change_vs_base_year_pct": {
            "absolute": {k: _tidy(c["vs_base_year"]["absolute_change_pct"][f"{k}_kg_co2e"]) for k in _SCOPES},
            "per_million_eur_revenue": {k: _tidy(c["vs_base_year"]["per_million_eur_change_pct"][f"{k}_kg_co2e"])
                                        for k in _SCOPES},
        },
        "targets": [
            {key: t[key] for key in ("ladder_scope", "basis", "reduction_pct", "base_year", "target_year",
                                     "achieved_reduction_pct", "expected_reduction_pct", "on_track")}
            for t in s["targets"]["items"]
        ],
        "green_electricity": _green_electricity(ws, s, half),
        "data_complete": s["missing"]["count"] == 0 and s["missing"]["partial_count"] == 0,
        "months_with_gaps": [m["period"] for m in s["missing"].get("by_month", [])],
        "factor_lists": [{"list_year": f["list_year"], "version": f["version"]} for f in s["factor_lists"]],
        "method": METHOD,
    }
