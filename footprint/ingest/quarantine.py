"""Quarantine entries: rows held back with file, line, column and reason, and their closing when a
new reading no longer raises them.
"""

from __future__ import annotations

import datetime as dt
import shlex

import numpy as np
import pandas as pd
import sqlalchemy as sa

from footprint.ingest.datasets.rules import DatasetRules
from footprint.ingest.overlaps import EXPECTATION, Overlaps
from footprint.ingest.results import ParsedFile
from footprint.ingest.validate import ValidatedBatch

QUARANTINE_COLUMNS = (
    "file_sha256", "file_name", "dataset", "period", "source_row", "column_name", "value", "expectation", "reason",
)


_QUARANTINE_KEY = ["file_sha256", "source_row", "column_name", "expectation"]


NO_QUARANTINE = pd.DataFrame(columns=[*QUARANTINE_COLUMNS, "closed_at", "closed_reason"])


def quarantine_rows(
    batch: ValidatedBatch,
    overlap: Overlaps,
    row_file: np.ndarray,
    rules: DatasetRules,
    month: dt.date,
    items: list[ParsedFile],
) -> pd.DataFrame:
    """The batch's quarantine entries: validation's, then one per row another file already counts."""
    entries = batch.quarantine.assign(file_index=batch.quarantine_file)
    if len(overlap.positions):
        good = batch.good.iloc[overlap.positions]
        what = (rules.same_row_columns, rules.same_row_words)
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
                        "expectation": EXPECTATION,
                        "reason": reasons,
                        "file_index": row_file[overlap.positions],
                    }
                ),
            ],
            ignore_index=True,
        )
    index = entries["file_index"].to_numpy(dtype=int)
    names = np.array([item.path.name for item in items], dtype=object)[index]
    fixable = entries["expectation"].str.split(":").str[-1].isin(rules.configuration_rules).to_numpy(dtype=bool)
    if fixable.any():  # the row is right, the configuration lacks something: name the command that reads it again
        commands = pd.Series([shlex.quote(str(n)) for n in names[fixable]], dtype="string")
        entries.loc[fixable, "reason"] = (
            entries.loc[fixable, "reason"].astype("string").to_numpy()
            + "; then run `footprint reprocess --file " + commands.to_numpy() + "`"
        )
    return entries.assign(
        file_sha256=np.array([item.sha256 for item in items], dtype=object)[index],
        file_name=np.array([item.path.name for item in items], dtype=object)[index],
        dataset=rules.name,
        period=month,
        value=entries["value"].astype("string"),
    )[list(QUARANTINE_COLUMNS)]


def withdraw_for_restating(conn: sa.Connection, rules: DatasetRules, shas: list[str]) -> pd.DataFrame:
    """Remove loaded files' rows, run records and quarantine entries, to load them again in this transaction.

    Returns the open quarantine entries removed: those the new reading no longer raises are put back
    closed (closed_entries), the others come back open from the new reading itself.
    """
    query = sa.text(
        f"SELECT {', '.join(QUARANTINE_COLUMNS)} FROM quarantine WHERE file_sha256 IN :shas AND closed_at IS NULL"
    ).bindparams(sa.bindparam("shas", expanding=True))
    earlier = pd.DataFrame(conn.execute(query, {"shas": shas}).all(), columns=list(QUARANTINE_COLUMNS))
    for sha in shas:
        rules.delete_file_rows(conn, sha)
    for statement in ("DELETE FROM quarantine WHERE file_sha256 IN :shas AND closed_at IS NULL",
                      "DELETE FROM raw_files WHERE file_sha256 IN :shas"):  # closed entries stay: history
        conn.execute(sa.text(statement).bindparams(sa.bindparam("shas", expanding=True)), {"shas": shas})
    return earlier


def closed_entries(earlier: pd.DataFrame, now: pd.DataFrame, why: str | None) -> pd.DataFrame:
    """Earlier open quarantine entries that the new reading no longer raises, closed with the reason."""
    if earlier.empty:
        return earlier.reindex(columns=[*QUARANTINE_COLUMNS, "closed_at", "closed_reason"])
    keys = earlier[_QUARANTINE_KEY].astype(str)
    still = now[_QUARANTINE_KEY].astype(str).drop_duplicates()
    matched = keys.merge(still, how="left", on=_QUARANTINE_KEY, indicator=True)["_merge"].to_numpy() == "both"
    return earlier[~matched].assign(closed_at=pd.Timestamp.now(tz="UTC"), closed_reason=why)
