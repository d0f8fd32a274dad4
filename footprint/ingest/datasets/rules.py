"""The load rules of a dataset, declared once beside its data: tables, keys, what a corrected file replaces.

A dataset module (fuel, meter, supplier) fills one DatasetRules; loading, quarantine and the overlap
check read it instead of branching on the dataset's name, so a new dataset is one new module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from footprint.activity_mapping import ActivityMapping
from footprint.config.workspace import Workspace
from footprint.ingest.overlaps import Overlaps

# Rules a row fails because footprint.yaml (or a profile) lacks something, not because the row is wrong.
CONFIGURATION_RULES = frozenset({"product_mapped", "plate_configured", "ean_configured", "unit_routed"})

Prepare = Callable[[pd.DataFrame, Workspace, pd.Series, str, ActivityMapping], dict[str, pd.DataFrame]]
FindOverlaps = Callable[[sa.Connection, dict[str, pd.DataFrame], np.ndarray, list[str], list[str]], Overlaps]
FileNotes = Callable[[dict[str, pd.DataFrame], pd.DataFrame, np.ndarray, list[Any]], dict[int, list[str]]]


def no_file_notes(tables: dict[str, pd.DataFrame], good: pd.DataFrame, row_file: np.ndarray,
                  items: list[Any]) -> dict[int, list[str]]:
    return {}


def one_table_without(tables: dict[str, pd.DataFrame], keep: np.ndarray) -> dict[str, pd.DataFrame]:
    """The dataset's one table without the rows not kept."""
    ((name, rows),) = tables.items()
    return {name: rows[keep].reset_index(drop=True)}


@dataclass(frozen=True)
class DatasetRules:
    """How one dataset's canonical rows become warehouse rows, and how they are kept apart per file."""

    name: str
    # Per warehouse table: its key, unique over the loaded rows (sql/ states it in the table's comment).
    keys: Mapping[str, tuple[str, ...]]
    # Statements removing one file's rows (:sha): a corrected file and a reprocessed one replace them.
    file_rows_delete: tuple[str, ...]
    prepare: Prepare
    find_overlaps: FindOverlaps
    # How a quarantine entry shows a row another file already counts: its columns, and in words.
    same_row_columns: str
    same_row_words: str
    configuration_rules: frozenset[str] = CONFIGURATION_RULES
    excluded_column: str | None = None  # rows loaded but not counted (excluded_reason): reported apart
    without: Callable[[dict[str, pd.DataFrame], np.ndarray], dict[str, pd.DataFrame]] = one_table_without
    file_notes: FileNotes = no_file_notes

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(self.keys)

    def delete_file_rows(self, conn: sa.Connection, sha256: str) -> None:
        for statement in self.file_rows_delete:
            conn.execute(sa.text(statement), {"sha": sha256})
