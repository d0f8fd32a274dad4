"""`footprint reprocess`: read stored raw files again after footprint.yaml, a profile, a mapping or a meter changed.

A row quarantined for a product nobody had mapped yet, a meter file nobody had assigned, a unit
without a route: once the configuration says what it is, the raw file footprint kept (by its
SHA-256, in the raw store) is read again as if it lay where it was delivered. That is a restatement:
the file's earlier rows, quarantine entries and run record give way to the new reading in one
transaction per month and dataset, the months it touches are recomputed, and every month whose
kg CO2e moved is recorded in `restatements` (kind 'reprocessed') with its old and new figure.
Quarantine entries the new reading no longer raises are closed with the reason; the others stay open.

A file that cannot be read any more under the new configuration keeps its earlier rows, and its
line says why. Files superseded by a corrected version are not read again.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from footprint import schemas
from footprint.config.workspace import Workspace
from footprint.emissions import compute_emissions
from footprint.errors import InputFileError, StorageError, UsageError
from footprint.ingest.load import load_dataset
from footprint.ingest.parse import (
    StoredForBatch,
    file_eans_replaced,
    parse_batch,
    parse_stored,
)
from footprint.ingest.personal import pseudonymised
from footprint.ingest.results import FileResult, ParsedFile
from footprint.periods import format_period
from footprint.resources import raw_store, staging_folder, warehouse
from footprint.sources.own_formats import organisation_formats
from footprint.storage.raw_store import StoredFile
from footprint.warehouse.bulk import insert_frame

KIND = "reprocessed"
_CHANGE_KG = 0.0005  # below half a gram the figure did not move: no restatement is recorded


@dataclass(frozen=True)
class Restated:
    """One month of one file whose kg CO2e the new reading moved."""

    period: str
    file_name: str
    file_sha256: str
    old_kg_co2e: float
    new_kg_co2e: float


@dataclass(frozen=True)
class ReprocessResult:
    files: list[FileResult]
    restated: list[Restated]
    quarantine_closed: int
    delivery_periods: list[str]  # the inbox months the files were delivered in: alerts are judged for these
    activity_periods: list[str]  # the months their rows lie in, before or after


def select_files(
    ws: Workspace,
    first: dt.date | None = None,
    last: dt.date | None = None,
    file_pattern: str | None = None,
    dataset: str | None = None,
) -> pd.DataFrame:
    """The current raw files to read again: delivered in first..last or holding rows of those months,
    whose name matches the pattern (a glob, case ignored) and of the dataset, each given filter applying."""
    if dataset is not None and dataset not in schemas.DATASETS:
        raise UsageError(f"--dataset {dataset!r}: use one of {', '.join(schemas.DATASETS)}")
    with warehouse(ws).connect() as conn:
        files = pd.DataFrame(
            conn.execute(
                sa.text(
                    "SELECT file_sha256, file_name, dataset, period, stored_path, inbox_path FROM raw_files "
                    "WHERE superseded_by IS NULL ORDER BY period, file_name"
                )
            ).all(),
            columns=["file_sha256", "file_name", "dataset", "period", "stored_path", "inbox_path"],
        )
        if first is not None or last is not None:
            low, high = first or dt.date(1900, 1, 1), last or dt.date(9999, 12, 1)
            touching = set(
                conn.execute(
                    sa.text(
                        "SELECT DISTINCT file_sha256 FROM fuel_transactions WHERE period BETWEEN :low AND :high "
                        "UNION SELECT DISTINCT file_sha256 FROM supplier_activity WHERE period BETWEEN :low AND :high "
                        "UNION SELECT DISTINCT s.file_sha256 FROM meter_series s WHERE s.series_id IN ("
                        "SELECT DISTINCT series_id FROM meter_readings WHERE period BETWEEN :low AND :high)"
                    ),
                    {"low": low, "high": high},
                ).scalars()
            )
            delivered = pd.to_datetime(files["period"]).dt.date
            files = files[delivered.between(low, high) | files["file_sha256"].isin(touching)]
    if dataset is not None:
        files = files[files["dataset"] == dataset]
    if file_pattern is not None:
        files = files[[fnmatch.fnmatchcase(n.casefold(), file_pattern.casefold()) for n in files["file_name"]]]
    return files.reset_index(drop=True)


def _kg_per_file_month(conn: sa.Connection, shas: list[str]) -> dict[tuple[str, dt.date], float]:
    query = sa.text(
        "SELECT file_sha256, period, coalesce(sum(emissions_kg_co2e), 0) FROM emissions WHERE file_sha256 IN :shas "
        "GROUP BY file_sha256, period"
    ).bindparams(sa.bindparam("shas", expanding=True))
    return {(sha, period): float(kg) for sha, period, kg in conn.execute(query, {"shas": shas})}


def _read_again(ws: Workspace, row: Any, own_formats: list[Any]) -> ParsedFile | FileResult:
    """A stored file parsed with today's configuration, as if it lay where it was delivered."""
    started = time.perf_counter()
    placed = Path(format_period(row.period)) / (row.inbox_path or row.file_name)
    try:
        local = raw_store(ws).fetch(row.stored_path, row.file_sha256, staging_folder(ws))
        stored = StoredFile(row.file_sha256, row.stored_path, local.stat().st_size, already_stored=True)
        parsed = parse_stored(local, stored, own_formats, list(ws.org.meters), started, placed=placed)
        if isinstance(parsed, StoredForBatch):
            [parsed] = parse_batch([parsed])
            if isinstance(parsed, FileResult):
                raise InputFileError(local, parsed.message or "cannot be read")
    except (InputFileError, StorageError) as exc:
        return FileResult(row.file_name, row.file_sha256, "rejected", dataset=row.dataset,
                          message=f"not read again, its earlier rows stay: {exc}")
    if parsed.fmt.DATASET != row.dataset:
        return FileResult(row.file_name, row.file_sha256, "rejected", dataset=row.dataset,
                          message=f"now reads as {parsed.fmt.DATASET} ({parsed.fmt.NAME}), loaded as {row.dataset}: "
                          "not read again, its earlier rows stay")
    parsed = replace(parsed, path=Path(row.file_name), inbox_path=row.inbox_path or row.file_name)
    return pseudonymised(file_eans_replaced(parsed, list(ws.org.meters)), ws.pseudonym_key)


def reprocess(
    ws: Workspace,
    first: dt.date | None = None,
    last: dt.date | None = None,
    file_pattern: str | None = None,
    dataset: str | None = None,
) -> ReprocessResult:
    """Read the selected stored files again, restate what moved and close the quarantine entries resolved."""
    files = select_files(ws, first, last, file_pattern, dataset)
    if files.empty:
        wanted = ", ".join(
            part for part in (
                f"months {format_period(first) if first else '...'} to {format_period(last) if last else '...'}"
                if first or last else "", f"file {file_pattern}" if file_pattern else "",
                f"dataset {dataset}" if dataset else "",
            ) if part
        )
        raise UsageError(f"no loaded file matches ({wanted or 'nothing given'}); `footprint status` lists the months")
    shas = files["file_sha256"].tolist()
    engine = warehouse(ws)
    with engine.connect() as conn:
        before = _kg_per_file_month(conn, shas)
        open_before = _open_entries(conn, shas)
    own_formats = organisation_formats(ws.org, ws.config_path.parent)
    today = dt.date.today().strftime("%d-%m-%Y")
    why = f"resolved by footprint reprocess on {today}: the file read again no longer raises it"
    results: list[FileResult] = []
    for (period, dataset_name), group in files.groupby(["period", "dataset"], sort=True):
        items: list[ParsedFile] = []
        for row in group.itertuples(index=False):  # per file, not per row
            read = _read_again(ws, row, own_formats)
            if isinstance(read, FileResult):
                results.append(read)
            else:
                items.append(read)
        if items:
            results += load_dataset(ws, format_period(period), dataset_name, items, restating=why)
    delivery = sorted({format_period(p) for p in files["period"]})
    months: set[str] = set()
    for period in delivery:
        months |= set(compute_emissions(ws, period).periods)
    with engine.begin() as conn:
        after = _kg_per_file_month(conn, shas)
        restated = _record(conn, files, before, after)
        closed = len(open_before) - len(_open_entries(conn, shas) & open_before)
    months |= {format_period(p) for _, p in before} | {format_period(p) for _, p in after}
    return ReprocessResult(results, restated, closed, delivery, sorted(months))


def _open_entries(conn: sa.Connection, shas: list[str]) -> set[tuple[Any, ...]]:
    query = sa.text(
        "SELECT file_sha256, source_row, column_name, expectation FROM quarantine "
        "WHERE file_sha256 IN :shas AND closed_at IS NULL"
    ).bindparams(sa.bindparam("shas", expanding=True))
    return set(map(tuple, conn.execute(query, {"shas": shas}).all()))


def _record(
    conn: sa.Connection,
    files: pd.DataFrame,
    before: dict[tuple[str, dt.date], float],
    after: dict[tuple[str, dt.date], float],
) -> list[Restated]:
    """One restatement per file and month whose kg CO2e moved; a reading that changed nothing records nothing."""
    names = dict(zip(files["file_sha256"], files["file_name"]))
    restated = [
        Restated(format_period(period), names[sha], sha, before.get((sha, period), 0.0), after.get((sha, period), 0.0))
        for sha, period in sorted(set(before) | set(after), key=lambda k: (k[1], names[k[0]]))
        if abs(after.get((sha, period), 0.0) - before.get((sha, period), 0.0)) > _CHANGE_KG
    ]
    if restated:
        now = pd.Timestamp.now(tz="UTC")
        insert_frame(
            conn,
            "restatements",
            pd.DataFrame(
                {
                    "restatement_id": [uuid.uuid4().hex for _ in restated],
                    "kind": KIND,
                    "period": [pd.Timestamp(r.period).date() for r in restated],
                    "file_name": [r.file_name for r in restated],
                    "old_file_sha256": [r.file_sha256 for r in restated],
                    "new_file_sha256": [r.file_sha256 for r in restated],
                    "old_factor_lists": None,
                    "new_factor_lists": None,
                    "old_kg_co2e": [r.old_kg_co2e for r in restated],
                    "new_kg_co2e": [r.new_kg_co2e for r in restated],
                    "restated_at": now,
                }
            ),
        )
    return restated
