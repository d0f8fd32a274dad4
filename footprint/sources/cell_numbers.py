"""Number cells to floats, a column at a time: Dutch decimal commas, decimal points, scaled integers.

A cell that cannot be read is NaN (missing), never an exception: validation quarantines it by row and
column. A number written with an exponent, too large for a float or written as infinity is kept as
+-inf, for validation to quarantine by its bounds instead of loading a missing value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from footprint.sources.cell_sql import all_match, sql
from footprint.sources.cell_text import lookup

_PLAIN_NUMBER: Final = r"\s*[+-]?\d+(,\d+)?\s*"
_DUTCH_NUMBER: Final = r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?"
_POINT_NUMBER: Final = r"[+-]?\d*\.\d+"
# Written with an exponent ("1,5e3", "1e400"), or as an infinity: kept as read, an overflow as infinity,
# so that validation quarantines it by its bounds instead of loading a missing value.
_EXPONENT_NUMBER: Final = r"[+-]?(\d+([.,]\d+)?|[.,]\d+)[eE][+-]?\d+"
_POINT_EXPONENT_NUMBER: Final = r"[+-]?(\d+(\.\d+)?|\.\d+)[eE][+-]?\d+"
_INFINITY: Final = r"[+-]?(inf|infinity)"
_BARE_NUMBER: Final = r"^[+-]?\d+(,\d+)?$"  # a _PLAIN_NUMBER without spaces


def decimal(values: pa.Array) -> np.ndarray:
    """Dutch numbers: decimal comma, a dot before three digits groups thousands ("1.250,5").

    A value with a dot and no comma that is not a thousands grouping reads the dot as decimal point
    ("45.23"); an exponent ("1,5e3") is read, and a number too large for a float (1e400) or written
    as infinity is +-inf, for validation to quarantine by its bounds. Anything else ("abc", "-", "",
    "nan", "1_000") is NaN: missing.
    """
    if all_match(values, _BARE_NUMBER):
        # Interval exports hold millions of bare "0,806": Arrow reads them without a DuckDB round trip.
        try:
            numbers = pc.cast(pc.replace_substring(values, ",", "."), pa.float64()).to_numpy(zero_copy_only=False)
        except pa.ArrowInvalid:
            pass
        else:
            return numbers
    result = sql(
        f"""
        SELECT CASE
            WHEN regexp_full_match(v, '{_PLAIN_NUMBER}') THEN TRY_CAST(replace(v, ',', '.') AS DOUBLE)
            WHEN regexp_full_match(trim(v), '{_DUTCH_NUMBER}')
                THEN TRY_CAST(replace(replace(trim(v), '.', ''), ',', '.') AS DOUBLE)
            WHEN regexp_full_match(trim(v), '{_POINT_NUMBER}') THEN TRY_CAST(trim(v) AS DOUBLE)
            WHEN regexp_full_match(trim(v), '{_EXPONENT_NUMBER}') THEN TRY_CAST(replace(trim(v), ',', '.') AS DOUBLE)
            WHEN regexp_full_match(lower(trim(v)), '{_INFINITY}') THEN TRY_CAST(trim(v) AS DOUBLE)
        END AS n
        FROM cells
        """,
        v=values,
    )
    return result["n"].to_numpy(zero_copy_only=False).astype(np.float64)


_POINT_DECIMAL: Final = r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?|[+-]?\.\d+"
_SIGNED_DIGITS: Final = r"[+-]?\d+|\d+[+-]"


def point_decimal(values: pa.Array) -> np.ndarray:
    """Numbers with a decimal point ("62.35", "-1250.5"); a comma before three digits groups thousands.

    For exports in English conventions; an exponent or infinity is read as decimal() reads it; anything
    else ("abc", "62,35", "nan") is NaN.
    """
    result = sql(
        f"""
        SELECT CASE
            WHEN regexp_full_match(trim(v), '{_POINT_DECIMAL}') THEN TRY_CAST(replace(trim(v), ',', '') AS DOUBLE)
            WHEN regexp_full_match(trim(v), '{_POINT_EXPONENT_NUMBER}') THEN TRY_CAST(trim(v) AS DOUBLE)
            WHEN regexp_full_match(lower(trim(v)), '{_INFINITY}') THEN TRY_CAST(trim(v) AS DOUBLE)
        END AS n
        FROM cells
        """,
        v=values,
    )
    return result["n"].to_numpy(zero_copy_only=False).astype(np.float64)


def scaled_integer(values: pa.Array, scale: float) -> np.ndarray:
    """Digits counting a small unit, signed before or after the number: with scale 0.01, "0000011591-" is -115.91.

    Fixed-width exports write amounts in whole cents and put the sign last; anything else is NaN, and
    more digits than a float holds are +-inf.
    """
    result = sql(
        f"""
        SELECT CASE WHEN regexp_full_match(trim(v), '{_SIGNED_DIGITS}')
            THEN TRY_CAST(regexp_replace(trim(v), '[+-]', '', 'g') AS DOUBLE)
                * CASE WHEN contains(v, '-') THEN -1 ELSE 1 END END AS n
        FROM cells
        """,
        v=values,
    )
    numbers = result["n"].to_numpy(zero_copy_only=False).astype(np.float64)
    divisor = 1 / scale
    # Dividing by 100 gives 14.95 where multiplying by 0.01 gives 14.950000000000001.
    return numbers / round(divisor) if abs(divisor - round(divisor)) < 1e-9 else numbers * scale


def integer(values: pa.Array) -> pd.Series:
    """The first run of digits ("3", "Cat. 3", "categorie 3") as Int64; none is <NA>."""
    result = sql(r"SELECT TRY_CAST(NULLIF(regexp_extract(v, '\d+'), '') AS BIGINT) AS n FROM cells", v=values)
    return pd.Series(pd.array(result["n"].to_pylist(), dtype="Int64"))


def quantity_in_unit(
    quantities: pa.Array, units: pa.Array, mapping: Mapping[str, tuple[str, float]]
) -> tuple[np.ndarray, pd.Series]:
    """Quantities in the canonical unit (MWh becomes kWh x 1000) and that unit.

    A unit not in the mapping leaves the number as written and the unit <NA>, so the row is
    quarantined for its unit and the quality officer still sees the figure.
    """
    canonical = lookup(units, {word: unit for word, (unit, _) in mapping.items()})
    factor = lookup(units, {word: multiplier for word, (_, multiplier) in mapping.items()})
    return decimal(quantities) * factor.to_numpy(dtype="float64", na_value=1.0), canonical
