"""The shape of summary.json (schema 2.0), for the code that builds it and the renderers that read it.

TypedDicts, not classes: the summary stays the plain dict that json_strict writes, key for key and
in the order SUMMARY_SCHEMA.md documents (that file says what every key means). Keys that are Python
keywords (`from`) need the functional form.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from footprint.targets import TargetProgress


class ScopeTotals(TypedDict):
    scope_1_kg_co2e: float
    scope_2_kg_co2e: float
    scope_3_kg_co2e: float
    total_kg_co2e: float


SummaryPeriod = TypedDict("SummaryPeriod", {
    "from": str, "to": str, "months": int, "year_to_date": bool, "generated_at": str,
})


class Units(TypedDict):
    emissions: str
    intensity_revenue: str
    intensity_fte: str


class Electricity(TypedDict):
    market_based_kg_co2e: float
    location_based_kg_co2e: float
    kwh: float


class LadderScopeRow(TypedDict):
    ladder_scope: int
    emissions_kg_co2e: float
    location_emissions_kg_co2e: float


class GhgScopeRow(TypedDict):
    ghg_scope: int
    ghg_category: int | None
    emissions_kg_co2e: float
    location_emissions_kg_co2e: float


class SourceRow(TypedDict):
    ladder_scope: int
    source: str
    unit: str
    quantity: float
    emissions_kg_co2e: float
    location_emissions_kg_co2e: float
    activity_rows: int


class SiteRow(TypedDict):
    site_id: str
    ladder_scope: int
    emissions_kg_co2e: float
    location_emissions_kg_co2e: float


class Emissions(ScopeTotals):
    total_location_based_kg_co2e: float
    electricity: Electricity
    by_ladder_scope: list[LadderScopeRow]
    by_ghg_scope: list[GhgScopeRow]
    by_source: list[SourceRow]
    by_site: list[SiteRow]
    primary_kg_co2e: float
    secondary_kg_co2e: float


SecondHalf = TypedDict("SecondHalf", {
    "from": str, "to": str, "scope_1_kg_co2e": float, "scope_2_kg_co2e": float, "scope_3_kg_co2e": float,
    "total_kg_co2e": float,
})


class MonthlyEmissions(TypedDict):
    year: int
    month: int
    ladder_scope: int
    emissions_kg_co2e: float
    location_emissions_kg_co2e: float


class CarrierRow(TypedDict):
    carrier: str
    direction: str
    unit: str
    quantity: float
    estimated_quantity: float
    max_meters_or_vehicles_per_site_month: int
    activity_rows: int


class CarrierMonth(TypedDict):
    period: str
    carrier: str
    direction: str
    unit: str
    quantity: float


class Energy(TypedDict):
    by_carrier: list[CarrierRow]
    monthly: list[CarrierMonth]


class Intensity(TypedDict):
    kg_co2e_per_million_eur: float | None
    kg_co2e_per_fte: float | None


# A period without any data has null scope figures ("no data", never 0 kg); `note` when the year has
# no revenue/FTE configured. `intensity` is keyed by the scope keys (scope_1_kg_co2e ... total_kg_co2e).
PeriodBlock = TypedDict("PeriodBlock", {
    "year": int, "from": str, "to": str, "has_data": bool,
    "scope_1_kg_co2e": float | None, "scope_2_kg_co2e": float | None, "scope_3_kg_co2e": float | None,
    "total_kg_co2e": float | None, "revenue_eur_pro_rata": float | None, "fte_pro_rata": float | None,
    "intensity": dict[str, Intensity], "note": NotRequired[str],
})


class Changes(TypedDict):
    """(current / other - 1) x 100 per scope key; null where the other period is 0, null or without data."""

    absolute_change_pct: dict[str, float | None]
    per_million_eur_change_pct: dict[str, float | None]
    per_fte_change_pct: dict[str, float | None]


class Comparison(TypedDict):
    pro_rata_rule: str
    current: PeriodBlock
    base_year: PeriodBlock
    previous_year: PeriodBlock
    vs_base_year: Changes
    vs_previous_year: Changes


class TargetYear(TypedDict):
    year: int
    value: float | None
    path_value: float | None


class TargetItem(TargetProgress):
    id: str
    ladder_scope: int
    basis: str
    unit: str
    base_year: int
    target_year: int
    reduction_pct: float
    year: int
    months: str
    history: list[TargetYear]


class Targets(TypedDict):
    rule: str
    items: list[TargetItem]


class FilesRow(TypedDict):
    period: str
    dataset: str
    files: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_excluded: int


class EstimatedEnergy(TypedDict):
    carrier: str
    unit: str
    estimated_quantity: float


class DataQuality(TypedDict):
    primary_kg_co2e: float
    secondary_kg_co2e: float
    primary_share: float | None
    secondary_share: float | None
    rows_read: int
    rows_quarantined: int
    coverage: list[dict[str, Any]]  # footprint.queries.Coverage.datasets, one row per month and dataset
    files_per_month: list[FilesRow]
    estimated_energy: list[EstimatedEnergy]


class MissingMonth(TypedDict):
    period: str
    items: list[dict[str, Any]]
    partial: list[dict[str, Any]]


class Missing(TypedDict):
    """Gaps and partial meter months; items and partial as footprint.queries.coverage words them, per kind."""

    rule: str
    count: int
    partial_count: int
    months_without_any_data: list[str]
    items: list[dict[str, Any]]
    partial: list[dict[str, Any]]
    by_month: list[MissingMonth]


class FactorPolicy(TypedDict):
    mode: str
    list_year: int | None


class FactorListUse(TypedDict):
    list_id: str
    list_year: int
    version: str
    list_source: str | None
    source_file: str | None
    emission_rows: int
    emissions_kg_co2e: float
    first_period: str
    last_period: str


class ListRef(TypedDict):
    """How reports name a factor list; all but list_id are null for a list no longer loaded."""

    list_id: str
    kind: str | None
    list_year: int | None
    version: str | None


class Fallback(TypedDict):
    activity_table: str
    activity_key: str
    source: str
    list: ListRef | None
    note: str
    reasons: list[dict[str, Any]]  # footprint.reports.texts.parse_fallback_note


class FactorYear(TypedDict):
    year: int
    applied_list: ListRef | dict[str, Any] | None
    list_of_its_own: bool
    year_notes: list[dict[str, Any]]
    fallbacks: list[Fallback]


class Restatement(TypedDict):
    restatement_id: int
    kind: str
    period: str
    file_name: str | None
    old_factor_lists: str | None
    new_factor_lists: str | None
    old_kg_co2e: float | None
    new_kg_co2e: float | None
    restated_at: str
    old_lists: list[ListRef]
    new_lists: list[ListRef]


class ReportAlert(TypedDict):
    """An alert of table `alerts` as the report quotes it; `about` says what its subject is."""

    alert_id: int
    rule: str
    subject: str
    period: str
    severity: str
    title: str
    message: str
    status: str
    note: str | None
    noted_by: str | None
    noted_at: str | None
    created_at: str
    evidence: dict[str, Any]
    about: dict[str, Any]


class Measure(TypedDict):
    id: str
    description: str
    owner: str | None
    due: str | None
    ladder_scope: int | None
    expected_saving_kg_co2e: float | None
    status: str
    note: str | None
    overdue: bool


ProjectOverview = TypedDict("ProjectOverview", {
    "id": str, "name": str, "client": str | None, "start": str | None, "end": str | None, "from": str, "to": str,
    "rules": list[str], "allocations": list[dict[str, Any]],
    "scope_1_kg_co2e": float, "scope_2_kg_co2e": float, "scope_3_kg_co2e": float, "total_kg_co2e": float,
    "total_before_share_kg_co2e": float, "total_location_based_kg_co2e": float, "primary_kg_co2e": float,
    "data_gaps": int,
})


class Check(TypedDict):
    id: str
    check: str
    holds: bool
    detail: str
    figures: dict[str, float]


class Summary(TypedDict):
    """summary.json as build_summary returns it."""

    schema_version: str
    organisation: str
    half: str
    period: SummaryPeriod
    base_year: int
    units: Units
    emissions: Emissions
    second_half_only: SecondHalf | None
    monthly_emissions: list[MonthlyEmissions]
    base_year_monthly_emissions: list[MonthlyEmissions]
    energy: Energy
    comparison: Comparison
    targets: Targets
    data_quality: DataQuality
    missing: Missing
    factor_policy: FactorPolicy
    factor_lists: list[FactorListUse]
    factor_years: list[FactorYear]
    restatements: list[Restatement]
    alerts: list[ReportAlert]
    measures: list[Measure]
    projects: list[ProjectOverview]
    checks: list[Check]


class WrittenSummary(Summary):
    """summary.json as the half-year report writes it: with the raw store checked just before."""

    raw_store_check: dict[str, Any]  # footprint.verify.SizeCheck.as_summary
