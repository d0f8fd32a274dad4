"""Nothing counted twice, nothing dropped: rows that another file already delivered.

Every row counts in its own month, whatever folder its file came in, so a year export and the
monthly files of that year can both hold March. The rule, one for every dataset:

- a file delivered again under its own name replaces its earlier version (a correction: the pipeline
  supersedes it before this check);
- otherwise the file loaded first counts. A later file's row that repeats a loaded row (fuel cards:
  same plate, moment, product and quantity; supplier rows: same supplier, month, activity,
  description, date and quantity) or, for meters, whose interval overlaps a loaded interval of the
  same EAN and direction (whatever the tariff or resolution: a day of a year file and its 15-minute
  rows in a monthly file are the same energy), is held in quarantine with the file and line that
  already count it. It is not lost: the reason names where its figure is, and `footprint reprocess
  --file <later file>` checks it again (after the earlier file was superseded, say).

Within one file nothing is compared here (a file's own duplicates are a validation rule); within a
batch of new files, the earlier file in delivery order counts first, as if loaded before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd
import sqlalchemy as sa

from footprint import schemas
from footprint.activity_mapping import normalise_product

EXPECTATION: Final = schemas.ALREADY_COUNTED


@dataclass(frozen=True)
class Overlaps:
    """Rows of a batch that another file already counts: positions into the batch's rows, and the other row."""

    positions: np.ndarray  # int64 positions of the overlapping rows in the batch's row order
    other_file: np.ndarray  # object: the file name that counts the figure
    other_row: np.ndarray  # int64: its line

    @staticmethod
    def none() -> "Overlaps":
        return Overlaps(np.zeros(0, np.int64), np.zeros(0, object), np.zeros(0, np.int64))


def _first_match(keys: pd.DataFrame, earlier: pd.DataFrame, on: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Positions of `keys` rows that equal an `earlier` row on `on`, with that earlier row's file and line."""
    if keys.empty or earlier.empty:
        return np.zeros(0, np.int64), earlier.iloc[:0]
    first = earlier.drop_duplicates(on)
    merged = keys.reset_index(names="_position").merge(first, on=on, how="inner")
    return merged["_position"].to_numpy(np.int64), merged


def keyed_overlaps(
    conn: sa.Connection,
    table: str,
    rows: pd.DataFrame,
    row_file: np.ndarray,
    names: list[str],
    on: list[str],
    scope_column: str,
) -> Overlaps:
    """Rows equal on `on` to a row of another current file (loaded, or earlier in this batch)."""
    if rows.empty:
        return Overlaps.none()
    periods = sorted({p for p in rows["period"].dropna().unique()})
    scope = sorted({str(s) for s in rows[scope_column].dropna().unique()})
    query = sa.text(
        f"SELECT {', '.join('a.' + c for c in on)}, r.file_name AS other_file, a.source_row AS other_row "
        f"FROM {table} a JOIN raw_files r ON r.file_sha256 = a.file_sha256 "
        f"WHERE r.superseded_by IS NULL AND a.period IN :periods AND a.{scope_column} IN :scope"
    ).bindparams(sa.bindparam("periods", expanding=True), sa.bindparam("scope", expanding=True))
    loaded = pd.DataFrame(conn.execute(query, {"periods": periods, "scope": scope}).all(), columns=[*on, "other_file", "other_row"])
    keys = _normalised(rows[on])
    loaded = pd.concat([_normalised(loaded[on]), loaded[["other_file", "other_row"]]], axis=1)
    found, merged = _first_match(keys, loaded, on)
    positions, files, lines = [found], [merged["other_file"].to_numpy(object)], [merged["other_row"].to_numpy(np.int64)]
    # Within the batch: a row of file i repeating a row of an earlier file j < i.
    taken = np.zeros(len(rows), bool)
    taken[found] = True
    for i in np.unique(row_file)[1:]:
        mine = np.flatnonzero((row_file == i) & ~taken)
        before = np.flatnonzero((row_file < i) & ~taken)
        earlier = keys.iloc[before].assign(
            other_file=np.array(names, object)[row_file[before]], other_row=rows["source_row"].to_numpy()[before]
        )
        hit, merged = _first_match(keys.iloc[mine].reset_index(drop=True), earlier, on)
        hit = mine[hit]
        taken[hit] = True
        positions.append(hit)
        files.append(merged["other_file"].to_numpy(object))
        lines.append(merged["other_row"].to_numpy(np.int64))
    return Overlaps(np.concatenate(positions), np.concatenate(files), np.concatenate(lines))


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Key columns as comparable values: instants in UTC, product names without case or spacing."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column == "transaction_at":
            out[column] = pd.to_datetime(values, utc=True).astype("datetime64[us, UTC]")
        elif column == "product":
            out[column] = values.astype("string").map(normalise_product, na_action="ignore").astype("string")
        elif column in ("period", "activity_date"):
            out[column] = pd.to_datetime(values).astype("datetime64[s]")
        elif column == "quantity":
            out[column] = values.astype("float64").round(9)
        else:
            out[column] = values.astype("string")
    return out


def by_key(table: str, on: list[str], scope_column: str) -> Callable[..., Overlaps]:
    """The overlap check of a one-table dataset whose rows repeat another file's when equal on `on`."""

    def find(conn: sa.Connection, tables: dict[str, pd.DataFrame], row_file: np.ndarray, names: list[str],
             shas: list[str]) -> Overlaps:
        return keyed_overlaps(conn, table, tables[table], row_file, names, on, scope_column)

    return find


def meter_overlaps(
    conn: sa.Connection, series: pd.DataFrame, readings: pd.DataFrame, names: list[str], shas: list[str]
) -> Overlaps:
    """Readings whose interval overlaps another file's interval of the same EAN and direction.

    Spans per series (first_start, last_end) decide which EANs need a look at all: a month of
    hundreds of meters, each in one file and none loaded for that month before, costs two queries.
    """
    if readings.empty:
        return Overlaps.none()
    file_of = {sha: i for i, sha in enumerate(shas)}
    spans = series.assign(
        file=series["file_sha256"].map(file_of), lo=_epoch_us(series["first_start"]), hi=_epoch_us(series["last_end"])
    )
    per_file = spans.groupby(["ean", "direction", "file"], sort=False).agg(lo=("lo", "min"), hi=("hi", "max"))
    per_file = per_file.reset_index()
    existing = _loaded_series(conn, per_file)
    several = per_file.groupby(["ean", "direction"]).size()
    suspects = set(several[several > 1].index) | set(zip(existing["ean"], existing["direction"]))
    if not suspects:
        return Overlaps.none()
    suspect = spans[[pair in suspects for pair in zip(spans["ean"], spans["direction"])]]
    look = np.flatnonzero(readings["series_id"].isin(suspect["series_id"]).to_numpy())
    info = suspect.set_index("series_id")
    ids = readings["series_id"].to_numpy()[look]
    rows = pd.DataFrame(
        {
            "ean": info["ean"].reindex(ids).to_numpy(object),
            "direction": info["direction"].reindex(ids).to_numpy(object),
            "start": _epoch_us(readings["interval_start"].iloc[look]),
            "end": _epoch_us(readings["interval_end"].iloc[look]),
            "file": info["file"].reindex(ids).to_numpy(np.int64),
            "source_row": readings["source_row"].to_numpy(np.int64)[look],
        }
    )
    loaded = _loaded_intervals(conn, existing)
    positions, files, lines = [], [], []
    for ean, direction in sorted(suspects):
        mine = np.flatnonzero((rows["ean"].to_numpy(object) == ean) & (rows["direction"].to_numpy(object) == direction))
        ref = loaded[(loaded["ean"] == ean) & (loaded["direction"] == direction)]
        ref_start, ref_end = ref["start"].to_numpy(np.int64), ref["end"].to_numpy(np.int64)
        ref_file, ref_row = ref["other_file"].to_numpy(object), ref["other_row"].to_numpy(np.int64)
        row_file = rows["file"].to_numpy()[mine]
        for i in sorted(set(row_file)):  # delivery order: an earlier file of the batch counts first
            current = mine[row_file == i]
            start, end = rows["start"].to_numpy()[current], rows["end"].to_numpy()[current]
            hit, where = _overlapping(start, end, ref_start, ref_end)
            positions.append(look[current[hit]])
            files.append(ref_file[where])
            lines.append(ref_row[where])
            kept = np.setdiff1d(np.arange(len(current)), hit)
            ref_start, ref_end = np.concatenate([ref_start, start[kept]]), np.concatenate([ref_end, end[kept]])
            ref_file = np.concatenate([ref_file, np.full(len(kept), names[i], object)])
            ref_row = np.concatenate([ref_row, rows["source_row"].to_numpy()[current[kept]]])
    return Overlaps(np.concatenate(positions), np.concatenate(files), np.concatenate(lines))


def _epoch_us(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values, utc=True).astype("datetime64[us, UTC]").to_numpy("datetime64[us]").astype(np.int64)


def _overlapping(
    start: np.ndarray, end: np.ndarray, ref_start: np.ndarray, ref_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which [start, end) meet a reference interval, and which reference (an index into ref_*) each meets.

    References sorted by start: those starting before a row's end are a prefix; the row overlaps one
    of them iff the largest end in that prefix lies after the row's start.
    """
    if not len(ref_start) or not len(start):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(ref_start, kind="stable")
    s, e = ref_start[order], ref_end[order]
    reach = np.maximum.accumulate(e)
    holder = np.maximum.accumulate(np.where(e == reach, np.arange(len(e)), 0))
    prefix = np.searchsorted(s, end, side="left")
    candidate = np.maximum(prefix - 1, 0)
    hit = np.flatnonzero((prefix > 0) & (reach[candidate] > start))
    return hit, order[holder[candidate[hit]]]


def _micros(column: str) -> str:
    """SQL for an instant as microseconds since 1970 UTC: both warehouses compare numbers, and no zoned
    timestamp is built in Python per row."""
    return f"CAST(round(EXTRACT(EPOCH FROM {column}) * 1000000) AS BIGINT)"


def _loaded_series(conn: sa.Connection, spans: pd.DataFrame) -> pd.DataFrame:
    """Loaded series of the batch's EANs whose span meets the batch's span of that EAN and direction.

    The warehouse narrows by the batch's whole span first: the earlier months of the batch's meters
    are most of their series, and none of them can meet a new month.
    """
    columns = ["series_id", "ean", "direction"]
    eans = sorted(set(spans["ean"].dropna()))
    if not eans:
        return pd.DataFrame(columns=columns)
    query = sa.text(
        f"SELECT s.series_id, s.ean, s.direction, {_micros('s.first_start')} AS lo, {_micros('s.last_end')} AS hi "
        "FROM meter_series s JOIN raw_files r ON r.file_sha256 = s.file_sha256 "
        f"WHERE r.superseded_by IS NULL AND s.ean IN :eans AND {_micros('s.first_start')} < :hi "
        f"AND {_micros('s.last_end')} > :lo"
    ).bindparams(sa.bindparam("eans", expanding=True))
    found = pd.DataFrame(
        conn.execute(query, {"eans": eans, "lo": int(spans["lo"].min()), "hi": int(spans["hi"].max())}).all(),
        columns=[*columns, "lo", "hi"],
    )
    if found.empty:
        return found[columns]
    wide = spans.groupby(["ean", "direction"]).agg(batch_lo=("lo", "min"), batch_hi=("hi", "max")).reset_index()
    joined = found.merge(wide, on=["ean", "direction"])
    return joined[(joined["lo"] < joined["batch_hi"]) & (joined["hi"] > joined["batch_lo"])][columns]


def _loaded_intervals(conn: sa.Connection, series: pd.DataFrame) -> pd.DataFrame:
    columns = ["ean", "direction", "start", "end", "other_file", "other_row"]
    if series.empty:
        return pd.DataFrame(columns=columns)
    query = sa.text(
        f"SELECT s.ean, s.direction, {_micros('m.interval_start')}, {_micros('m.interval_end')}, r.file_name, "
        "m.source_row FROM meter_readings m JOIN meter_series s ON s.series_id = m.series_id "
        "JOIN raw_files r ON r.file_sha256 = s.file_sha256 WHERE m.series_id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    found = pd.DataFrame(conn.execute(query, {"ids": [int(i) for i in series["series_id"]]}).all(), columns=columns)
    return found.astype({"start": np.int64, "end": np.int64, "other_row": np.int64})
