"""The run log: one row per monthly run and one per file it handled, and the summary the flow returns."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pandas as pd

from footprint.config.workspace import Workspace
from footprint.emissions import EmissionResult
from footprint.ingest.results import FileResult
from footprint.periods import format_period, parse_period
from footprint.resources import warehouse
from footprint.warehouse.bulk import insert_frame


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
