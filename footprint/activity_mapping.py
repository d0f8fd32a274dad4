"""From activities to factors: the mapping is data (footprint/data/activity_factors.yaml), not code.

The activity keys in that file ('fuel:diesel', 'electricity:grey', 'flight:short', ...) are the
contract with the sources and the pipeline. Here they are checked once; footprint.factors.resolve
finds each one's factor in the loaded lists.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Final, Literal

import pandas as pd
import yaml
from pydantic import Field, ValidationError, model_validator

from footprint import yaml_strict
from footprint.errors import FactorError, UserYamlError

ActivityUnit = Literal["l", "kg", "m3", "kWh", "GJ", "pkm", "km", "kg_co2e"]
ListUnit = Literal["liter", "kg", "Nm3", "kWh", "GJ", "reizigerskilometer", "voertuigkilometer"]

FUEL_KEY_PREFIX: Final = "fuel:"


class FactorRef(yaml_strict.FrozenModel):
    subsection: Annotated[str, Field(min_length=1)]
    name: Annotated[str, Field(min_length=1)]


class ActivityFactor(yaml_strict.FrozenModel):
    factor: FactorRef | None
    location_factor: FactorRef | None = None
    unit: ActivityUnit
    list_unit: ListUnit | None
    ladder_scope: Literal[1, 2, 3]
    ghg_scope: Literal[1, 2, 3]
    ghg_category: Annotated[int, Field(ge=1, le=15)] | None = None
    source: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _consistent(self) -> ActivityFactor:
        if (self.factor is None) != (self.list_unit is None):
            raise ValueError("factor and list_unit go together: give both, or neither for a reported figure")
        if self.location_factor is not None and self.factor is None:
            raise ValueError("location_factor needs a factor")
        if self.ghg_category is not None and self.ghg_scope != 3:
            raise ValueError("ghg_category belongs to GHG scope 3 only")
        return self


class FlightBand(yaml_strict.FrozenModel):
    activity_key: str
    below_km: Annotated[float, Field(gt=0)] | None = None
    up_to_km: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> FlightBand:
        if self.below_km is not None and self.up_to_km is not None:
            raise ValueError("give below_km or up_to_km, not both")
        return self

    @property
    def bound_km(self) -> float | None:
        return self.below_km if self.below_km is not None else self.up_to_km


class ActivityMapping(yaml_strict.FrozenModel):
    activities: dict[str, ActivityFactor]
    fuel_products: dict[str, str]
    non_fuel_products: dict[str, str]
    flight_bands: Annotated[list[FlightBand], Field(min_length=1)]

    @model_validator(mode="after")
    def _references(self) -> ActivityMapping:
        for product, fuel in self.fuel_products.items():
            if FUEL_KEY_PREFIX + fuel not in self.activities:
                raise ValueError(f"fuel_products: {product!r} maps to {fuel!r} but there is no activity {FUEL_KEY_PREFIX}{fuel}")
        seen: dict[str, str] = {}
        for product in [*self.fuel_products, *self.non_fuel_products]:
            key = normalise_product(product)
            if key in seen:
                raise ValueError(f"product {product!r} is listed twice (also as {seen[key]!r})")
            seen[key] = product
        bounds = [band.bound_km for band in self.flight_bands]
        if bounds[-1] is not None or None in bounds[:-1]:
            raise ValueError("flight_bands: every band but the last needs a bound; the last takes the rest")
        if bounds[:-1] != sorted(bounds[:-1]):
            raise ValueError("flight_bands: bounds must increase")
        for band in self.flight_bands:
            if band.activity_key not in self.activities:
                raise ValueError(f"flight_bands: {band.activity_key!r} is not an activity")
        return self


def normalise_product(name: str) -> str:
    """Providers differ in case and spacing ("EURO 95", "Euro  95 "): compare without them."""
    return " ".join(name.split()).casefold()


def default_mapping_path() -> Path:
    return Path(str(resources.files("footprint") / "data" / "activity_factors.yaml"))


class _MappingFile(yaml_strict.YamlKind):
    """The activity-factor mapping's problems are factor problems: the shipped file or one a consultant edits."""

    def unreadable(self, path: Path, error: OSError) -> FactorError:
        return self._cannot_read(path, error)

    def unparsable(self, path: Path, error: yaml.YAMLError) -> FactorError:
        return self._cannot_read(path, error)

    def _cannot_read(self, path: Path, error: OSError | yaml.YAMLError) -> FactorError:
        return FactorError(f"{path}: cannot read the {self.name}: {UserYamlError.problem(error)}")

    def not_a_mapping(self, path: Path) -> FactorError:
        return FactorError(f"{path}: not a valid {self.name}: (top level): Input should be a valid dictionary "
                           "or instance of ActivityMapping")

    def invalid(self, path: Path, error: ValidationError) -> FactorError:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        )
        return FactorError(f"{path}: not a valid {self.name}: {problems}")


_MAPPING_FILE: Final = _MappingFile("activity-factor mapping", "activities, fuel_products, non_fuel_products, ...")


@cache
def _load_mapping(path: Path) -> ActivityMapping:
    return _MAPPING_FILE.load(path, ActivityMapping)


def load_activity_mapping(path: str | Path | None = None) -> ActivityMapping:
    """The activity-factor mapping, checked once per file (the shipped one unless a path is given)."""
    return _load_mapping(Path(path) if path is not None else default_mapping_path())


def known_products(mapping: ActivityMapping | None = None) -> list[str]:
    """Every configured product name, fuel and non-fuel, for validation to flag unknown ones."""
    mapping = mapping or load_activity_mapping()
    return [*mapping.fuel_products, *mapping.non_fuel_products]


def classify_products(products: pd.Series, mapping: ActivityMapping | None = None) -> pd.DataFrame:
    """Fuel key or exclusion reason per fuel-card product; unknown products are neither (known False)."""
    mapping = mapping or load_activity_mapping()
    fuels = {normalise_product(k): v for k, v in mapping.fuel_products.items()}
    reasons = {normalise_product(k): v for k, v in mapping.non_fuel_products.items()}
    normalised = products.astype("string").str.split().str.join(" ").str.casefold()
    fuel = normalised.map(fuels).astype("string")
    excluded_reason = normalised.map(reasons).astype("string")
    known = (fuel.notna() | excluded_reason.notna()).astype(bool)
    return pd.DataFrame({"fuel": fuel, "excluded_reason": excluded_reason, "known": known}, index=products.index)


def flight_activity_key(distance_km: pd.Series, mapping: ActivityMapping | None = None) -> pd.Series:
    """The list's distance band per flight; <NA> for a missing or non-positive distance."""
    mapping = mapping or load_activity_mapping()
    distance = distance_km.astype("Float64")
    keys = pd.Series(pd.NA, index=distance_km.index, dtype="string", name="activity_key")
    open_ = (distance > 0).fillna(False).astype(bool)
    for band in mapping.flight_bands:
        if band.below_km is not None:
            in_band = open_ & (distance < band.below_km).fillna(False).astype(bool)
        elif band.up_to_km is not None:
            in_band = open_ & (distance <= band.up_to_km).fillna(False).astype(bool)
        else:
            in_band = open_
        keys = keys.mask(in_band, band.activity_key)
        open_ = open_ & ~in_band
    return keys
