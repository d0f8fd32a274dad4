"""What loading a factor list changed in one month: emissions (which restate) and alerts (which judge it) share it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FactorRestatement:
    """One month's total before and after a newly loaded factor list, with the lists it was computed with."""

    period: str
    old_factor_list: str
    new_factor_list: str
    old_kg_co2e: float
    new_kg_co2e: float
