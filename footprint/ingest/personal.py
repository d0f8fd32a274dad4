"""Personal data out as soon as a file is read: card numbers and driver names replaced by a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

import numpy as np
import pandas as pd

from footprint.ingest.results import FileResult, ParsedFile

_PERSONAL_COLUMNS = ("card_number", "driver")


# A payment or fuel card number (ISO/IEC 7812: 12 to 19 digits, printed in groups): personal in any column.
_CARD_NUMBER_SHAPE = r"\s*\d(?:[ -]?\d){11,18}\s*"


# Columns whose long numbers are not personal: a connection's EAN (18 digits) names a meter.
_NOT_PERSONAL_COLUMNS = ("ean",)


def pseudonymise(values: pd.Series, key: str) -> pd.Series:
    """Keyed hash of personal data (card numbers, driver names): stable per key, not reversible."""
    unique = values.dropna().unique()
    digests = {
        value: hmac.new(key.encode(), str(value).encode(), hashlib.sha256).hexdigest()[:16] for value in unique
    }
    return values.map(digests).astype("string")


def pseudonymised(item: FileResult | ParsedFile, key: str) -> FileResult | ParsedFile:
    """Card numbers and driver names replaced by their keyed hash as soon as a file is read.

    By column, and by shape in every other text column: a card number in the plate column (columns
    swapped in an export) is just as personal. Staged Parquet, validation, quarantine values and
    reasons and the warehouse then never hold them; the raw store keeps the original file as the audit copy.
    """
    if isinstance(item, FileResult):
        return item
    frame = item.frame
    replaced = {c: pseudonymise(frame[c], key) for c in _PERSONAL_COLUMNS if c in frame}
    for column in frame.columns.difference([*_PERSONAL_COLUMNS, *_NOT_PERSONAL_COLUMNS]):
        if pd.api.types.is_string_dtype(frame[column].dtype) or frame[column].dtype == object:
            values = frame[column].astype("string")
            codes, uniques = pd.factorize(values)  # a month of meter rows has a handful of distinct units or words
            matched = pd.Series(uniques, dtype="string").str.fullmatch(_CARD_NUMBER_SHAPE).fillna(False)
            shaped = np.append(matched.to_numpy(dtype=bool), False)[codes]  # code -1 (missing) takes the False
            if shaped.any():
                replaced[column] = values.mask(shaped, pseudonymise(values[shaped], key))
    if not replaced:
        return item
    frame = frame.assign(**replaced)
    frame.attrs = item.frame.attrs
    return replace(item, frame=frame)
