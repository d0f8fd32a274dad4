"""Behaviour of validate() around the rules: clean input, counts, bounds, errors and side effects."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from footprint.errors import FootprintError
from footprint.schemas import (
    DATASETS,
    FUEL_TRANSACTIONS,
    LOCAL_TZ,
    METER_USAGE,
    SUPPLIER_ACTIVITY,
    empty_frame,
)
from footprint.validation.context import (
    SUITE_PARAMETERS,
    ValidationContext,
    suite_parameters,
)
from footprint.validation.gate import validate
from footprint.validation.outcome import ValidationOutcome, ValidationRunError
from footprint.validation.suite import EXPECTATIONS_DIR, load_suite

Check = Callable[[ValidationOutcome, pd.DataFrame], None]


def local(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=LOCAL_TZ)


@pytest.mark.parametrize("dataset", DATASETS)
def test_clean_frame_passes_every_rule(
    dataset: str, make_frame: Callable[..., pd.DataFrame], context: ValidationContext, check_outcome: Check
) -> None:
    frame = make_frame(dataset)

    outcome = validate(dataset, frame, context)

    assert outcome.quarantine.empty
    assert outcome.quarantined_rows == 0
    pd.testing.assert_frame_equal(outcome.good, frame)
    check_outcome(outcome, frame)


@pytest.mark.parametrize("dataset", DATASETS)
def test_empty_frame_passes(dataset: str, context: ValidationContext, check_outcome: Check) -> None:
    frame = empty_frame(dataset)

    outcome = validate(dataset, frame, context)

    assert outcome.rows_read == 0 and outcome.quarantine.empty
    check_outcome(outcome, frame)


def test_counts_reconcile_and_input_is_untouched_with_many_failures(
    make_frame: Callable[..., pd.DataFrame], context: ValidationContext, check_outcome: Check
) -> None:
    frame = make_frame(METER_USAGE, {"ean": "8712345", "quantity": -1.0, "unit": "kW"}, row=2)
    frame.loc[frame["source_row"] == 4, "direction"] = "export"
    frame.index = [10, 20, 30]
    before = frame.copy(deep=True)

    outcome = validate(METER_USAGE, frame, context)

    pd.testing.assert_frame_equal(frame, before)
    assert outcome.rows_read == 3
    assert outcome.quarantined_rows == 2
    assert len(outcome.quarantine) == 5
    assert outcome.quarantine["source_row"].tolist() == [2, 2, 2, 2, 4]
    assert outcome.good.index.tolist() == [20]
    check_outcome(outcome, frame)


def test_a_row_failing_several_rules_gets_one_entry_per_rule_in_suite_order(
    make_frame: Callable[..., pd.DataFrame], context: ValidationContext
) -> None:
    frame = make_frame(FUEL_TRANSACTIONS, {"quantity": None, "unit": "gal", "plate": "ZZ999Z"})

    outcome = validate(FUEL_TRANSACTIONS, frame, context)

    assert outcome.quarantine["expectation"].tolist() == [
        "expect_column_values_to_not_be_null:quantity_present",
        "expect_column_values_to_be_in_set:unit_known",
        "expect_column_values_to_be_in_set:plate_configured",
    ]
    assert outcome.quarantined_rows == 1


@pytest.mark.parametrize(
    ("interval_start", "inside"),
    [
        pytest.param("2024-03-31 23:45", False, id="last-interval-of-previous-month"),
        pytest.param("2024-04-01 00:00", True, id="local-midnight-first-day"),
        pytest.param("2024-04-01 01:00", True, id="before-utc-midnight-but-local-april"),
        pytest.param("2024-04-30 23:45", True, id="last-interval-of-month"),
        pytest.param("2024-05-01 00:00", False, id="local-midnight-next-month-exclusive"),
    ],
)
def test_period_bounds_are_local_midnight(
    interval_start: str, inside: bool, make_frame: Callable[..., pd.DataFrame], context: ValidationContext
) -> None:
    april = ValidationContext(dt.date(2024, 4, 1), dt.date(2024, 5, 1), context.products, context.eans, context.plates)
    start = local(interval_start)
    frame = make_frame(METER_USAGE, {"interval_start": start, "interval_end": start + pd.Timedelta(minutes=15)}, row=2)
    frame = frame[frame["source_row"] == 2]

    outcome = validate(METER_USAGE, frame, april)

    expected = [] if inside else ["expect_column_values_to_be_between:interval_in_period"]
    assert outcome.quarantine["expectation"].tolist() == expected


@pytest.mark.parametrize("product", [" DIESEL ", "diesel", "Wasstraat", "EURO 95"])
def test_products_match_case_insensitively_after_strip(
    product: str, make_frame: Callable[..., pd.DataFrame], context: ValidationContext
) -> None:
    frame = make_frame(FUEL_TRANSACTIONS, {"product": product})

    assert validate(FUEL_TRANSACTIONS, frame, context).quarantine.empty


def test_later_duplicates_point_at_the_first_occurrence(
    make_frame: Callable[..., pd.DataFrame], context: ValidationContext, check_outcome: Check
) -> None:
    frame = make_frame(FUEL_TRANSACTIONS, {"product": "Diesel"}, row=4)
    frame["transaction_at"] = local("2024-01-05 10:15")

    outcome = validate(FUEL_TRANSACTIONS, frame, context)

    assert outcome.good["source_row"].tolist() == [2]
    assert outcome.quarantine["source_row"].tolist() == [3, 4]
    assert outcome.quarantine["reason"].str.startswith("repeats row 2:").all()
    check_outcome(outcome, frame)


def test_fuel_credit_note_with_negative_quantity_passes(
    make_frame: Callable[..., pd.DataFrame], context: ValidationContext
) -> None:
    frame = make_frame(FUEL_TRANSACTIONS, {"quantity": -40.0, "amount_eur": -76.0})

    assert validate(FUEL_TRANSACTIONS, frame, context).quarantine.empty


def test_an_exception_inside_an_expectation_stops_the_run(
    tmp_path: Path, make_frame: Callable[..., pd.DataFrame], context: ValidationContext
) -> None:
    suite = json.loads((EXPECTATIONS_DIR / f"{METER_USAGE}.json").read_text())
    suite["expectations"].append(
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "unit", "min_value": 0},
            "meta": {"rule": "unit_compared_to_a_number", "reason": "cannot happen"},
        }
    )
    (tmp_path / f"{METER_USAGE}.json").write_text(json.dumps(suite))

    with pytest.raises(ValidationRunError, match="unit_compared_to_a_number raised") as raised:
        validate(METER_USAGE, make_frame(METER_USAGE), context, suite_dir=tmp_path)
    assert isinstance(raised.value, FootprintError)


def test_a_column_named_only_by_a_row_condition_or_a_reason_still_reaches_the_rule(
    tmp_path: Path, make_frame: Callable[..., pd.DataFrame], context: ValidationContext, check_outcome: Check
) -> None:
    """GX is handed only the columns a suite names: estimated only in a row condition, ean only in a reason."""
    estimated = {"type": "comparison", "column": {"name": "estimated"}, "operator": "==", "parameter": True}
    expectation = {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "quantity", "max_value": 10.0, "row_condition": estimated},
        "meta": {"rule": "estimate_small", "reason": "estimated quantity {value} of {ean} lies above 10"},
    }
    (tmp_path / f"{METER_USAGE}.json").write_text(json.dumps({"name": METER_USAGE, "expectations": [expectation]}))
    frame = make_frame(METER_USAGE, {"estimated": True})  # every row has quantity 12.5; only row 3 is an estimate

    outcome = validate(METER_USAGE, frame, context, suite_dir=tmp_path)

    assert outcome.quarantine.to_dict("records") == [
        {
            "source_row": 3,
            "column_name": "quantity",
            "value": "12.5",
            "expectation": "expect_column_values_to_be_between:estimate_small",
            "reason": "estimated quantity 12.5 of 871234567890123451 lies above 10",
        }
    ]
    check_outcome(outcome, frame)


NOT_NULL = "expect_column_values_to_not_be_null"


@pytest.mark.parametrize(
    ("expectation", "message"),
    [
        pytest.param(
            {"type": NOT_NULL, "kwargs": {"column": "quantity"}, "meta": {"reason": "x"}},
            "meta.rule",
            id="no-rule-name",
        ),
        pytest.param(
            {
                "type": NOT_NULL,
                "kwargs": {"column": "quantity"},
                "meta": {"rule": "r", "reason": "quantity {qty} is odd"},
            },
            "unknown fields",
            id="unknown-template-field",
        ),
        pytest.param(
            {"type": NOT_NULL, "kwargs": {"column": "qty"}, "meta": {"rule": "r", "reason": "x"}},
            "neither a canonical column nor a helper",
            id="unknown-column",
        ),
        pytest.param(
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "unit", "value_set": {"$PARAMETER": "known_units"}},
                "meta": {"rule": "r", "reason": "x"},
            },
            "none is supplied",
            id="unknown-parameter",
        ),
        pytest.param(
            {
                "type": "expect_column_values_to_be_lovely",
                "kwargs": {"column": "unit"},
                "meta": {"rule": "r", "reason": "x"},
            },
            "not a valid expectation suite",
            id="unknown-expectation-type",
        ),
    ],
)
def test_a_malformed_suite_is_refused(
    expectation: dict[str, object],
    message: str,
    tmp_path: Path,
    make_frame: Callable[..., pd.DataFrame],
    context: ValidationContext,
) -> None:
    (tmp_path / f"{METER_USAGE}.json").write_text(json.dumps({"name": METER_USAGE, "expectations": [expectation]}))

    with pytest.raises(ValidationRunError, match=re.escape(message)):
        validate(METER_USAGE, make_frame(METER_USAGE), context, suite_dir=tmp_path)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda f: f.drop(columns="tariff"), id="missing-column"),
        pytest.param(lambda f: f.astype({"quantity": "object"}), id="wrong-dtype"),
        pytest.param(lambda f: f.assign(source_row=2), id="repeated-source-row"),
    ],
)
def test_a_non_canonical_frame_is_a_bug(
    spoil: Callable[[pd.DataFrame], pd.DataFrame], make_frame: Callable[..., pd.DataFrame], context: ValidationContext
) -> None:
    with pytest.raises(ValueError):
        validate(METER_USAGE, spoil(make_frame(METER_USAGE)), context)


def test_unknown_dataset_is_a_bug(make_frame: Callable[..., pd.DataFrame], context: ValidationContext) -> None:
    with pytest.raises(ValueError, match="unknown dataset"):
        validate("invoices", make_frame(METER_USAGE), context)


def test_inverted_period_is_refused() -> None:
    with pytest.raises(ValueError, match="must lie after"):
        ValidationContext(dt.date(2024, 2, 1), dt.date(2024, 1, 1), [], [], [])


def test_gx_writes_no_files_and_prints_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    make_frame: Callable[..., pd.DataFrame],
    context: ValidationContext,
) -> None:
    monkeypatch.chdir(tmp_path)
    repo = EXPECTATIONS_DIR.parent
    repo_before = {path.name for path in repo.iterdir()}

    for dataset in DATASETS:
        validate(dataset, make_frame(dataset, {"quantity": None}), context)

    assert list(tmp_path.iterdir()) == []
    assert {path.name for path in repo.iterdir()} - repo_before == set()
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize("dataset", DATASETS)
def test_suite_file_is_named_after_its_dataset_and_uses_only_supplied_parameters(
    dataset: str, context: ValidationContext
) -> None:
    text = (EXPECTATIONS_DIR / f"{dataset}.json").read_text()
    suite = json.loads(text)

    assert suite["name"] == dataset
    assert load_suite(dataset).rules
    assert set(re.findall(r'"\$PARAMETER": "(\w+)"', text)) <= SUITE_PARAMETERS
    assert set(suite_parameters(context)) == SUITE_PARAMETERS


def test_supplier_optional_values_may_be_missing(
    make_frame: Callable[..., pd.DataFrame], context: ValidationContext
) -> None:
    frame = make_frame(SUPPLIER_ACTIVITY, {"activity_date": None, "ghg_category": None, "distance_km": None})

    assert validate(SUPPLIER_ACTIVITY, frame, context).quarantine.empty
