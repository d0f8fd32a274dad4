"""Units dimensioned to the factor: each route's multiplier written out by hand, and the refusals."""

from __future__ import annotations

import pytest

from footprint import units


@pytest.mark.parametrize(
    ("key", "unit", "mj_per_unit", "multiplier", "list_unit"),
    [
        pytest.param("natural_gas", "m3", 31.65, 1.0, "Nm3", id="gas-own-unit"),
        # 1 kWh = 3.6 MJ; the 2026 list states 31.65 MJ per Nm3 of Aardgas (G-gas).
        pytest.param("natural_gas", "kWh", 31.65, 3.6 / 31.65, "Nm3", id="gas-kwh-calorific"),
        pytest.param("natural_gas", "GJ", 31.65, 1000 / 31.65, "Nm3", id="gas-gj-calorific"),
        pytest.param("electricity:grey", "GJ", None, 1e9 / 3.6e6, "kWh", id="electricity-gj"),
        pytest.param("district_heat", "kWh", None, 0.0036, "GJ", id="heat-kwh"),
        pytest.param("fuel:diesel", "l", None, 1.0, "liter", id="diesel-litre"),
        pytest.param("supplier_reported", "kg_co2e", None, 1.0, "kg_co2e", id="reported"),
    ],
)
def test_a_declared_route_gives_its_multiplier(
    key: str, unit: str, mj_per_unit: float | None, multiplier: float, list_unit: str
) -> None:
    found = units.route(key, unit, mj_per_unit)
    assert found.multiplier == pytest.approx(multiplier, rel=1e-12)
    assert found.list_unit == list_unit
    assert units.refusal(key, unit) is None


def test_gas_in_kwh_is_kwh_times_3_6_over_the_calorific_value_times_the_factor() -> None:
    """Issue 14 point 1: 1,000 kWh of gas is 113.74 Nm3, 242.73 kg CO2e at 2.134 kg/Nm3, not 2,134 kg."""
    found = units.route("natural_gas", "kWh", 31.65, calorific_source="list co2ef-2026-20260820, Aardgas (G-gas)")
    assert 1000 * found.multiplier * 2.134 == pytest.approx(1000 * 3.6 / 31.65 * 2.134)
    assert round(1000 * found.multiplier * 2.134, 2) == 242.73
    assert found.route == "kWh x 3.6 MJ/kWh / 31.65 MJ/Nm3 (calorific value, list co2ef-2026-20260820, Aardgas (G-gas))"


@pytest.mark.parametrize(
    ("key", "unit"),
    [
        pytest.param("electricity:grey", "m3", id="electricity-volume"),
        pytest.param("fuel:diesel", "kWh", id="diesel-energy-not-declared"),
        pytest.param("fuel:diesel", "pcs", id="diesel-pieces"),
        pytest.param("fuel:cng", "l", id="cng-volume-needs-density"),
        pytest.param("private_car:petrol", "pkm", id="passenger-km-not-vehicle-km"),
        pytest.param("flight:long", "km", id="vehicle-km-not-passenger-km"),
        pytest.param("supplier_reported", "kg", id="mass-is-not-reported-co2e"),
        pytest.param("district_heat", "m3", id="heat-volume"),
    ],
)
def test_a_unit_without_a_route_is_refused_with_the_reason(key: str, unit: str) -> None:
    reason = units.refusal(key, unit)
    assert reason is not None and f"unit {unit!r} cannot be converted" in reason and key in reason
    with pytest.raises(units.UnitRouteError, match="cannot be converted"):
        units.route(key, unit, 31.65)


def test_the_calorific_route_needs_the_value_from_the_list() -> None:
    with pytest.raises(units.UnitRouteError, match="calorific value .* which my list does not state"):
        units.route("natural_gas", "kWh", None, calorific_source="my list")


def test_a_unit_footprint_does_not_know_is_left_to_the_unit_known_rule_but_never_routed() -> None:
    assert units.refusal("fuel:diesel", "gal") is None
    with pytest.raises(units.UnitRouteError, match="not a unit footprint knows"):
        units.route("fuel:diesel", "gal", None)
