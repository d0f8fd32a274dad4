"""One organisation's footprint.yaml as a checked model: everything a run, a report or an alert reads of it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final

import yaml
from pydantic import (
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from footprint import yaml_strict
from footprint.config.alerting import AlertConfig, ExpectedSource, Measure
from footprint.config.assets import (
    FactorPolicy,
    FuelCards,
    MeterExports,
    Locations,
    Meter,
    Site,
    Target,
    Vehicle,
    YearFigures,
    _parser_carrier,
)
from footprint.config.common import Strict, doubled_keys
from footprint.config.projects import Project, check_projects
from footprint.config.pull import PullSource
from footprint.errors import ConfigError, UsageError, UserYamlError
from footprint.periods import year_problem


class OrganisationConfig(Strict):
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
    meter_exports: MeterExports = MeterExports()
    projects: list[Project] = []
    measures: list[Measure] = []
    alerts: AlertConfig = AlertConfig()
    expected_sources: list[ExpectedSource] = []
    pull: list[PullSource] = []

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
        doubled = doubled_keys(item.id for item in items)
        if doubled:
            raise ValueError(f"id {', '.join(doubled)} is listed twice; each id names one item")
        return items

    @field_validator("expected_sources")
    @classmethod
    def _once(cls, expected: list[ExpectedSource]) -> list[ExpectedSource]:
        names = [e.source for e in expected]
        doubled = doubled_keys(names)
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
        doubled = doubled_keys(m.ean for m in self.meters)
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
        doubled = doubled_keys(v.plate for v in self.vehicles)
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
    def _pull(self) -> "OrganisationConfig":
        """Each pull source once by name (its inbox folder), and an API source only for meters listed here."""
        doubled = doubled_keys(source.name for source in self.pull)
        if doubled:
            raise ValueError(f"pull: source {', '.join(doubled)} is listed twice; give each source its own name")
        known = {meter.ean for meter in self.meters}
        for i, source in enumerate(self.pull):
            missing = [ean for ean in getattr(source, "eans", []) if ean not in known]
            if missing:
                raise ValueError(f"pull.{i}.eans: {', '.join(missing)} not in meters; list each meter under meters: first")
        return self

    @model_validator(mode="after")
    def _projects(self) -> "OrganisationConfig":
        check_projects(self.projects, {v.plate for v in self.vehicles}, {s.id for s in self.sites})
        return self

    def project(self, project_id: str) -> Project:
        """The configured project by id; a clear error names the ones there are."""
        for project in self.projects:
            if project.id == project_id:
                return project
        known = ", ".join(p.id for p in self.projects) or "none configured (footprint.yaml `projects:`)"
        raise UsageError(f"project {project_id!r} is not in the configuration; projects: {known}")


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


class _ConfigFile(yaml_strict.YamlKind):
    """footprint.yaml's own wording: the file is the user's, so its problems name it as `footprint init` wrote it."""

    def unreadable(self, path: Path, error: OSError) -> ConfigError:
        return ConfigError(f"{path}: cannot be read: {error.strerror or error}")

    def unparsable(self, path: Path, error: yaml.YAMLError) -> ConfigError:
        if isinstance(error, yaml_strict.EncodingError):
            return ConfigError(f"{path}: {error}")
        return ConfigError(f"{path}: not valid YAML: {UserYamlError.problem(error)}")

    def not_a_mapping(self, path: Path) -> ConfigError:
        return ConfigError(f"{path}: expected a mapping of keys at the top level")

    def invalid(self, path: Path, error: ValidationError) -> ConfigError:
        return ConfigError(_format_validation_error(path, error))


_CONFIG_FILE: Final = _ConfigFile("footprint configuration", "organisation, sites, meters, ...")


def load_org_config(path: Path) -> OrganisationConfig:
    """Read and validate footprint.yaml; errors name the line or key path and what is allowed."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file (create one with `footprint init`)")
    return _CONFIG_FILE.load(path, OrganisationConfig)
