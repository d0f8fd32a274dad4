"""Validate: the context the Great Expectations suites judge rows in (configured meters, plates, products,
unit routes, plausible fuellings), and one validation run per dataset for a whole batch of files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from footprint import units
from footprint.activity_mapping import (
    FUEL_KEY_PREFIX,
    ActivityMapping,
    classify_products,
    known_products,
    normalise_product,
)
from footprint.config.workspace import Workspace
from footprint.ingest.results import ParsedFile
from footprint.periods import next_month
from footprint.sources.fuelcard_products import product_mapping
from footprint.validation.context import ValidationContext
from footprint.validation.gate import validate


def workspace_products(ws: Workspace) -> ActivityMapping:
    """Built-in product names, the fuel-card profiles' and the organisation's own, merged."""
    return product_mapping(ws.org, ws.config_path.parent)


# The activity key whose factor sets the unit a row must reach, by what a row names: a meter's carrier,
# a supplier row's activity type. Keys of one carrier or type share their units (every electricity
# contract is per kWh, every flight band per passenger-km).
_CARRIER_UNIT_KEYS = {"electricity": "electricity:grey", "natural_gas": "natural_gas", "district_heat": "district_heat"}


_ACTIVITY_UNIT_KEYS = {
    "flight": "flight:short", "private_car": "private_car:unknown", "train": "train:electric",
    "supplier_reported": "supplier_reported",
}


def _unit_refusal(ws: Workspace, mapping: ActivityMapping) -> Callable[[str, str, str], str | None]:
    """For validation: why a unit has no route to the factor of the row's subject (None: it has one)."""
    carriers = {m.ean: m.carrier for m in ws.org.meters}
    names = known_products(mapping)
    fuels = dict(zip(map(normalise_product, names), classify_products(pd.Series(names, dtype="string"), mapping)["fuel"]))

    def refusal(subject_column: str, subject: str, unit: str) -> str | None:
        if subject_column == "ean":
            key = _CARRIER_UNIT_KEYS.get(carriers.get(subject, ""))
        elif subject_column == "product":
            fuel = fuels.get(normalise_product(subject))
            key = FUEL_KEY_PREFIX + fuel if isinstance(fuel, str) else None
        else:
            key = _ACTIVITY_UNIT_KEYS.get(subject)
        return units.refusal(key, unit, mapping) if key is not None else None

    return refusal


def _fuelling_limit(ws: Workspace) -> Callable[[str], tuple[float, str]]:
    vehicles = {v.plate: v for v in ws.org.vehicles}
    bounds = ws.org.fuel_cards.plausible_fuelling
    return lambda plate: bounds.limit(vehicles.get(plate))


def validation_context(ws: Workspace, mapping: ActivityMapping) -> ValidationContext:
    """Every row counts in its own month, whatever folder its file came in: from the base year to today.

    A year export dropped into one month's folder is read month by month; a row before the base year
    is outside the inventory, and one after today is caught by the rules against the future.
    """
    today = dt.date.today()
    return ValidationContext(
        period_start=dt.date(ws.org.base_year, 1, 1),
        period_end=next_month(today.replace(day=1)),
        products=known_products(mapping),
        eans=[m.ean for m in ws.org.meters],
        plates=[v.plate for v in ws.org.vehicles],
        unit_refusal=_unit_refusal(ws, mapping),
        fuelling_limit=_fuelling_limit(ws),
    )


@dataclass(frozen=True)
class ValidatedBatch:
    """All files of one dataset after one validation run; `good_bounds[i]:good_bounds[i+1]` is file i."""

    good: pd.DataFrame
    good_bounds: np.ndarray
    quarantine: pd.DataFrame
    quarantine_file: np.ndarray
    sizes: list[int]
    repeated: np.ndarray  # per file, rows held only because they repeat an earlier row: counted, not wrong


def validate_batch(dataset: str, parsed: list[ParsedFile], context: ValidationContext) -> ValidatedBatch:
    """Validate all files of one dataset in a single Great Expectations run.

    One run per file would pay GX's fixed cost (about 0.3 s) for each of hundreds of meter files.
    Rows are renumbered across the batch for the run and mapped back to their own file and line.
    """
    sizes = [len(p.frame) for p in parsed]
    batch = pd.concat([p.frame for p in parsed], ignore_index=True)
    original_rows = batch["source_row"].to_numpy()
    file_index = np.repeat(np.arange(len(parsed)), sizes)
    batch["source_row"] = np.arange(len(batch), dtype="int64")
    outcome = validate(dataset, batch, context)
    bad_positions = outcome.quarantine["source_row"].to_numpy()
    names = [p.path.name for p in parsed]

    def original_row(match: re.Match[str]) -> str:
        # A duplicate's reason names the earlier row by batch position: name its own file and line.
        position = int(match.group(1))
        return f"repeats row {original_rows[position]} of {names[file_index[position]]}"

    reasons = outcome.quarantine["reason"].astype(str).str.replace(r"repeats row (\d+)", original_row, regex=True)
    good = outcome.good
    if not good["source_row"].is_monotonic_increasing:  # sorting copies a month of rows
        good = good.sort_values("source_row", kind="stable")
    good_positions = good["source_row"].to_numpy()
    only_repeats = (
        pd.Series(outcome.quarantine["expectation"].str.endswith(":not_duplicate").to_numpy(dtype=bool))
        .groupby(bad_positions).all()
    )
    repeated_positions = only_repeats.index.to_numpy()[only_repeats.to_numpy(dtype=bool)]
    return ValidatedBatch(
        good=good.assign(source_row=original_rows[good_positions]).reset_index(drop=True),
        good_bounds=np.searchsorted(file_index[good_positions], np.arange(len(parsed) + 1)),
        quarantine=outcome.quarantine.assign(source_row=original_rows[bad_positions], reason=reasons),
        quarantine_file=file_index[bad_positions],
        sizes=sizes,
        repeated=np.bincount(file_index[repeated_positions], minlength=len(parsed)),
    )
