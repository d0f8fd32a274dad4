"""What ingestion hands on: per file what happened to it (FileResult), a parsed file waiting as Parquet
(StagedFile), and a parsed file in memory on its way to validation and loading (ParsedFile).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd


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


@dataclass
class ParsedFile:
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


def already_loaded(name: str, sha256: str) -> FileResult:
    return FileResult(name, sha256, "skipped", message="already loaded (same content)")
