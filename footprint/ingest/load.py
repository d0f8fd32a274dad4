"""Load: a dataset's files of one month validated, prepared and written in one transaction.

A corrected file supersedes its earlier version (restated), rows another file already counts are
held in quarantine, and every file's rows read = rows loaded + rows quarantined.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from footprint.config.workspace import Workspace
from footprint.crashpoints import crash_point
from footprint.ingest.datasets.registry import DATASET_RULES
from footprint.ingest.datasets.rules import DatasetRules
from footprint.ingest.overlaps import Overlaps
from footprint.ingest.parse import parsed_files
from footprint.ingest.pull import loaded_checksums
from footprint.ingest.quarantine import (
    NO_QUARANTINE,
    closed_entries,
    quarantine_rows,
    withdraw_for_restating,
)
from footprint.ingest.results import FileResult, ParsedFile, already_loaded
from footprint.ingest.validate import (
    validate_batch,
    validation_context,
    workspace_products,
)
from footprint.periods import parse_period
from footprint.resources import warehouse
from footprint.sources.fuelcard_products import unmapped_product_hints
from footprint.sources.fuelcard_profile import skipped_records
from footprint.warehouse.bulk import insert_frame, refresh_statistics
from footprint.warehouse.migrations import advisory_xact_lock


def load_dataset(
    ws: Workspace, period: str, dataset: str, items: list[ParsedFile], restating: str | None = None
) -> list[FileResult]:
    """Validate, prepare and load a dataset's files of one period together, in one transaction.

    Every file is then all in or all out, with its quarantined rows and its raw_files record; one
    commit per period instead of one per file keeps a month of hundreds of meter files in seconds.
    Rows another file already counts are held back with the file and line that count them
    (footprint.ingest.overlaps), after any earlier version of a file was superseded.

    restating: files loaded before, read again (footprint reprocess; the text says why, for the
    quarantine entries it closes): their earlier rows give way to the new ones in the same transaction.
    """
    rules = DATASET_RULES[dataset]
    mapping = workspace_products(ws)
    batch = validate_batch(dataset, items, validation_context(ws, mapping))
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
    tables = rules.prepare(batch.good, ws, sha, period, mapping)
    gaps = rules.file_notes(tables, batch.good, row_file, items)
    month = parse_period(period)
    names = [item.path.name for item in items]
    shas = [item.sha256 for item in items]
    with warehouse(ws).begin() as conn:
        loaded_meanwhile = _lock_month(conn, dataset, month, items) if restating is None else set()
        if not loaded_meanwhile:
            if restating is None:
                replaced, earlier = _supersede_earlier_versions(conn, month, items), NO_QUARANTINE
            else:
                replaced, earlier = {}, withdraw_for_restating(conn, rules, shas)
            overlap = rules.find_overlaps(conn, tables, row_file, names, shas)
            tables, kept_file = _without_overlaps(rules, tables, overlap, row_file)
            quarantine = quarantine_rows(batch, overlap, row_file, rules, month, items)
            counts = _file_counts(rules, tables, kept_file, batch.sizes, items)
            counts["already_counted"] = batch.repeated + np.bincount(
                row_file[overlap.positions], minlength=len(items)
            )
            for table, rows in tables.items():
                insert_frame(conn, table, pa.Table.from_pandas(rows, preserve_index=False))
            crash_point("load")  # reliability tests: die inside the transaction, rows half written
            insert_frame(conn, "quarantine", quarantine)
            closed = closed_entries(earlier, quarantine, restating)
            if not closed.empty:
                insert_frame(conn, "quarantine", closed)
            insert_frame(conn, "raw_files", _raw_file_rows(items, dataset, month, batch.sizes, counts))
    if loaded_meanwhile:
        rest = [item for item in items if item.sha256 not in loaded_meanwhile]
        skipped = [already_loaded(item.path.name, item.sha256) for item in items if item.sha256 in loaded_meanwhile]
        return skipped + (load_dataset(ws, period, dataset, rest) if rest else [])
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
    rules: DatasetRules, tables: dict[str, pd.DataFrame], overlap: Overlaps, row_file: np.ndarray
) -> tuple[dict[str, pd.DataFrame], np.ndarray]:
    """The tables without the rows another file counts, and each kept row's file."""
    if not len(overlap.positions):
        return tables, row_file
    keep = np.ones(len(row_file), dtype=bool)
    keep[overlap.positions] = False
    return rules.without(tables, keep), row_file[keep]


def _file_counts(
    rules: DatasetRules, tables: dict[str, pd.DataFrame], kept_file: np.ndarray, sizes: list[int],
    items: list[ParsedFile],
) -> dict[str, np.ndarray]:
    """Rows loaded, quarantined and excluded per file: rows read = loaded + quarantined, every file."""
    loaded = np.bincount(kept_file, minlength=len(items))
    if rules.excluded_column is not None:
        excluded_rows = tables[rules.name][rules.excluded_column].notna().to_numpy()
        excluded = np.bincount(kept_file[excluded_rows], minlength=len(items))
    else:
        excluded = np.zeros(len(items), dtype=np.int64)
    # A line may give several rows (a reading per register): rows read = rows loaded + rows quarantined.
    quarantined = np.asarray(sizes) - loaded
    return {"loaded": loaded, "quarantined": quarantined, "excluded": excluded}


def _raw_file_rows(
    items: list[ParsedFile], dataset: str, month: dt.date, sizes: list[int], counts: dict[str, np.ndarray]
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


def _lock_month(conn: sa.Connection, dataset: str, month: dt.date, items: list[ParsedFile]) -> set[str]:
    """Wait for another run loading this dataset and month, then return which of these files it loaded.

    Two runs of one month both find a file new before either commits; the second then loads nothing twice.
    """
    advisory_xact_lock(conn, "load", dataset, month)
    return loaded_among(conn, [item.sha256 for item in items])


def loaded_among(conn: sa.Connection, checksums: list[str]) -> set[str]:
    query = sa.text("SELECT file_sha256 FROM raw_files WHERE file_sha256 IN :shas")
    return set(conn.execute(query.bindparams(sa.bindparam("shas", expanding=True)), {"shas": checksums}).scalars())


def spans_months(item: ParsedFile) -> bool:
    """A file whose rows lie in more than one month: a year export, a quarterly statement, a back delivery.

    Downloaded again under its name in a later month's folder, it replaces the earlier download.
    """
    if getattr(item.fmt, "SPANS_MONTHS", False):
        return True
    periods = item.frame["period"]
    return bool(len(periods) and periods.min() != periods.max())


def _file_notes(item: ParsedFile, replaced_sha: str | None) -> str | None:
    notes = [f"corrected file: restates {replaced_sha[:12]}"] if replaced_sha else []
    if item.frame.empty:
        notes.append("no data rows: the file holds a header only")
    skipped = skipped_records(item.frame)
    if skipped:
        notes.append("skipped records: " + ", ".join(f"{kind} {count}" for kind, count in sorted(skipped.items())))
    return "; ".join(notes) or None


def _supersede_earlier_versions(conn: sa.Connection, month: dt.date, items: list[ParsedFile]) -> dict[str, str]:
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
            if sha != item.sha256 and sha not in replaced.values() and (spans_months(item) or period == month)
        ]
        for old_sha, old_dataset in earlier:
            params = {"old": old_sha, "new": item.sha256}
            old_kg = conn.execute(
                sa.text("SELECT coalesce(sum(emissions_kg_co2e), 0) FROM emissions WHERE file_sha256 = :old"), params
            ).scalar_one()
            DATASET_RULES[old_dataset].delete_file_rows(conn, old_sha)  # its emissions are derived from its rows: they go too
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


def load_files(ws: Workspace, period: str, paths: list[str]) -> list[FileResult]:
    """Store, parse, validate and load a period's new files; each file in one transaction, all or none.

    A file whose content was loaded before is skipped. The flow does this in one task for a month of
    few files; a bigger month runs the same steps as separate tasks (stage_files, then load_staged
    per dataset), its rows passed on as Parquet.
    """
    done = loaded_checksums(ws)
    results: list[FileResult] = []
    parsed: dict[str, list[ParsedFile]] = {}
    for item in parsed_files(ws, paths):
        if isinstance(item, FileResult):
            results.append(item)
        elif item.sha256 in done:
            results.append(already_loaded(item.path.name, item.sha256))
        else:
            done.add(item.sha256)
            parsed.setdefault(item.fmt.DATASET, []).append(item)
    for dataset, items in parsed.items():
        results.extend(load_dataset(ws, period, dataset, items))
    return results
