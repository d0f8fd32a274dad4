"""EAN codes of grid connections: 18 digits with a GS1 mod-10 check digit.

Dutch connections start with 87 (871...), Belgian ones with 54 (5414...): both are GS1 service
relation numbers (GSRN), so one rule checks both. Exports that hide the code write a placeholder
(XXXXXXXXXXXXXXXXXX, 000000000000000000, 123456879123456789): letters, one digit repeated or a
check digit that does not hold. Such a value is never a meter.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

EAN_PATTERN = re.compile(r"^\d{18}$")
EAN_RULE = "18 digits with a valid GS1 check digit (a Dutch 87... or Belgian 54... connection code)"


def ean_check_digit_ok(ean: str) -> bool:
    """GS1 mod-10 check over the first 17 digits (weights 3,1,3,...) against the 18th."""
    if not (len(ean) == 18 and ean.isascii() and ean.isdigit()):
        return False
    digits = [int(c) for c in ean]
    weighted = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits[:17]))
    return (10 - weighted % 10) % 10 == digits[17]


def ean_problem(value: str) -> str | None:
    """Why a text is not a connection's EAN, or None when it is one."""
    if not EAN_PATTERN.match(value):
        return f"{value!r} is not {EAN_RULE}"
    if len(set(value)) == 1:
        return f"{value!r} is a placeholder (one digit repeated), not a connection's EAN"
    if not ean_check_digit_ok(value):
        return f"{value!r} fails its check digit (the 18th digit): a placeholder or a mistyped digit"
    return None


_WEIGHTS = np.array([3, 1] * 8 + [3], dtype=np.int64)


def ean_check_digit_valid(series: pd.Series) -> pd.Series:
    """Check digits for a whole column at once: a year of interval data has millions of rows.

    Same rule as ean_check_digit_ok, and a code of one repeated digit fails too (ean_problem's
    placeholder). Missing values stay missing, anything that is not 18 ASCII digits is False. Each
    distinct code is checked once, since a meter repeats its EAN per row.
    """
    codes, uniques = pd.factorize(series.astype("string"))
    distinct = pd.Series(uniques, dtype="string")
    well_formed = distinct.str.fullmatch(r"[0-9]{18}").fillna(False).to_numpy(dtype=bool)
    ok = np.zeros(len(distinct) + 1, dtype=bool)
    if well_formed.any():
        text = distinct[well_formed].str.cat().encode("ascii")
        digits = np.frombuffer(text, dtype=np.uint8).reshape(-1, 18).astype(np.int64) - ord("0")
        repeated = (digits == digits[:, :1]).all(axis=1)
        ok[:-1][well_formed] = ((10 - digits[:, :17] @ _WEIGHTS % 10) % 10 == digits[:, 17]) & ~repeated
    values = pd.array(ok[codes], dtype="boolean")  # code -1 (missing) picks the spare last slot
    values[codes < 0] = pd.NA
    return pd.Series(values, index=series.index, name=series.name)
