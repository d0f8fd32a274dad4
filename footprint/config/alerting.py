"""How deviations are judged: thresholds per subject, severities per rule, measures and expected deliveries."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from footprint.alert_record import RULES
from footprint.config.common import Month, Positive, Severity, Strict, normalise_plate
from footprint.config.projects import supplier_sources


class AlertThresholds(Strict):
    """Thresholds of the rules that judge a subject's monthly value (meter, vehicle, source).

    In `alerts.overrides` only the keys written count; a key set to null there switches that rule
    off for the subject (null mom_pct: no month-on-month alert for it).
    """

    mom_pct: Positive | None = 50.0
    yoy_pct: Positive | None = 50.0
    # Robust z-score (median and MAD of the trailing months); 3.5 is Iglewicz and Hoaglin's cut-off.
    zscore: Positive | None = 3.5
    # None: by carrier (natural gas, district heat and own generation follow the seasons).
    seasonal: bool | None = None
    missing: bool = True


class AlertConfig(Strict):
    """When footprint tells the quality officer about a deviation (see footprint/alerts/, one module per rule family)."""

    enabled: bool = True
    defaults: AlertThresholds = AlertThresholds()
    # Business travel (flights, train, private car: GHG scope 3 category 6) comes in lumps, a
    # conference or a project abroad: by default no change or outlier alerts; set thresholds here.
    business_travel: AlertThresholds = AlertThresholds(mom_pct=None, yoy_pct=None, zscore=None)
    # Per meter EAN, vehicle plate, source (diesel, flights, supplier_reported, ...) or supplier name.
    overrides: dict[str, AlertThresholds] = {}
    history_months: Annotated[int, Field(ge=3, le=36)] = 12
    min_history_months: Annotated[int, Field(ge=2)] = 6
    # A spread below this share of the median is taken as this share: a flat history is no licence to alert on 1 %.
    outlier_min_spread_pct: Positive = 10.0
    # Missing: a subject that delivered on a regular rhythm (the last `missing_regular_deliveries`
    # gaps equal) and whose next delivery is due; not raised when it was due longer ago than the lookback.
    missing_regular_deliveries: Annotated[int, Field(ge=1)] = 3
    missing_lookback_months: Annotated[int, Field(ge=1)] = 3
    tank_tolerance_pct: Annotated[float, Field(ge=0)] = 0.0
    quarantine_pct: Positive = 5.0
    quarantine_min_rows: Annotated[int, Field(ge=1)] = 20
    # Alert when a target falls behind its straight path at a half-year end (it was on it the half before).
    target_path: bool = True
    target_path_tolerance_pct: Annotated[float, Field(ge=0)] = 0.0
    severity: dict[str, Severity] = {}

    @field_validator("overrides")
    @classmethod
    def _one_each(cls, overrides: dict[str, AlertThresholds]) -> dict[str, AlertThresholds]:
        """Keys compare like plates (see thresholds_for): "VGH-42-K" and "vgh42k" would silently be one."""
        spellings: dict[str, list[str]] = {}
        for key in overrides:
            spellings.setdefault(normalise_plate(key), []).append(repr(key))
        twice = "; ".join(" and ".join(keys) for keys in spellings.values() if len(keys) > 1)
        if twice:
            raise ValueError(f"{twice} name the same subject (case, dashes and spaces are ignored); give it once")
        return overrides

    @field_validator("severity")
    @classmethod
    def _rules(cls, severity: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(severity) - set(RULES))
        if unknown:
            raise ValueError(f"{', '.join(unknown)} is not a rule; the rules are {', '.join(RULES)}")
        return severity

    def thresholds_for(self, *keys: str | None, travel: bool = False) -> AlertThresholds:
        """The defaults (business_travel's for travel) with the overrides of the first key that has one.

        Keys are tried in order: EAN or plate first, then carrier, fuel, source or supplier name.
        """
        base = self.business_travel if travel else self.defaults
        # Keys compare like plates (case, dashes and spaces ignored), so "VGH-42-K" finds VGH42K.
        overrides = {normalise_plate(k): v for k, v in self.overrides.items()}
        for key in keys:
            found = overrides.get(normalise_plate(key)) if key else None
            if found is not None:
                return base.model_copy(update=found.model_dump(exclude_unset=True))
        return base


class MeasureStatus(str, Enum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class Measure(Strict):
    """A planned action of the energy management plan; the half-year report reviews its status."""

    id: Annotated[str, Field(min_length=1)]
    description: Annotated[str, Field(min_length=1)]
    owner: str | None = None
    due: Month | None = None
    ladder_scope: Annotated[int, Field(ge=1, le=3)] | None = None
    expected_saving_kg_co2e: Annotated[float, Field(ge=0)] | None = None
    status: MeasureStatus = MeasureStatus.planned
    note: str | None = None


class Rhythm(str, Enum):
    monthly = "monthly"
    quarterly = "quarterly"
    yearly = "yearly"


class ExpectedSource(Strict):
    """Supplier, travel or mileage data the organisation expects, and how often: only these can be missing.

    Without an entry such data is never reported missing: an organisation that has no flights has no gap.
    A plain source name stands for a monthly one.
    """

    source: str
    rhythm: Rhythm = Field(default=Rhythm.monthly, validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, value: object) -> object:
        return {"source": value} if isinstance(value, str) else value

    @field_validator("source")
    @classmethod
    def _known(cls, value: str) -> str:
        sources = supplier_sources()
        if value not in sources:
            raise ValueError(f"{value!r} is not a supplier or travel source: use one of {', '.join(sources)}")
        return value
