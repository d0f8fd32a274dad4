"""The monthly ingestion steps: pull, store, parse, validate, load, compute, record.

Each step is a plain function taking the workspace and a period or a path, so Prefect tasks wrap
them one to one and tests call them directly. Every step returns what it did as a small typed
object; nothing is silently dropped: rows read = rows loaded + rows quarantined, per file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import logging
import os
import re
import shlex
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from footprint import overlaps, schemas, units
from footprint.config import Meter, Workspace
from footprint.crashpoints import crash_point
from footprint.errors import FactorError, InputFileError, StorageError
from footprint.factors import (
    ActivityMapping,
    classify_products,
    ensure_default_factors,
    flight_activity_key,
    known_products,
    resolve_factors,
)
from footprint.periods import format_period, next_month, parse_period
from footprint.factors.mapping import FUEL_KEY_PREFIX, normalise_product
from footprint.factors.products import product_mapping, unmapped_product_hints
from footprint.sources import batch_reader, detect_format
from footprint.sources.fuelcard_profile import skipped_records, user_formats
from footprint.sources import meters as source_meters
from footprint.sources.helpers import read_head
from footprint.sources.sheets import data_sheet_name
from footprint.storage import (
    Inbox,
    RawStore,
    StoredFile,
    disk_errors,
    open_inbox,
    open_raw_store,
    path_in_month,
    sha256_of,
)
from footprint.validation import ValidationContext, validate
from footprint.visible import has_control, one_line
from footprint.warehouse import make_warehouse
from footprint.warehouse.bulk import insert_frame, refresh_statistics
from footprint.warehouse.migrations import advisory_xact_lock


@dataclass(frozen=True)
class FileResult:
    """What happened to one raw file in one run."""

    file_name: str
    file_sha256: str
    outcome: str  # loaded, skipped (already loaded), rejected (whole file unreadable)
    dataset: str | None = None
    source_format: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_excluded: int = 0
    duration_s: float = 0.0
    message: str | None = None
    notes: tuple[str, ...] = ()  # what a person should know: gaps per meter, rows a format left out and why


@dataclass(frozen=True)
class StagedFile:
    """A raw file kept in the raw store and parsed, its canonical rows waiting as Parquet in the staging folder.

    This small record, not the rows, is what travels from a parsing task to the loading task (on
    Dask between processes); the Parquet file is removed once its rows are loaded.
    """

    file_name: str
    file_sha256: str
    stored_path: str
    size_bytes: int
    dataset: str
    source_format: str
    spans_months: bool
    sheet: str | None
    parsed_path: str
    parse_s: float
    notes: tuple[str, ...] = ()
    inbox_path: str | None = None
    reported: bool = False


@dataclass(frozen=True)
class EmissionResult:
    period: str
    periods: list[str]  # every month recomputed: the period and months its files reach back to
    emission_rows: int
    emissions_kg_co2e: float
    factor_list: str
    duration_s: float
    # Which lists the factors came from where not from the policy's own list (a year without a list of
    # its own, a partial list): ingest prints them, so no fallback goes unsaid.
    factor_notes: tuple[str, ...] = ()


@dataclass
class RunSummary:
    run_id: str
    period: str
    status: str
    files: list[FileResult] = field(default_factory=list)
    emissions: EmissionResult | None = None
    duration_s: float = 0.0
    skipped: list[str] = field(default_factory=list)  # inbox files left for a later run, with the reason
    raw_store_problems: list[str] = field(default_factory=list)  # kept files gone or resized (footprint verify)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)


_log = logging.getLogger("footprint.pipeline")
_PERSONAL_COLUMNS = ("card_number", "driver")
# A payment or fuel card number (ISO/IEC 7812: 12 to 19 digits, printed in groups): personal in any column.
_CARD_NUMBER_SHAPE = r"\s*\d(?:[ -]?\d){11,18}\s*"
# Columns whose long numbers are not personal: a connection's EAN (18 digits) names a meter.
_NOT_PERSONAL_COLUMNS = ("ean",)
_ENGINES: dict[tuple[str, str | None], sa.Engine] = {}
_ENGINES_LOCK = threading.Lock()
_PARSE_THREADS = 2
_READ_MANY_FILES = 64  # files per read_many call: their cells are converted together


def warehouse(ws: Workspace) -> sa.Engine:
    """One engine per warehouse and process, schema applied and the default factor list loaded."""
    key = (ws.warehouse_url, ws.warehouse_schema)  # organisations sharing a database differ by schema
    with _ENGINES_LOCK:  # a month's datasets load in parallel tasks: migrate and seed once
        engine = _ENGINES.get(key)
        if engine is None:
            engine = make_warehouse(ws.warehouse_url, ws.warehouse_schema, duckdb_memory_limit=ws.duckdb_memory_limit)
            ensure_default_factors(engine)
            _ENGINES[key] = engine
    return engine


def close_warehouses() -> None:
    """Release every open warehouse: an embedded DuckDB file is locked while this process holds it."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


def loaded_checksums(ws: Workspace) -> set[str]:
    return set(loaded_files(ws))


def loaded_files(ws: Workspace) -> dict[str, tuple[str, dt.date]]:
    """Checksum -> (name, delivery month) of every file loaded: a file's content is loaded once."""
    with warehouse(ws).connect() as conn:
        rows = conn.execute(sa.text("SELECT file_sha256, file_name, period FROM raw_files"))
        return {sha: (name, period) for sha, name, period in rows}


def _staging(ws: Workspace) -> Path:
    return ws.staging or ws.config_path.parent / ".staging"


def inbox(ws: Workspace) -> Inbox:
    """The workspace's inbox: a folder or S3, with files still being written left for the next run."""
    return open_inbox(ws.inbox, _staging(ws), settle_seconds=ws.inbox_settle_seconds, endpoint_url=ws.s3_endpoint_url)


def raw_store(ws: Workspace) -> RawStore:
    return open_raw_store(ws.raw_store, endpoint_url=ws.s3_endpoint_url)


@dataclass(frozen=True)
class Pulled:
    paths: list[str]  # local paths of the new files (S3 objects are downloaded)
    skipped: list[str]  # "<name> skipped, <reason>": still uploading, empty or temporary; a later run takes them
    rejected: list[FileResult] = field(default_factory=list)  # files no run can take as they are (a name that is not UTF-8)


def shown_name(name: str) -> str:
    """A file name as one line of text: bytes that are not UTF-8 (kept by the file system as surrogates) and
    control characters (a line break would forge a line of output) shown as \\xNN."""
    return one_line(os.fsencode(name).decode("utf-8", "backslashreplace"))


def pull_inbox(ws: Workspace, period: str) -> Pulled:
    """The inbox files of a period whose content has not been loaded before, and those left for later.

    A file whose content is loaded already is passed over, and named: moved here from another month's
    folder, or a copy under another name, with the command that reads the loaded one again. A file
    whose name is not UTF-8 is rejected: no warehouse, log or report can hold its name as it is.
    """
    done = loaded_files(ws)
    month = parse_period(period)
    scan = inbox(ws).scan(month)
    skipped = [f"{shown_name(s.name)} skipped, {s.reason}" for s in scan.skipped]
    new: list[str] = []
    rejected: list[FileResult] = []
    for path in scan.files:
        try:
            sha = sha256_of(path)
        except (StorageError, OSError) as exc:  # changed since the scan: gone, a link, a pipe
            skipped.append(f"{shown_name(path.name)} skipped, {exc.strerror if isinstance(exc, OSError) else exc}")
            continue
        if shown_name(path.name) != path.name:
            why = ("its name holds a control character (a line break, a tab or an escape)"
                   if has_control(path.name) else "its name is not valid UTF-8")
            rejected.append(FileResult(shown_name(path.name), sha, "rejected", message=(
                f"{why}; rename the file (letters such as é written by a program that does not use UTF-8, "
                "or a name pasted with a line break) and run again")))
            continue
        known = done.get(sha)
        if known is None:
            new.append(str(path))
        elif known != (path.name, month):
            name, delivered = known
            again = f"to read it again: footprint reprocess --file {shlex.quote(name)}"
            if name == path.name:
                skipped.append(
                    f"{path.name} skipped, moved here from {format_period(delivered)}, where it was loaded; "
                    f"each of its rows counts in its own month already; {again}"
                )
            else:
                skipped.append(
                    f"{path.name} skipped, same content as {name} ({format_period(delivered)}), already loaded; {again}"
                )
    for line in skipped:
        _log.warning("%s: %s", period, line)
    return Pulled(new, skipped, rejected)


def pull_new_files(ws: Workspace, period: str) -> list[str]:
    """The paths of pull_inbox: for callers that run the steps themselves (tests, benchmark)."""
    return pull_inbox(ws, period).paths


def pseudonymise(values: pd.Series, key: str) -> pd.Series:
    """Keyed hash of personal data (card numbers, driver names): stable per key, not reversible."""
    unique = values.dropna().unique()
    digests = {
        value: hmac.new(key.encode(), str(value).encode(), hashlib.sha256).hexdigest()[:16] for value in unique
    }
    return values.map(digests).astype("string")


def _activity_ids(sha: pd.Series, rows: pd.Series) -> pd.Series:
    """<first 16 hex of the file's SHA-256>-<line>: unique per row, readable in lineage."""
    prefix = pc.utf8_slice_codeunits(pa.array(sha.array).cast(pa.string()), 0, 16)  # pandas may hold large_string
    line = pc.cast(pa.array(rows.to_numpy(dtype="int64")), pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(pc.binary_join_element_wise(prefix, line, "-")), index=rows.index)


def _dates(period: pd.Series) -> pd.Series:
    """The naive month starts as Arrow dates: .dt.date would make a Python object per row."""
    days = pa.array(period.to_numpy(dtype="datetime64[s]").astype("datetime64[D]"), type=pa.date32())
    return pd.Series(pd.arrays.ArrowExtensionArray(days), index=period.index)


def _product_mapping(ws: Workspace) -> ActivityMapping:
    """Built-in product names, the fuel-card profiles' and the organisation's own, merged."""
    return product_mapping(ws.org, ws.config_path.parent)


def _prepare_fuel(frame: pd.DataFrame, ws: Workspace, sha: pd.Series, mapping: ActivityMapping) -> pd.DataFrame:
    sites = {v.plate: v.site for v in ws.org.vehicles}
    products = classify_products(frame["product"], mapping)
    fuel = products["fuel"].astype("string")
    excluded = products["excluded_reason"].astype("string")
    return pd.DataFrame(
        {
            "activity_id": _activity_ids(sha, frame["source_row"]),
            "file_sha256": sha,
            "source_row": frame["source_row"],
            "period": _dates(frame["period"]),
            "transaction_at": frame["transaction_at"],
            "card_id": frame["card_number"],  # pseudonymised when read: see _pseudonymised
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
    )


def _meter_key(carrier: str, contract: str | None) -> str | None:
    """The activity a meter's consumption maps to a factor by: electricity per contract, gas and heat per carrier."""
    if carrier == "electricity":
        return f"electricity:{contract}" if contract is not None else None
    return carrier if carrier in ("natural_gas", "district_heat") else None


def series_id(file_sha256: str, ean: str, direction: str, tariff: str | None, unit: str) -> int:
    """A meter series' key: the first 60 bits of SHA-256 of its parts, as sql/006_meter_series computes it.

    Derived, not counted: a file gets the same ids in any run and on any warehouse, and runs loading
    other months at the same time need no shared counter.
    """
    key = "|".join((file_sha256, ean, direction, tariff or "", unit))
    return int(hashlib.sha256(key.encode()).hexdigest()[:15], 16)


def _prepare_meter(frame: pd.DataFrame, ws: Workspace, sha: pd.Series, period: str) -> dict[str, pd.DataFrame]:
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
            "period": _dates(frame["period"]).array,
            "interval_start": frame["interval_start"].array,
            "interval_end": frame["interval_end"].array,
            "quantity": frame["quantity"].to_numpy(),
            "estimated": frame["estimated"].fillna(False).astype(bool).to_numpy(),
        }
    )
    return {"meter_series": series_rows, "meter_readings": readings}


def _supplier_activity_key(frame: pd.DataFrame) -> pd.Series:
    kind = frame["activity_type"]
    key = pd.Series(pd.NA, index=frame.index, dtype="string")
    key = key.mask(kind == "flight", flight_activity_key(frame["distance_km"]))
    # The mileage parser puts the car's fuel (petrol, diesel, electric, unknown) in description.
    key = key.mask(kind == "private_car", "private_car:" + frame["description"])
    key = key.mask(kind == "train", "train:electric")
    return key.mask(kind == "supplier_reported", "supplier_reported")


def _prepare_supplier(frame: pd.DataFrame, ws: Workspace, sha: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "activity_id": _activity_ids(sha, frame["source_row"]),
            "file_sha256": sha,
            "source_row": frame["source_row"],
            "period": _dates(frame["period"]),
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
    )


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


def _validation_context(ws: Workspace, mapping: ActivityMapping) -> ValidationContext:
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


@dataclass
class _ParsedFile:
    path: Path
    sha256: str
    stored_path: str
    size_bytes: int
    fmt: Any
    frame: pd.DataFrame
    started: float
    sheet: str | None
    notes: tuple[str, ...] = ()  # what the parser tells a person besides the rows (a meter replaced, a gap)
    inbox_path: str | None = None  # where it lay below its month folder: a subfolder may assign its meter
    reported: bool = False  # read with the format's own notes (read_with_report): they name its gaps already


def _prepare(
    dataset: str, frame: pd.DataFrame, ws: Workspace, sha: pd.Series, period: str, mapping: ActivityMapping
) -> dict[str, pd.DataFrame]:
    """The rows to insert per warehouse table: a dataset is one table, but meter rows are two (see _prepare_meter)."""
    if dataset == schemas.FUEL_TRANSACTIONS:
        return {dataset: _prepare_fuel(frame, ws, sha, mapping)}
    if dataset == schemas.METER_USAGE:
        return _prepare_meter(frame, ws, sha, period)
    return {dataset: _prepare_supplier(frame, ws, sha)}


def _delete_file_rows(conn: sa.Connection, dataset: str, sha256: str) -> None:
    """Remove a file's activity rows; meter_usage is a view over meter_readings and meter_series."""
    if dataset == schemas.METER_USAGE:
        series = "SELECT series_id FROM meter_series WHERE file_sha256 = :sha"
        conn.execute(sa.text(f"DELETE FROM meter_readings WHERE series_id IN ({series})"), {"sha": sha256})
        conn.execute(sa.text("DELETE FROM meter_series WHERE file_sha256 = :sha"), {"sha": sha256})
        return
    conn.execute(sa.text(f"DELETE FROM {dataset} WHERE file_sha256 = :sha"), {"sha": sha256})


@dataclass(frozen=True)
class _ValidatedBatch:
    """All files of one dataset after one validation run; `good_bounds[i]:good_bounds[i+1]` is file i."""

    good: pd.DataFrame
    good_bounds: np.ndarray
    quarantine: pd.DataFrame
    quarantine_file: np.ndarray
    sizes: list[int]
    repeated: np.ndarray  # per file, rows held only because they repeat an earlier row: counted, not wrong


def _validate_batch(dataset: str, parsed: list[_ParsedFile], context: ValidationContext) -> _ValidatedBatch:
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
    return _ValidatedBatch(
        good=good.assign(source_row=original_rows[good_positions]).reset_index(drop=True),
        good_bounds=np.searchsorted(file_index[good_positions], np.arange(len(parsed) + 1)),
        quarantine=outcome.quarantine.assign(source_row=original_rows[bad_positions], reason=reasons),
        quarantine_file=file_index[bad_positions],
        sizes=sizes,
        repeated=np.bincount(file_index[repeated_positions], minlength=len(parsed)),
    )


def _load_dataset(
    ws: Workspace, period: str, dataset: str, items: list[_ParsedFile], restating: str | None = None
) -> list[FileResult]:
    """Validate, prepare and load a dataset's files of one period together, in one transaction.

    Every file is then all in or all out, with its quarantined rows and its raw_files record; one
    commit per period instead of one per file keeps a month of hundreds of meter files in seconds.
    Rows another file already counts are held back with the file and line that count them
    (footprint.overlaps), after any earlier version of a file was superseded.

    restating: files loaded before, read again (footprint reprocess; the text says why, for the
    quarantine entries it closes): their earlier rows give way to the new ones in the same transaction.
    """
    mapping = _product_mapping(ws)
    batch = _validate_batch(dataset, items, _validation_context(ws, mapping))
    unmapped = batch.quarantine["expectation"].str.endswith(":product_mapped").to_numpy(dtype=bool)
    if unmapped.any():
        # Name the footprint.yaml line that would map the product, not just the failed rule.
        hints = unmapped_product_hints(batch.quarantine["value"][unmapped], mapping)
        batch.quarantine.loc[unmapped, "reason"] = hints.to_numpy()
    loaded = np.diff(batch.good_bounds)
    row_file = np.repeat(np.arange(len(items)), loaded)
    # Taken by Arrow: a NumPy array of repeated checksums made "string" costs seconds per million rows.
    checksums = pa.array([item.sha256 for item in items])
    sha = pd.Series(pd.arrays.ArrowStringArray(pc.take(checksums, row_file)))
    tables = _prepare(dataset, batch.good, ws, sha, period, mapping)
    gaps = _gap_notes(dataset, tables, batch.good, row_file, items)
    month = parse_period(period)
    names = [item.path.name for item in items]
    shas = [item.sha256 for item in items]
    with warehouse(ws).begin() as conn:
        loaded_meanwhile = _lock_month(conn, dataset, month, items) if restating is None else set()
        if not loaded_meanwhile:
            if restating is None:
                replaced, earlier = _supersede_earlier_versions(conn, month, items), _NO_QUARANTINE
            else:
                replaced, earlier = {}, _withdraw_for_restating(conn, dataset, shas)
            overlap = overlaps.find(conn, dataset, tables, row_file, names, shas)
            tables, kept_file = _without_overlaps(dataset, tables, overlap, row_file)
            quarantine = _quarantine_rows(batch, overlap, row_file, dataset, month, items)
            counts = _file_counts(dataset, tables, kept_file, batch.sizes, items)
            counts["already_counted"] = batch.repeated + np.bincount(
                row_file[overlap.positions], minlength=len(items)
            )
            for table, rows in tables.items():
                insert_frame(conn, table, pa.Table.from_pandas(rows, preserve_index=False))
            crash_point("load")  # reliability tests: die inside the transaction, rows half written
            insert_frame(conn, "quarantine", quarantine)
            closed = _closed(earlier, quarantine, restating)
            if not closed.empty:
                insert_frame(conn, "quarantine", closed)
            insert_frame(conn, "raw_files", _raw_file_rows(items, dataset, month, batch.sizes, counts))
    if loaded_meanwhile:
        rest = [item for item in items if item.sha256 not in loaded_meanwhile]
        skipped = [_already_loaded(item.path.name, item.sha256) for item in items if item.sha256 in loaded_meanwhile]
        return skipped + (_load_dataset(ws, period, dataset, rest) if rest else [])
    refresh_statistics(warehouse(ws), [*tables, "quarantine", "raw_files"])
    finished = time.perf_counter()
    return [
        FileResult(
            file_name=item.path.name,
            file_sha256=item.sha256,
            outcome="loaded",
            dataset=dataset,
            source_format=item.fmt.NAME,
            rows_read=batch.sizes[i],
            rows_loaded=int(counts["loaded"][i]),
            rows_quarantined=int(counts["quarantined"][i]),
            rows_excluded=int(counts["excluded"][i]),
            duration_s=finished - item.started,
            message=_file_notes(item, replaced.get(item.sha256)),
            notes=item.notes + tuple(gaps.get(i, [])),
        )
        for i, item in enumerate(items)
    ]


def _without_overlaps(
    dataset: str, tables: dict[str, pd.DataFrame], overlap: overlaps.Overlaps, row_file: np.ndarray
) -> tuple[dict[str, pd.DataFrame], np.ndarray]:
    """The tables without the rows another file counts, and each kept row's file."""
    if not len(overlap.positions):
        return tables, row_file
    keep = np.ones(len(row_file), dtype=bool)
    keep[overlap.positions] = False
    if dataset != schemas.METER_USAGE:
        return {dataset: tables[dataset][keep].reset_index(drop=True)}, row_file[keep]
    readings = tables["meter_readings"][keep].reset_index(drop=True)
    series = tables["meter_series"]
    series = series[series["series_id"].isin(readings["series_id"])].reset_index(drop=True)
    return {"meter_series": series, "meter_readings": readings}, row_file[keep]


def _quarantine_rows(
    batch: _ValidatedBatch,
    overlap: overlaps.Overlaps,
    row_file: np.ndarray,
    dataset: str,
    month: dt.date,
    items: list[_ParsedFile],
) -> pd.DataFrame:
    """The batch's quarantine entries: validation's, then one per row another file already counts."""
    entries = batch.quarantine.assign(file_index=batch.quarantine_file)
    if len(overlap.positions):
        good = batch.good.iloc[overlap.positions]
        what = {
            schemas.METER_USAGE: ("interval_start, interval_end", "the same moment of this meter and direction"),
            schemas.FUEL_TRANSACTIONS: ("plate, transaction_at, product, quantity", "the same fuelling"),
            schemas.SUPPLIER_ACTIVITY: ("supplier, period, activity_type, quantity", "the same activity"),
        }[dataset]
        first, second = what[0].split(", ")[:2]
        value = good[first].astype("string") + " | " + good[second].astype("string")
        reasons = [
            f"already counted: {what[1]} comes from {other} line {line}; a file counts once, the first delivered "
            "(a corrected file under its own name replaces its earlier version)"
            for other, line in zip(overlap.other_file, overlap.other_row)
        ]
        entries = pd.concat(
            [
                entries,
                pd.DataFrame(
                    {
                        "source_row": good["source_row"].to_numpy(),
                        "column_name": what[0],
                        "value": value.to_numpy(),
                        "expectation": overlaps.EXPECTATION,
                        "reason": reasons,
                        "file_index": row_file[overlap.positions],
                    }
                ),
            ],
            ignore_index=True,
        )
    index = entries["file_index"].to_numpy(dtype=int)
    names = np.array([item.path.name for item in items], dtype=object)[index]
    rules = _CONFIGURATION_RULES | (_FUEL_CONFIGURATION_RULES if dataset == "fuel_transactions" else frozenset())
    fixable = entries["expectation"].str.split(":").str[-1].isin(rules).to_numpy(dtype=bool)
    if fixable.any():  # the row is right, the configuration lacks something: name the command that reads it again
        commands = pd.Series([shlex.quote(str(n)) for n in names[fixable]], dtype="string")
        entries.loc[fixable, "reason"] = (
            entries.loc[fixable, "reason"].astype("string").to_numpy()
            + "; then run `footprint reprocess --file " + commands.to_numpy() + "`"
        )
    return entries.assign(
        file_sha256=np.array([item.sha256 for item in items], dtype=object)[index],
        file_name=np.array([item.path.name for item in items], dtype=object)[index],
        dataset=dataset,
        period=month,
        value=entries["value"].astype("string"),
    )[list(_QUARANTINE_COLUMNS)]


def _file_counts(
    dataset: str, tables: dict[str, pd.DataFrame], kept_file: np.ndarray, sizes: list[int], items: list[_ParsedFile]
) -> dict[str, np.ndarray]:
    """Rows loaded, quarantined and excluded per file: rows read = loaded + quarantined, every file."""
    loaded = np.bincount(kept_file, minlength=len(items))
    if dataset == schemas.FUEL_TRANSACTIONS:
        excluded_rows = tables[dataset]["excluded_reason"].notna().to_numpy()
        excluded = np.bincount(kept_file[excluded_rows], minlength=len(items))
    else:
        excluded = np.zeros(len(items), dtype=np.int64)
    # A line may give several rows (a reading per register): rows read = rows loaded + rows quarantined.
    quarantined = np.asarray(sizes) - loaded
    return {"loaded": loaded, "quarantined": quarantined, "excluded": excluded}


def _raw_file_rows(
    items: list[_ParsedFile], dataset: str, month: dt.date, sizes: list[int], counts: dict[str, np.ndarray]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file_sha256": [item.sha256 for item in items],
            "file_name": [item.path.name for item in items],
            "source_format": [item.fmt.NAME for item in items],
            "dataset": dataset,
            "period": month,
            "size_bytes": [item.size_bytes for item in items],
            "stored_path": [item.stored_path for item in items],
            "source_sheet": pd.array([item.sheet for item in items], dtype="string"),
            "inbox_path": pd.array([item.inbox_path for item in items], dtype="string"),
            "rows_read": sizes,
            "rows_loaded": counts["loaded"],
            "rows_quarantined": counts["quarantined"],
            "rows_excluded": counts["excluded"],
            "rows_already_counted": counts["already_counted"],
            "loaded_at": pd.Timestamp.now(tz="UTC"),
        }
    )


_QUARANTINE_COLUMNS = (
    "file_sha256", "file_name", "dataset", "period", "source_row", "column_name", "value", "expectation", "reason",
)
# Rules a row fails because footprint.yaml (or a profile) lacks something, not because the row is wrong.
_CONFIGURATION_RULES = frozenset({"product_mapped", "plate_configured", "ean_configured", "unit_routed"})
# A fuelling's plausible size follows footprint.yaml (tank_litres, vehicle_class); a meter's or supplier's bound is physics.
_FUEL_CONFIGURATION_RULES = frozenset({"quantity_plausible"})
_QUARANTINE_KEY = ["file_sha256", "source_row", "column_name", "expectation"]
_NO_QUARANTINE = pd.DataFrame(columns=[*_QUARANTINE_COLUMNS, "closed_at", "closed_reason"])


def _withdraw_for_restating(conn: sa.Connection, dataset: str, shas: list[str]) -> pd.DataFrame:
    """Remove loaded files' rows, run records and quarantine entries, to load them again in this transaction.

    Returns the open quarantine entries removed: those the new reading no longer raises are put back
    closed (_closed), the others come back open from the new reading itself.
    """
    query = sa.text(
        f"SELECT {', '.join(_QUARANTINE_COLUMNS)} FROM quarantine WHERE file_sha256 IN :shas AND closed_at IS NULL"
    ).bindparams(sa.bindparam("shas", expanding=True))
    earlier = pd.DataFrame(conn.execute(query, {"shas": shas}).all(), columns=list(_QUARANTINE_COLUMNS))
    for sha in shas:
        _delete_file_rows(conn, dataset, sha)
    for statement in ("DELETE FROM quarantine WHERE file_sha256 IN :shas AND closed_at IS NULL",
                      "DELETE FROM raw_files WHERE file_sha256 IN :shas"):  # closed entries stay: history
        conn.execute(sa.text(statement).bindparams(sa.bindparam("shas", expanding=True)), {"shas": shas})
    return earlier


def _closed(earlier: pd.DataFrame, now: pd.DataFrame, why: str | None) -> pd.DataFrame:
    """Earlier open quarantine entries that the new reading no longer raises, closed with the reason."""
    if earlier.empty:
        return earlier.reindex(columns=[*_QUARANTINE_COLUMNS, "closed_at", "closed_reason"])
    keys = earlier[_QUARANTINE_KEY].astype(str)
    still = now[_QUARANTINE_KEY].astype(str).drop_duplicates()
    matched = keys.merge(still, how="left", on=_QUARANTINE_KEY, indicator=True)["_merge"].to_numpy() == "both"
    return earlier[~matched].assign(closed_at=pd.Timestamp.now(tz="UTC"), closed_reason=why)


def _gap_notes(
    dataset: str, tables: dict[str, pd.DataFrame], good: pd.DataFrame, row_file: np.ndarray, items: list[_ParsedFile]
) -> dict[int, list[str]]:
    """Per file, the gaps in its meters' intervals (as `footprint parse` shows them), for the ingest output.

    Only for files whose format gave no notes of its own (a format with read_with_report names its
    gaps). Cheap first, on whole columns: a series (meter, direction, tariff, unit: its starts are
    unique after validation) whose intervals add up to its span has none; only files with another
    series are sorted interval by interval.
    """
    wanted = {item.sha256 for item in items if not item.reported}
    if dataset != schemas.METER_USAGE or good.empty or not wanted:
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
        found = [str(note) for note in source_meters.capped(source_meters.interval_notes(rows))
                 if note.kind == "gap" or note.message.startswith("... and")]
        if found:
            notes[i] = found
    return notes


def _lock_month(conn: sa.Connection, dataset: str, month: dt.date, items: list[_ParsedFile]) -> set[str]:
    """Wait for another run loading this dataset and month, then return which of these files it loaded.

    Two runs of one month both find a file new before either commits; the second then loads nothing twice.
    """
    advisory_xact_lock(conn, "load", dataset, month)
    return _loaded_among(conn, [item.sha256 for item in items])


def _loaded_among(conn: sa.Connection, checksums: list[str]) -> set[str]:
    query = sa.text("SELECT file_sha256 FROM raw_files WHERE file_sha256 IN :shas")
    return set(conn.execute(query.bindparams(sa.bindparam("shas", expanding=True)), {"shas": checksums}).scalars())


def _already_loaded(name: str, sha256: str) -> FileResult:
    return FileResult(name, sha256, "skipped", message="already loaded (same content)")


def _spans_months(item: _ParsedFile) -> bool:
    """A file whose rows lie in more than one month: a year export, a quarterly statement, a back delivery.

    Downloaded again under its name in a later month's folder, it replaces the earlier download.
    """
    if getattr(item.fmt, "SPANS_MONTHS", False):
        return True
    periods = item.frame["period"]
    return bool(len(periods) and periods.min() != periods.max())


def _file_notes(item: _ParsedFile, replaced_sha: str | None) -> str | None:
    notes = [f"corrected file: restates {replaced_sha[:12]}"] if replaced_sha else []
    if item.frame.empty:
        notes.append("no data rows: the file holds a header only")
    skipped = skipped_records(item.frame)
    if skipped:
        notes.append("skipped records: " + ", ".join(f"{kind} {count}" for kind, count in sorted(skipped.items())))
    return "; ".join(notes) or None


def _supersede_earlier_versions(conn: sa.Connection, month: dt.date, items: list[_ParsedFile]) -> dict[str, str]:
    """A file with the name of one already loaded for the month is its correction: restate.

    The earlier version's activity, quarantine and emission rows go; its raw file stays in the
    store and in raw_files, marked superseded; a restatement row keeps its total for comparison.
    Returns new checksum -> replaced checksum.
    """
    replaced: dict[str, str] = {}
    # One query for the batch (a month of meter files is hundreds), matched per file below.
    query = sa.text(
        "SELECT file_name, period, file_sha256, dataset FROM raw_files WHERE file_name IN :names "
        "AND superseded_by IS NULL"
    ).bindparams(sa.bindparam("names", expanding=True))
    candidates: dict[str, list[tuple[dt.date, str, str]]] = {}
    for name, period, sha, dataset in conn.execute(query, {"names": sorted({i.path.name for i in items})}):
        candidates.setdefault(name, []).append((period, sha, dataset))
    for item in items:
        # A multi-month export downloaded again later (more months, corrections) lands in a later
        # month's folder: for those the name alone identifies the earlier version.
        earlier = [
            (sha, dataset)
            for period, sha, dataset in candidates.get(item.path.name, [])
            if sha != item.sha256 and sha not in replaced.values() and (_spans_months(item) or period == month)
        ]
        for old_sha, old_dataset in earlier:
            params = {"old": old_sha, "new": item.sha256}
            old_kg = conn.execute(
                sa.text("SELECT coalesce(sum(emissions_kg_co2e), 0) FROM emissions WHERE file_sha256 = :old"), params
            ).scalar_one()
            _delete_file_rows(conn, old_dataset, old_sha)  # its emissions are derived from its rows: they go too
            conn.execute(
                sa.text(
                    "UPDATE quarantine SET closed_at = CURRENT_TIMESTAMP, closed_reason = :why "
                    "WHERE file_sha256 = :old AND closed_at IS NULL"
                ),
                {**params, "why": f"the corrected file {item.path.name} ({item.sha256[:12]}) replaced this version"},
            )
            conn.execute(sa.text("UPDATE raw_files SET superseded_by = :new WHERE file_sha256 = :old"), params)
            conn.execute(
                sa.text(
                    "INSERT INTO restatements (restatement_id, kind, period, file_name, old_file_sha256, "
                    "new_file_sha256, old_kg_co2e, restated_at) VALUES "
                    "(:id, 'corrected_file', :period, :name, :old, :new, :old_kg, CURRENT_TIMESTAMP)"
                ),
                {**params, "id": uuid.uuid4().hex, "period": month, "name": item.path.name, "old_kg": float(old_kg)},
            )
            replaced[item.sha256] = old_sha
    return replaced


def meter_option(meters: list[Meter], path: Path) -> list[str] | None:
    """The meters a file is assigned to, as the `ean` a source format takes for rows naming no valid EAN.

    footprint.yaml assigns files to a meter by file-name pattern or inbox subfolder (meters[].files);
    without an assignment, a configured EAN standing in the file's name (a portal's yearly xlsx) is the
    meter. The carrier goes with each EAN, so an export holding electricity and gas places each. The
    file's own valid EAN always wins (footprint.sources.meters.row_eans).
    """
    inside = path_in_month(path)
    chosen = [m for m in meters if m.takes_file(path.name, inside)] or [m for m in meters if m.ean in path.name]
    words = {"electricity": "electricity", "natural_gas": "gas"}
    return source_meters.Assigned(f"{words[m.carrier]}={m.ean}" if m.carrier in words else m.ean for m in chosen) or None


@dataclass(frozen=True)
class _StoredFile:
    """A kept file of a format that reads many files at once (see footprint.sources.BatchReader), not yet read."""

    path: Path
    stored: StoredFile
    fmt: Any
    ean: Any  # what read() would be given as `ean`
    store_s: float  # keeping the file and recognising its format


def _store_and_parse(
    store: RawStore, path: Path, own_formats: list[Any], meters: list[Meter]
) -> FileResult | _ParsedFile | _StoredFile:
    """Keep the raw file, then read it; a file footprint cannot read at all becomes a rejected result.

    The organisation's own fuel-card profiles are tried before the built-in formats. A meter export
    gets the meters footprint.yaml assigns it (meter_option) for rows that name no valid EAN. A file
    of a built-in format that reads many files at once is only kept and recognised: _parse_batch
    reads it with others. A format's notes (a meter replaced, rows left out and why) go with the rows.
    """
    started = time.perf_counter()
    stored = store.put(path)
    try:
        return _parse_stored(path, stored, own_formats, meters, started)
    except InputFileError as exc:
        return FileResult(path.name, stored.sha256, "rejected", duration_s=time.perf_counter() - started, message=str(exc))


def _parse_stored(
    path: Path, stored: StoredFile, own_formats: list[Any], meters: list[Meter], started: float,
    placed: Path | None = None,
) -> _ParsedFile | _StoredFile:
    """Read a kept file; `placed` is where it lay in the inbox when that is not `path` (a file read again)."""
    head = read_head(path)
    own = next((f for f in own_formats if f.sniff(head)), None)
    fmt = own or detect_format(path)
    placed = placed or path
    ean = meter_option(meters, placed) if fmt.DATASET == schemas.METER_USAGE else None
    if own is None and batch_reader(fmt) is not None:
        return _StoredFile(path, stored, fmt, ean, time.perf_counter() - started)
    report = getattr(fmt, "read_with_report", None)
    frame, notes = report(path, ean=ean) if report is not None else (fmt.read(path, ean=ean), [])
    sheet = data_sheet_name(path, fmt.sniff)
    return _ParsedFile(
        path, stored.sha256, stored.stored_path, stored.size_bytes, fmt, frame, started, sheet,
        tuple(str(note) for note in notes), path_in_month(placed), reported=report is not None,
    )


def _parse_batch(batch: list[_StoredFile]) -> list[FileResult | _ParsedFile]:
    """Read kept files of one format in one read_many call; each file's time is its keeping plus its share of the call."""
    began = time.perf_counter()
    reader = batch_reader(batch[0].fmt)
    assert reader is not None
    results = reader.read_many([each.path for each in batch], [each.ean for each in batch])
    share = (time.perf_counter() - began) / len(batch)
    parsed: list[FileResult | _ParsedFile] = []
    for each, result in zip(batch, results, strict=True):
        seconds = each.store_s + share
        stored = each.stored
        if isinstance(result, InputFileError):
            parsed.append(FileResult(each.path.name, stored.sha256, "rejected", duration_s=seconds, message=str(result)))
        else:
            sheet = data_sheet_name(each.path, each.fmt.sniff)
            started = time.perf_counter() - seconds
            parsed.append(
                _ParsedFile(
                    each.path, stored.sha256, stored.stored_path, stored.size_bytes, each.fmt, result, started, sheet,
                    inbox_path=path_in_month(each.path),
                )
            )
    return parsed


def _batch_size(count: int, threads: int, most: int) -> int:
    """Files per read_many call for `count` files: even batches of at most `most`, a whole number per thread."""
    number = max(-(-count // most), min(threads, count), 1)
    if number > threads:
        number = -(-number // threads) * threads
    return max(-(-count // number), 1)


def _parsed(ws: Workspace, paths: list[str]) -> Iterator[FileResult | _ParsedFile]:
    """Store and parse files on two threads (the readers spend their time in pyarrow and DuckDB, outside the GIL).

    Each file is kept and its format recognised, a few files ahead of the results. A file of a
    format that reads many files at once (the 15-minute exports, hundreds a month) waits for others
    of its format: they are read together, as a task of their own, as soon as a batch is complete,
    while the next files are kept. Other files are read one by one. Results come in the order of
    `paths`, each as soon as it and those before it are ready.
    """
    store = raw_store(ws)
    own_formats = user_formats(ws.org, ws.config_path.parent)
    meters = list(ws.org.meters)
    key = ws.pseudonym_key
    size = _batch_size(len(paths), _PARSE_THREADS, _READ_MANY_FILES)

    def keep(p: str) -> FileResult | _ParsedFile | _StoredFile:
        item = _store_and_parse(store, Path(p), own_formats, meters)
        return item if isinstance(item, _StoredFile) else _pseudonymised(_file_eans_replaced(item, meters), key)

    def read(files: list[_StoredFile]) -> list[FileResult | _ParsedFile]:
        return [_pseudonymised(_file_eans_replaced(item, meters), key) for item in _parse_batch(files)]

    with ThreadPoolExecutor(max_workers=_PARSE_THREADS) as pool:
        queue = iter(paths)
        keeping = deque(pool.submit(keep, p) for p in itertools.islice(queue, 2 * _PARSE_THREADS))
        # Per path: its result, or (the batch's future, its place in the batch), or None while its batch fills.
        slots: list[FileResult | _ParsedFile | tuple[Future[list[FileResult | _ParsedFile]], int] | None] = []
        waiting: dict[str, list[tuple[int, _StoredFile]]] = {}

        def read_waiting(name: str) -> None:
            files = waiting.pop(name)
            future = pool.submit(read, [each for _, each in files])
            for place, (index, _) in enumerate(files):
                slots[index] = (future, place)

        def result(index: int) -> FileResult | _ParsedFile:
            slot, slots[index] = slots[index], None
            assert slot is not None
            return slot[0].result()[slot[1]] if isinstance(slot, tuple) else slot

        def ready(index: int) -> bool:
            slot = slots[index]
            return slot is not None and (not isinstance(slot, tuple) or slot[0].done())

        given = 0
        while keeping:
            item = keeping.popleft().result()
            keeping.extend(pool.submit(keep, p) for p in itertools.islice(queue, 1))
            if isinstance(item, _StoredFile):
                slots.append(None)
                files = waiting.setdefault(item.fmt.NAME, [])
                files.append((len(slots) - 1, item))
                if len(files) == size:
                    read_waiting(item.fmt.NAME)
            else:
                slots.append(item)
            while given < len(slots) and ready(given):
                yield result(given)
                given += 1
        for name in list(waiting):
            read_waiting(name)
        for index in range(given, len(slots)):
            yield result(index)


def _file_eans_replaced(item: FileResult | _ParsedFile, meters: list[Meter]) -> FileResult | _ParsedFile:
    """Rows under a code that footprint.yaml says stands for an assigned meter (meters[].file_ean) become its."""
    if isinstance(item, FileResult) or "ean" not in item.frame.columns:
        return item
    inside = item.inbox_path or item.path.name
    codes = {m.file_ean: m.ean for m in meters if m.file_ean is not None and m.takes_file(item.path.name, inside)}
    if not codes:
        return item
    eans = item.frame["ean"]
    frame = item.frame.assign(ean=eans.mask(eans.isin(list(codes)), eans.map(codes)).astype("string"))
    frame.attrs = item.frame.attrs
    note = "; ".join(f"rows under {code} are meter {ean} (footprint.yaml file_ean)" for code, ean in codes.items())
    return replace(item, frame=frame, notes=(*item.notes, note))


def _pseudonymised(item: FileResult | _ParsedFile, key: str) -> FileResult | _ParsedFile:
    """Card numbers and driver names replaced by their keyed hash as soon as a file is read.

    By column, and by shape in every other text column: a card number in the plate column (columns
    swapped in an export) is just as personal. Staged Parquet, validation, quarantine values and
    reasons and the warehouse then never hold them; the raw store keeps the original file as the audit copy.
    """
    if isinstance(item, FileResult):
        return item
    frame = item.frame
    replaced = {c: pseudonymise(frame[c], key) for c in _PERSONAL_COLUMNS if c in frame}
    for column in frame.columns.difference([*_PERSONAL_COLUMNS, *_NOT_PERSONAL_COLUMNS]):
        if pd.api.types.is_string_dtype(frame[column].dtype) or frame[column].dtype == object:
            values = frame[column].astype("string")
            codes, uniques = pd.factorize(values)  # a month of meter rows has a handful of distinct units or words
            matched = pd.Series(uniques, dtype="string").str.fullmatch(_CARD_NUMBER_SHAPE).fillna(False)
            shaped = np.append(matched.to_numpy(dtype=bool), False)[codes]  # code -1 (missing) takes the False
            if shaped.any():
                replaced[column] = values.mask(shaped, pseudonymise(values[shaped], key))
    if not replaced:
        return item
    frame = frame.assign(**replaced)
    frame.attrs = item.frame.attrs
    return replace(item, frame=frame)


def load_files(ws: Workspace, period: str, paths: list[str]) -> list[FileResult]:
    """Store, parse, validate and load a period's new files; each file in one transaction, all or none.

    A file whose content was loaded before is skipped. The flow does this in one task for a month of
    few files; a bigger month runs the same steps as separate tasks (stage_files, then load_staged
    per dataset), its rows passed on as Parquet.
    """
    done = loaded_checksums(ws)
    results: list[FileResult] = []
    parsed: dict[str, list[_ParsedFile]] = {}
    for item in _parsed(ws, paths):
        if isinstance(item, FileResult):
            results.append(item)
        elif item.sha256 in done:
            results.append(FileResult(item.path.name, item.sha256, "skipped", message="already loaded (same content)"))
        else:
            done.add(item.sha256)
            parsed.setdefault(item.fmt.DATASET, []).append(item)
    for dataset, items in parsed.items():
        results.extend(_load_dataset(ws, period, dataset, items))
    return results


def file_batches(paths: list[str], size: int | None) -> list[list[str]]:
    """A month's files in batches of at most `size` (at least one file; None: all), one parsing task each."""
    size = max(size or len(paths), 1)
    return [paths[i : i + size] for i in range(0, len(paths), size)]


def stage_files(ws: Workspace, period: str, paths: list[str]) -> list[FileResult | StagedFile]:
    """Keep and parse files, leaving each one's canonical rows as Parquet for load_staged.

    The flow maps this over a month's files, so parsing spreads over threads or Dask workers while
    only small records travel between tasks. An unreadable file comes back as a rejected FileResult.
    """
    folder = _staging(ws) / "parsed" / period
    return [item if isinstance(item, FileResult) else _write_staged(item, folder) for item in _parsed(ws, paths)]


def _write_staged(item: _ParsedFile, folder: Path) -> StagedFile:
    target = folder / f"{item.sha256}.parquet"
    # Written beside and renamed: two files of the same content in one month share this name.
    partial = folder / f".{item.sha256}.{uuid.uuid4().hex[:8]}.parquet"
    with disk_errors(f"staging folder {folder.parents[1]}", f"staging the rows of {item.path.name}"):
        folder.mkdir(parents=True, exist_ok=True)
        item.frame.to_parquet(partial, index=False)  # pandas keeps frame.attrs (skipped records) with the rows
        os.replace(partial, target)
    return StagedFile(
        file_name=item.path.name,
        file_sha256=item.sha256,
        stored_path=item.stored_path,
        size_bytes=item.size_bytes,
        dataset=item.fmt.DATASET,
        source_format=item.fmt.NAME,
        spans_months=_spans_months(item),
        sheet=item.sheet,
        parsed_path=str(target),
        parse_s=time.perf_counter() - item.started,
        notes=item.notes,
        inbox_path=item.inbox_path,
        reported=item.reported,
    )


def dataset_batches(staged: list[FileResult | StagedFile]) -> list[list[StagedFile]]:
    """Staged files grouped as they are loaded: per dataset."""
    groups: dict[str, list[StagedFile]] = {}
    for item in staged:
        if isinstance(item, StagedFile):
            groups.setdefault(item.dataset, []).append(item)
    return list(groups.values())


@dataclass(frozen=True)
class _StagedFormat:
    """What loading needs to know of a staged file's format (a format module does not travel between processes)."""

    NAME: str
    DATASET: str
    SPANS_MONTHS: bool


def load_staged(ws: Workspace, period: str, dataset: str, staged: list[StagedFile]) -> list[FileResult]:
    """Validate and load one dataset's staged files of a period in one transaction, then drop their Parquet.

    A file whose content was loaded before (by an earlier run, or a retry of this task) is skipped.
    """
    done = loaded_checksums(ws)
    results: list[FileResult] = []
    items: list[_ParsedFile] = []
    gone: list[StagedFile] = []
    for each in staged:
        if each.file_sha256 in done:
            results.append(_already_loaded(each.file_name, each.file_sha256))
        else:
            done.add(each.file_sha256)
            item = _read_staged(each)
            if item is None:
                gone.append(each)
            else:
                items.append(item)
    results.extend(_loaded_elsewhere(ws, period, gone))
    if items:
        results.extend(_load_dataset(ws, period, dataset, items))
    for each in staged:
        Path(each.parsed_path).unlink(missing_ok=True)
    return results


def _loaded_elsewhere(ws: Workspace, period: str, gone: list[StagedFile]) -> list[FileResult]:
    """Staged files whose Parquet vanished: another run of the month staged the same content, loaded it and removed it.

    Its commit comes before its removal, so such a file is loaded; anything else is a real loss, said so.
    """
    if not gone:
        return []
    with warehouse(ws).connect() as conn:
        loaded = _loaded_among(conn, [each.file_sha256 for each in gone])
    lost = [each.file_name for each in gone if each.file_sha256 not in loaded]
    if lost:
        names = ", ".join(lost)
        raise StorageError(f"{period}: the staged rows of {names} were removed before loading; run the month again")
    return [_already_loaded(each.file_name, each.file_sha256) for each in gone]


def _read_staged(each: StagedFile) -> _ParsedFile | None:
    """The staged rows as parsed, or None when they are gone (see _loaded_elsewhere)."""
    try:
        frame = pd.read_parquet(each.parsed_path)
    except FileNotFoundError:
        return None
    conformed = schemas.conform(frame, each.dataset)  # Parquet has no second resolution: back to the canonical dtypes
    conformed.attrs = frame.attrs
    return _ParsedFile(
        path=Path(each.file_name),
        sha256=each.file_sha256,
        stored_path=each.stored_path,
        size_bytes=each.size_bytes,
        fmt=_StagedFormat(each.source_format, each.dataset, each.spans_months),
        frame=conformed,
        started=time.perf_counter() - each.parse_s,
        sheet=each.sheet,
        notes=each.notes,
        inbox_path=each.inbox_path,
        reported=each.reported,
    )




_APPLIED_FACTOR_COLUMNS = (
    "source", "ladder_scope", "ghg_scope", "ghg_category", "factor_id", "factor_kg_co2e_per_unit",
    "location_factor_id", "location_factor_kg_co2e_per_unit",
)


def _periods_delivered_for(conn: sa.Connection, month: dt.date) -> dict[dt.date, tuple[str, ...]]:
    """The months to recompute, each with its activity tables: the run's month whole, earlier months
    only for the tables that files delivered for this month carry rows of.

    A quarterly supplier statement delivered in March holds January and February rows too; their
    emissions belong to those months, so those months' supplier emissions are recomputed with the
    delivery. Their meter and fuel rows did not change: recomputing them would redo most of a month.
    """
    union = " UNION ".join(
        f"SELECT DISTINCT a.period, '{table}' FROM {table} a JOIN raw_files r ON r.file_sha256 = a.file_sha256 "
        "WHERE r.period = :period AND a.period <> :period"
        for table in schemas.DATASETS
    )
    tables: dict[dt.date, set[str]] = {}
    for period, table in conn.execute(sa.text(union), {"period": month}):
        tables.setdefault(period, set()).add(table)
    tables[month] = set(schemas.DATASETS)
    return {m: tuple(t for t in schemas.DATASETS if t in tables[m]) for m in sorted(tables)}


def _recompute_period(
    conn: sa.Connection, month: dt.date, keymap: pd.DataFrame, tables: tuple[str, ...] = schemas.DATASETS
) -> None:
    """Rewrite the month's applied factors: one row per activity table, activity key and unit its rows carry.

    Each unit gets its route to the factor's unit (footprint.units): the emissions view multiplies a
    row's quantity by the route's multiplier and the factor. A key without a factor, or a unit without
    a route, stops the month with the reason: validation keeps such rows out, so it means the
    configuration changed under loaded rows (`footprint reprocess` re-reads them).
    """
    # Two runs recomputing a month at once would each delete, then each insert: rows twice.
    advisory_xact_lock(conn, "emissions", month)
    used = pd.DataFrame(
        conn.execute(
            sa.text(
                " UNION ALL ".join(
                    f"SELECT DISTINCT '{table}' AS activity_table, activity_key, unit FROM {table} "
                    "WHERE period = :period AND activity_key IS NOT NULL"
                    for table in tables
                )
            ),
            {"period": month},
        ).all(),
        columns=["activity_table", "activity_key", "unit"],
    )
    applied = _applied_factors(conn, month, used, keymap)
    delete = sa.text("DELETE FROM applied_factors WHERE period = :period AND activity_table IN :tables")
    conn.execute(delete.bindparams(sa.bindparam("tables", expanding=True)), {"period": month, "tables": list(tables)})
    for table in tables:
        insert_frame(conn, "applied_factors", applied[applied["activity_table"] == table].assign(period=month))
        crash_point("compute")  # reliability tests: die with the month's factors half rewritten


def _factor_rows(conn: sa.Connection, factor_ids: list[str]) -> pd.DataFrame:
    """Name, list and calorific value of the factors a month applies, for unit routes and their lineage."""
    columns = ["factor_id", "name", "list_id", "source_row", "mj_per_unit"]
    if not factor_ids:
        return pd.DataFrame(columns=columns).set_index("factor_id")
    query = sa.text(
        "SELECT factor_id, name, list_id, source_row, mj_per_unit FROM factors WHERE factor_id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    return pd.DataFrame(conn.execute(query, {"ids": factor_ids}).all(), columns=columns).set_index("factor_id")


def _applied_factors(conn: sa.Connection, month: dt.date, used: pd.DataFrame, keymap: pd.DataFrame) -> pd.DataFrame:
    """The applied_factors rows of one month: per (table, key, unit) its factor and the route to the factor's unit."""
    factors = keymap.set_index("activity_key")
    problems: list[str] = []
    unknown = sorted(set(used["activity_key"]) - set(factors.index))
    problems += [f"no factor mapped for activity {key} (see footprint/data/activity_factors.yaml)" for key in unknown]
    if "unresolved" in factors.columns:
        unresolved = factors["unresolved"].dropna()
        problems += [str(unresolved[key]) for key in sorted(set(used["activity_key"]) & set(unresolved.index))]
    if problems:
        raise FactorError(f"{format_period(month)}: " + "; ".join(problems))
    picked = factors.loc[used["activity_key"]]
    calorific = [c for c in ("factor_id", "mj_factor_id") if c in factors.columns]
    details = _factor_rows(conn, sorted({str(f) for c in calorific for f in picked[c].dropna()}))
    records: list[dict[str, Any]] = []
    for table, key, unit in used.itertuples(index=False):  # a few dozen keys a month, not rows
        factor = factors.loc[key]
        factor_id = factor["factor_id"]
        mj_per_unit, source = None, "the factor list"
        # The calorific value comes from the factor's own row, or the row resolve_factors took it from.
        stated_by = factor.get("mj_factor_id") if "mj_factor_id" in factors.columns else None
        stated_by = stated_by if stated_by is not None and pd.notna(stated_by) else factor_id
        if pd.notna(stated_by) and stated_by in details.index:
            row = details.loc[stated_by]
            mj_per_unit = float(row["mj_per_unit"]) if pd.notna(row["mj_per_unit"]) else None
            source = f"list {row['list_id']}, {row['name']}, row {int(row['source_row'])}"
        try:
            unit_route = units.route(key, unit, mj_per_unit, calorific_source=source)
        except units.UnitRouteError as exc:
            problems.append(f"{table} rows of {key} in {unit}: {exc}")
            continue
        fallback = factor.get("fallback_note") if "fallback_note" in factors.columns else None
        records.append(
            {
                "activity_table": table,
                "activity_key": key,
                **{column: factor[column] for column in _APPLIED_FACTOR_COLUMNS},
                "unit": unit,
                "list_unit": unit_route.list_unit,
                "unit_multiplier": unit_route.multiplier,
                "unit_route": unit_route.route,
                "fallback_note": fallback if fallback is not None and pd.notna(fallback) else None,
            }
        )
    if problems:
        raise FactorError(f"{format_period(month)}: " + "; ".join(problems) + "; run `footprint reprocess` after "
                          "correcting the configuration")
    columns = ["activity_table", "activity_key", *_APPLIED_FACTOR_COLUMNS, "unit", "list_unit", "unit_multiplier",
               "unit_route", "fallback_note"]
    return pd.DataFrame.from_records(records, columns=columns)


def compute_emissions(ws: Workspace, period: str) -> EmissionResult:
    """Recompute the emission rows of the period (and of months its files reach back to) in one transaction."""
    started = time.perf_counter()
    month = parse_period(period)
    engine = warehouse(ws)
    lists: set[str] = set()
    notes: dict[str, None] = {}
    by_year: dict[int, Any] = {}
    with engine.begin() as conn:
        months = _periods_delivered_for(conn, month)
        for each, tables in months.items():
            if each.year not in by_year:
                by_year[each.year] = resolve_factors(engine, each.year, ws.org.factor_policy)
            resolved = by_year[each.year]
            lists.add(f"{resolved.list_year} (version {resolved.version})")
            notes.update({f"{each.year}: {note}": None for note in resolved.fallbacks})
            _recompute_period(conn, each, resolved.table, tables)
        conn.execute(
            sa.text(
                "UPDATE restatements SET new_kg_co2e = (SELECT coalesce(sum(e.emissions_kg_co2e), 0) FROM emissions e "
                "WHERE e.file_sha256 = restatements.new_file_sha256) "
                "WHERE kind = 'corrected_file' AND period = :period"
            ),
            {"period": month},
        )
        rows, total = conn.execute(
            sa.text("SELECT count(*), coalesce(sum(emissions_kg_co2e), 0) FROM emissions WHERE period = :period"),
            {"period": month},
        ).one()
    refresh_statistics(engine, ["applied_factors"])
    return EmissionResult(
        period=format_period(month),
        periods=[format_period(m) for m in months],
        emission_rows=int(rows),
        emissions_kg_co2e=float(total),
        factor_list=", ".join(sorted(lists)),
        duration_s=time.perf_counter() - started,
        factor_notes=tuple(notes),
    )


@dataclass(frozen=True)
class FactorRestatement:
    period: str
    old_factor_list: str
    new_factor_list: str
    old_kg_co2e: float
    new_kg_co2e: float


_FACTOR_IDS = ["activity_key", "factor_id", "location_factor_id"]
_FACTOR_USE_COLUMNS = [*_FACTOR_IDS, "fallback_note"]


def _factor_use(conn: sa.Connection) -> pd.DataFrame:
    """Per computed month, which factors each of its activity keys applies."""
    rows = conn.execute(
        sa.text(
            "SELECT DISTINCT period, activity_key, factor_id, location_factor_id, fallback_note FROM applied_factors"
        )
    ).all()
    return pd.DataFrame(rows, columns=["period", *_FACTOR_USE_COLUMNS])


def _factor_set(frame: pd.DataFrame, columns: list[str]) -> set[tuple[Any, ...]]:
    """Per activity key its factor ids (and fallback note): what a month's figures and lineage rest on."""
    cells = frame[columns].astype(object)
    return set(cells.where(cells.notna(), None).itertuples(index=False, name=None))


def _list_ids(conn: sa.Connection, frame: pd.DataFrame, first: str | None = None) -> str:
    """The lists behind a month's factors, `first` (the policy's pick) leading when among them."""
    factor_ids = sorted(set(frame["factor_id"].dropna()) | set(frame["location_factor_id"].dropna()))
    if not factor_ids:
        return ""
    query = sa.text("SELECT DISTINCT list_id FROM factors WHERE factor_id IN :ids")
    ids = conn.execute(query.bindparams(sa.bindparam("ids", expanding=True)), {"ids": factor_ids}).scalars()
    return ", ".join(sorted(ids, key=lambda i: (i != first, i)))


def restate_for_factor_lists(ws: Workspace) -> list[FactorRestatement]:
    """Recompute every computed month whose factors change under the policy; record each restatement.

    Called after a factor list is loaded: a correction, an earlier year's list or an own list of a
    few factors may now give some of a month's activity keys another factor. A month is compared key
    by key, by factor and grid-average factor id, so a partial list restates exactly the months that
    use a key it changes. A month whose ids stay but whose fallback notes change (they name the lists
    looked in, and where a calorific value came from) is recomputed to keep its lineage true, and
    recorded as restated only if its total moves.
    """
    engine = warehouse(ws)
    restated: list[FactorRestatement] = []
    resolved_by_year: dict[int, Any] = {}
    with engine.begin() as conn:
        for month, used in _factor_use(conn).groupby("period", sort=True):
            if month.year not in resolved_by_year:
                resolved_by_year[month.year] = resolve_factors(engine, month.year, ws.org.factor_policy)
            resolved = resolved_by_year[month.year]
            now = resolved.table[resolved.table["activity_key"].isin(used["activity_key"])]
            if _factor_set(used, _FACTOR_USE_COLUMNS) == _factor_set(now, _FACTOR_USE_COLUMNS):
                continue
            total = sa.text("SELECT coalesce(sum(emissions_kg_co2e), 0) FROM emissions WHERE period = :period")
            old_kg = float(conn.execute(total, {"period": month}).scalar_one())
            _recompute_period(conn, month, resolved.table)
            new_kg = float(conn.execute(total, {"period": month}).scalar_one())
            unmoved = abs(new_kg - old_kg) <= 1e-9 * max(1.0, abs(old_kg))  # parallel sums differ in the last bits
            if _factor_set(used, _FACTOR_IDS) == _factor_set(now, _FACTOR_IDS) and unmoved:
                continue
            old_lists, new_lists = _list_ids(conn, used), _list_ids(conn, now, resolved.list_id)
            conn.execute(
                sa.text(
                    "INSERT INTO restatements (restatement_id, kind, period, old_factor_lists, new_factor_lists, "
                    "old_kg_co2e, new_kg_co2e, restated_at) VALUES "
                    "(:id, 'factor_list', :period, :old_list, :new_list, :old_kg, :new_kg, CURRENT_TIMESTAMP)"
                ),
                {
                    "id": uuid.uuid4().hex, "period": month, "old_list": old_lists, "new_list": new_lists,
                    "old_kg": old_kg, "new_kg": new_kg,
                },
            )
            restated.append(FactorRestatement(format_period(month), old_lists, new_lists, old_kg, new_kg))
    return restated


def record_run(
    ws: Workspace,
    period: str,
    started_at: dt.datetime,
    files: list[FileResult],
    emissions: EmissionResult | None,
    error: str | None = None,
    skipped: list[str] | None = None,
) -> RunSummary:
    """Write the run log: one row for the run and one per file it handled."""
    finished = dt.datetime.now(dt.timezone.utc)
    run_id = uuid.uuid4().hex
    rejected = [f for f in files if f.outcome == "rejected"]
    quarantined = sum(f.rows_quarantined for f in files)
    status = "failed" if error else ("warnings" if rejected or quarantined else "ok")
    duration = (finished - started_at).total_seconds()
    run_row = pd.DataFrame(
        {
            "run_id": [run_id],
            "period": [parse_period(period)],
            "started_at": [pd.Timestamp(started_at)],
            "finished_at": [pd.Timestamp(finished)],
            "status": [status],
            "files_seen": [len(files)],
            "files_loaded": [sum(f.outcome == "loaded" for f in files)],
            "rows_read": [sum(f.rows_read for f in files)],
            "rows_loaded": [sum(f.rows_loaded for f in files)],
            "rows_quarantined": [quarantined],
            "rows_excluded": [sum(f.rows_excluded for f in files)],
            "duration_s": [duration],
            "message": [error],
        }
    )
    file_rows = pd.DataFrame(
        [
            {
                "run_id": run_id,
                "file_sha256": f.file_sha256,
                "file_name": f.file_name,
                "dataset": f.dataset,
                "outcome": f.outcome,
                "rows_read": f.rows_read,
                "rows_loaded": f.rows_loaded,
                "rows_quarantined": f.rows_quarantined,
                "rows_excluded": f.rows_excluded,
                "duration_s": f.duration_s,
                "message": "; ".join(part for part in (f.message, *f.notes) if part) or None,
            }
            for f in files
        ],
        columns=[
            "run_id", "file_sha256", "file_name", "dataset", "outcome", "rows_read", "rows_loaded",
            "rows_quarantined", "rows_excluded", "duration_s", "message",
        ],
    )
    with warehouse(ws).begin() as conn:
        insert_frame(conn, "runs", run_row)
        insert_frame(conn, "run_files", file_rows)
    return RunSummary(run_id, format_period(parse_period(period)), status, files, emissions, duration, skipped or [])

