"""Supplier statements, flights and mileage: one row per activity, keyed to its factor by its type."""

from __future__ import annotations

import pandas as pd

from footprint import schemas
from footprint.activity_mapping import ActivityMapping, flight_activity_key
from footprint.config.workspace import Workspace
from footprint.ingest.datasets.columns import activity_ids, month_dates
from footprint.ingest.datasets.rules import DatasetRules
from footprint.ingest.overlaps import by_key


def _supplier_activity_key(frame: pd.DataFrame) -> pd.Series:
    kind = frame["activity_type"]
    key = pd.Series(pd.NA, index=frame.index, dtype="string")
    key = key.mask(kind == "flight", flight_activity_key(frame["distance_km"]))
    # The mileage parser puts the car's fuel (petrol, diesel, electric, unknown) in description.
    key = key.mask(kind == "private_car", "private_car:" + frame["description"])
    key = key.mask(kind == "train", "train:electric")
    return key.mask(kind == "supplier_reported", "supplier_reported")


def prepare_supplier(
    frame: pd.DataFrame, ws: Workspace, sha: pd.Series, period: str, mapping: ActivityMapping
) -> dict[str, pd.DataFrame]:
    return {schemas.SUPPLIER_ACTIVITY: pd.DataFrame(
        {
            "activity_id": activity_ids(sha, frame["source_row"]),
            "file_sha256": sha,
            "source_row": frame["source_row"],
            "period": month_dates(frame["period"]),
            "activity_date": frame["activity_date"].dt.date,
            "supplier": frame["supplier"],
            "activity_type": frame["activity_type"],
            "description": frame["description"],
            "quantity": frame["quantity"],
            "unit": frame["unit"],
            "distance_km": frame["distance_km"],
            "ghg_category": frame["ghg_category"],
            "reported_kg_co2e": frame["reported_kg_co2e"],
            "method": frame["method"],
            "data_quality": frame["data_quality"],
            "activity_key": _supplier_activity_key(frame),
        }
    )}


# A later file's row is one already counted when supplier, month, activity, description, date and quantity agree.
SAME_ACTIVITY = ["supplier", "period", "activity_type", "description", "activity_date", "quantity"]


RULES = DatasetRules(
    name=schemas.SUPPLIER_ACTIVITY,
    keys={schemas.SUPPLIER_ACTIVITY: ("activity_id",)},
    file_rows_delete=("DELETE FROM supplier_activity WHERE file_sha256 = :sha",),
    prepare=prepare_supplier,
    find_overlaps=by_key(schemas.SUPPLIER_ACTIVITY, SAME_ACTIVITY, "supplier"),
    same_row_columns="supplier, period, activity_type, quantity",
    same_row_words="the same activity",
)
