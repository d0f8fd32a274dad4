"""Warehouse rows to JSON-ready values, shared by the report builders (summary, its sections, projects, public).

Renderers get what the builders return, never a connection.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa

from footprint.config.workspace import Workspace
from footprint.reports.summary_types import ScopeTotals
from footprint.resources import warehouse


def frame(ws: Workspace, sql: str, **params: Any) -> pd.DataFrame:
    with warehouse(ws).connect() as conn:
        result = conn.execute(sa.text(sql), params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def clean(value: Any) -> Any:
    """numpy/pandas/Decimal scalars -> plain JSON values; NaN -> None; dates -> ISO text."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, Decimal):  # PostgreSQL sums integers as numeric
        return int(value) if value.as_tuple().exponent >= 0 else float(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame) -> list[Any]:
    """The rows as JSON-ready dicts; list[Any] so that the caller's TypedDict (summary_types) names the columns."""
    return [{k: clean(v) for k, v in row.items()} for row in frame.astype(object).to_dict(orient="records")]


def whole_numbers(values: pd.Series) -> pd.Series:
    """A column of whole numbers or null (a scope 3 category, a list year), not the floats NULLs force on pandas."""
    return pd.Series([None if pd.isna(v) else int(v) for v in values], index=values.index, dtype=object)


def scope_totals(frame: pd.DataFrame, kg_column: str) -> ScopeTotals:
    """kg CO2e of `kg_column` per ladder scope and in total; 0.0 for a scope (or a frame) without rows."""
    sums = frame.groupby("ladder_scope")[kg_column].sum() if len(frame) else pd.Series(dtype=float)
    return {
        "scope_1_kg_co2e": float(sums.get(1, 0.0)),
        "scope_2_kg_co2e": float(sums.get(2, 0.0)),
        "scope_3_kg_co2e": float(sums.get(3, 0.0)),
        "total_kg_co2e": float(frame[kg_column].sum()) if len(frame) else 0.0,
    }
