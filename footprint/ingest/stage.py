"""Stage: the split path for a big month. Parsing tasks leave each file's rows as Parquet; one loading task
per dataset loads them, so only small records travel between tasks (or Dask processes).
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from footprint import schemas
from footprint.config.workspace import Workspace
from footprint.errors import StorageError
from footprint.ingest.load import load_dataset, loaded_among, spans_months
from footprint.ingest.parse import parsed_files
from footprint.ingest.pull import loaded_checksums
from footprint.ingest.results import FileResult, ParsedFile, StagedFile, already_loaded
from footprint.resources import staging_folder, warehouse
from footprint.storage.files import disk_errors


def file_batches(paths: list[str], size: int | None) -> list[list[str]]:
    """A month's files in batches of at most `size` (at least one file; None: all), one parsing task each."""
    size = max(size or len(paths), 1)
    return [paths[i : i + size] for i in range(0, len(paths), size)]


def stage_files(ws: Workspace, period: str, paths: list[str]) -> list[FileResult | StagedFile]:
    """Keep and parse files, leaving each one's canonical rows as Parquet for load_staged.

    The flow maps this over a month's files, so parsing spreads over threads or Dask workers while
    only small records travel between tasks. An unreadable file comes back as a rejected FileResult.
    """
    folder = staging_folder(ws) / "parsed" / period
    return [item if isinstance(item, FileResult) else _write_staged(item, folder) for item in parsed_files(ws, paths)]


def _write_staged(item: ParsedFile, folder: Path) -> StagedFile:
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
        spans_months=spans_months(item),
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
    items: list[ParsedFile] = []
    gone: list[StagedFile] = []
    for each in staged:
        if each.file_sha256 in done:
            results.append(already_loaded(each.file_name, each.file_sha256))
        else:
            done.add(each.file_sha256)
            item = _read_staged(each)
            if item is None:
                gone.append(each)
            else:
                items.append(item)
    results.extend(_loaded_elsewhere(ws, period, gone))
    if items:
        results.extend(load_dataset(ws, period, dataset, items))
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
        loaded = loaded_among(conn, [each.file_sha256 for each in gone])
    lost = [each.file_name for each in gone if each.file_sha256 not in loaded]
    if lost:
        names = ", ".join(lost)
        raise StorageError(f"{period}: the staged rows of {names} were removed before loading; run the month again")
    return [already_loaded(each.file_name, each.file_sha256) for each in gone]


def _read_staged(each: StagedFile) -> ParsedFile | None:
    """The staged rows as parsed, or None when they are gone (see _loaded_elsewhere)."""
    try:
        frame = pd.read_parquet(each.parsed_path)
    except FileNotFoundError:
        return None
    conformed = schemas.conform(frame, each.dataset)  # Parquet has no second resolution: back to the canonical dtypes
    conformed.attrs = frame.attrs
    return ParsedFile(
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
