"""Warehouse rows to JSON-ready values, shared by the report's sections (summary, factor use, projects)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa

from footprint.config import Workspace
from footprint.pipeline import warehouse


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


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: clean(v) for k, v in row.items()} for row in frame.astype(object).to_dict(orient="records")]
