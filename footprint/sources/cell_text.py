"""Text cells to values, a column at a time: free text, a provider's words through the vocabulary, plates.

A rule for one value (trim, look a word up) runs once per distinct value and is spread over the rows,
so a column of millions of repeated words costs a few dozen calls. An empty or `-` cell is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from footprint.config.common import normalise_plate
from footprint.sources.text_head import normalise_key

MISSING_MARKERS: Final = frozenset({"", "-"})
# A code a spreadsheet export writes as a formula so it keeps its leading digits and 18 places: ="8716..."
# (Excel's text-formula idiom). The pattern matches what to strip: the leading =" (or =) and the closing ".
EXCEL_TEXT: Final = r'^="?|"$'
_PANDAS_TYPES: Final = {
    pa.string(): pd.StringDtype(),
    pa.bool_(): pd.BooleanDtype(),
    pa.float64(): pd.Float64Dtype(),
    pa.int64(): pd.Int64Dtype(),
}


def _map_distinct(values: pa.Array, convert: Callable[[str | None], Any], arrow_type: pa.DataType) -> pd.Series:
    """Apply a per-value rule once per distinct value, then spread the results over the rows."""
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    distinct = encoded.dictionary.to_pylist()
    converted = pa.array([convert(v) for v in distinct] + [None], type=arrow_type)
    codes = encoded.indices.fill_null(len(distinct))
    return pd.Series(converted.take(codes).to_pandas(types_mapper=_PANDAS_TYPES.get))


def clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = " ".join(value.split())
    return None if stripped in MISSING_MARKERS else stripped


def excel_text(values: pd.Series) -> pd.Series:
    """Cells written as ="..." (a code kept as text) as the text inside; other cells as they are."""
    return values.str.replace(EXCEL_TEXT, "", regex=True)


def text(values: pa.Array) -> pd.Series:
    """Free text, trimmed; empty and `-` are missing."""
    return _map_distinct(values, clean_text, pa.string())


def lookup(values: pa.Array, mapping: Mapping[str, Any], missing: Any = None) -> pd.Series:
    """Translate a provider's words to canonical codes (case-insensitive); unknown words are <NA>.

    `missing` is what an empty or `-` cell becomes (default <NA>). The result's dtype follows the
    mapping's values: string, boolean or Float64.
    """
    keys = {normalise_key(k): v for k, v in mapping.items()}
    arrow_type = pa.array(list(mapping.values())[:1]).type

    def convert(value: str | None) -> Any:
        cleaned = clean_text(value)
        if cleaned is None:
            return missing
        return keys.get(normalise_key(cleaned))

    return _map_distinct(values, convert, arrow_type)


def plate(values: pa.Array) -> pd.Series:
    """Licence plates by footprint.config.common.normalise_plate (upper case, no dashes), once per distinct plate."""

    def convert(value: str | None) -> str | None:
        cleaned = clean_text(value)
        return normalise_plate(cleaned) or None if cleaned is not None else None

    return _map_distinct(values, convert, pa.string())


def constant(value: Any, length: int, dtype: str) -> pd.Series:
    """A column of one value: a field the layout does not carry, the same for every row."""
    return pd.Series(value, index=pd.RangeIndex(length), dtype=dtype)


def absent_cells(cells: pd.Series) -> np.ndarray:
    """Cells of a wide layout (a column per register) that hold no reading: empty, spaces only, or `-`.

    Such a cell is a register that did not run or a reading not taken: it gives no row (a missing
    interval is a gap note). Only a cell with something unreadable in it becomes a missing quantity,
    which validation quarantines.
    """
    written = cells.astype("string").str.strip()
    return (written.isna() | written.isin(MISSING_MARKERS)).to_numpy(dtype=bool)
