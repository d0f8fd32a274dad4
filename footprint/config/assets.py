"""What an organisation has: years, sites, meters, vehicles and its fuel cards, as footprint.yaml lists them."""

from __future__ import annotations

import fnmatch
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from footprint import yaml_strict
from footprint.activity_mapping import (
    FUEL_KEY_PREFIX,
    load_activity_mapping,
    normalise_product,
)
from footprint.config.common import (
    MAX_TANK_LITRES,
    NON_FUEL,
    Carrier,
    Contract,
    Direction,
    Month,
    Plate,
    Strict,
    TargetBasis,
    VehicleClass,
    doubled_keys,
)
from footprint.ean import ean_problem
from footprint.errors import ConfigError
from footprint.periods import LAST_YEAR, year_problem


class YearFigures(Strict):
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


class Site(Strict):
    id: Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    name: str
    city: str | None = None


class Meter(Strict):
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


class Vehicle(Strict):
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


class Target(Strict):
    id: str
    ladder_scope: Literal[1, 2, 3]
    target_year: Annotated[int, Field(le=LAST_YEAR, description=f"After the base year, at most {LAST_YEAR}.")]
    reduction_pct: Annotated[float, Field(gt=0, le=100)]
    basis: TargetBasis


class FactorPolicy(Strict):
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


def _shipped_fuelling_bounds() -> dict[str, Any]:
    path = Path(str(resources.files("footprint") / "data" / "plausible_fuelling.yaml"))
    return yaml_strict.load_file(path)


class PlausibleFuelling(Strict):
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


PROFILE_SUFFIXES = (".yaml", ".yml")  # a profile file (fuel-card, meter export) is YAML


class _OwnProfiles(Strict):
    """A list of the organisation's own profile files, each listed once."""

    profiles: list[Annotated[str, Field(min_length=1)]] = []

    @field_validator("profiles")
    @classmethod
    def _profiles(cls, profiles: list[str]) -> list[str]:
        doubled = doubled_keys(profiles)
        if doubled:
            raise ValueError(f"profile {', '.join(doubled)} is listed twice")
        return profiles

    def profile_paths(self, config_dir: Path, key: str, kind: str) -> list[Path]:
        """The files, relative paths taken from footprint.yaml's folder; a missing or non-YAML one is a
        ConfigError naming `key` (fuel_cards.profiles) and the entry."""
        paths: list[Path] = []
        for i, entry in enumerate(self.profiles):
            path = Path(entry).expanduser()
            path = path if path.is_absolute() else (config_dir / path)
            if not path.is_file():
                raise ConfigError(f"{key}.{i}: {path}: no such {kind} file")
            if path.suffix.lower() not in PROFILE_SUFFIXES:
                raise ConfigError(f"{key}.{i}: {path}: a {kind} is a .yaml or .yml file; not read")
            paths.append(path.resolve())
        return paths


class MeterExports(_OwnProfiles):
    """The organisation's own meter export profiles (relative to footprint.yaml's folder): utility
    layouts in the format of footprint/data/meter_profiles/*.yaml, tried before the shipped formats."""


class FuelCards(_OwnProfiles):
    """The organisation's own fuel-card profiles and product names, beyond the ones footprint ships.

    profiles: profile files (relative to footprint.yaml's folder), each a provider layout in the
    format of footprint/data/fuelcard_profiles/*.yaml. products: a provider's product name -> the
    fuel it is (diesel, petrol, ...: the fuels of the activity-factor mapping) or non_fuel.
    """

    products: dict[str, str] = {}
    plausible_fuelling: PlausibleFuelling = PlausibleFuelling()

    @field_validator("products")
    @classmethod
    def _products(cls, products: dict[str, str]) -> dict[str, str]:
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


class Locations(Strict):
    inbox: str = "inbox"
    raw_store: str = "raw"
    warehouse: str = "warehouse.duckdb"
    # The organisation's own schema in a shared warehouse (FOOTPRINT_WAREHOUSE_SCHEMA wins); see sql/README.md.
    warehouse_schema: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]{0,62}$")] | None = None
    outbox: str = "outbox"
