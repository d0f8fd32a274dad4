"""The vectorised EAN check digit agrees with the per-value one that the configuration uses."""

from __future__ import annotations

import pandas as pd
import pytest

from footprint.ean import ean_check_digit_ok, ean_check_digit_valid


@pytest.mark.parametrize(
    ("ean", "expected"),
    [
        pytest.param("871234567890123451", True, id="valid"),
        pytest.param("871234567890123458", False, id="wrong-check-digit"),
        pytest.param("87123456789012345", False, id="17-digits"),
        pytest.param("87123456789012345X", False, id="letter"),
        pytest.param("８７1234567890123451", False, id="non-ascii-digits"),
        pytest.param("", False, id="empty"),
        pytest.param(None, None, id="missing-stays-missing"),
    ],
)
def test_single_values(ean: str | None, expected: bool | None) -> None:
    result = ean_check_digit_valid(pd.Series([ean], dtype="string"))

    assert result.dtype == "boolean"
    assert (None if pd.isna(result.iloc[0]) else bool(result.iloc[0])) is expected


def test_agrees_with_the_scalar_check_and_keeps_the_index() -> None:
    eans = [f"87{n:015d}{d}" for n in range(0, 10_000_000, 123_457) for d in range(10)]
    series = pd.Series(eans, index=range(100, 100 + len(eans)), dtype="string", name="ean")

    result = ean_check_digit_valid(series)

    assert result.index.equals(series.index) and result.name == "ean"
    assert result.tolist() == [ean_check_digit_ok(ean) for ean in eans]
    assert result.sum() == len(eans) // 10


def test_all_missing_and_empty() -> None:
    assert ean_check_digit_valid(pd.Series([None, None], dtype="string")).isna().all()
    assert ean_check_digit_valid(pd.Series([], dtype="string")).empty
