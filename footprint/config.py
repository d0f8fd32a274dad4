"""Organisation configuration (footprint.yaml) and process settings (environment).

The YAML file describes the organisation: what it owns, what it measures and what it aims for.
Settings from the environment say where things live and hold secrets; they never come from the YAML.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from footprint.ean import EAN_PATTERN, ean_check_digit_ok
from footprint.errors import ConfigError

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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class YearFigures(_Strict):
    revenue_eur: Annotated[float, Field(gt=0)]
    fte: Annotated[float, Field(gt=0)]


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
    contract_from: dict[str, Contract] = {}
    direction: Direction = Direction.consumption
    active: bool = True
    description: str | None = None

    @field_validator("ean", mode="before")
    @classmethod
    def _ean(cls, value: object) -> str:
        text = str(value).strip()
        if not EAN_PATTERN.match(text):
            raise ValueError("must be 18 digits starting with 87 (a Dutch EAN code)")
        if not ean_check_digit_ok(text):
            raise ValueError(f"EAN {text} fails its check digit")
        return text

    @model_validator(mode="after")
    def _contract(self) -> "Meter":
        consumes = self.direction == Direction.consumption.value
        if self.carrier == Carrier.electricity.value and consumes and self.contract is None:
            raise ValueError("an electricity consumption meter needs a contract: grey, green_gvo_nl or supplier_mix")
        for month in self.contract_from:
            if not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", month):
                raise ValueError(f"contract_from key {month!r} is not a month written as YYYY-MM")
        return self

    def contract_in(self, period: str) -> str | None:
        """The contract in force in a month (YYYY-MM): the latest change on or before it."""
        contract = self.contract
        for month in sorted(self.contract_from):
            if month <= period:
                contract = self.contract_from[month]
        return contract


class Vehicle(_Strict):
    plate: Annotated[str, Field(min_length=4)]
    site: str
    fuel: Literal["diesel", "petrol", "lpg", "cng", "hvo100", "electric"]
    tank_litres: Annotated[float, Field(gt=0)] | None = None
    description: str | None = None

    @field_validator("plate", mode="before")
    @classmethod
    def _plate(cls, value: object) -> str:
        return normalise_plate(str(value))


class Target(_Strict):
    id: str
    ladder_scope: Literal[1, 2, 3]
    target_year: int
    reduction_pct: Annotated[float, Field(gt=0, le=100)]
    basis: TargetBasis


class FactorPolicy(_Strict):
    mode: Literal["per_year", "single_list"] = "per_year"
    list_year: int | None = None
    significance_pct: Annotated[float, Field(gt=0)] = 5.0

    @model_validator(mode="after")
    def _list_year(self) -> "FactorPolicy":
        if self.mode == "single_list" and self.list_year is None:
            raise ValueError("mode single_list needs list_year: the year of the list to restate every year with")
        return self


NON_FUEL = "non_fuel"  # fuel_cards.products value for an item bought with a fuel card that is not fuel


class FuelCards(_Strict):
    """The organisation's own fuel-card profiles and product names, beyond the ones footprint ships.

    profiles: profile files (relative to footprint.yaml's folder), each a provider layout in the
    format of footprint/data/fuelcard_profiles/*.yaml. products: a provider's product name -> the
    fuel it is (diesel, petrol, ...: the fuels of the activity-factor mapping) or non_fuel.
    """

    profiles: list[Annotated[str, Field(min_length=1)]] = []
    products: dict[str, str] = {}

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


class Locations(_Strict):
    inbox: str = "inbox"
    raw_store: str = "raw"
    warehouse: str = "warehouse.duckdb"


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

    @model_validator(mode="after")
    def _references(self) -> "OrganisationConfig":
        site_ids = {s.id for s in self.sites}
        for i, meter in enumerate(self.meters):
            if meter.site not in site_ids:
                raise ValueError(f"meters.{i}.site {meter.site!r} is not one of the sites: {sorted(site_ids)}")
        for i, vehicle in enumerate(self.vehicles):
            if vehicle.site not in site_ids:
                raise ValueError(f"vehicles.{i}.site {vehicle.site!r} is not one of the sites: {sorted(site_ids)}")
        eans = [m.ean for m in self.meters]
        if len(eans) != len(set(eans)):
            raise ValueError("meters: an EAN is listed twice")
        plates = [v.plate for v in self.vehicles]
        if len(plates) != len(set(plates)):
            raise ValueError("vehicles: a plate is listed twice")
        if self.base_year not in self.years:
            raise ValueError(f"years: the base year {self.base_year} needs revenue_eur and fte")
        return self


def normalise_plate(plate: str) -> str:
    """Dutch plates are written with and without dashes; compare them without."""
    return re.sub(r"[^A-Z0-9]", "", plate.upper())


class Settings(BaseSettings):
    """Process settings from the environment (FOOTPRINT_*): they override the YAML's locations."""

    model_config = SettingsConfigDict(env_prefix="FOOTPRINT_", extra="ignore")

    config: Path = Path(CONFIG_FILE_NAME)
    warehouse_url: str | None = None
    inbox: str | None = None
    raw_store: str | None = None
    pseudonym_key: str | None = None


class Workspace(BaseModel):
    """Everything a run needs to know: the organisation and where its data lives, resolved."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    config_path: Path
    org: OrganisationConfig
    inbox: Path
    raw_store: Path
    warehouse_url: str
    pseudonym_key: str


def _format_validation_error(path: Path, error: ValidationError) -> str:
    lines = [f"{path} is not a valid footprint configuration:"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "is not a known key"
        lines.append(f"  {key}: {message}")
    return "\n".join(lines)


def load_org_config(path: Path) -> OrganisationConfig:
    """Read and validate footprint.yaml; errors name the key path and what is allowed."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file (create one with `footprint init`)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    try:
        return OrganisationConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(path, exc)) from None


def _resolve(base: Path, location: str) -> Path:
    candidate = Path(location).expanduser()
    return candidate if candidate.is_absolute() else (base / candidate).resolve()


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
        inbox=_resolve(base, settings.inbox or org.locations.inbox),
        raw_store=_resolve(base, settings.raw_store or org.locations.raw_store),
        warehouse_url=warehouse_url,
        pseudonym_key=key,
    )
