"""TotalEnergies Fleet transaction files: 500-character fixed-width records without a header line.

The record type is in the first two characters; BR records are transactions, every other type is
skipped and counted in frame.attrs["skipped_records"]. Amounts are whole cents with the sign after
the number. The field positions in footprint/data/fuelcard_profiles/fuelcard_totalenergies_fixed.yaml
are an assumption to be checked against a real file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.sources import fuelcard_profile

FORMAT: Final = fuelcard_profile.builtin_format("fuelcard_totalenergies_fixed")
NAME: Final = FORMAT.NAME
DATASET: Final = schemas.FUEL_TRANSACTIONS
HEADER: Final = FORMAT.HEADER
SIGNATURE: Final = FORMAT.SIGNATURE
FIELDS: Final = FORMAT.profile.fields


def sniff(head: str) -> bool:
    return FORMAT.sniff(head)


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """Transactions only; a file whose first record is not a fixed-width record is an InputFileError."""
    return FORMAT.read(path)
