"""Helper columns for rules GX has no expectation for: check digits, duplicates, units, fuelling limits.

Each is derived vectorised, once per distinct value where it can be, and checked by the suite like
any column (its name starts with "_").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from footprint.ean import ean_check_digit_valid
from footprint.validation.context import ValidationContext, normalised_products

Factorized = dict[str, tuple[np.ndarray, Any]]  # column -> pd.factorize of it, shared by one run's helpers


def factorized(frame: pd.DataFrame, column: str, seen: Factorized) -> tuple[np.ndarray, Any]:
    """The column's codes and distinct values, worked out once per validation run (a month of meter rows
    is millions of EANs, which two rules read)."""
    if column not in seen:
        seen[column] = pd.factorize(frame[column])
    return seen[column]


def per_distinct(
    series: pd.Series, derive: Callable[[pd.Series], pd.Series], codes_uniques: tuple[np.ndarray, Any] | None = None
) -> pd.Series:
    """Derive once per distinct value: identifiers and names repeat on nearly every row of a file."""
    codes, uniques = codes_uniques if codes_uniques is not None else pd.factorize(series)
    derived = derive(pd.Series(uniques, dtype=series.dtype))
    return pd.Series(derived.array.take(codes, allow_fill=True), index=series.index)


def _derive_product_key(
    frame: pd.DataFrame, columns: Sequence[str], context: ValidationContext, seen: Factorized
) -> pd.Series:
    return per_distinct(frame[columns[0]], normalised_products, factorized(frame, columns[0], seen))


def _check_digit_where_well_formed(eans: pd.Series) -> pd.Series:
    """Missing where the code is not 18 digits: the format rule reports those, once."""
    valid = ean_check_digit_valid(eans)
    return valid.mask(~eans.str.fullmatch(r"[0-9]{18}").fillna(False).astype(bool), pd.NA)


def _derive_ean_check_digit_ok(
    frame: pd.DataFrame, columns: Sequence[str], context: ValidationContext, seen: Factorized
) -> pd.Series:
    eans = frame[columns[0]].astype("string")
    return per_distinct(eans, _check_digit_where_well_formed, factorized(frame, columns[0], seen))


def _derive_duplicate_of(
    frame: pd.DataFrame, columns: Sequence[str], context: ValidationContext, seen: Factorized
) -> pd.Series:
    """source_row of the first identical row on later occurrences, so the first one still loads."""
    keys = frame[list(columns)]
    result = pd.arrays.IntegerArray(np.zeros(len(frame), dtype=np.int64), np.ones(len(frame), dtype=bool))  # all <NA>
    later = keys.duplicated(keep="first").to_numpy()
    if later.any():
        repeated = keys.duplicated(keep=False).to_numpy()
        group = keys[repeated].groupby(list(columns), dropna=False, sort=False).ngroup()
        first_row = frame["source_row"][repeated].groupby(group.to_numpy()).transform("first")
        result[later] = first_row.to_numpy()[later[repeated]]
    return pd.Series(result, index=frame.index)


def _derive_unit_refusal(
    frame: pd.DataFrame, columns: Sequence[str], context: ValidationContext, seen: Factorized
) -> pd.Series:
    """Why the unit (columns[0]) of a row about a subject (columns[1]: ean, product, activity_type) has no
    route to its factor's unit; <NA> where it has one. Worked out once per distinct pair."""
    unit_column, subject_column = columns[0], columns[1]
    refusal = context.unit_refusal
    result = pd.Series(pd.NA, index=frame.index, dtype="string")
    if refusal is None or frame.empty:
        return result
    # Codes per column, then per pair: a year of 15-minute rows is ten million rows of a few pairs.
    subject_codes, subjects = factorized(frame, subject_column, seen)
    unit_codes, units = factorized(frame, unit_column, seen)
    known = (subject_codes >= 0) & (unit_codes >= 0)
    if not known.any():
        return result
    pair_codes, pairs = pd.factorize(subject_codes[known].astype(np.int64) * len(units) + unit_codes[known])
    reasons = pd.array(
        [refusal(subject_column, str(subjects[pair // len(units)]), str(units[pair % len(units)])) for pair in pairs],
        dtype="string",
    )
    if reasons.isna().all():
        return result
    result.iloc[np.flatnonzero(known)] = reasons.take(pair_codes)
    return result


def _derive_fuelling_refusal(
    frame: pd.DataFrame, columns: Sequence[str], context: ValidationContext, seen: Factorized
) -> pd.Series:
    """Why a fuelling (quantity, plate, unit) is too large for one vehicle; <NA> when it is within its limit.

    Credits are judged by their size. Limits come per distinct plate from the configuration.
    """
    quantity_column, plate_column, unit_column = columns[0], columns[1], columns[2]
    result = pd.Series(pd.NA, index=frame.index, dtype="string")
    limit_of = context.fuelling_limit
    if limit_of is None or frame.empty:
        return result
    codes, plates = factorized(frame, plate_column, seen)
    limits = [limit_of(str(plate)) for plate in plates]
    limit = np.append(np.array([value for value, _ in limits], dtype=float), np.inf)[codes]
    size = frame[quantity_column].abs().to_numpy(dtype=float, na_value=np.nan)
    over = np.flatnonzero((size > limit) & np.isfinite(size))  # an infinite one is quantity_finite's to name
    if over.size:
        basis = np.array([text for _, text in limits] + [""], dtype=object)[codes[over]]
        units = frame[unit_column].astype("string").fillna("").to_numpy(dtype=object)[over]
        texts = [
            f"{q:g} {u} lies beyond the largest plausible single fuelling of {lim:g} for {p} ({b})"
            for q, u, lim, p, b in zip(size[over], units, limit[over], frame[plate_column].to_numpy()[over], basis)
        ]
        result.iloc[over] = pd.array(texts, dtype="string")
    return result


HELPERS: Final[dict[str, Callable[[pd.DataFrame, Sequence[str], ValidationContext, Factorized], pd.Series]]] = {
    "_product_key": _derive_product_key,
    "_ean_check_digit_ok": _derive_ean_check_digit_ok,
    "_duplicate_of": _derive_duplicate_of,
    "_unit_refusal": _derive_unit_refusal,
    "_fuelling_refusal": _derive_fuelling_refusal,
}
