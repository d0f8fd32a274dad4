"""Read-side questions the CLI asks of the warehouse: totals, data status, quarantine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from footprint import schemas
from footprint.activity_mapping import load_activity_mapping
from footprint.config.workspace import Workspace
from footprint.periods import format_period, month_range, parse_period
from footprint.resources import warehouse
from footprint.schemas import LOCAL_TZ

DATASET_LABELS = {
    "fuel_transactions": "fuel cards",
    "meter_usage": "meter data",
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
                # One line per row, column and reason: a line of four registers fails four times alike.
                "SELECT file_sha256, source_row, column_name, reason FROM ("
                "SELECT *, row_number() OVER (PARTITION BY file_sha256 ORDER BY source_row, expectation) AS n FROM ("
                "SELECT DISTINCT file_sha256, source_row, column_name, expectation, reason FROM quarantine "
                "WHERE file_sha256 IN :shas AND closed_at IS NULL) d) q WHERE n <= :per_file ORDER BY file_sha256, n"
            ).bindparams(sa.bindparam("shas", expanding=True)),
            {"shas": checksums, "per_file": per_file},
        )
        examples: dict[str, list[dict[str, Any]]] = {}
        for row in result:
            examples.setdefault(row.file_sha256, []).append(dict(row._mapping))
    return examples


# Coverage: which configured source delivered rows for which month. A row counts in its own month
# (period), whatever inbox folder its file came in, so a year file fills twelve months.
# Meter rows are aggregated per series and month before meter_series is joined: at 10 M interval rows
# that sums ten million narrow rows once, and the join meets a few hundred.
_ACTIVITY_MONTHS_SQL = """
WITH meter_months AS (
    SELECT series_id, period, count(*) AS rows_loaded, min(interval_start) AS first_start,
           max(interval_end) AS last_end
    FROM meter_readings WHERE period >= :start AND period <= :end
    GROUP BY series_id, period
)
SELECT m.period, 'meter_usage' AS dataset, s.ean AS subject, s.file_sha256, sum(m.rows_loaded) AS rows_loaded,
       min(m.first_start) AS first_start, max(m.last_end) AS last_end
FROM meter_months m JOIN meter_series s ON s.series_id = m.series_id
GROUP BY m.period, s.ean, s.file_sha256
UNION ALL
SELECT period, 'fuel_transactions', CAST(NULL AS VARCHAR), file_sha256, count(*),
       CAST(NULL AS TIMESTAMP WITH TIME ZONE), CAST(NULL AS TIMESTAMP WITH TIME ZONE)
FROM fuel_transactions WHERE period >= :start AND period <= :end
GROUP BY period, file_sha256
UNION ALL
SELECT period, 'supplier_activity', activity_type, file_sha256, count(*),
       CAST(NULL AS TIMESTAMP WITH TIME ZONE), CAST(NULL AS TIMESTAMP WITH TIME ZONE)
FROM supplier_activity WHERE period >= :start AND period <= :end
GROUP BY period, activity_type, file_sha256
"""

# Rows still held back (entries a corrected or reprocessed file closed are history), by the month
# their file was delivered for: a row that failed has no trusted month of its own. A row held only
# because another row already counts it (a repeat, an overlap with an earlier file) is no wrong data:
# counted apart.
_QUARANTINED_SQL = """
WITH held AS (
    SELECT period, dataset, file_sha256, source_row,
           max(CASE WHEN expectation LIKE :repeat OR expectation = :overlap THEN 0 ELSE 1 END) AS failed
    FROM quarantine WHERE closed_at IS NULL AND period >= :start AND period <= :end
    GROUP BY period, dataset, file_sha256, source_row
)
SELECT period, dataset, sum(failed) AS rows_quarantined, count(*) - sum(failed) AS rows_already_counted
FROM held GROUP BY period, dataset
"""
REPEAT_RULE = "%:not_duplicate"  # expectations/*.json: the rule a row repeating an earlier one fails

_SPAN_SQL = """
SELECT min(first) AS first, max(last) AS last FROM (
    SELECT min(period) AS first, max(period) AS last FROM meter_readings
    UNION ALL SELECT min(period), max(period) FROM fuel_transactions
    UNION ALL SELECT min(period), max(period) FROM supplier_activity
    UNION ALL SELECT min(period), max(period) FROM raw_files
) spans
"""

RHYTHM_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
DATASETS = ("fuel_transactions", "meter_usage", "supplier_activity")


@dataclass(frozen=True)
class Coverage:
    """What each configured source delivered per month, and what is missing or partial.

    datasets: period, dataset, files, rows_loaded, rows_quarantined (failed a check),
    rows_already_counted (held as repeats of counted rows), status (ok, quarantined_rows, missing,
    not_expected) per month of the range. missing: one dict per gap (kind meter, dataset or
    source). partial: one dict per active meter and month whose rows start after the month's first
    moment or end before its last (local time).
    """

    months: list[dt.date]
    datasets: pd.DataFrame
    missing: list[dict[str, Any]]
    partial: list[dict[str, Any]]


def _frame(ws: Workspace, sql: str, **params: Any) -> pd.DataFrame:
    with warehouse(ws).connect() as conn:
        result = conn.execute(sa.text(sql), params)
        return pd.DataFrame(list(map(tuple, result.fetchall())), columns=list(result.keys()))


def _local(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True).dt.tz_convert(LOCAL_TZ)


LOCAL_FORMAT = "%d-%m-%Y %H:%M"  # how report and status print a moment, local time: 06-03-2025 14:00


def _activity_source() -> dict[str, str]:
    """supplier_activity.activity_type -> the emission source its rows map to (flight -> flights)."""
    activities = load_activity_mapping().activities
    return {key.split(":")[0]: a.source for key, a in activities.items() if not key.startswith("fuel:")}


def _meter_gaps(ws: Workspace, months: list[dt.date], meters: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """Active meters without rows in a month (missing), and months whose rows start late or end early (partial).

    meters: the month's meter rows per EAN and file with their first interval start and last interval end.
    """
    active = [(m.ean, m.carrier, m.site) for m in ws.org.meters if m.active]
    grid = pd.DataFrame(active, columns=["ean", "carrier", "site"]).merge(pd.DataFrame({"period": months}), how="cross")
    spans = meters.groupby(["period", "subject"], as_index=False).agg(
        first_start=("first_start", "min"), last_end=("last_end", "max"), files=("file_sha256", "nunique"),
        rows_loaded=("rows_loaded", "sum")).rename(columns={"subject": "ean"})
    grid = grid.merge(spans, on=["period", "ean"], how="left")
    grid["description"] = "meter " + grid["ean"] + " (" + grid["carrier"] + ", " + grid["site"] + ")"
    grid["kind"] = "meter"
    month_start = pd.to_datetime(grid["period"]).dt.tz_localize(LOCAL_TZ)
    month_end = (pd.to_datetime(grid["period"]) + pd.offsets.MonthBegin(1)).dt.tz_localize(LOCAL_TZ)
    absent = grid["first_start"].isna()
    first, last = _local(grid["first_start"]), _local(grid["last_end"])
    grid["starts_late"], grid["ends_early"] = ~absent & (first > month_start), ~absent & (last < month_end)
    grid["period"] = [format_period(p) for p in grid["period"]]
    keys = ["period", "kind", "ean", "carrier", "site", "description"]
    missing = grid.loc[absent, keys].to_dict("records")
    grid = grid.assign(first_start_local=first.dt.strftime(LOCAL_FORMAT), last_end_local=last.dt.strftime(LOCAL_FORMAT),
                       first_start=first.map(lambda t: t.isoformat()), last_end=last.map(lambda t: t.isoformat()))
    short = grid[grid["starts_late"] | grid["ends_early"]].copy()
    short["detail"] = [", ".join([f"data from {a}"] * late + [f"data to {b}"] * early) for a, b, late, early in zip(
        short["first_start_local"], short["last_end_local"], short["starts_late"], short["ends_early"], strict=True)]
    partial = short[[*keys, "first_start", "last_end", "first_start_local", "last_end_local", "starts_late",
                     "ends_early", "detail", "files", "rows_loaded"]].astype(object).to_dict("records")
    return missing, [{**p, "starts_late": bool(p["starts_late"]), "ends_early": bool(p["ends_early"]),
                      "files": int(p["files"]), "rows_loaded": int(p["rows_loaded"])} for p in partial]


def _due(months: list[dt.date], rhythm: str) -> list[list[dt.date]]:
    """The spans a source of this rhythm must deliver in: each month, each calendar quarter or year whose
    last month lies in the range (a quarter or year still running is not yet due)."""
    if rhythm == "monthly":
        return [[m] for m in months]
    size = RHYTHM_MONTHS[rhythm]
    spans = []
    for last in months:
        if last.month % size == 0:
            spans.append([dt.date(last.year, last.month - size + 1 + i, 1) for i in range(size)])
    return spans


def coverage(ws: Workspace, first: dt.date, last: dt.date) -> Coverage:
    """Coverage of the months first..last by the activity rows' own months, in three grouped queries.

    Only configured sources can be missing: each active meter (per EAN), the fuel cards when an active
    vehicle is configured, and the supplier and travel sources footprint.yaml `expected_sources` lists,
    at their rhythm. Quarterly and yearly sources are judged on whole calendar quarters and years.
    """
    months = month_range(first, last)
    data_start = dt.date(first.year, 1, 1)  # a quarter or year due in the range may begin before it
    rows = _frame(ws, _ACTIVITY_MONTHS_SQL, start=data_start, end=last)
    rows["period"] = pd.to_datetime(rows["period"]).dt.date
    rows["rows_loaded"] = rows["rows_loaded"].astype("int64")
    quarantined = _frame(ws, _QUARANTINED_SQL, start=first, end=last, repeat=REPEAT_RULE, overlap=schemas.ALREADY_COUNTED)
    quarantined["period"] = pd.to_datetime(quarantined["period"]).dt.date
    in_range = rows[rows["period"] >= first]

    meters = in_range[in_range["dataset"] == "meter_usage"]
    missing, partial = _meter_gaps(ws, months, meters)
    fuel_months = set(in_range.loc[in_range["dataset"] == "fuel_transactions", "period"])
    if any(v.active for v in ws.org.vehicles):
        missing += [{"period": format_period(m), "kind": "dataset", "dataset": "fuel_transactions",
                     "description": DATASET_LABELS["fuel_transactions"]} for m in months if m not in fuel_months]
    supplier = rows[rows["dataset"] == "supplier_activity"]
    delivered = set(zip(supplier["period"], supplier["subject"].map(_activity_source()), strict=True))
    for expected in ws.org.expected_sources:
        for span in _due(months, str(expected.rhythm)):
            if any((m, expected.source) in delivered for m in span):
                continue
            spanned = f"{format_period(span[0])}..{format_period(span[-1])}"
            missing.append({"period": format_period(span[-1]), "kind": "source", "source": expected.source,
                            "rhythm": str(expected.rhythm), "months": [format_period(m) for m in span],
                            "description": f"{expected.source} ({expected.rhythm}"
                                           + (f", {spanned})" if len(span) > 1 else ")")})

    per_month = in_range.groupby(["period", "dataset"]).agg(
        files=("file_sha256", "nunique"), rows_loaded=("rows_loaded", "sum"))
    grid = pd.MultiIndex.from_product([months, list(DATASETS)], names=["period", "dataset"])
    datasets = per_month.reindex(grid, fill_value=0).reset_index()
    held = quarantined.set_index(["period", "dataset"])[["rows_quarantined", "rows_already_counted"]].astype("int64")
    held = held.reindex(grid, fill_value=0)
    datasets["rows_quarantined"] = held["rows_quarantined"].to_numpy()
    datasets["rows_already_counted"] = held["rows_already_counted"].to_numpy()
    dataset_of = {"meter": "meter_usage", "dataset": "fuel_transactions", "source": "supplier_activity"}
    gaps = {(parse_period(m["period"]), dataset_of[m["kind"]]) for m in missing}
    expected_any = {"fuel_transactions": any(v.active for v in ws.org.vehicles),
                    "meter_usage": any(m.active for m in ws.org.meters),
                    "supplier_activity": bool(ws.org.expected_sources)}
    datasets["status"] = [
        "missing" if (p, d) in gaps and not r else
        "quarantined_rows" if q else "ok" if r or expected_any[d] else "not_expected"
        for p, d, r, q in zip(datasets["period"], datasets["dataset"], datasets["rows_loaded"],
                              datasets["rows_quarantined"], strict=True)
    ]
    order = {"dataset": 0, "meter": 1, "source": 2}
    missing.sort(key=lambda m: (m["period"], order[m["kind"]], m.get("ean") or m.get("source") or ""))
    return Coverage(months, datasets, missing, partial)


STATUS_TEXT = {"ok": "ok", "quarantined_rows": "quarantined rows", "missing": "missing",
               "not_expected": "no data, none expected"}


def status(ws: Workspace, first: dt.date | None, last: dt.date | None) -> list[dict[str, Any]]:
    """Per month: each dataset's files, rows and open quarantined rows by the rows' own months; under it
    each configured meter or expected source that is missing, and each meter whose month is partial."""
    if not (first and last):
        span = _frame(ws, _SPAN_SQL).iloc[0]
        if pd.isna(span["first"]):
            if not (first or last):
                return []
            first = last = first or last
        else:
            first = first or min(dt.date(ws.org.base_year, 1, 1), pd.Timestamp(span["first"]).date().replace(day=1))
            last = last or max(first, pd.Timestamp(span["last"]).date().replace(day=1))
    found = coverage(ws, first, last)
    result: list[dict[str, Any]] = []
    by_month: dict[str, list[dict[str, Any]]] = {}
    for item in found.missing:
        by_month.setdefault(item["period"], []).append({**item, "status": "missing"})
    for item in found.partial:
        by_month.setdefault(item["period"], []).append({**item, "status": "partial"})
    for row in found.datasets.itertuples(index=False):  # a few rows per month, not data rows
        period = format_period(row.period)
        result.append({"period": period, "source": DATASET_LABELS[row.dataset], "files": int(row.files),
                       "loaded": int(row.rows_loaded), "quarantined": int(row.rows_quarantined),
                       "status": STATUS_TEXT[row.status]})
        if row.dataset == DATASETS[-1]:
            result += [{"period": period, "source": item["description"], "files": item.get("files", 0),
                        "loaded": item.get("rows_loaded", 0), "quarantined": 0,
                        "status": f"partial: {item['detail']}" if item["status"] == "partial" else "missing"}
                       for item in by_month.get(period, []) if item["kind"] != "dataset"]
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
