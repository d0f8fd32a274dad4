"""A month of interval values from Energiemissie's meetdata API v2, as footprint.pull.energiemissie stores it.

The response is a JSON list of channels, each with its `channel` code and its `values`, a list of
{`timestamp`, `value`} (the shape a public client of the API reads; the official documentation shows
no measurement response). ASSUMED beyond that, and read only where written, never guessed:
- `unit` per channel (kWh, Wh, MWh, m3, GJ); a channel without one is refused;
- `direction` per channel in the vocabulary's words (levering, teruglevering, ...); without one refused;
- `ean` per channel; without it the file's rows take the `ean` the user or footprint.yaml assigns, as
  for any export without an EAN (meter_eans.row_eans);
- `tariff` per channel, optional (empty: one register); `status` per value, optional (without it a
  measurement, as for every export without a status column);
- `timestamp` is the interval's start, with its UTC offset; the interval's length is the channel's
  smallest step between timestamps (15 minutes for electricity, an hour for gas), so a channel of one
  value is refused.
`source_row` is the value's position in the file (1 = the first value of the first channel).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources.cell_text import lookup
from footprint.sources.cell_times import instant, month_start
from footprint.sources.meter_eans import EanOption, row_eans
from footprint.sources.text_head import Column
from footprint.sources.vocabulary import DIRECTIONS, ESTIMATED, METER_UNITS, TARIFFS

NAME: Final = "energiemissie_json"
DATASET: Final = schemas.METER_USAGE
HEADER: Final = (
    Column("channel"),
    Column("unit"),
    Column("direction"),
    Column("values"),
    Column("timestamp"),
    Column("value"),
    Column("ean", required=False),
    Column("tariff", required=False),
    Column("status", required=False),
)
_SIGNATURE: Final = tuple(re.compile(rf'"{key}"\s*:') for key in ("channel", "values", "timestamp", "value"))


def sniff(head: str) -> bool:
    """A JSON list whose first lines name channels with timestamped values."""
    return head.lstrip().startswith("[") and all(key.search(head) for key in _SIGNATURE)


def _strings(values: Any) -> pa.Array:
    return pa.array([None if v is None else str(v) for v in values], pa.string())


def _channels(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"not readable as JSON ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(c, dict) and isinstance(c.get("values"), list) for c in data):
        raise InputFileError(path, "not a list of channels, each with a list of values", column="values")
    for index, channel in enumerate(data, start=1):
        for key in ("unit", "direction"):
            if not str(channel.get(key) or "").strip():
                raise InputFileError(
                    path,
                    f"channel {channel.get('channel', index)!r} names no {key}: Energiemissie's response must say "
                    f"it (footprint never assumes a {key})",
                    column=key,
                )
    return data


def read(path: Path, *, ean: EanOption = None) -> pd.DataFrame:
    """The file's intervals in footprint's meter-usage columns."""
    channels = _channels(path)
    lengths = np.array([len(c["values"]) for c in channels], dtype=np.int64)
    index = np.repeat(np.arange(len(channels)), lengths)
    values = [v if isinstance(v, dict) else {} for c in channels for v in c["values"]]

    def per_channel(key: str) -> pa.Array:
        return _strings([channels[i].get(key) for i in range(len(channels))]).take(pa.array(index, pa.int64()))

    start = instant(_strings(v.get("timestamp") for v in values))
    step = _steps(start, index)
    if len(values) and step.isna().any():
        lone = channels[int(index[step.isna().to_numpy()][0])].get("channel")
        raise InputFileError(
            path, f"channel {lone!r}: the interval length cannot be told from fewer than two readable timestamps", column="timestamp"
        )
    units = per_channel("unit")
    factor = lookup(units, {word: multiplier for word, (_, multiplier) in METER_UNITS.items()})
    number = pd.to_numeric(pd.Series([v.get("value") for v in values], dtype=object), errors="coerce")
    statuses = _strings(v.get("status") for v in values)
    frame = pd.DataFrame(
        {
            "source_row": np.arange(1, len(values) + 1, dtype=np.int64),
            "ean": row_eans(pd.Series(per_channel("ean").to_pandas(), dtype="string"), ean, path),
            "interval_start": start,
            "interval_end": start + step,
            "period": month_start(start),
            "quantity": number.to_numpy(dtype="float64") * factor.to_numpy(dtype="float64", na_value=1.0),
            "unit": lookup(units, {word: unit for word, (unit, _) in METER_UNITS.items()}),
            "direction": lookup(per_channel("direction"), DIRECTIONS),
            "tariff": lookup(per_channel("tariff"), TARIFFS),
            "estimated": lookup(statuses, ESTIMATED, missing=False),
        }
    )
    return schemas.conform(frame, DATASET)


def _steps(start: pd.Series, channel: np.ndarray) -> pd.Series:
    """Each row's interval length: the smallest step between its channel's distinct timestamps."""
    frame = pd.DataFrame({"channel": channel, "start": start.dt.tz_convert("UTC")})
    ordered = frame.drop_duplicates().sort_values(["channel", "start"])
    gaps = ordered.groupby("channel")["start"].diff()
    smallest = gaps[gaps > pd.Timedelta(0)].groupby(ordered["channel"]).min()
    return pd.Series(frame["channel"].map(smallest).to_numpy(), index=start.index, dtype="timedelta64[us]")
