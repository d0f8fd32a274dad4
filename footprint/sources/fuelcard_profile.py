"""Fuel-card profiles as source formats: each YAML file a format, the shipped ones and a user's own.

A profile (footprint/data/fuelcard_profiles/*.yaml, or a user's file listed under fuel_cards.profiles
in footprint.yaml) is the provider's layout as data (fuelcard_schema); fuelcard_reader reads a file by
it. Every shipped profile is a format of the registry under its name; a user's profiles are tried
before the shipped formats. A profile that is wrong is a ConfigError naming the file and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

import pandas as pd

from footprint import yaml_strict
from footprint.config.organisation import OrganisationConfig
from footprint.sources import fuelcard_reader
from footprint.sources.fuelcard_schema import FuelCardProfile
from footprint.sources.profile_files import (
    check_name_free,
    check_shipped_name,
    load_profile_file,
    shipped_profile_paths,
)
from footprint.sources.text_head import Column

PROFILE_FILE: Final = yaml_strict.YamlKind("fuel-card profile", "name, layout, fields, ...")


def load_profile(path: Path) -> FuelCardProfile:
    """A profile file, checked once per version of it; a wrong one is a ConfigError naming the file and key."""
    return load_profile_file(path, PROFILE_FILE, FuelCardProfile)


def builtin_profile_dir() -> Path:
    return Path(str(resources.files("footprint") / "data" / "fuelcard_profiles"))


def builtin_profile_paths() -> list[Path]:
    return shipped_profile_paths(builtin_profile_dir())


@dataclass(frozen=True)
class ProfileFormat:
    """A profile as a source format of the registry: NAME, DATASET, sniff(head) and read(path)."""

    profile: FuelCardProfile
    source: Path

    @property
    def NAME(self) -> str:  # noqa: N802 - the registry's attribute names
        return self.profile.name

    @property
    def DATASET(self) -> str:  # noqa: N802
        return fuelcard_reader.DATASET

    @property
    def HEADER(self) -> tuple[Column, ...]:  # noqa: N802
        return self.profile.columns

    @property
    def SIGNATURE(self) -> tuple[Column, ...]:  # noqa: N802
        return self.profile.signature_columns if self.profile.layout == "delimited" else ()

    def sniff(self, head: str) -> bool:
        return fuelcard_reader.sniff(head, self.profile)

    def read(self, path: Path, *, ean: str | None = None) -> pd.DataFrame:
        return fuelcard_reader.read(path, self.profile)


def builtin_format(name: str) -> ProfileFormat:
    """The shipped profile `name` (footprint/data/fuelcard_profiles/<name>.yaml) as a format."""
    return _builtin(builtin_profile_dir() / f"{name}.yaml")


def builtin_formats() -> list[ProfileFormat]:
    """Every shipped profile as a format, in file-name order: the registry's fuel-card formats."""
    return [_builtin(path) for path in builtin_profile_paths()]


def _builtin(path: Path) -> ProfileFormat:
    profile = load_profile(path)
    check_shipped_name(path, profile.name)
    return ProfileFormat(profile, path)


def profile_paths(org: OrganisationConfig, config_dir: Path) -> list[Path]:
    """The user's profile files (fuel_cards.profiles), relative paths taken from footprint.yaml's folder."""
    return org.fuel_cards.profile_paths(config_dir, "fuel_cards.profiles", "fuel-card profile")


def user_formats(
    org: OrganisationConfig, config_dir: Path, *, builtin: list[ProfileFormat] | None = None
) -> list[ProfileFormat]:
    """The formats of the user's own profiles; a name that repeats a shipped or another profile is an error.

    `builtin` is builtin_formats() when the caller has already listed them.
    """
    taken: dict[str, Path | str] = {f.NAME: f.source for f in (builtin_formats() if builtin is None else builtin)}
    formats: list[ProfileFormat] = []
    for path in profile_paths(org, config_dir):
        profile = load_profile(path)
        check_name_free(path, profile.name, taken)
        formats.append(ProfileFormat(profile, path))
    return formats


def product_sources(org: OrganisationConfig | None = None, config_dir: Path | None = None) -> list[ProfileFormat]:
    """Profiles whose product names extend the shipped mapping: the built-in ones, then the user's."""
    formats = builtin_formats()
    if org is not None and org.fuel_cards.profiles:
        formats += user_formats(org, config_dir or Path.cwd(), builtin=formats)
    return formats


def skipped_records(frame: pd.DataFrame) -> dict[str, int]:
    """Record types a fixed-width file had besides transactions, with how many lines each."""
    return dict(frame.attrs.get(fuelcard_reader.SKIPPED_RECORDS, {}))
