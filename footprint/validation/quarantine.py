"""Quarantine entries in words: per failing row and rule, the value as stored and the reason a quality officer reads.

Values are shown as a Dutch reader expects them (dd-mm-yyyy, local time, a month as yyyy-mm), worked
out on whole columns: a file from the wrong month puts every row in quarantine.
"""

from __future__ import annotations

import datetime as dt
import string
from functools import partial
from typing import Final

import numpy as np
import pandas as pd

from footprint.periods import format_period
from footprint.validation.derived import per_distinct
from footprint.validation.outcome import QUARANTINE_COLUMNS
from footprint.validation.suite import TEMPLATE_FIELDS, Rule, reason_fields

_MONTH_COLUMNS: Final = frozenset({"period"})  # the first day of a month, shown as the month


def period_label(start: dt.date, end: dt.date) -> str:
    last = (end - dt.timedelta(days=1)).replace(day=1)
    return format_period(start) if last <= start else f"{format_period(start)} to {format_period(last)}"


def _utc_offsets(minutes: pd.Series) -> pd.Series:
    sign = np.where(minutes < 0, "-", "+")
    hours, rest = np.divmod(minutes.abs().fillna(0).astype(int), 60)
    text = pd.Series([f"{s}{h:02d}:{m:02d}" for s, h, m in zip(sign, hours, rest, strict=True)], dtype="string")
    return text.mask(minutes.isna().to_numpy(), pd.NA)


def _text(series: pd.Series) -> pd.Series:
    """A value as the quarantine stores it, '' when missing: ISO timestamps, whole floats without '.0'.

    Timestamps are formatted from local wall-clock time plus the offset per distinct offset: pandas
    formats zone-aware timestamps one by one (40 s for 3.5 M rows, a file from the wrong month).
    """
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        wall = series.dt.tz_localize(None)
        minutes = (wall - series.dt.tz_convert("UTC").dt.tz_localize(None)) // pd.Timedelta(minutes=1)
        text = wall.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string") + per_distinct(minutes, _utc_offsets)
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        text = series.dt.strftime("%Y-%m-%d").astype("string")
    else:
        text = series.astype("string")
        if pd.api.types.is_float_dtype(series.dtype):
            text = text.str.replace(r"\.0$", "", regex=True)
    return text.fillna("")


def _display(series: pd.Series, text: pd.Series, column: str) -> pd.Series:
    """A value as a Dutch quality officer reads it in a reason: dd-mm-yyyy, local time; a month as yyyy-mm.

    Rearranged from the stored text rather than formatted again: a file from the wrong month
    puts every row in quarantine.
    """
    if column in _MONTH_COLUMNS:
        text = text.str.replace(r"^(-?\d{4,})-(\d\d)-01$", r"\1-\2", regex=True)
    elif isinstance(series.dtype, pd.DatetimeTZDtype):
        text = text.str.replace(r"^(\d{4})-(\d\d)-(\d\d) (\d\d:\d\d).*$", r"\3-\2-\1 \4", regex=True)
    elif pd.api.types.is_datetime64_dtype(series.dtype):
        text = text.str.replace(r"^(\d{4})-(\d\d)-(\d\d)$", r"\3-\2-\1", regex=True)
    return text.mask(series.isna().to_numpy(), "missing")


def entries(rule: Rule, work: pd.DataFrame, positions: np.ndarray, period: str) -> pd.DataFrame:
    """The quarantine entries of one rule's failing rows (positions in work), with their order for sorting."""
    fields = reason_fields(rule.reason) - TEMPLATE_FIELDS
    columns = list(dict.fromkeys([*rule.reported, *fields]))
    rows = work[["source_row", *columns]].iloc[positions]
    texts = {column: _text(rows[column]) for column in columns}
    value = texts[rule.reported[0]]
    for column in rule.reported[1:]:
        value = value + " | " + texts[column]
    reason = pd.Series("", index=rows.index, dtype="string")
    for literal, field, _, _ in string.Formatter().parse(rule.reason):
        reason = reason + literal
        if field == "period":
            reason = reason + period
        elif field is not None:
            column = rule.reported[0] if field == "value" else field
            reason = reason + _display(rows[column], texts[column], column)
    constant = partial(pd.Series, index=rows.index, dtype="string")
    return pd.DataFrame(
        {
            "_position": positions,
            "_order": rule.order,
            "source_row": rows["source_row"],
            "column_name": constant(", ".join(rule.reported)),
            "value": value,
            "expectation": constant(rule.label),
            "reason": reason,
        },
        index=rows.index,
    )


def quarantine_frame(found: list[pd.DataFrame]) -> pd.DataFrame:
    """File order, then suite order within a row: how a person works through the file."""
    if not found:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in QUARANTINE_COLUMNS.items()})
    frame = pd.concat(found, ignore_index=True).sort_values(["_position", "_order"])
    return frame.drop(columns=["_position", "_order"]).astype(QUARANTINE_COLUMNS).reset_index(drop=True)
