"""Shared pieces of footprint.yaml's model: strict sections, the carriers, contracts and directions, month keys."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import Enum
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
)

from footprint import yaml_strict
from footprint.periods import month_problem

CONFIG_FILE_NAME = "footprint.yaml"


class Strict(yaml_strict.StrictModel):
    # No .inf or .nan anywhere: an infinite FTE or tank makes every figure computed from it meaningless.
    model_config = ConfigDict(use_enum_values=True, allow_inf_nan=False)


def doubled_keys(keys: Iterable[object]) -> list[str]:
    """The keys that occur more than once, sorted, as text for a message."""
    seen: set[object] = set()
    twice: set[str] = set()
    for key in keys:
        if key in seen:
            twice.add(str(key))
        seen.add(key)
    return sorted(twice)


def month_key(text: str) -> str:
    problem = month_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return text


def normalise_plate(plate: str) -> str:
    """Dutch plates are written with and without dashes; compare them without."""
    return re.sub(r"[^A-Z0-9]", "", plate.upper())


# A month written YYYY-MM, in the years footprint works with (footprint/periods.py).
Month = Annotated[str, AfterValidator(month_key)]


# A licence plate as footprint compares it (see normalise_plate): with or without dashes, any case.
Plate = Annotated[str, BeforeValidator(lambda value: normalise_plate(str(value))), Field(min_length=4)]


VehicleClass = Literal["car", "van", "truck", "bus", "machine"]


Severity = Literal["info", "warning", "critical"]


Positive = Annotated[float, Field(gt=0)]


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


NON_FUEL = "non_fuel"  # fuel_cards.products value for an item bought with a fuel card that is not fuel


MAX_TANK_LITRES: Final = 50_000  # beyond any road vehicle or site machine (a mining truck holds about 4,500 L)
