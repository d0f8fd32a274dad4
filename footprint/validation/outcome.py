"""What validation gives back: the rows fit to load and the quarantine entries, or an error that stops the run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pandas as pd

from footprint.errors import FootprintError

QUARANTINE_COLUMNS: Final[dict[str, str]] = {
    "source_row": "int64",
    "column_name": "string",
    "value": "string",
    "expectation": "string",
    "reason": "string",
}


class ValidationRunError(FootprintError):
    """A rule could not be evaluated: counting it as passed would load unchecked rows."""


@dataclass(frozen=True, eq=False)
class ValidationOutcome:
    """Rows fit to load and, per failing row and rule, what to fix; DataFrames are not comparable, hence eq=False."""

    good: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int

    @property
    def quarantined_rows(self) -> int:
        return int(self.quarantine["source_row"].nunique())
