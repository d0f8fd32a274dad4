"""One failure test per rule: the quarantine names the row, column, value and rule, and the good frame lacks the row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pandas as pd
import pytest

from footprint.schemas import DATASETS, FUEL_TRANSACTIONS, LOCAL_TZ, METER_USAGE, SUPPLIER_ACTIVITY
from footprint.validation import ValidationContext, ValidationOutcome, load_suite, validate

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
        FUEL_TRANSACTIONS, {"transaction_at": None}, "transaction_at", "",
        f"{NN}:transaction_at_present", "transaction date and time is missing or not a valid date",
    ),
    "plate_present": Case(FUEL_TRANSACTIONS, {"plate": None}, "plate", "", f"{NN}:plate_present", "plate is missing"),
    "product_present": Case(
        FUEL_TRANSACTIONS, {"product": None}, "product", "", f"{NN}:product_present", "product is missing"
    ),
    "quantity_present": Case(
        FUEL_TRANSACTIONS, {"quantity": None}, "quantity", "",
        f"{NN}:quantity_present", "quantity is missing or not a number",
    ),
    "unit_present": Case(FUEL_TRANSACTIONS, {"unit": None}, "unit", "", f"{NN}:unit_present", "unit is missing"),
    "unit_known": Case(
        FUEL_TRANSACTIONS, {"unit": "gal"}, "unit", "gal",
        f"{IN_SET}:unit_known", "unit 'gal' is not one of l, kg, kWh, pcs",
    ),
    "quantity_plausible": Case(
        FUEL_TRANSACTIONS, {"quantity": 300.5}, "quantity", "300.5", f"{BETWEEN}:quantity_plausible",
        "quantity 300.5 lies outside -300 to 300: a single fuelling cannot be that large",
    ),
    "product_mapped": Case(
        FUEL_TRANSACTIONS, {"product": "Premium X"}, "product", "Premium X", f"{IN_SET}:product_mapped",
        "product 'Premium X' is not mapped: add it to fuel_products or non_fuel_products",
    ),
    "plate_configured": Case(
        FUEL_TRANSACTIONS, {"plate": "ZZ999Z"}, "plate", "ZZ999Z", f"{IN_SET}:plate_configured",
        "plate ZZ999Z is not a configured vehicle: add it to vehicles",
    ),
    "transaction_in_period": Case(
        FUEL_TRANSACTIONS, {"transaction_at": local("2024-02-01 00:00")}, "transaction_at",
        "2024-02-01 00:00:00+01:00", f"{BETWEEN}:transaction_in_period",
        "date 01-02-2024 00:00 lies outside period 2024-01",
    ),
    "not_duplicate": Case(
        FUEL_TRANSACTIONS, {"transaction_at": local("2024-01-05 10:15")},
        "card_number, transaction_at, product, quantity, amount_eur",
        "7002-0001 | 2024-01-05 10:15:00+01:00 | Diesel | 40 | 76", f"{IS_NULL}:not_duplicate",
        "repeats row 2: same card number, date and time, product, quantity and amount",
    ),
}

METER_CASES = {
    "ean_present": Case(METER_USAGE, {"ean": None}, "ean", "", f"{NN}:ean_present", "EAN is missing"),
    "ean_format": Case(
        METER_USAGE, {"ean": "8712345"}, "ean", "8712345",
        "expect_column_values_to_match_regex:ean_format", "EAN 8712345 is not 18 digits starting with 87",
        also=(f"{IN_SET}:ean_configured",),
    ),
    "ean_check_digit": Case(
        METER_USAGE, {"ean": "871234567890123458"}, "ean", "871234567890123458",
        f"{IN_SET}:ean_check_digit", "EAN 871234567890123458 fails its check digit",
        also=(f"{IN_SET}:ean_configured",),
    ),
    "ean_configured": Case(
        METER_USAGE, {"ean": "871111111111111118"}, "ean", "871111111111111118", f"{IN_SET}:ean_configured",
        "EAN 871111111111111118 is not a configured meter: add it to meters",
    ),
    "interval_start_present": Case(
        METER_USAGE, {"interval_start": None}, "interval_start", "", f"{NN}:interval_start_present",
        "interval start is missing or not a valid date and time",
    ),
    "interval_end_present": Case(
        METER_USAGE, {"interval_end": None}, "interval_end", "", f"{NN}:interval_end_present",
        "interval end is missing or not a valid date and time",
    ),
    "interval_end_after_start": Case(
        METER_USAGE, {"interval_end": local("2024-01-01 00:15")}, "interval_end", "2024-01-01 00:15:00+01:00",
        "expect_column_pair_values_a_to_be_greater_than_b:interval_end_after_start",
        "interval end 01-01-2024 00:15 is not after interval start 01-01-2024 00:15",
    ),
    "interval_in_period": Case(
        METER_USAGE, {"interval_start": local("2023-12-31 23:45"), "interval_end": local("2024-01-01 00:00")},
        "interval_start", "2023-12-31 23:45:00+01:00", f"{BETWEEN}:interval_in_period",
        "interval start 31-12-2023 23:45 lies outside period 2024-01",
    ),
    "quantity_present": Case(
        METER_USAGE, {"quantity": None}, "quantity", "", f"{NN}:quantity_present", "quantity is missing or not a number"
    ),
    "quantity_not_negative": Case(
        METER_USAGE, {"quantity": -0.5}, "quantity", "-0.5", f"{BETWEEN}:quantity_not_negative",
        "quantity -0.5 is negative: feed-in and generation have their own direction",
    ),
    "quantity_plausible": Case(
        METER_USAGE, {"quantity": 1e7}, "quantity", "10000000", f"{BETWEEN}:quantity_plausible",
        "quantity 10000000 is not below the plausible maximum of 10000000 per interval",
    ),
    "unit_known": Case(
        METER_USAGE, {"unit": "kW"}, "unit", "kW", f"{IN_SET}:unit_known", "unit 'kW' is not one of kWh, m3, GJ"
    ),
    "direction_known": Case(
        METER_USAGE, {"direction": "export"}, "direction", "export", f"{IN_SET}:direction_known",
        "direction 'export' is not one of consumption, feed_in, generation",
    ),
    "tariff_known": Case(
        METER_USAGE, {"tariff": "peak"}, "tariff", "peak", f"{IN_SET}:tariff_known",
        "tariff 'peak' is not one of low, high, single (or empty)",
    ),
    "not_duplicate": Case(
        METER_USAGE, {"interval_start": local("2024-01-01 00:00")}, "ean, interval_start, direction, tariff",
        f"{EAN_A} | 2024-01-01 00:00:00+01:00 | consumption | low", f"{IS_NULL}:not_duplicate",
        "repeats row 2: same EAN, interval start, direction and tariff",
    ),
}

SUPPLIER_ROW_2 = {
    "activity_date": pd.Timestamp("2024-01-09"), "supplier": "Reisbureau Noord", "activity_type": "flight",
    "description": None, "quantity": 1200.0, "unit": "pkm", "distance_km": 600.0, "ghg_category": 6,
    "reported_kg_co2e": None, "method": "supplier-specific", "data_quality": "primary",
}

SUPPLIER_CASES = {
    "supplier_present": Case(
        SUPPLIER_ACTIVITY, {"supplier": None}, "supplier", "", f"{NN}:supplier_present", "supplier is missing"
    ),
    "activity_type_present": Case(
        SUPPLIER_ACTIVITY, {"activity_type": None}, "activity_type", "", f"{NN}:activity_type_present",
        "activity type is missing",
    ),
    "quantity_present": Case(
        SUPPLIER_ACTIVITY, {"quantity": None}, "quantity", "", f"{NN}:quantity_present",
        "quantity is missing or not a number",
    ),
    "unit_present": Case(SUPPLIER_ACTIVITY, {"unit": None}, "unit", "", f"{NN}:unit_present", "unit is missing"),
    "data_quality_present": Case(
        SUPPLIER_ACTIVITY, {"data_quality": None}, "data_quality", "", f"{NN}:data_quality_present",
        "data quality is missing: say primary or secondary",
    ),
    "activity_type_known": Case(
        SUPPLIER_ACTIVITY, {"activity_type": "bus"}, "activity_type", "bus", f"{IN_SET}:activity_type_known",
        "activity type 'bus' is not one of flight, private_car, train, supplier_reported",
    ),
    "unit_known": Case(
        SUPPLIER_ACTIVITY, {"unit": "miles"}, "unit", "miles", f"{IN_SET}:unit_known",
        "unit 'miles' is not one of pkm, km, kg_co2e",
    ),
    "quantity_not_negative": Case(
        SUPPLIER_ACTIVITY, {"quantity": -1.0}, "quantity", "-1", f"{BETWEEN}:quantity_not_negative",
        "quantity -1 is negative",
    ),
    "quantity_plausible": Case(
        SUPPLIER_ACTIVITY, {"quantity": 1e8}, "quantity", "100000000", f"{BETWEEN}:quantity_plausible",
        "quantity 100000000 is not below the plausible maximum of 100000000",
    ),
    "flight_distance_present": Case(
        SUPPLIER_ACTIVITY, {"distance_km": None}, "distance_km", "", f"{NN}:flight_distance_present",
        "flight distance is missing: it selects the emission factor's distance band", row=2,
    ),
    "flight_distance_positive": Case(
        SUPPLIER_ACTIVITY, {"distance_km": 0.0}, "distance_km", "0", f"{BETWEEN}:flight_distance_positive",
        "flight distance 0 km is not above 0", row=2,
    ),
    "reported_emissions_present": Case(
        SUPPLIER_ACTIVITY, {"reported_kg_co2e": None}, "reported_kg_co2e", "", f"{NN}:reported_emissions_present",
        "reported kg CO2e is missing for a supplier_reported row", row=4,
    ),
    "ghg_category_valid": Case(
        SUPPLIER_ACTIVITY, {"ghg_category": 16}, "ghg_category", "16", f"{BETWEEN}:ghg_category_valid",
        "GHG category 16 is not a scope 3 category from 1 to 15",
    ),
    "data_quality_known": Case(
        SUPPLIER_ACTIVITY, {"data_quality": "estimated"}, "data_quality", "estimated", f"{IN_SET}:data_quality_known",
        "data quality 'estimated' is not one of primary, secondary",
    ),
    "activity_date_in_period": Case(
        SUPPLIER_ACTIVITY, {"activity_date": pd.Timestamp("2024-02-01")}, "activity_date", "2024-02-01",
        f"{BETWEEN}:activity_date_in_period", "activity date 01-02-2024 lies outside period 2024-01",
    ),
    "not_duplicate": Case(
        SUPPLIER_ACTIVITY, SUPPLIER_ROW_2,
        "period, activity_date, supplier, activity_type, description, quantity, unit, distance_km, ghg_category,"
        " reported_kg_co2e, method, data_quality",
        "2024-01-01 | 2024-01-09 | Reisbureau Noord | flight |  | 1200 | pkm | 600 | 6 |  | supplier-specific | primary",
        f"{IS_NULL}:not_duplicate", "repeats row 2: every column is the same",
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
