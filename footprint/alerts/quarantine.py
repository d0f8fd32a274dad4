"""The quarantine rule: files of the month with too many rows failing validation, or none readable at all."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from footprint.alert_record import QUARANTINE_RATE, Alert
from footprint.alerts.finding import (
    SERIES_MONTHS,
    Wording,
    frame,
    plain,
    to_alert,
)
from footprint.config.alerting import AlertConfig
from footprint.periods import add_months, format_period

_FILES_SQL = """
SELECT file_name, dataset, rows_read, rows_quarantined - coalesce(rows_already_counted, 0) AS rows_quarantined,
       NULL AS message
FROM raw_files WHERE period = :period AND superseded_by IS NULL
UNION ALL
SELECT f.file_name, f.dataset, NULL AS rows_read, NULL AS rows_quarantined, max(f.message) AS message
FROM run_files f JOIN runs r ON r.run_id = f.run_id
WHERE r.period = :period AND f.outcome = 'rejected'
  AND f.file_sha256 NOT IN (SELECT file_sha256 FROM raw_files)
GROUP BY f.file_name, f.dataset
"""

_SHARES_SQL = """
SELECT dataset, period, 100.0 * sum(rows_quarantined - coalesce(rows_already_counted, 0)) / sum(rows_read)
       AS share_pct
FROM raw_files WHERE superseded_by IS NULL AND rows_read > 0 AND period >= :first AND period <= :last
GROUP BY dataset, period
"""


def _wording(row: pd.Series, rejected: bool, rate: float, period: str, history: list[dict[str, Any]],
             config: AlertConfig) -> Wording:
    """row: the file's line of the files table; a rejected file could not be read at all."""
    evidence = {"observed": plain(rate), "threshold": config.quarantine_pct, "unit": "% of rows quarantined",
                "file_name": row["file_name"], "dataset": row["dataset"], "series": history}
    if rejected:
        return Wording(
            f"{row['file_name']}: the file could not be read",
            f"{row['file_name']} delivered for {period} could not be read at all: {row['message']}",
            evidence,
        )
    return Wording(
        f"{row['file_name']}: {rate:.0f} % of its rows failed validation",
        f"{int(row['rows_quarantined'])} of {int(row['rows_read'])} rows of {row['file_name']} ({period}) "
        f"were quarantined ({rate:.1f} %, threshold {config.quarantine_pct:g} %); "
        "`footprint status` and the quarantine table say which and why.",
        evidence | {"rows_read": int(row["rows_read"]), "rows_quarantined": int(row["rows_quarantined"]),
                    "min_rows": config.quarantine_min_rows},
    )


def quarantine_alerts(files: pd.DataFrame, shares: pd.DataFrame, month: dt.date, config: AlertConfig) -> list[Alert]:
    """Files of the month whose quarantined share is above the threshold, and files that could not be read.

    files: file_name, dataset, rows_read, rows_quarantined (None for a rejected file), message.
    shares: dataset, period, share_pct: the datasets' monthly quarantined share, for the history.
    """
    if files.empty:
        return []
    rejected = files["rows_quarantined"].isna()
    read = files["rows_read"].fillna(0).astype(float)
    rate = np.where(rejected, 100.0, files["rows_quarantined"].fillna(0).astype(float) / read.clip(lower=1) * 100)
    fires = rejected | ((read >= config.quarantine_min_rows) & (rate > config.quarantine_pct))
    period = format_period(month)
    alerts = []
    for i in np.flatnonzero(fires.to_numpy()):
        row = files.iloc[i]
        history = shares[shares["dataset"] == row["dataset"]].sort_values("period")
        points = [{"period": format_period(p), "value": plain(v)}
                  for p, v in zip(history["period"], history["share_pct"], strict=True)]
        wording = _wording(row, bool(rejected.iloc[i]), rate[i], period, points, config)
        alerts.append(to_alert(QUARANTINE_RATE, str(row["file_name"]), period, wording, config))
    return alerts


def find_quarantine_alerts(conn: sa.Connection, month: dt.date, config: AlertConfig) -> list[Alert]:
    """The run's month's files, with their datasets' quarantined share over SERIES_MONTHS as history."""
    files = frame(conn, _FILES_SQL, period=month)
    if files.empty:
        return []
    shares = frame(conn, _SHARES_SQL, first=add_months(month, -SERIES_MONTHS), last=month)
    shares["period"] = pd.to_datetime(shares["period"]).dt.date
    return quarantine_alerts(files, shares, month, config)
