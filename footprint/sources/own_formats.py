"""The organisation's own formats: its fuel-card profiles and its meter export profiles (footprint.yaml).

They are tried before the shipped formats, and none may take the name of another format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from footprint.config.organisation import OrganisationConfig
from footprint.sources import fuelcard_profile, meter_profile
from footprint.sources.registry import format_names


def organisation_formats(org: OrganisationConfig, config_dir: Path) -> list[Any]:
    """fuel_cards.profiles, then meter_exports.profiles, as formats; a repeated name is a ConfigError."""
    fuel = fuelcard_profile.user_formats(org, config_dir)
    taken: dict[str, Path | str] = {name: "a format footprint ships" for name in format_names()}
    taken |= {f.NAME: f.source for f in fuel}
    return [*fuel, *meter_profile.user_formats(org, config_dir, taken)]
