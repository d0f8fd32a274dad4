"""Meter data: readings per interval, month or invoice line, and the series (meter, direction, tariff, unit) of each file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from footprint import schemas
from footprint.activity_mapping import ActivityMapping
from footprint.config.workspace import Workspace
from footprint.ingest.datasets.columns import month_dates
from footprint.ingest.datasets.rules import DatasetRules
from footprint.ingest.overlaps import Overlaps, meter_overlaps
from footprint.ingest.results import ParsedFile
from footprint.sources.meter_intervals import interval_notes
from footprint.sources.notes import capped


def _meter_key(carrier: str, contract: str | None) -> str | None:
    """The activity a meter's consumption maps to a factor by: electricity per contract, gas and heat per carrier."""
    if carrier == "electricity":
        return f"electricity:{contract}" if contract is not None else None
    return carrier if carrier in ("natural_gas", "district_heat") else None


# The series key's rule, in one place: SHA-256 of these parts joined by "|" (no tariff: empty), its first
# SERIES_ID_HEX_DIGITS hex digits as a number (60 bits: a positive BIGINT). sql/006_meter_series.<dialect>.sql
# writes the same rule for the rows it migrated; tests/warehouse/test_series_id_rule.py holds both to it.
SERIES_ID_PARTS = ("file_sha256", "ean", "direction", "tariff", "unit")
SERIES_ID_HEX_DIGITS = 15


def series_id(file_sha256: str, ean: str, direction: str, tariff: str | None, unit: str) -> int:
    """A meter series' key, derived, not counted: a file gets the same ids in any run and on any warehouse,
    and runs loading other months at the same time need no shared counter."""
    key = "|".join((file_sha256, ean, direction, tariff or "", unit))
    return int(hashlib.sha256(key.encode()).hexdigest()[:SERIES_ID_HEX_DIGITS], 16)


def prepare_meter(
    frame: pd.DataFrame, ws: Workspace, sha: pd.Series, period: str, mapping: ActivityMapping
) -> dict[str, pd.DataFrame]:
    """Rows for meter_readings (what varies per row) and meter_series (what a file's rows share per meter,
    direction, tariff and unit, with the meter's settings): a text column costs DuckDB about a second per
    ten million rows to store, and a year of 15-minute data is ten million rows.
    """
    meters = {m.ean: m for m in ws.org.meters}
    parts = pd.DataFrame(  # Arrow-backed: factorize encodes them without a Python string per row
        {"file_sha256": sha.array, "ean": frame["ean"].array, "direction": frame["direction"].array,
         "tariff": frame["tariff"].array, "unit": frame["unit"].array}
    )
    combined = np.zeros(len(parts), dtype=np.int64)
    for column in parts.columns:  # codes per column, then per combination: no string is built per row
        codes, uniques = pd.factorize(parts[column], use_na_sentinel=False)
        combined = combined * (len(uniques) + 1) + codes
    row_series, _ = pd.factorize(combined)
    _, first = np.unique(row_series, return_index=True)
    distinct = parts.iloc[first].astype(object)
    series = distinct.where(distinct.notna(), None).reset_index(drop=True)
    known = [meters.get(ean) for ean in series["ean"]]

    def per_series(value: Callable[[Any], str | None]) -> pd.Series:
        return pd.Series([value(m) if m is not None else None for m in known], dtype="string")

    ids = np.array([series_id(*parts_of) for parts_of in series.itertuples(index=False)], dtype=np.int64)
    keys = per_series(lambda m: _meter_key(m.carrier, m.contract_in(period)))
    # Each series' span, so a later file's overlap check looks only at series it can meet (footprint.overlaps);
    # grouped as integers: grouping zoned timestamps costs pandas fifteen times more.
    grouped = pd.DataFrame(
        {"start": frame["interval_start"].array.asi8, "end": frame["interval_end"].array.asi8}
    ).groupby(row_series, sort=True)
    unit = np.datetime_data(frame["interval_start"].dtype.base)[0]

    def instants(values: pd.Series) -> pd.arrays.DatetimeArray:
        return pd.DatetimeIndex(values.to_numpy().astype(f"datetime64[{unit}]"), tz="UTC").tz_convert(schemas.LOCAL_TZ).array

    spans = pd.DataFrame({"first_start": instants(grouped["start"].min()), "last_end": instants(grouped["end"].max())})
    series_rows = pd.DataFrame(
        {
            "series_id": ids,
            "file_sha256": series["file_sha256"].astype("string"),
            "ean": series["ean"].astype("string"),
            "site_id": per_series(lambda m: m.site),
            "carrier": per_series(lambda m: m.carrier),
            "contract": per_series(lambda m: m.contract_in(period)),
            "unit": series["unit"].astype("string"),
            "direction": series["direction"].astype("string"),
            "tariff": series["tariff"].astype("string"),
            "activity_key": keys.where(series["direction"] == "consumption"),
            "first_start": spans["first_start"].array,
            "last_end": spans["last_end"].array,
        }
    )
    readings = pd.DataFrame(
        {
            "series_id": ids[row_series],
            "source_row": frame["source_row"].to_numpy(),
            "period": month_dates(frame["period"]).array,
            "interval_start": frame["interval_start"].array,
            "interval_end": frame["interval_end"].array,
            "quantity": frame["quantity"].to_numpy(),
            "estimated": frame["estimated"].fillna(False).astype(bool).to_numpy(),
        }
    )
    return {"meter_series": series_rows, "meter_readings": readings}


def gap_notes(
    tables: dict[str, pd.DataFrame], good: pd.DataFrame, row_file: np.ndarray, items: list[ParsedFile]
) -> dict[int, list[str]]:
    """Per file, the gaps in its meters' intervals (as `footprint parse` shows them), for the ingest output.

    Only for files whose format gave no notes of its own (a format with read_with_report names its
    gaps). Cheap first, on whole columns: a series (meter, direction, tariff, unit: its starts are
    unique after validation) whose intervals add up to its span has none; only files with another
    series are sorted interval by interval.
    """
    wanted = {item.sha256 for item in items if not item.reported}
    if good.empty or not wanted:
        return {}
    readings, series = tables["meter_readings"], tables["meter_series"]
    length = readings["interval_end"].array.asi8 - readings["interval_start"].array.asi8
    covered = pd.Series(length).groupby(readings["series_id"].to_numpy()).sum()
    spans = series.set_index("series_id")
    span = spans["last_end"].array.asi8 - spans["first_start"].array.asi8
    short = covered.reindex(spans.index).to_numpy() < span
    suspect = set(spans["file_sha256"][short]) & wanted
    notes: dict[int, list[str]] = {}
    for i, item in enumerate(items):
        if item.sha256 not in suspect:
            continue
        rows = good.iloc[np.flatnonzero(row_file == i)]
        found = [str(note) for note in capped(interval_notes(rows))
                 if note.kind == "gap" or note.message.startswith("... and")]
        if found:
            notes[i] = found
    return notes


def meter_rows_without(tables: dict[str, pd.DataFrame], keep: np.ndarray) -> dict[str, pd.DataFrame]:
    """Readings not kept go; a series goes with its last reading."""
    readings = tables["meter_readings"][keep].reset_index(drop=True)
    series = tables["meter_series"]
    series = series[series["series_id"].isin(readings["series_id"])].reset_index(drop=True)
    return {"meter_series": series, "meter_readings": readings}


def meter_file_overlaps(conn: sa.Connection, tables: dict[str, pd.DataFrame], row_file: np.ndarray, names: list[str],
                        shas: list[str]) -> Overlaps:
    return meter_overlaps(conn, tables["meter_series"], tables["meter_readings"], names, shas)


RULES = DatasetRules(
    name=schemas.METER_USAGE,
    # meter_usage is a view over these two tables (sql/007_meter_usage_view.sql).
    keys={"meter_series": ("series_id",), "meter_readings": ("series_id", "source_row")},
    file_rows_delete=(
        "DELETE FROM meter_readings WHERE series_id IN (SELECT series_id FROM meter_series WHERE file_sha256 = :sha)",
        "DELETE FROM meter_series WHERE file_sha256 = :sha",
    ),
    prepare=prepare_meter,
    find_overlaps=meter_file_overlaps,
    same_row_columns="interval_start, interval_end",
    same_row_words="the same moment of this meter and direction",
    without=meter_rows_without,
    file_notes=gap_notes,
)
