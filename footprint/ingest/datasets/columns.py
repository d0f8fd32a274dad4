"""Columns every dataset's warehouse rows share: the activity id and the month as Arrow dates."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def activity_ids(sha: pd.Series, rows: pd.Series) -> pd.Series:
    """<first 16 hex of the file's SHA-256>-<line>: unique per row, readable in lineage."""
    prefix = pc.utf8_slice_codeunits(pa.array(sha.array).cast(pa.string()), 0, 16)  # pandas may hold large_string
    line = pc.cast(pa.array(rows.to_numpy(dtype="int64")), pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(pc.binary_join_element_wise(prefix, line, "-")), index=rows.index)


def month_dates(period: pd.Series) -> pd.Series:
    """The naive month starts as Arrow dates: .dt.date would make a Python object per row."""
    days = pa.array(period.to_numpy(dtype="datetime64[s]").astype("datetime64[D]"), type=pa.date32())
    return pd.Series(pd.arrays.ArrowExtensionArray(days), index=period.index)
