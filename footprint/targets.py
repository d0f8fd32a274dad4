"""Progress against a reduction target: one rule for the half-year report and for the target-path alert."""

from __future__ import annotations

from typing import TypedDict

from footprint.config.assets import YearFigures

METRIC_UNIT = {"per_revenue": "kg CO2e per million EUR", "per_fte": "kg CO2e per FTE", "absolute": "kg CO2e"}
TARGET_RULE = (
    "The metric is the ladder scope's market-based kg CO2e over the report's months, per million EUR revenue "
    "(per_revenue), per FTE (per_fte) or absolute, compared with the same months of the base year. "
    "change_pct = (metric / base metric - 1) x 100; achieved_reduction_pct = -change_pct. The straight path "
    "runs from 0 % in the base year to reduction_pct in the target year: expected_reduction_pct = reduction_pct x "
    "(year - base_year) / (target_year - base_year), capped at reduction_pct. on_track = achieved >= expected."
)


def target_metric(kg: float, basis: str, figures: YearFigures | None, months: int) -> float | None:
    """A target's metric over a year's first `months` months: kg, or kg per revenue or FTE taken pro rata.

    None when the basis needs the year's revenue and FTE and footprint.yaml gives none.
    """
    if basis == "absolute":
        return kg
    if figures is None:
        return None
    share = months / 12
    return kg / (figures.revenue_eur * share / 1e6) if basis == "per_revenue" else kg / (figures.fte * share)


def change_pct(now: float | None, then: float | None) -> float | None:
    if now is None or then in (None, 0):
        return None
    return (now / then - 1) * 100


class TargetProgress(TypedDict):
    """Where a target stands in one year; values are in the target's metric (METRIC_UNIT of its basis)."""

    base_value: float | None
    current_value: float | None
    change_pct: float | None
    achieved_reduction_pct: float | None
    expected_reduction_pct: float
    path_value: float | None
    target_value: float | None
    on_track: bool | None


def target_progress(
    base_value: float | None,
    current_value: float | None,
    base_year: int,
    target_year: int,
    reduction_pct: float,
    year: int,
) -> TargetProgress:
    """Progress of one target: achieved reduction against the straight path at `year` (see TARGET_RULE)."""
    span = target_year - base_year
    fraction = min(max((year - base_year) / span, 0.0), 1.0) if span > 0 else 1.0
    expected = reduction_pct * fraction
    change = change_pct(current_value, base_value)
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
