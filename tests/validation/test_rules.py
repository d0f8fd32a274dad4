"""One failure test per rule: the quarantine names the row, column, value and rule, and the good frame lacks the row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pandas as pd
import pytest

from footprint.schemas import (
    DATASETS,
    FUEL_TRANSACTIONS,
    LOCAL_TZ,
    METER_USAGE,
    SUPPLIER_ACTIVITY,
)
from footprint.validation.context import ValidationContext
from footprint.validation.gate import validate
from footprint.validation.outcome import ValidationOutcome
from footprint.validation.suite import load_suite

EAN_A = "871234567890123451"
NN = "expect_column_values_to_not_be_null"
IN_SET = "expect_column_values_to_be_in_set"
BETWEEN = "expect_column_values_to_be_between"
IS_NULL = "expect_column_values_to_be_null"


def local(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=LOCAL_TZ)


class Case(NamedTuple):
    dataset: str
    changes: dict[str, Any]
    column: str
    value: str
    expectation: str
    reason: str
    row: int = 3
    also: tuple[str, ...] = ()


FUEL_CASES = {
    "transaction_at_present": Case(
        FUEL_TRANSACTIONS,
        {"transaction_at": None},
        column="transaction_at",
        value="",
        expectation=f"{NN}:transaction_at_present",
        reason="transaction date and time is missing or not a valid date",
    ),
    "plate_present": Case(
        FUEL_TRANSACTIONS,
        {"plate": None},
        column="plate",
        value="",
        expectation=f"{NN}:plate_present",
        reason="plate is missing",
    ),
    "product_present": Case(
        FUEL_TRANSACTIONS,
        {"product": None},
        column="product",
        value="",
        expectation=f"{NN}:product_present",
        reason="product is missing",
    ),
    "quantity_present": Case(
        FUEL_TRANSACTIONS,
        {"quantity": None},
        column="quantity",
        value="",
        expectation=f"{NN}:quantity_present",
        reason="quantity is missing or not a number",
    ),
    "unit_present": Case(
        FUEL_TRANSACTIONS,
        {"unit": None},
        column="unit",
        value="",
        expectation=f"{NN}:unit_present",
        reason="unit is missing",
    ),
    "unit_known": Case(
        FUEL_TRANSACTIONS,
        {"unit": "gal"},
        column="unit",
        value="gal",
        expectation=f"{IN_SET}:unit_known",
        reason="unit 'gal' is not one of l, kg, kWh, pcs",
    ),
    "unit_routed": Case(
        FUEL_TRANSACTIONS,
        {"unit": "kWh"},
        column="unit, product",
        value="kWh | Diesel",
        expectation=f"{IS_NULL}:unit_routed",
        reason="unit 'kWh' cannot be converted to liter (the unit of the factor of fuel:diesel): no route; "
        "l or a unit of its dimension can",
    ),
    "quantity_plausible": Case(
        FUEL_TRANSACTIONS,
        {"quantity": -120.5},
        column="quantity, plate, unit",
        value="-120.5 | AB123C | l",
        expectation=f"{IS_NULL}:quantity_plausible",
        reason="quantity 120.5 l lies beyond the largest plausible single fuelling of 120 for AB123C "
        "(tank_litres 80 + 50 %): larger than one vehicle can take (set tank_litres or vehicle_class in "
        "footprint.yaml vehicles)",
    ),
    "quantity_finite": Case(
        FUEL_TRANSACTIONS,
        {"quantity": float("inf")},
        column="quantity",
        value="inf",
        expectation=f"{BETWEEN}:quantity_finite",
        reason="quantity inf is not a number from -1000000 to 1000000: infinite, or far beyond any single purchase",
    ),
    "unit_price_plausible": Case(
        FUEL_TRANSACTIONS,
        {"unit_price_eur": 1e6},
        column="unit_price_eur",
        value="1000000",
        expectation=f"{BETWEEN}:unit_price_plausible",
        reason="unit price 1000000 EUR is not a number from -100000 to 100000: infinite, or far beyond any price "
        "per unit",
    ),
    "amount_plausible": Case(
        FUEL_TRANSACTIONS,
        {"amount_eur": float("-inf")},
        column="amount_eur",
        value="-inf",
        expectation=f"{BETWEEN}:amount_plausible",
        reason="amount -inf EUR is not a number from -10000000 to 10000000: infinite, or far beyond any single "
        "purchase",
    ),
    "odometer_plausible": Case(
        FUEL_TRANSACTIONS,
        {"odometer_km": 1e23},
        column="odometer_km",
        value="1e+23",
        expectation=f"{BETWEEN}:odometer_plausible",
        reason="odometer 1e+23 km is not a number from 0 to 2000000: negative, infinite, or beyond any vehicle's life",
    ),
    "product_mapped": Case(
        FUEL_TRANSACTIONS,
        {"product": "Premium X"},
        column="product",
        value="Premium X",
        expectation=f"{IN_SET}:product_mapped",
        reason="product 'Premium X' is not mapped: add it to fuel_products or non_fuel_products",
    ),
    "plate_configured": Case(
        FUEL_TRANSACTIONS,
        {"plate": "ZZ999Z"},
        column="plate",
        value="ZZ999Z",
        expectation=f"{IN_SET}:plate_configured",
        reason="plate ZZ999Z is not a configured vehicle: add it to vehicles",
    ),
    "transaction_in_period": Case(
        FUEL_TRANSACTIONS,
        {"transaction_at": local("2024-02-01 00:00")},
        column="transaction_at",
        value="2024-02-01 00:00:00+01:00",
        expectation=f"{BETWEEN}:transaction_in_period",
        reason="date 01-02-2024 00:00 lies outside 2024-01, the months from the base year to now",
    ),
    "transaction_not_in_future": Case(
        FUEL_TRANSACTIONS,
        {"transaction_at": local("2099-01-05 10:15")},
        column="transaction_at",
        value="2099-01-05 10:15:00+01:00",
        expectation=f"{BETWEEN}:transaction_not_in_future",
        reason="date 05-01-2099 10:15 lies in the future: a fuelling is reported after it happened",
        also=(f"{BETWEEN}:transaction_in_period",),
    ),
    "not_duplicate": Case(
        FUEL_TRANSACTIONS,
        {"transaction_at": local("2024-01-05 10:15")},
        column="card_number, transaction_at, product, quantity, amount_eur",
        value="7002-0001 | 2024-01-05 10:15:00+01:00 | Diesel | 40 | 76",
        expectation=f"{IS_NULL}:not_duplicate",
        reason="repeats row 2: same card number, date and time, product, quantity and amount",
    ),
}

METER_CASES = {
    "ean_present": Case(
        METER_USAGE, {"ean": None}, column="ean", value="", expectation=f"{NN}:ean_present", reason="EAN is missing"
    ),
    "ean_format": Case(
        METER_USAGE,
        {"ean": "8712345"},
        column="ean",
        value="8712345",
        expectation="expect_column_values_to_match_regex:ean_format",
        reason="EAN 8712345 is not 18 digits",
        also=(f"{IN_SET}:ean_configured",),
    ),
    "ean_check_digit": Case(
        METER_USAGE,
        {"ean": "871234567890123458"},
        column="ean",
        value="871234567890123458",
        expectation=f"{IN_SET}:ean_check_digit",
        reason="EAN 871234567890123458 fails its check digit or is a placeholder (one digit repeated): not a connection code",
        also=(f"{IN_SET}:ean_configured",),
    ),
    "ean_configured": Case(
        METER_USAGE,
        {"ean": "871111111111111118"},
        column="ean",
        value="871111111111111118",
        expectation=f"{IN_SET}:ean_configured",
        reason="EAN 871111111111111118 is not a configured meter: add it to meters",
    ),
    "interval_start_present": Case(
        METER_USAGE,
        {"interval_start": None},
        column="interval_start",
        value="",
        expectation=f"{NN}:interval_start_present",
        reason="interval start is missing or not a valid date and time",
    ),
    "interval_end_present": Case(
        METER_USAGE,
        {"interval_end": None},
        column="interval_end",
        value="",
        expectation=f"{NN}:interval_end_present",
        reason="interval end is missing or not a valid date and time",
    ),
    "interval_end_after_start": Case(
        METER_USAGE,
        {"interval_end": local("2024-01-01 00:15")},
        column="interval_end",
        value="2024-01-01 00:15:00+01:00",
        expectation="expect_column_pair_values_a_to_be_greater_than_b:interval_end_after_start",
        reason="interval end 01-01-2024 00:15 is not after interval start 01-01-2024 00:15",
    ),
    "interval_in_period": Case(
        METER_USAGE,
        {"interval_start": local("2023-12-31 23:45"), "interval_end": local("2024-01-01 00:00")},
        column="interval_start",
        value="2023-12-31 23:45:00+01:00",
        expectation=f"{BETWEEN}:interval_in_period",
        reason="interval start 31-12-2023 23:45 lies outside 2024-01, the months from the base year to now",
    ),
    "interval_not_in_future": Case(
        METER_USAGE,
        {"interval_start": local("2099-01-01 00:00"), "interval_end": local("2099-01-01 00:15")},
        column="interval_start",
        value="2099-01-01 00:00:00+01:00",
        expectation=f"{BETWEEN}:interval_not_in_future",
        reason="interval start 01-01-2099 00:00 lies in the future: usage is measured after it happened, not forecast",
        also=(f"{BETWEEN}:interval_in_period",),
    ),
    "quantity_present": Case(
        METER_USAGE,
        {"quantity": None},
        column="quantity",
        value="",
        expectation=f"{NN}:quantity_present",
        reason="quantity is missing or not a number",
    ),
    "quantity_not_negative": Case(
        METER_USAGE,
        {"quantity": -0.5},
        column="quantity",
        value="-0.5",
        expectation=f"{BETWEEN}:quantity_not_negative",
        reason="quantity -0.5 is negative: feed-in and generation have their own direction",
    ),
    "quantity_plausible": Case(
        METER_USAGE,
        {"quantity": 1e7},
        column="quantity",
        value="10000000",
        expectation=f"{BETWEEN}:quantity_plausible",
        reason="quantity 10000000 is not below the plausible maximum of 10000000 per interval",
    ),
    "unit_known": Case(
        METER_USAGE,
        {"unit": "kW"},
        column="unit",
        value="kW",
        expectation=f"{IN_SET}:unit_known",
        reason="unit 'kW' is not one of kWh, m3, GJ",
    ),
    "unit_routed": Case(
        METER_USAGE,
        {"unit": "m3"},
        column="unit, ean",
        value=f"m3 | {EAN_A}",
        expectation=f"{IS_NULL}:unit_routed",
        reason="unit 'm3' cannot be converted to kWh (the unit of the factor of electricity:grey): no route; "
        "kWh or a unit of its dimension can",
    ),
    "unit_present": Case(
        METER_USAGE,
        {"unit": None},
        column="unit",
        value="",
        expectation=f"{NN}:unit_present",
        reason="unit is missing: the file does not say it, or in a word footprint does not know "
        "(footprint/data/vocabulary.yaml)",
    ),
    "direction_present": Case(
        METER_USAGE,
        {"direction": None},
        column="direction",
        value="",
        expectation=f"{NN}:direction_present",
        reason="direction is missing: the file does not say consumption, feed-in or generation in a word footprint "
        "knows (footprint/data/vocabulary.yaml)",
    ),
    "estimated_known": Case(
        METER_USAGE,
        {"estimated": None},
        column="estimated",
        value="",
        expectation=f"{NN}:estimated_known",
        reason="whether the reading was measured or estimated is not known: its status word is not in "
        "footprint/data/vocabulary.yaml (section estimated)",
    ),
    "direction_known": Case(
        METER_USAGE,
        {"direction": "export"},
        column="direction",
        value="export",
        expectation=f"{IN_SET}:direction_known",
        reason="direction 'export' is not one of consumption, feed_in, generation",
    ),
    "tariff_known": Case(
        METER_USAGE,
        {"tariff": "peak"},
        column="tariff",
        value="peak",
        expectation=f"{IN_SET}:tariff_known",
        reason="tariff 'peak' is not one of low, high, single (or empty)",
    ),
    "not_duplicate": Case(
        METER_USAGE,
        {"interval_start": local("2024-01-01 00:00")},
        column="ean, interval_start, direction, tariff",
        value=f"{EAN_A} | 2024-01-01 00:00:00+01:00 | consumption | low",
        expectation=f"{IS_NULL}:not_duplicate",
        reason="repeats row 2: same EAN, interval start, direction and tariff",
    ),
}

SUPPLIER_ROW_2 = {
    "activity_date": pd.Timestamp("2024-01-09"),
    "supplier": "Reisbureau Noord",
    "activity_type": "flight",
    "description": None,
    "quantity": 1200.0,
    "unit": "pkm",
    "distance_km": 600.0,
    "ghg_category": 6,
    "reported_kg_co2e": None,
    "method": "supplier-specific",
    "data_quality": "primary",
}

SUPPLIER_CASES = {
    "supplier_present": Case(
        SUPPLIER_ACTIVITY,
        {"supplier": None},
        column="supplier",
        value="",
        expectation=f"{NN}:supplier_present",
        reason="supplier is missing",
    ),
    "activity_type_present": Case(
        SUPPLIER_ACTIVITY,
        {"activity_type": None},
        column="activity_type",
        value="",
        expectation=f"{NN}:activity_type_present",
        reason="activity type is missing",
    ),
    "quantity_present": Case(
        SUPPLIER_ACTIVITY,
        {"quantity": None},
        column="quantity",
        value="",
        expectation=f"{NN}:quantity_present",
        reason="quantity is missing or not a number",
    ),
    "unit_present": Case(
        SUPPLIER_ACTIVITY,
        {"unit": None},
        column="unit",
        value="",
        expectation=f"{NN}:unit_present",
        reason="unit is missing",
    ),
    "data_quality_present": Case(
        SUPPLIER_ACTIVITY,
        {"data_quality": None},
        column="data_quality",
        value="",
        expectation=f"{NN}:data_quality_present",
        reason="data quality is missing: say primary or secondary",
    ),
    "activity_type_known": Case(
        SUPPLIER_ACTIVITY,
        {"activity_type": "bus"},
        column="activity_type",
        value="bus",
        expectation=f"{IN_SET}:activity_type_known",
        reason="activity type 'bus' is not one of flight, private_car, train, supplier_reported",
    ),
    "unit_known": Case(
        SUPPLIER_ACTIVITY,
        {"unit": "miles"},
        column="unit",
        value="miles",
        expectation=f"{IN_SET}:unit_known",
        reason="unit 'miles' is not one of pkm, km, kg_co2e",
    ),
    "unit_routed": Case(
        SUPPLIER_ACTIVITY,
        {"unit": "pkm"},
        column="unit, activity_type",
        value="pkm | private_car",
        expectation=f"{IS_NULL}:unit_routed",
        reason="unit 'pkm' cannot be converted to voertuigkilometer (the unit of the factor of private_car:unknown): "
        "no route; km or a unit of its dimension can",
    ),
    "quantity_not_negative": Case(
        SUPPLIER_ACTIVITY,
        {"quantity": -1.0},
        column="quantity",
        value="-1",
        expectation=f"{BETWEEN}:quantity_not_negative",
        reason="quantity -1 is negative",
    ),
    "quantity_plausible": Case(
        SUPPLIER_ACTIVITY,
        {"quantity": 1e8},
        column="quantity",
        value="100000000",
        expectation=f"{BETWEEN}:quantity_plausible",
        reason="quantity 100000000 is not below the plausible maximum of 100000000",
    ),
    "flight_distance_present": Case(
        SUPPLIER_ACTIVITY,
        {"distance_km": None},
        column="distance_km",
        value="",
        expectation=f"{NN}:flight_distance_present",
        reason="flight distance is missing: it selects the emission factor's distance band",
        row=2,
    ),
    "flight_distance_positive": Case(
        SUPPLIER_ACTIVITY,
        {"distance_km": 0.0},
        column="distance_km",
        value="0",
        expectation=f"{BETWEEN}:flight_distance_positive",
        reason="flight distance 0 km is not above 0",
        row=2,
    ),
    "distance_plausible": Case(
        SUPPLIER_ACTIVITY,
        {"distance_km": float("inf")},
        column="distance_km",
        value="inf",
        expectation=f"{BETWEEN}:distance_plausible",
        reason="distance inf km is not a number from 0 to 20100: farther than half the earth's circumference "
        "(20037 km)",
        row=2,
    ),
    "reported_emissions_present": Case(
        SUPPLIER_ACTIVITY,
        {"reported_kg_co2e": None},
        column="reported_kg_co2e",
        value="",
        expectation=f"{NN}:reported_emissions_present",
        reason="reported kg CO2e is missing for a supplier_reported row",
        row=4,
    ),
    "ghg_category_valid": Case(
        SUPPLIER_ACTIVITY,
        {"ghg_category": 16},
        column="ghg_category",
        value="16",
        expectation=f"{BETWEEN}:ghg_category_valid",
        reason="GHG category 16 is not a scope 3 category from 1 to 15",
    ),
    "data_quality_known": Case(
        SUPPLIER_ACTIVITY,
        {"data_quality": "estimated"},
        column="data_quality",
        value="estimated",
        expectation=f"{IN_SET}:data_quality_known",
        reason="data quality 'estimated' is not one of primary, secondary",
    ),
    "period_present": Case(
        SUPPLIER_ACTIVITY,
        {"period": None},
        column="period",
        value="",
        expectation=f"{NN}:period_present",
        reason="month is missing: the row's period (YYYY-MM) or date is empty or not a valid date",
    ),
    "period_in_period": Case(
        SUPPLIER_ACTIVITY,
        {"period": pd.Timestamp("0001-01-01")},
        column="period",
        value="0001-01-01",
        expectation=f"{BETWEEN}:period_in_period",
        reason="period 0001-01 lies outside 2024-01, the months from the base year to now",
    ),
    "activity_date_in_period": Case(
        SUPPLIER_ACTIVITY,
        {"activity_date": pd.Timestamp("2024-02-01")},
        column="activity_date",
        value="2024-02-01",
        expectation=f"{BETWEEN}:activity_date_in_period",
        reason="activity date 01-02-2024 lies outside 2024-01, the months from the base year to now",
    ),
    "activity_date_not_in_future": Case(
        SUPPLIER_ACTIVITY,
        {"activity_date": pd.Timestamp("2099-01-05")},
        column="activity_date",
        value="2099-01-05",
        expectation=f"{BETWEEN}:activity_date_not_in_future",
        reason="activity date 05-01-2099 lies in the future: an activity is reported after it happened",
        also=(f"{BETWEEN}:activity_date_in_period",),
    ),
    "not_duplicate": Case(
        SUPPLIER_ACTIVITY,
        SUPPLIER_ROW_2,
        column="period, activity_date, supplier, activity_type, description, quantity, unit, distance_km, ghg_category,"
        " reported_kg_co2e, method, data_quality",
        value="2024-01-01 | 2024-01-09 | Reisbureau Noord | flight |  | 1200 | pkm | 600 | 6 |  | supplier-specific"
        " | primary",
        expectation=f"{IS_NULL}:not_duplicate",
        reason="repeats row 2: every column is the same",
    ),
}

CASES = [
    pytest.param(case, id=f"{case.dataset}-{name}")
    for cases in (FUEL_CASES, METER_CASES, SUPPLIER_CASES)
    for name, case in cases.items()
]


@pytest.mark.parametrize("case", CASES)
def test_failing_rule_quarantines_its_row(
    case: Case,
    make_frame: Callable[..., pd.DataFrame],
    context: ValidationContext,
    check_outcome: Callable[[ValidationOutcome, pd.DataFrame], None],
) -> None:
    frame = make_frame(case.dataset, case.changes, case.row)

    outcome = validate(case.dataset, frame, context)

    quarantine = outcome.quarantine
    assert set(quarantine["source_row"]) == {case.row}
    assert sorted(quarantine["expectation"]) == sorted([case.expectation, *case.also])
    entry = quarantine[quarantine["expectation"] == case.expectation].iloc[0]
    assert (entry["column_name"], entry["value"], entry["reason"]) == (case.column, case.value, case.reason)
    assert sorted(outcome.good["source_row"]) == sorted({2, 3, 4} - {case.row})
    assert outcome.quarantined_rows == 1
    check_outcome(outcome, frame)


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_rule_in_the_suite_has_a_failure_case(dataset: str) -> None:
    tested = {case.values[0].expectation for case in CASES if case.values[0].dataset == dataset}
    assert {rule.label for rule in load_suite(dataset).rules} == tested
