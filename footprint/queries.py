"""Read-side questions the CLI asks of the warehouse: totals, data status, quarantine."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from footprint.config import Workspace
from footprint.periods import format_period, month_range
from footprint.pipeline import warehouse

DATASET_LABELS = {
    "fuel_transactions": "fuel cards",
    "meter_usage": "utility files",
    "supplier_activity": "suppliers and travel",
}


# CTEs for a WITH clause. `period_rows`: the emission rows of the months :start..:end, with each
# row's line and subject (v_lineage without its raw file and factor, for grouping before joining them).
# `interval_files`: files of interval meter readings in the period, all shorter than two days (a daily
# one may have 25 hours). The workbooks sum their rows per meter, file and month: a year of 15-minute
# rows would not fit a sheet.
INTERVAL_FILES_CTE = """
interval_files AS (
    SELECT file_sha256 FROM meter_usage WHERE period >= :start AND period <= :end
    GROUP BY file_sha256  -- seconds: subtracting zoned timestamps costs DuckDB 20 times more
    HAVING max(EXTRACT(EPOCH FROM interval_end) - EXTRACT(EPOCH FROM interval_start)) < 2 * 86400
)"""

PERIOD_ROWS_CTE = """
period_rows AS (
    SELECT * FROM emissions WHERE period >= :start AND period <= :end
)"""


def _rows(ws: Workspace, sql: str, **params: Any) -> list[dict[str, Any]]:
    with warehouse(ws).connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.text(sql), params)]


def year_totals(ws: Workspace) -> list[dict[str, Any]]:
    """kg CO2e per year and ladder scope, straight from the BI view."""
    return _rows(
        ws,
        """
        SELECT year,
               sum(CASE WHEN ladder_scope = 1 THEN emissions_kg_co2e ELSE 0 END) AS scope_1_kg_co2e,
               sum(CASE WHEN ladder_scope = 2 THEN emissions_kg_co2e ELSE 0 END) AS scope_2_kg_co2e,
               sum(CASE WHEN ladder_scope = 3 THEN emissions_kg_co2e ELSE 0 END) AS scope_3_kg_co2e
        FROM v_emissions_monthly
        GROUP BY year
        ORDER BY year
        """,
    )


def quarantine_summary(ws: Workspace) -> dict[str, int]:
    row = _rows(
        ws, "SELECT count(DISTINCT file_sha256 || ':' || source_row) AS rows, count(DISTINCT file_sha256) AS files "
        "FROM quarantine"
    )[0]
    return {"rows": int(row["rows"]), "files": int(row["files"])}


def quarantine_examples(ws: Workspace, checksums: list[str], per_file: int = 3) -> dict[str, list[dict[str, Any]]]:
    """The first quarantined rows of each file (line, column, reason): what the ingest output shows to fix."""
    if not checksums:
        return {}
    with warehouse(ws).connect() as conn:
        result = conn.execute(
            sa.text(
                "SELECT file_sha256, source_row, column_name, reason FROM ("
                "SELECT *, row_number() OVER (PARTITION BY file_sha256 ORDER BY source_row, expectation) AS n "
                "FROM quarantine WHERE file_sha256 IN :shas) q WHERE n <= :per_file ORDER BY file_sha256, n"
            ).bindparams(sa.bindparam("shas", expanding=True)),
            {"shas": checksums, "per_file": per_file},
        )
        examples: dict[str, list[dict[str, Any]]] = {}
        for row in result:
            examples.setdefault(row.file_sha256, []).append(dict(row._mapping))
    return examples


def status(ws: Workspace, first: dt.date | None, last: dt.date | None) -> list[dict[str, Any]]:
    """Per month: each dataset's files and rows, and each active meter that delivered nothing."""
    files = _rows(
        ws,
        """
        SELECT period, dataset, count(*) AS files, sum(rows_loaded) AS loaded,
               sum(rows_quarantined) AS quarantined
        FROM raw_files WHERE superseded_by IS NULL GROUP BY period, dataset
        """,
    )
    meters = _rows(ws, "SELECT period, ean, count(*) AS loaded FROM meter_usage GROUP BY period, ean")
    if not files and not (first and last):
        return []
    periods = [f["period"] for f in files]
    start = first or min([dt.date(ws.org.base_year, 1, 1), *periods])
    end = last or max(periods)
    by_dataset = {(f["period"], f["dataset"]): f for f in files}
    meter_rows = {(m["period"], m["ean"]): int(m["loaded"]) for m in meters}
    result: list[dict[str, Any]] = []
    for month in month_range(start, end):
        for dataset, label in DATASET_LABELS.items():
            found = by_dataset.get((month, dataset))
            quarantined = int(found["quarantined"]) if found else 0
            result.append(
                {
                    "period": format_period(month),
                    "source": label,
                    "files": int(found["files"]) if found else 0,
                    "loaded": int(found["loaded"]) if found else 0,
                    "quarantined": quarantined,
                    "status": "missing" if not found else ("quarantined rows" if quarantined else "ok"),
                }
            )
        for meter in ws.org.meters:
            loaded = meter_rows.get((month, meter.ean), 0)
            if meter.active and not loaded:
                result.append(
                    {
                        "period": format_period(month),
                        "source": f"meter {meter.ean} ({meter.carrier}, {meter.site})",
                        "files": 0,
                        "loaded": 0,
                        "quarantined": 0,
                        "status": "missing",
                    }
                )
    return result


def factor_lists_used(ws: Workspace) -> list[dict[str, Any]]:
    """Which factor list version computed which years: a report must name the list it used."""
    return _rows(
        ws,
        """
        SELECT f.list_year, f.version, min(EXTRACT(YEAR FROM e.period)) AS first_year,
               max(EXTRACT(YEAR FROM e.period)) AS last_year
        FROM emissions e JOIN factors f ON f.factor_id = e.factor_id
        GROUP BY f.list_year, f.version
        ORDER BY f.list_year, f.version
        """,
    )


def lineage(
    ws: Workspace, period: dt.date, source: str | None = None, subject: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """A month's total, its split, and the emission rows behind it down to file and line: the `limit` largest.

    A month of 15-minute data is close to a million rows: sorting them all with their lineage exceeds
    DuckDB's memory limit, picking the largest does not.
    """
    where = "period = :period" + (" AND source = :source" if source else "") + (" AND subject = :subject" if subject else "")
    params = {"period": period, "source": source, "subject": subject}
    split = _rows(
        ws,
        f"""
        SELECT ladder_scope, source, count(*) AS activity_rows, count(DISTINCT file_sha256) AS files,
               sum(emissions_kg_co2e) AS emissions_kg_co2e
        FROM v_lineage WHERE {where}
        GROUP BY ladder_scope, source ORDER BY ladder_scope, source
        """,
        **params,
    )
    view_filter = "period = :period" + (" AND source = :source" if source else "")
    reported = _rows(ws, f"SELECT coalesce(sum(emissions_kg_co2e), 0) AS kg FROM v_emissions_monthly WHERE {view_filter}", **params)
    rows = _rows(
        ws,
        f"""
        SELECT * FROM v_lineage WHERE {where}
        ORDER BY abs(emissions_kg_co2e) DESC, file_name, source_row
        {"LIMIT :limit" if limit is not None else ""}
        """,
        **params,
        limit=limit,
    )
    return {"split": split, "reported_kg_co2e": float(reported[0]["kg"]), "rows": rows}
