"""One channel of a meter from a Meterbeheer HUB JSON feed, as footprint.pull.meterbeheer_hub stores it.

Documented (hub.meterbeheer.nl/developers/feeds): a feed holds one channel of one meter; its metadata
are the EAN, the supplier's channel code and the unit (kWh for electricity, m3 for gas); its data are
15-minute intervals, each `from` and `to` in ISO 8601 with UTC offset and the value used in the unit.

ASSUMED: the JSON keys: `ean`, `channel` (or `supplierChannel`), `unit` at the top (or in a `meta`
object) and the intervals as a list under `data` (or `values`); keys are matched ignoring case and
punctuation. A feed without a unit is refused, never given one.

The feed has no direction field. Its channel code says it, as the HUB documents the codes: OBIS
registers 1.8.x (taken from the grid, consumption) and 2.8.x (fed in), x.8.1 the low and x.8.2 the
high tariff; Kenter's 10180 (consumption), 10280 (feed-in), 70180 and 70380 (gas, consumption);
Anexo's ELI, ETLI and GI. A `direction` field, if a feed has one, wins; a channel code outside these
is refused rather than guessed. Without a status field every value counts as measured, as for any
export without one. `source_row` is the interval's position in the feed (1 = the first).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources.cell_text import constant, lookup
from footprint.sources.cell_times import instant, month_start
from footprint.sources.meter_eans import EanOption, row_eans
from footprint.sources.text_head import Column
from footprint.sources.vocabulary import DIRECTIONS, METER_UNITS

NAME: Final = "meterbeheer_hub_json"
DATASET: Final = schemas.METER_USAGE
HEADER: Final = (
    Column("ean"),
    Column("channel", aliases=("supplierChannel",)),
    Column("unit"),
    Column("data", aliases=("values",)),
    Column("from"),
    Column("to"),
    Column("value"),
    Column("direction", required=False),
)
# Channel code -> (direction, tariff or None): the codes Meterbeheer's documentation names.
CHANNELS: Final[dict[str, tuple[str, str | None]]] = {
    "1.8.0": ("consumption", "single"),
    "1.8.1": ("consumption", "low"),
    "1.8.2": ("consumption", "high"),
    "2.8.0": ("feed_in", "single"),
    "2.8.1": ("feed_in", "low"),
    "2.8.2": ("feed_in", "high"),
    "10180": ("consumption", None),
    "10280": ("feed_in", None),
    "70180": ("consumption", None),
    "70380": ("consumption", None),
    "ELI": ("consumption", None),
    "ETLI": ("feed_in", None),
    "GI": ("consumption", None),
}
_SIGNATURE: Final = tuple(re.compile(rf'"{key}"\s*:', re.IGNORECASE) for key in ("ean", "unit", "from", "to", "value"))


# A feed is one channel: a list of channels is another provider's response (meetbedrijf_json).
_CHANNEL_LIST: Final = re.compile(r'"channels"\s*:\s*\[', re.IGNORECASE)


def sniff(head: str) -> bool:
    """A JSON object whose first lines name an EAN, a unit and from/to/value intervals, and no list of channels."""
    return (
        head.lstrip().startswith("{") and all(key.search(head) for key in _SIGNATURE) and not _CHANNEL_LIST.search(head)
    )


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def _fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Top-level fields by normalised key, with those of a `meta` object where the top lacks them."""
    found = {_key(k): v for k, v in data.items()}
    for nested in ("meta", "metadata"):
        if isinstance(found.get(nested), dict):
            found = {**{_key(k): v for k, v in found[nested].items()}, **found}
    return found


def _text(fields: Mapping[str, Any], *keys: str) -> str | None:
    value = next((fields[k] for k in keys if fields.get(k) not in (None, "")), None)
    return None if value is None else str(value).strip() or None


def read(path: Path, *, ean: EanOption = None) -> pd.DataFrame:
    """The feed's intervals in footprint's meter-usage columns."""
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"not readable as JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputFileError(path, "not a Meterbeheer HUB feed: a JSON object with the feed's metadata and data")
    fields = _fields(data)
    unit = _text(fields, "unit")
    if unit is None:
        raise InputFileError(path, "the feed names no unit (footprint never assumes one)", column="unit")
    channel = _text(fields, "channel", "supplierchannel", "channelcode")
    written = _text(fields, "direction")
    if written is None and (channel is None or channel.upper() not in {c.upper() for c in CHANNELS}):
        raise InputFileError(
            path,
            f"the feed names no direction and its channel {channel!r} is not one whose direction Meterbeheer "
            f"documents ({', '.join(CHANNELS)})",
            column="channel",
        )
    direction, tariff = next((v for c, v in CHANNELS.items() if channel and c.upper() == channel.upper()), (None, None))
    points = next((fields[k] for k in ("data", "values") if isinstance(fields.get(k), list)), None)
    if points is None:
        raise InputFileError(path, "the feed has no list of intervals (data)", column="data")
    rows = pd.DataFrame.from_records([{_key(k): v for k, v in p.items()} if isinstance(p, dict) else {} for p in points])
    rows = rows.reindex(columns=["from", "to", "value"])
    n = len(rows)

    def strings(column: str) -> pa.Array:
        cells = rows[column]
        return pa.array([str(v) if known else None for v, known in zip(cells, cells.notna(), strict=True)], pa.string())

    start = instant(strings("from"))
    canonical, factor = METER_UNITS.get(" ".join(unit.casefold().split()), (None, np.nan))
    number = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype="float64")
    frame = pd.DataFrame(
        {
            "source_row": np.arange(1, n + 1, dtype=np.int64),
            "ean": row_eans(pd.Series([_text(fields, "ean")] * n, dtype="string"), ean, path),
            "interval_start": start,
            "interval_end": instant(strings("to")),
            "period": month_start(start),
            # An unknown unit keeps the figure as written and the unit empty: validation quarantines it.
            "quantity": number * (1.0 if canonical is None else factor),
            "unit": constant(canonical, n, "string"),
            "direction": lookup(pa.array([written] * n, pa.string()), DIRECTIONS)
            if written is not None
            else constant(direction, n, "string"),
            "tariff": constant(tariff, n, "string"),
            "estimated": constant(False, n, "boolean"),
        }
    )
    return schemas.conform(frame, DATASET)
