"""Shell Card transactions exported as CSV with the field names of Shell's transaction API.

Comma separated, decimal points, yyyyMMdd dates and HH:mm:ss times. A credit keeps its positive
quantity and carries C in creditDebitCode: it becomes a negative row here. cardPAN arrives masked
and is kept as given. The layout is footprint/data/fuelcard_profiles/fuelcard_shell_csv.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.sources import fuelcard_profile

FORMAT: Final = fuelcard_profile.builtin_format("fuelcard_shell_csv")
NAME: Final = FORMAT.NAME
DATASET: Final = schemas.FUEL_TRANSACTIONS
HEADER: Final = FORMAT.HEADER
SIGNATURE: Final = FORMAT.SIGNATURE


def sniff(head: str) -> bool:
    return FORMAT.sniff(head)


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """A C-flagged row's quantity and amount become negative; an unreadable flag leaves them missing."""
    return FORMAT.read(path)
