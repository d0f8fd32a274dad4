"""EAN codes of Dutch grid connections: 18 digits, starting 87, with a GS1 mod-10 check digit."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

EAN_PATTERN = re.compile(r"^87\d{16}$")


def ean_check_digit_ok(ean: str) -> bool:
    """GS1 mod-10 check over the first 17 digits (weights 3,1,3,...) against the 18th."""
    if not (len(ean) == 18 and ean.isdigit()):
        return False
    digits = [int(c) for c in ean]
    weighted = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits[:17]))
    return (10 - weighted % 10) % 10 == digits[17]


_WEIGHTS = np.array([3, 1] * 8 + [3], dtype=np.int64)


def ean_check_digit_valid(series: pd.Series) -> pd.Series:
    """Check digits for a whole column at once: a year of interval data has millions of rows.

    Same rule as ean_check_digit_ok. Missing values stay missing, anything that is not 18 ASCII
    digits is False. Each distinct code is checked once, since a meter repeats its EAN per row.
    """
    codes, uniques = pd.factorize(series.astype("string"))
    distinct = pd.Series(uniques, dtype="string")
    well_formed = distinct.str.fullmatch(r"[0-9]{18}").fillna(False).to_numpy(dtype=bool)
    ok = np.zeros(len(distinct) + 1, dtype=bool)
    if well_formed.any():
        text = distinct[well_formed].str.cat().encode("ascii")
        digits = np.frombuffer(text, dtype=np.uint8).reshape(-1, 18).astype(np.int64) - ord("0")
        ok[:-1][well_formed] = (10 - digits[:, :17] @ _WEIGHTS % 10) % 10 == digits[:, 17]
    values = pd.array(ok[codes], dtype="boolean")  # code -1 (missing) picks the spare last slot
    values[codes < 0] = pd.NA
    return pd.Series(values, index=series.index, name=series.name)
