"""Fuel-card transactions: one warehouse row per fuelling, its fuel classified from the product name."""

from __future__ import annotations

import pandas as pd

from footprint import schemas
from footprint.activity_mapping import ActivityMapping, classify_products
from footprint.config.workspace import Workspace
from footprint.ingest.datasets.columns import activity_ids, month_dates
from footprint.ingest.datasets.rules import CONFIGURATION_RULES, DatasetRules
from footprint.ingest.overlaps import by_key


def prepare_fuel(
    frame: pd.DataFrame, ws: Workspace, sha: pd.Series, period: str, mapping: ActivityMapping
) -> dict[str, pd.DataFrame]:
    sites = {v.plate: v.site for v in ws.org.vehicles}
    products = classify_products(frame["product"], mapping)
    fuel = products["fuel"].astype("string")
    excluded = products["excluded_reason"].astype("string")
    return {schemas.FUEL_TRANSACTIONS: pd.DataFrame(
        {
            "activity_id": activity_ids(sha, frame["source_row"]),
            "file_sha256": sha,
            "source_row": frame["source_row"],
            "period": month_dates(frame["period"]),
            "transaction_at": frame["transaction_at"],
            "card_id": frame["card_number"],  # pseudonymised when read: see pseudonymised
            "driver_id": frame["driver"],
            "plate": frame["plate"],
            "site_id": frame["plate"].map(sites).astype("string"),
            "station": frame["station"],
            "product": frame["product"],
            "fuel": fuel,
            "quantity": frame["quantity"],
            "unit": frame["unit"],
            "unit_price_eur": frame["unit_price_eur"],
            "amount_eur": frame["amount_eur"],
            "odometer_km": frame["odometer_km"],
            "activity_key": ("fuel:" + fuel).where(excluded.isna()).astype("string"),
            "excluded_reason": excluded,
        }
    )}


# A later file's fuelling is one already counted when plate, moment, product and quantity agree.
SAME_FUELLING = ["plate", "transaction_at", "product", "quantity"]


RULES = DatasetRules(
    name=schemas.FUEL_TRANSACTIONS,
    keys={schemas.FUEL_TRANSACTIONS: ("activity_id",)},
    file_rows_delete=("DELETE FROM fuel_transactions WHERE file_sha256 = :sha",),
    prepare=prepare_fuel,
    find_overlaps=by_key(schemas.FUEL_TRANSACTIONS, SAME_FUELLING, "plate"),
    same_row_columns=", ".join(SAME_FUELLING),
    same_row_words="the same fuelling",
    # A fuelling's plausible size follows footprint.yaml (tank_litres, vehicle_class); a meter's or supplier's is physics.
    configuration_rules=CONFIGURATION_RULES | {"quantity_plausible"},
    excluded_column="excluded_reason",
)
