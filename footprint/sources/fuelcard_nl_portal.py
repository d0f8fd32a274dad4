"""Transactions downloaded from a Dutch fuel-card portal: `;`-separated, decimal commas, dd-mm-yyyy.

A credit note is a row with negative quantity and amount. Card number and driver are personal data:
they pass through here unchanged and are pseudonymised before the warehouse. The layout is the
profile footprint/data/fuelcard_profiles/fuelcard_nl_portal.yaml, read by fuelcard_profile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.sources import fuelcard_profile

FORMAT: Final = fuelcard_profile.builtin_format("fuelcard_nl_portal")
NAME: Final = FORMAT.NAME
DATASET: Final = schemas.FUEL_TRANSACTIONS
HEADER: Final = FORMAT.HEADER
SIGNATURE: Final = FORMAT.SIGNATURE
CURRENCY: Final = fuelcard_profile.CURRENCY


def sniff(head: str) -> bool:
    return FORMAT.sniff(head)


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """Prices and amounts in another currency than euro are left missing rather than mixed in."""
    return FORMAT.read(path)
