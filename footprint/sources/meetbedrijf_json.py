"""A Het Meetbedrijf interval response (one page of an EAN's month), as footprint.pull.meetbedrijf stores it.

Het Meetbedrijf's partner API documents JSON as one of its response formats, but not (in the public
copy footprint was built from) the fields of its day-detail values. The shape read here is ASSUMED,
and the connector and the demo server speak the same one:

    {"ean": "871...", "start": "2026-01-01", "end": "2026-01-31", "page": 1, "pages": 2,
     "channels": [{"direction": "levering", "unit": "kWh", "tariff": "normaal",
                   "values": [{"start": "2026-01-01T00:00:00+01:00", "end": "2026-01-01T00:15:00+01:00",
                               "value": 0.25, "status": "gemeten"}, ...]}]}

A channel is one register of the meter. Its direction and unit are what the response says, through
the vocabulary: a channel that gives no direction or no unit refuses the file, since the figures
cannot be read without them; a word the vocabulary does not know becomes <NA> and validation
quarantines the rows. The tariff is optional (one register when absent). Interval start and end carry
their UTC offset (ASSUMED: the documentation's "metering time format" section is not in the public
copy), so the doubled hour of the autumn night is two distinct rows; a time written without an offset
would be read as Amsterdam time, its doubled hour missing and quarantined. `source_row` is the
value's position in the file, counted from 1 over the channels in order.
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
from footprint.sources.limits import file_limits
from footprint.sources.meter_eans import EanOption, row_eans
from footprint.sources.text_head import Column, read_text_bytes
from footprint.sources.vocabulary import DIRECTIONS, ESTIMATED, METER_UNITS, TARIFFS

NAME: Final = "meetbedrijf_json"
DATASET: Final = schemas.METER_USAGE

# The fields of one interval value; a channel has direction, unit, an optional tariff and its values.
HEADER: Final = (Column("start"), Column("end"), Column("value"), Column("status"))
VALUE_FIELDS: Final = tuple(column.header for column in HEADER)
# What detection looks for in a file's first bytes: a JSON object naming an EAN and its channels.
_SIGNATURE: Final = (re.compile(r'"ean"\s*:'), re.compile(r'"channels"\s*:\s*\['))


def sniff(head: str) -> bool:
    text = head.lstrip()
    return text.startswith("{") and all(pattern.search(text) for pattern in _SIGNATURE)


def read(path: Path, *, ean: EanOption = None) -> pd.DataFrame:
    """The response's interval values; `ean` stands in only when the response names no valid EAN."""
    document = _document(path)
    channels = document.get("channels")
    if not isinstance(channels, list):
        raise InputFileError(path, f"not a {NAME} file: no 'channels' list", column="channels")
    said = [_channel(path, number, channel) for number, channel in enumerate(channels, start=1)]
    counts = [len(values) for values, _ in said]
    n = sum(counts)
    if n == 0:
        return schemas.empty_frame(DATASET)
    limits = file_limits()
    if n > limits.rows:
        raise InputFileError(path, limits.rows_refusal(f"{n:,} values"))
    cells = pd.concat(
        [pd.DataFrame.from_records(values, columns=list(VALUE_FIELDS)) for values, _ in said if values],
        ignore_index=True,
    )
    words = pd.DataFrame([words for _, words in said]).reindex(np.repeat(np.arange(len(said)), counts))
    unit = lookup(_text(words["unit"]), {word: unit for word, (unit, _) in METER_UNITS.items()})
    multiplier = lookup(_text(words["unit"]), {word: factor for word, (_, factor) in METER_UNITS.items()})
    start = instant(_text(cells["start"]))
    written_ean = row_eans(pd.Series([document.get("ean")], dtype="string"), ean, path).iloc[0]
    frame = pd.DataFrame(
        {
            "source_row": np.arange(1, n + 1, dtype="int64"),
            "ean": pd.Series(written_ean, index=pd.RangeIndex(n), dtype="string"),
            "interval_start": start,
            "interval_end": instant(_text(cells["end"])),
            "period": month_start(start),
            "quantity": _numbers(cells["value"]) * multiplier.to_numpy(dtype="float64", na_value=1.0),
            "unit": unit,
            "direction": lookup(_text(words["direction"]), DIRECTIONS),
            "tariff": lookup(_text(words["tariff"]), TARIFFS),
            "estimated": lookup(_text(cells["status"]), ESTIMATED),
        }
    )
    return schemas.conform(frame, DATASET)


def _document(path: Path) -> dict[str, Any]:
    raw = read_text_bytes(path, encoding="utf-8")
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise InputFileError(path, f"not a {NAME} file: not JSON{where}") from None
    if not isinstance(document, dict):
        raise InputFileError(path, f"not a {NAME} file: the JSON is not an object")
    return document


def _channel(path: Path, number: int, channel: object) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A channel's values and its words (direction, unit, tariff); a channel that does not say its
    direction or unit refuses the file: its figures cannot be read without them."""
    where = f"channels[{number - 1}]"
    if not isinstance(channel, dict):
        raise InputFileError(path, f"channel {number} is not a JSON object", column=where)
    for field in ("direction", "unit"):
        said = channel.get(field)
        if not isinstance(said, str) or not said.strip():
            raise InputFileError(
                path,
                f"channel {number} gives no {field}: its values cannot be read without one, and footprint never "
                "guesses it",
                column=f"{where}.{field}",
            )
    values = channel.get("values")
    if not isinstance(values, list) or not all(type(value) is dict for value in values):
        raise InputFileError(path, f"channel {number} has no 'values' list of objects", column=f"{where}.values")
    return values, {field: channel.get(field) for field in ("direction", "unit", "tariff")}


def _text(written: pd.Series) -> pa.Array:
    """A field as text, the way cell readers take it: a number becomes its digits, null stays missing."""
    return pa.array(written.astype("string").reset_index(drop=True), pa.string(), from_pandas=True)


def _numbers(written: pd.Series) -> np.ndarray:
    """JSON numbers (or numbers written as text); true/false, other text or null is NaN, for validation."""
    return pd.to_numeric(written.astype("string"), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
