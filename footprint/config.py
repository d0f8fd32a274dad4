"""Organisation configuration (footprint.yaml) and process settings (environment).

The YAML file describes the organisation: what it owns, what it measures and what it aims for.
Settings from the environment say where things live and hold secrets; they never come from the YAML.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable
from enum import Enum
from pathlib import Path
from importlib import resources
from typing import Annotated, Any, Final, Literal

import yaml
from pydantic import (
    AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidatorFunctionWrapHandler,
    field_validator, model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from footprint import yaml_strict
from footprint.ean import ean_problem
from footprint.errors import ConfigError, UsageError, UserYamlError
from footprint.periods import LAST_YEAR, month_problem, year_problem

CONFIG_FILE_NAME = "footprint.yaml"

class Carrier(str, Enum):
    electricity = "electricity"
    natural_gas = "natural_gas"
    district_heat = "district_heat"
    water = "water"


class Contract(str, Enum):
    grey = "grey"
    green_gvo_nl = "green_gvo_nl"
    supplier_mix = "supplier_mix"


class Direction(str, Enum):
    consumption = "consumption"
    feed_in = "feed_in"
    generation = "generation"


class TargetBasis(str, Enum):
    absolute = "absolute"
    per_revenue = "per_revenue"
    per_fte = "per_fte"


# A licence plate as footprint compares it (see normalise_plate): with or without dashes, any case.
Plate = Annotated[str, BeforeValidator(lambda value: normalise_plate(str(value))), Field(min_length=4)]


class _Strict(BaseModel):
    # No .inf or .nan anywhere: an infinite FTE or tank makes every figure computed from it meaningless.
    model_config = ConfigDict(extra="forbid", use_enum_values=True, allow_inf_nan=False)


def _doubled(keys: Iterable[object]) -> list[str]:
    """The keys that occur more than once, sorted, as text for a message."""
    seen: set[object] = set()
    twice: set[str] = set()
    for key in keys:
        if key in seen:
            twice.add(str(key))
        seen.add(key)
    return sorted(twice)


def _month_key(text: str) -> str:
    problem = month_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return text


# A month written YYYY-MM, in the years footprint works with (footprint/periods.py).
Month = Annotated[str, AfterValidator(_month_key)]


class YearFigures(_Strict):
    revenue_eur: Annotated[float, Field(
        ge=1, le=1e13,
        description="The year's revenue in EUR, 1 to 10 trillion: below 1 EUR the intensity per million EUR is "
                    "absurd (a typo such as 1e-300), above it no company's turnover.",
    )]
    fte: Annotated[float, Field(
        ge=0.01, le=10_000_000,
        description="Full-time equivalents in the year, 0.01 (under half an hour a week) to 10 million (beyond "
                    "the largest employer): outside that it is a typo, and the intensity per FTE absurd.",
    )]


class Site(_Strict):
    id: Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    name: str
    city: str | None = None


class Meter(_Strict):
    ean: str
    carrier: Carrier
    site: str
    contract: Contract | None = None
    # Contract changes over time, keyed by the first month (YYYY-MM) they apply to.
    contract_from: dict[Month, Contract] = {}
    direction: Direction = Direction.consumption
    active: bool = True
    description: str | None = None
    # Files whose export names no valid EAN (the EAN only in the file name, nowhere, or a placeholder such
    # as XXXXXXXXXXXXXXXXXX) that belong to this meter: glob patterns, matched ignoring case against the
    # file's name and against its path below the month folder ("fluvius-gas/*" for an inbox subfolder
    # inbox/YYYY-MM/fluvius-gas/). A file's own valid EAN always wins over an assignment.
    files: list[Annotated[str, Field(min_length=1)]] = []
    # The code this meter's assigned files (files:) write in their EAN column when it is another
    # connection's (Energie Manager Online writes the site's electricity EAN in its gas export): in
    # those files, rows under that code are this meter's. Without it a file's own valid EAN wins.
    file_ean: Annotated[str, Field(min_length=1)] | None = None

    @field_validator("ean", mode="before")
    @classmethod
    def _ean(cls, value: object) -> str:
        text = str(value).strip()
        problem = ean_problem(text)
        if problem is not None:
            raise ValueError(f"EAN {problem}")
        return text

    @model_validator(mode="after")
    def _contract(self) -> "Meter":
        consumes = self.direction == Direction.consumption.value
        if self.carrier == Carrier.electricity.value and consumes and self.contract is None:
            raise ValueError("an electricity consumption meter needs a contract: grey, green_gvo_nl or supplier_mix")
        return self

    @model_validator(mode="after")
    def _file_ean(self) -> "Meter":
        if self.file_ean is not None and not self.files:
            raise ValueError("file_ean needs files: the patterns of the files that write it")
        return self

    def takes_file(self, name: str, path_in_month: str) -> bool:
        """Whether a file (its name, and its path below the month folder) is assigned to this meter."""
        return any(
            fnmatch.fnmatchcase(candidate.casefold(), pattern.casefold())
            for pattern in self.files
            for candidate in (name, path_in_month)
        )

    def contract_in(self, period: str) -> str | None:
        """The contract in force in a month (YYYY-MM): the latest change on or before it."""
        contract = self.contract
        for month in sorted(self.contract_from):
            if month <= period:
                contract = self.contract_from[month]
        return contract


MAX_TANK_LITRES: Final = 50_000  # beyond any road vehicle or site machine (a mining truck holds about 4,500 L)
VehicleClass = Literal["car", "van", "truck", "bus", "machine"]


class Vehicle(_Strict):
    plate: Plate
    site: str
    fuel: Literal["diesel", "petrol", "lpg", "cng", "hvo100", "electric"]
    tank_litres: Annotated[float, Field(
        gt=0, le=MAX_TANK_LITRES, description="The tank in litres, at most 50,000: beyond any vehicle or site machine.",
    )] | None = None
    # Sets the largest plausible fuelling when tank_litres is not given (see PlausibleFuelling).
    vehicle_class: VehicleClass | None = None
    # An inactive vehicle (sold, off the road) is not expected to fuel: no missing-delivery alert.
    active: bool = True
    description: str | None = None


class Target(_Strict):
    id: str
    ladder_scope: Literal[1, 2, 3]
    target_year: Annotated[int, Field(le=LAST_YEAR, description=f"After the base year, at most {LAST_YEAR}.")]
    reduction_pct: Annotated[float, Field(gt=0, le=100)]
    basis: TargetBasis


class FactorPolicy(_Strict):
    mode: Literal["per_year", "single_list"] = "per_year"
    list_year: int | None = None
    significance_pct: Annotated[float, Field(gt=0, le=100)] = 5.0

    @field_validator("list_year")
    @classmethod
    def _year(cls, year: int | None) -> int | None:
        problem = None if year is None else year_problem(year)
        if problem is not None:
            raise ValueError(problem)
        return year

    @model_validator(mode="after")
    def _list_year(self) -> "FactorPolicy":
        if self.mode == "single_list" and self.list_year is None:
            raise ValueError("mode single_list needs list_year: the year of the list to restate every year with")
        return self


def _parser_carrier(carrier: str) -> str:
    """The carrier word the source formats use for a meter's carrier (natural_gas is `gas` there)."""
    return "gas" if carrier == Carrier.natural_gas.value else carrier


NON_FUEL = "non_fuel"  # fuel_cards.products value for an item bought with a fuel card that is not fuel


def _shipped_fuelling_bounds() -> dict[str, Any]:
    path = Path(str(resources.files("footprint") / "data" / "plausible_fuelling.yaml"))
    return yaml_strict.load_file(path)


class PlausibleFuelling(_Strict):
    """The largest single fuelling loaded for a vehicle; defaults in footprint/data/plausible_fuelling.yaml.

    A vehicle's tank_litres plus tank_margin_pct first, else by_class[vehicle_class], else default.
    """

    tank_margin_pct: Annotated[float, Field(ge=0, le=1000)] = _shipped_fuelling_bounds()["tank_margin_pct"]
    by_class: dict[VehicleClass, Annotated[float, Field(gt=0, le=MAX_TANK_LITRES)]] = (
        _shipped_fuelling_bounds()["by_class"])
    default: Annotated[float, Field(gt=0, le=MAX_TANK_LITRES)] = _shipped_fuelling_bounds()["default"]

    @field_validator("by_class", mode="before")
    @classmethod
    def _merge(cls, value: object) -> object:
        """A footprint.yaml entry overrides one class; the others keep the shipped bound."""
        return {**_shipped_fuelling_bounds()["by_class"], **value} if isinstance(value, dict) else value

    def limit(self, vehicle: "Vehicle | None") -> tuple[float, str]:
        """The bound for one vehicle (None: a plate not configured) and what it comes from, for the reason."""
        if vehicle is not None and vehicle.tank_litres is not None:
            bound = vehicle.tank_litres * (1 + self.tank_margin_pct / 100)
            return bound, f"tank_litres {vehicle.tank_litres:g} + {self.tank_margin_pct:g} %"
        if vehicle is not None and vehicle.vehicle_class is not None:
            return self.by_class[vehicle.vehicle_class], f"vehicle_class {vehicle.vehicle_class}"
        what = "no tank_litres or vehicle_class" if vehicle is not None else "not a configured vehicle"
        return self.default, f"{what}: the default bound"


class FuelCards(_Strict):
    """The organisation's own fuel-card profiles and product names, beyond the ones footprint ships.

    profiles: profile files (relative to footprint.yaml's folder), each a provider layout in the
    format of footprint/data/fuelcard_profiles/*.yaml. products: a provider's product name -> the
    fuel it is (diesel, petrol, ...: the fuels of the activity-factor mapping) or non_fuel.
    """

    profiles: list[Annotated[str, Field(min_length=1)]] = []
    products: dict[str, str] = {}
    plausible_fuelling: PlausibleFuelling = PlausibleFuelling()

    @field_validator("profiles")
    @classmethod
    def _profiles(cls, profiles: list[str]) -> list[str]:
        doubled = _doubled(profiles)
        if doubled:
            raise ValueError(f"profile {', '.join(doubled)} is listed twice")
        return profiles

    @field_validator("products")
    @classmethod
    def _products(cls, products: dict[str, str]) -> dict[str, str]:
        from footprint.factors.mapping import FUEL_KEY_PREFIX, load_activity_mapping, normalise_product

        activities = load_activity_mapping().activities
        fuels = sorted(k.removeprefix(FUEL_KEY_PREFIX) for k in activities if k.startswith(FUEL_KEY_PREFIX))
        seen: dict[str, str] = {}
        for product, target in products.items():
            key = normalise_product(product)
            if not key:
                raise ValueError("a product name is empty")
            if key in seen:
                raise ValueError(f"product {product!r} is listed twice (also as {seen[key]!r})")
            seen[key] = product
            if target not in (*fuels, NON_FUEL):
                raise ValueError(f"product {product!r} maps to {target!r}: use one of {', '.join(fuels)} or {NON_FUEL}")
        return products


class _Share(_Strict):
    share_pct: float = 100.0

    @field_validator("share_pct")
    @classmethod
    def _share(cls, value: float) -> float:
        if not 0 <= value <= 100:
            raise ValueError(f"share_pct {value:g} is outside 0-100 (a percentage of the item's emissions)")
        return value


class VehicleShare(_Share):
    """All fuel-card transactions of one plate."""

    plate: Plate


class SiteShare(_Share):
    """The energy of a site's meters (electricity, gas, heat); its vehicles are allocated by plate."""

    site: str


class SupplierShare(_Share):
    """A supplier's rows (name as in its statements, any case), optionally of one emission source only."""

    supplier: Annotated[str, Field(min_length=1)] | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _named(self) -> "SupplierShare":
        if self.supplier is None and self.source is None:
            raise ValueError("a supplier rule needs a supplier, a source (e.g. flights, supplier_reported) or both")
        return self


class Project(_Strict):
    """A project with a CO2 award advantage (gunningvoordeel) and the emissions allocated to it."""

    id: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    name: Annotated[str, Field(min_length=1)]
    client: str | None = None
    start: str | None = None
    end: str | None = None
    vehicles: list[VehicleShare] = []
    sites: list[SiteShare] = []
    suppliers: list[SupplierShare] = []

    @field_validator("start", "end", mode="before")
    @classmethod
    def _month(cls, value: object) -> str | None:
        if value is None:
            return None
        return _month_key(str(value).strip())

    @model_validator(mode="after")
    def _rules(self) -> "Project":
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} lies before start {self.start}")
        if not (self.vehicles or self.sites or self.suppliers):
            raise ValueError("allocates nothing: give vehicles, sites or suppliers with a share_pct")
        for kind, keys in (("vehicles", [v.plate for v in self.vehicles]), ("sites", [s.site for s in self.sites])):
            doubled = sorted({k for k in keys if keys.count(k) > 1})
            if doubled:
                raise ValueError(f"{kind}: {', '.join(doubled)} listed twice; give one rule with the total share")
        keys = [_supplier_key(s) for s in self.suppliers]
        for i, (supplier, source) in enumerate(keys):
            for other, other_source in keys[i + 1:]:
                if supplier in (None, other) or other is None:
                    if source in (None, other_source) or other_source is None:
                        raise ValueError(f"suppliers: two rules can match the same rows ({supplier or 'any supplier'}/"
                                         f"{source or 'any source'} and {other or 'any supplier'}/"
                                         f"{other_source or 'any source'}); make them distinct")
        return self

    def allocations(self) -> list[tuple[str, tuple[str | None, ...], float]]:
        """(kind, key, share_pct) per rule: what the overlap check and the report iterate over."""
        return ([("vehicle", (v.plate,), v.share_pct) for v in self.vehicles]
                + [("site", (s.site,), s.share_pct) for s in self.sites]
                + [("supplier", _supplier_key(s), s.share_pct) for s in self.suppliers])


def _supplier_key(rule: SupplierShare) -> tuple[str | None, str | None]:
    return (rule.supplier.strip().casefold() if rule.supplier else None, rule.source)


def _supplier_sources() -> list[str]:
    """Emission sources of supplier, travel and mileage rows: the mapping's sources that are no fuel or meter."""
    from footprint.factors.mapping import load_activity_mapping

    activities = load_activity_mapping().activities
    own = {a.source for k, a in activities.items() if k.startswith("fuel:")} | {c.value for c in Carrier}
    return sorted({a.source for a in activities.values()} - own)


def _check_projects(projects: list[Project], plates: set[str], site_ids: set[str]) -> None:
    """Unknown plates and sites, and any item allocated beyond 100 % in a month where projects overlap."""
    sources = _supplier_sources() if any(s.source for p in projects for s in p.suppliers) else []
    doubled = _doubled(p.id for p in projects)
    if doubled:
        raise ValueError(f"projects: a project id is listed twice: {', '.join(doubled)}")
    spans: dict[tuple[str, tuple[str | None, ...]], list[tuple[str, str, float, str]]] = {}
    for i, project in enumerate(projects):
        for j, rule in enumerate(project.vehicles):
            if rule.plate not in plates:
                raise ValueError(f"projects.{i}.vehicles.{j}.plate {rule.plate!r} is not one of the vehicles: "
                                 f"{sorted(plates)}")
        for j, site in enumerate(project.sites):
            if site.site not in site_ids:
                raise ValueError(f"projects.{i}.sites.{j}.site {site.site!r} is not one of the sites: "
                                 f"{sorted(site_ids)}")
        for j, supplier in enumerate(project.suppliers):
            if supplier.source is not None and supplier.source not in sources:
                raise ValueError(f"projects.{i}.suppliers.{j}.source {supplier.source!r} is not a supplier source: "
                                 f"use one of {', '.join(sources)}")
        for kind, key, share in project.allocations():
            spans.setdefault((kind, key), []).append((project.start or "0000-01", project.end or "9999-12", share,
                                                      project.id))
    for (kind, key), items in spans.items():
        for month, _, _, _ in items:
            active = [(share, pid) for start, end, share, pid in items if start <= month <= end]
            if sum(share for share, _ in active) > 100 + 1e-9:
                name = " ".join(k for k in key if k)
                parts = ", ".join(f"{pid} {share:g} %" for share, pid in active)
                when = f"from {month}" if month != "0000-01" else "in the months they share"
                raise ValueError(f"projects: {kind} {name} is allocated beyond 100 % ({parts}) {when}")


class Locations(_Strict):
    inbox: str = "inbox"
    raw_store: str = "raw"
    warehouse: str = "warehouse.duckdb"
    # The organisation's own schema in a shared warehouse (FOOTPRINT_WAREHOUSE_SCHEMA wins); see sql/README.md.
    warehouse_schema: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]{0,62}$")] | None = None
    outbox: str = "outbox"


Positive = Annotated[float, Field(gt=0)]
Severity = Literal["info", "warning", "critical"]


class AlertThresholds(_Strict):
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


class AlertConfig(_Strict):
    """When footprint tells the quality officer about a deviation (see footprint/alerts/rules.py)."""

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
        from footprint.alerts.rules import RULES

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


class Measure(_Strict):
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


class ExpectedSource(_Strict):
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
        sources = _supplier_sources()
        if value not in sources:
            raise ValueError(f"{value!r} is not a supplier or travel source: use one of {', '.join(sources)}")
        return value


class OrganisationConfig(_Strict):
    organisation: Annotated[str, Field(min_length=1)]
    base_year: Annotated[int, Field(ge=2000, le=2100)]
    years: dict[int, YearFigures]
    sites: Annotated[list[Site], Field(min_length=1)]
    meters: list[Meter] = []
    vehicles: list[Vehicle] = []
    targets: list[Target] = []
    factor_policy: FactorPolicy = FactorPolicy()
    locations: Locations = Locations()
    fuel_cards: FuelCards = FuelCards()
    projects: list[Project] = []
    measures: list[Measure] = []
    alerts: AlertConfig = AlertConfig()
    expected_sources: list[ExpectedSource] = []

    @field_validator("years", mode="wrap")
    @classmethod
    def _years(cls, value: object, handler: ValidatorFunctionWrapHandler) -> dict[int, YearFigures]:
        """Year keys within the years footprint works with, each year once (2025 and '2025' are one year)."""
        years: dict[int, YearFigures] = handler(value)
        if isinstance(value, dict) and len(years) < len(value):
            spellings: dict[int, list[str]] = {}
            for key in value:
                spellings.setdefault(int(float(key)), []).append(repr(key))
            twice = "; ".join(" and ".join(keys) for keys in spellings.values() if len(keys) > 1)
            raise ValueError(f"{twice} are the same year, given twice")
        for year in years:
            problem = year_problem(year)
            if problem is not None:
                raise ValueError(f"year {problem}")
        return years

    @field_validator("sites", "targets", "measures")
    @classmethod
    def _unique_ids(cls, items: list[Site] | list[Target] | list[Measure]) -> list[Any]:
        """Reports, allocations and alerts find an item by its id: two items under one id would be one."""
        doubled = _doubled(item.id for item in items)
        if doubled:
            raise ValueError(f"id {', '.join(doubled)} is listed twice; each id names one item")
        return items

    @field_validator("expected_sources")
    @classmethod
    def _once(cls, expected: list[ExpectedSource]) -> list[ExpectedSource]:
        names = [e.source for e in expected]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"{', '.join(doubled)} listed twice; give each source once with its rhythm")
        return expected

    @model_validator(mode="after")
    def _references(self) -> "OrganisationConfig":
        site_ids = {s.id for s in self.sites}
        for i, meter in enumerate(self.meters):
            if meter.site not in site_ids:
                raise ValueError(f"meters.{i}.site {meter.site!r} is not one of the sites: {sorted(site_ids)}")
        for i, vehicle in enumerate(self.vehicles):
            if vehicle.site not in site_ids:
                raise ValueError(f"vehicles.{i}.site {vehicle.site!r} is not one of the sites: {sorted(site_ids)}")
        doubled = _doubled(m.ean for m in self.meters)
        if doubled:
            raise ValueError(f"meters: EAN {', '.join(doubled)} is listed twice")
        claimed: dict[tuple[str, str], str] = {}
        for meter in self.meters:
            for pattern in meter.files:
                key = (pattern.casefold(), _parser_carrier(meter.carrier))
                if claimed.setdefault(key, meter.ean) != meter.ean:
                    raise ValueError(
                        f"meters: files pattern {pattern!r} is given to {claimed[key]} and {meter.ean}, both "
                        f"{meter.carrier}: a file can belong to one meter per carrier"
                    )
        doubled = _doubled(v.plate for v in self.vehicles)
        if doubled:
            raise ValueError(f"vehicles: plate {', '.join(doubled)} is listed twice (dashes and case are ignored)")
        if self.base_year not in self.years:
            raise ValueError(f"years: the base year {self.base_year} needs revenue_eur and fte")
        for i, target in enumerate(self.targets):
            if target.target_year <= self.base_year:
                raise ValueError(f"targets.{i}.target_year {target.target_year} is not after the base year "
                                 f"{self.base_year}")
        return self

    @model_validator(mode="after")
    def _projects(self) -> "OrganisationConfig":
        _check_projects(self.projects, {v.plate for v in self.vehicles}, {s.id for s in self.sites})
        return self

    def project(self, project_id: str) -> Project:
        """The configured project by id; a clear error names the ones there are."""
        for project in self.projects:
            if project.id == project_id:
                return project
        known = ", ".join(p.id for p in self.projects) or "none configured (footprint.yaml `projects:`)"
        raise UsageError(f"project {project_id!r} is not in the configuration; projects: {known}")


def normalise_plate(plate: str) -> str:
    """Dutch plates are written with and without dashes; compare them without."""
    return re.sub(r"[^A-Z0-9]", "", plate.upper())


DASK_FILES_PER_TASK: Final = 20  # a task's scheduling costs tens of milliseconds: more than parsing a small file
# DuckDB's own default is 80 % of RAM, and its buffer pool keeps the whole database file it has written
# (500 MiB at 10 M interval rows); the OS page cache keeps the file anyway, so little is lost by capping it.
DUCKDB_MEMORY_LIMIT: Final = "512MB"
MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
# Settings whose value a message never repeats: a URL may carry a password.
_SECRET_SETTINGS: Final = frozenset({"pseudonym_key", "warehouse_url", "s3_endpoint_url", "dask_address"})
_SETTING_PROBLEMS: Final = {
    "int_parsing": "not a whole number", "int_from_float": "not a whole number", "float_parsing": "not a number",
    "finite_number": "not a finite number", "bool_parsing": "not true or false",
}


def _encoding_problem(path: Path) -> str:
    """Where a file that failed to decode stops being UTF-8 (its line and byte), for a one-line message."""
    try:
        yaml_strict.decode(path.read_bytes())
    except yaml_strict.EncodingError as exc:
        return str(exc)
    return "not UTF-8 text: save it as UTF-8"


def _settings_problem(error: ValidationError, env_file: object) -> str:
    """One line naming each wrong FOOTPRINT_* variable, where it was set and what is wrong with it."""
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "?"
        variable = f"FOOTPRINT_{name.upper()}"
        where = f" (set in {env_file})" if env_file is not None and variable not in os.environ else ""
        reason = item["msg"].removeprefix("Value error, ")
        if item["type"] != "value_error":
            reason = _SETTING_PROBLEMS.get(item["type"], reason[:1].lower() + reason[1:])
            if name not in _SECRET_SETTINGS:
                variable = f"{variable}={item['input']!r}"
        problems.append(f"{variable}{where}: {reason}")
    return "; ".join(problems)


class Settings(BaseSettings):
    """Process settings from the environment (FOOTPRINT_*): they override the YAML's locations."""

    model_config = SettingsConfigDict(env_prefix="FOOTPRINT_", extra="ignore", allow_inf_nan=False)

    def __init__(self, **values: Any) -> None:
        """As BaseSettings; a wrong value in the environment or the .env file is a ConfigError naming the variable."""
        env_file = values.get("_env_file")
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(_settings_problem(exc, env_file)) from None
        except UnicodeDecodeError:
            raise ConfigError(f"{env_file}: {_encoding_problem(Path(str(env_file)))}") from None
        except OSError as exc:
            raise ConfigError(f"{env_file}: cannot be read: {exc.strerror or exc}") from None

    config: Path = Path(CONFIG_FILE_NAME)
    warehouse_url: str | None = None
    warehouse_schema: str | None = None
    # An embedded DuckDB warehouse's memory limit (e.g. 512MB, 2GB); beyond it DuckDB spills to
    # WAREHOUSE_FILE.tmp beside the database. Empty: DuckDB's default, 80 % of the machine's RAM.
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT
    inbox: str | None = None
    raw_store: str | None = None
    # A file is picked up once unchanged this long (0: at once); at most a day.
    inbox_settle_seconds: Annotated[float, Field(ge=0, le=86_400)] = 30.0
    s3_endpoint_url: str | None = None
    outbox: str | None = None
    pseudonym_key: str | None = None
    # Where the ingestion flows run their tasks: thread (one machine) or dask (see docs/operations.md).
    task_runner: str = "thread"
    dask_address: str | None = None
    # A month with more new files than this is parsed in batches of this size and loaded per dataset,
    # in parallel tasks; a smaller one is one task. Unset: one task on threads, 20 files a task on Dask.
    files_per_task: Annotated[int, Field(ge=1)] | None = None
    max_xlsx_uncompressed_mb: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 200.0  # a workbook unpacking to more is refused unread
    max_xlsx_compression_ratio: Annotated[float, Field(gt=1, allow_inf_nan=False)] = 100.0  # a zip bomb's part packs tighter
    max_rows_per_file: Annotated[int, Field(gt=0)] = 5_000_000  # a file (CSV, or a workbook's sheets) with more is refused

    def month_split(self) -> int | None:
        """Files per parsing task when a month is mapped over tasks; None: the month is one task.

        On threads a month stays one task unless asked: its parsing already uses every core, and
        passing rows between tasks as Parquet costs milliseconds per file (about 4 ms to write one
        15-minute file's rows). On Dask, tasks are processes, possibly on other machines: there
        mapping is what spreads the work.
        """
        if self.files_per_task is not None:
            return self.files_per_task
        return DASK_FILES_PER_TASK if self.task_runner.strip().lower() == "dask" else None

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory_limit(cls, value: str) -> str:
        value = value.strip()
        if value and not MEMORY_SIZE.match(value):
            quoted = " (quotes are part of an environment variable's value: leave them out)" if re.search(
                r"[\"']", value) else ""
            raise ValueError(f"{value!r} is not a size such as 512MB or 2GB{quoted}")
        return value


class Workspace(BaseModel):
    """Everything a run needs to know: the organisation and where its data lives, resolved."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    config_path: Path
    org: OrganisationConfig
    inbox: Path | str  # a folder, or an s3://bucket/prefix URL
    raw_store: Path | str
    inbox_settle_seconds: float = 30.0
    s3_endpoint_url: str | None = None
    staging: Path | None = None
    warehouse_url: str
    pseudonym_key: str
    outbox: Path
    warehouse_schema: str | None = None
    duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT


def _format_validation_error(path: Path, error: ValidationError) -> str:
    """One line: the CLI shows a ConfigError as one line, so each problem is `key.path: reason`, joined by `;`."""
    problems = []
    for item in error.errors():
        key = UserYamlError.key_path(item["loc"])  # a key that is no name may be a line of some other file
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "is not a known key"
        # A check across keys names its key path in its message; the top level needs no label of its own.
        problems.append(f"{key}: {message}" if key else message)
    return f"{path} is not a valid footprint configuration: {'; '.join(problems)}"


def load_org_config(path: Path) -> OrganisationConfig:
    """Read and validate footprint.yaml; errors name the line or key path and what is allowed."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file (create one with `footprint init`)")
    try:
        data = yaml_strict.load_file(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except yaml_strict.EncodingError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {UserYamlError.problem(exc)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    try:
        return OrganisationConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(path, exc)) from None


def _resolve(base: Path, location: str) -> Path:
    candidate = Path(location).expanduser()
    return candidate if candidate.is_absolute() else (base / candidate).resolve()


def _location(base: Path, location: str) -> Path | str:
    """An s3:// URL stays as it is; a folder is resolved beside footprint.yaml."""
    return location if location.startswith("s3://") else _resolve(base, location)


def open_workspace(config_path: Path | None = None, settings: Settings | None = None) -> Workspace:
    """Load the organisation and resolve locations: YAML defaults beside the file, environment on top."""
    settings = settings or Settings()
    path = (config_path or settings.config).expanduser().resolve()
    org = load_org_config(path)
    base = path.parent
    env_file = base / ".env"
    if env_file.is_file():
        # A workspace may keep its secrets in a .env beside footprint.yaml; the environment wins.
        settings = Settings(_env_file=env_file, **settings.model_dump(exclude_unset=True))
    warehouse_url = settings.warehouse_url or f"duckdb:///{_resolve(base, org.locations.warehouse)}"
    key = settings.pseudonym_key
    if not key:
        raise ConfigError(
            "FOOTPRINT_PSEUDONYM_KEY is not set: footprint needs a secret key to pseudonymise "
            "fuel-card numbers and driver names before they reach the warehouse"
        )
    return Workspace(
        config_path=path,
        org=org,
        inbox=_location(base, settings.inbox or org.locations.inbox),
        raw_store=_location(base, settings.raw_store or org.locations.raw_store),
        inbox_settle_seconds=settings.inbox_settle_seconds,
        s3_endpoint_url=settings.s3_endpoint_url,
        staging=base / ".staging",
        warehouse_url=warehouse_url,
        pseudonym_key=key,
        outbox=_resolve(base, settings.outbox or org.locations.outbox),
        warehouse_schema=settings.warehouse_schema or org.locations.warehouse_schema,
        duckdb_memory_limit=settings.duckdb_memory_limit,
    )
