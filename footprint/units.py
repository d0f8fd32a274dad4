"""Units dimensioned to the factor: how an activity row's quantity reaches the unit of its emission factor.

Every activity row carries its unit; every factor is per a unit of the list (liter, Nm3, kWh, ...).
The routes between them are data (footprint/data/unit_routes.yaml): the activity's own unit pairs
with the list's unit as footprint/data/activity_factors.yaml declares (m3 of natural gas taken as
Nm3, with the assumption written there), a unit of the same dimension converts exactly (pint), and
an energy quantity of an activity listed under calorific_value_route converts through the calorific
value the factor list states. Anything else has no route: validation quarantines the row with the
reason (`refusal`), and computing refuses rather than multiply a kWh by a per-Nm3 factor.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

import pint
import yaml

from footprint.activity_mapping import ActivityMapping, load_activity_mapping
from footprint.errors import FactorError

ROUTES_FILE: Final = Path(str(resources.files("footprint") / "data" / "unit_routes.yaml"))
_ENERGY: Final = "[length] ** 2 * [mass] / [time] ** 2"
_SIGNIFICANT: Final = 12  # pint's float arithmetic gives 3.5999999999999996 MJ per kWh


class UnitRouteError(FactorError):
    """A quantity's unit has no declared route to its factor's unit."""


@dataclass(frozen=True)
class UnitRoute:
    """How a quantity in `unit` becomes one in the factor's `list_unit`: multiply by `multiplier`.

    `route` tells the chain for lineage (None when the unit is the activity's own, paired 1:1).
    """

    unit: str
    list_unit: str
    multiplier: float
    route: str | None


@dataclass(frozen=True)
class _Routes:
    registry: pint.UnitRegistry
    units: dict[str, str]
    calorific: frozenset[str]


@cache
def _routes(path: Path = ROUTES_FILE) -> _Routes:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    registry = pint.UnitRegistry()
    for definition in data.get("definitions", []):
        registry.define(definition)
    units = {str(code): str(name) for code, name in data["units"].items()}
    for code, name in units.items():
        registry.Unit(name)  # a typo in the data file fails here, at first use, naming the unit
    return _Routes(registry, units, frozenset(data.get("calorific_value_route", [])))


def _rounded(value: float) -> float:
    return float(f"{value:.{_SIGNIFICANT}g}")


def _factor_to(unit: str, target: str) -> float | None:
    """Multiplier from `unit` to `target` when both are known units of one dimension, else None."""
    routes = _routes()
    if unit not in routes.units or target not in routes.units:
        return None
    source, goal = routes.registry.Unit(routes.units[unit]), routes.registry.Unit(routes.units[target])
    if source.dimensionality != goal.dimensionality:
        return None
    return _rounded(routes.registry.Quantity(1, source).to(goal).magnitude)


def _is_energy(unit: str) -> bool:
    routes = _routes()
    energy = routes.registry.get_dimensionality(_ENERGY)
    return unit in routes.units and routes.registry.Unit(routes.units[unit]).dimensionality == energy


def _mj_per(unit: str) -> float:
    routes = _routes()
    return _rounded(routes.registry.Quantity(1, routes.units[unit]).to("megajoule").magnitude)


def refusal(activity_key: str, unit: str, mapping: ActivityMapping | None = None) -> str | None:
    """Why a row of `activity_key` in `unit` cannot reach its factor's unit, or None when a route is declared.

    Checked before loading, when the calorific value is not looked up yet: the route is declared,
    and every official list states the value (a partial list falls back to one that does).
    """
    mapping = mapping or load_activity_mapping()
    entry = mapping.activities.get(activity_key)
    if unit not in _routes().units:
        return None  # not a unit footprint knows: the dataset's unit_known rule says so
    if entry is None or unit == entry.unit or _factor_to(unit, entry.unit) is not None:
        return None
    if activity_key in _routes().calorific and _is_energy(unit):
        return None
    target = entry.list_unit or entry.unit
    ways = f"{entry.unit} or a unit of its dimension"
    if activity_key in _routes().calorific:
        ways += " or an energy unit (through the list's calorific value)"
    return f"unit {unit!r} cannot be converted to {target} (the unit of the factor of {activity_key}): no route; {ways} can"


def route(activity_key: str, unit: str, mj_per_unit: float | None, mapping: ActivityMapping | None = None,
          calorific_source: str = "the factor list") -> UnitRoute:
    """The route from `unit` to the factor's unit of `activity_key`; UnitRouteError when there is none.

    `mj_per_unit` is the calorific value beside the factor (MJ per list unit), needed only on the
    calorific route; `calorific_source` names where it came from, for lineage.
    """
    mapping = mapping or load_activity_mapping()
    entry = mapping.activities.get(activity_key)
    if entry is None:
        raise UnitRouteError(f"activity {activity_key} is not in the activity-factor mapping")
    list_unit = entry.list_unit or entry.unit
    if unit == entry.unit:
        return UnitRoute(unit, list_unit, 1.0, None)
    same = _factor_to(unit, entry.unit)
    if same is not None:
        return UnitRoute(unit, list_unit, same, f"{unit} x {same:g} = {entry.unit}")
    if unit not in _routes().units:
        raise UnitRouteError(f"unit {unit!r} of {activity_key} is not a unit footprint knows ({ROUTES_FILE.name})")
    reason = refusal(activity_key, unit, mapping)
    if reason is not None:
        raise UnitRouteError(reason)
    if mj_per_unit is None or not mj_per_unit > 0:
        raise UnitRouteError(
            f"unit {unit!r} of {activity_key} converts to {list_unit} through the calorific value "
            f"(MJ per {list_unit}), which {calorific_source} does not state"
        )
    mj = _mj_per(unit)
    return UnitRoute(
        unit,
        list_unit,
        mj / mj_per_unit,
        f"{unit} x {mj:g} MJ/{unit} / {mj_per_unit:g} MJ/{list_unit} (calorific value, {calorific_source})",
    )
