"""The pipelines `make bench` compares, one per process so each peak memory is its own.

    python bench/pipelines.py footprint WORKSPACE --year 2025    # parse, validate, load, compute per month
    python bench/pipelines.py report WORKSPACE --year 2025       # summary (+ workbook) on the loaded warehouse
    python bench/pipelines.py incremental WORKSPACE --period 2026-01
    python bench/pipelines.py naive WORKSPACE --year 2025 --sample-rows 1000000
    python bench/pipelines.py floor WORKSPACE

Each prints one JSON line: seconds per stage, rows, peak RSS and a check figure (rows and the
interval kWh in whole Wh) that must be the same for every pipeline. The naive pipeline and the
floor read the 15-minute files only: they are all but a few thousand of the rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import duckdb
from generate import INTERVAL_GLOB, INTERVAL_PREAMBLE_LINES

XLSX_MAX_ROWS: Final = 1_048_575  # a sheet's rows below its header
CHECK_SQL: Final = "SELECT count(*), sum(round(quantity * 1000))::HUGEINT FROM meter_usage"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mib() -> float:
    """Resident memory now (peak_rss_mib is the highest so far)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


def cpu_s() -> float:
    """User plus system CPU seconds of this process: steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Stages:
    """Wall seconds per stage; a stage timed inside another is taken out of the outer one."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def wrap(self, stage: str, inner_of: str | None, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                self.add(stage, spent)
                if inner_of:
                    self.add(inner_of, -spent)

        return timed


def _workspace(root: Path) -> Any:
    from footprint.config.workspace import Settings, open_workspace

    return open_workspace(root / "footprint.yaml", Settings())


def _periods(year: int) -> list[str]:
    return [f"{year}-{month:02d}" for month in range(1, 13)]


def _check(engine: Any) -> dict[str, int]:
    import sqlalchemy as sa

    with engine.connect() as conn:
        rows, wh = conn.execute(sa.text(CHECK_SQL)).one()
    return {"interval_rows": int(rows), "interval_wh": int(wh or 0)}


def _load_month(ws: Any, period: str, paths: list[str]) -> list[Any]:
    """What the flow's `_load` does, its tasks run one after the other: few files in memory, many staged."""
    from footprint.config.workspace import Settings
    from footprint.ingest.load import load_files
    from footprint.ingest.results import FileResult
    from footprint.ingest.stage import (
        dataset_batches,
        file_batches,
        load_staged,
        stage_files,
    )

    per_task = Settings().month_split()
    if per_task is None or len(paths) <= per_task:
        return load_files(ws, period, paths)
    staged = [item for batch in file_batches(paths, per_task) for item in stage_files(ws, period, batch)]
    loaded = [item for item in staged if isinstance(item, FileResult)]
    for batch in dataset_batches(staged):
        loaded += load_staged(ws, period, batch[0].dataset, batch)
    return loaded


def run_footprint(root: Path, year: int) -> dict[str, Any]:
    """The core steps of the monthly flow for each month of the year, without Prefect.

    A month of more than FOOTPRINT_FILES_PER_TASK files takes the flow's split path (flows/monthly_ingest.py
    `_load`): stage_files per batch of files, then load_staged per dataset, one after the other here
    where the flow runs them as parallel tasks. Stages are read off footprint's own functions:
    validate is `validate_batch`, load the rest of `load_dataset` (prepare, insert, commit) plus the
    run log, parse the rest (finding new files, hashing, raw store, reading, staging as Parquet).
    """
    from footprint.emissions import compute_emissions
    from footprint.ingest.pull import pull_inbox
    from footprint.resources import warehouse
    from footprint.runlog import record_run

    stages = Stages()
    ws = _workspace(root)
    warehouse(ws)
    from footprint.ingest import load, stage

    load.load_dataset = stage.load_dataset = stages.wrap("load", "parse", load.load_dataset)
    load.validate_batch = stages.wrap("validate", "load", load.validate_batch)
    results = []
    rss: list[int] = []
    started = time.perf_counter()
    for period in _periods(year):
        at = dt.datetime.now(dt.timezone.utc)
        t = time.perf_counter()
        files = _load_month(ws, period, pull_inbox(ws, period).paths)
        stages.add("parse", time.perf_counter() - t)
        t = time.perf_counter()
        emissions = compute_emissions(ws, period)
        stages.add("compute", time.perf_counter() - t)
        t = time.perf_counter()
        record_run(ws, period, at, files, emissions)
        stages.add("load", time.perf_counter() - t)
        results += files
        rss.append(round(_rss_mib()))
    total = time.perf_counter() - started
    return {
        "stages_s": stages.seconds,
        "total_s": total,
        "rows_loaded": sum(f.rows_loaded for f in results),
        "rows_quarantined": sum(f.rows_quarantined for f in results),
        "files": len(results),
        "rss_mib_after_each_month": rss,
        **_check(warehouse(ws)),
    }


def run_report(root: Path, year: int, workbook_max_rows: int) -> dict[str, Any]:
    """The second half-year's report data (the whole year) and, up to `workbook_max_rows` emission rows, the workbook.

    Its Emission rows sheet sums interval meter rows per meter, file and month: it fits a sheet at any size.
    """
    import openpyxl
    import sqlalchemy as sa

    from footprint.periods import Half
    from footprint.reports.lineage import emission_lines
    from footprint.reports.summary import build_summary
    from footprint.reports.workbook import write_halfyear_workbook
    from footprint.resources import warehouse

    ws = _workspace(root)
    engine = warehouse(ws)
    half = f"{year}H2"
    started = time.perf_counter()
    summary = build_summary(ws, half)
    stages = {"summary": time.perf_counter() - started}
    with engine.connect() as conn:
        emission_rows = conn.execute(sa.text("SELECT count(*) FROM emissions")).scalar_one()
    note, lines = None, None
    if emission_rows <= workbook_max_rows:
        t = time.perf_counter()
        path = write_halfyear_workbook(summary, emission_lines(ws, Half.parse(half)), root / "report.xlsx")
        stages["workbook"] = time.perf_counter() - t
        book = openpyxl.load_workbook(path, read_only=True)
        lines = sum(1 for _ in book["Emission rows"].iter_rows(values_only=True))  # its notes and header included
        book.close()
        assert lines <= XLSX_MAX_ROWS
    elif workbook_max_rows:
        note = f"workbook not timed: {emission_rows:,} emission rows, above --workbook-max-rows"
    return {"stages_s": stages, "total_s": stages["summary"], "emission_rows": emission_rows,
            "workbook_sheet_rows": lines, "note": note}


def run_incremental(root: Path, period: str) -> dict[str, Any]:
    """One new month on top of a loaded year: what the monthly flow does, minus Prefect's start-up."""
    from footprint import alert_store
    from footprint.alerts.detect import detect
    from footprint.alerts.send import send_pending
    from footprint.emissions import compute_emissions
    from footprint.ingest.pull import pull_inbox
    from footprint.resources import warehouse
    from footprint.runlog import record_run

    ws = _workspace(root)
    t = time.perf_counter()
    warehouse(ws)
    stages = {"open warehouse": time.perf_counter() - t}
    started = dt.datetime.now(dt.timezone.utc)
    t = time.perf_counter()
    files = _load_month(ws, period, pull_inbox(ws, period).paths)
    stages["load files"] = time.perf_counter() - t
    t = time.perf_counter()
    emissions = compute_emissions(ws, period)
    stages["compute"] = time.perf_counter() - t
    t = time.perf_counter()
    record_run(ws, period, started, files, emissions)
    found = alert_store.record(ws, detect(ws, period, emissions.periods))
    send_pending(ws)
    stages["record run, alerts"] = time.perf_counter() - t
    return {
        "stages_s": stages,
        "total_s": sum(stages.values()),
        "files": len(files),
        "rows_loaded": sum(f.rows_loaded for f in files),
        "alerts": len(found),
    }


def _naive_frame(path: Path) -> Any:
    """One 15-minute file read as most code would: pandas.read_csv and per-column conversions."""
    import pandas as pd

    with path.open(encoding="utf-8") as handle:
        ean = handle.readline().strip().split(";")[1]
    raw = pd.read_csv(path, sep=";", skiprows=INTERVAL_PREAMBLE_LINES, decimal=",")
    start = pd.to_datetime(raw["Begin"], utc=True).dt.tz_convert("Europe/Amsterdam")
    return pd.DataFrame({
        "source_row": raw.index + INTERVAL_PREAMBLE_LINES + 2,
        "ean": ean,
        "interval_start": start,
        "interval_end": pd.to_datetime(raw["Einde"], utc=True).dt.tz_convert("Europe/Amsterdam"),
        "period": start.dt.tz_localize(None).dt.to_period("M").dt.to_timestamp(),
        "quantity": raw["Verbruik"].astype(float),
        "unit": raw["Eenheid"],
        "direction": raw["Richting"].map({"Levering": "consumption", "Teruglevering": "feed_in"}),
        "tariff": None,
        "estimated": raw["Status"].eq("Geschat"),
    })


def _check_digit_ok(ean: str) -> bool:
    digits = [int(c) for c in ean]
    weighted = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits[:-1]))
    return (10 - weighted % 10) % 10 == digits[-1]


def run_naive(root: Path, year: int, sample_rows: int) -> dict[str, Any]:
    """pandas.read_csv per file, GX on the whole frame with footprint's suite, DataFrame.to_sql via duckdb-engine.

    to_sql inserts row by row; above `sample_rows` it loads that many rows and scales the time.
    """
    import great_expectations as gx
    import pandas as pd
    import sqlalchemy as sa

    from footprint.validation.context import ValidationContext
    from footprint.validation.context import suite_parameters as _parameters

    stages: dict[str, float] = {}
    t = time.perf_counter()
    files = sorted(root.glob(INTERVAL_GLOB))
    frame = pd.concat([_naive_frame(path) for path in files], ignore_index=True)
    stages["parse"] = time.perf_counter() - t

    t = time.perf_counter()
    frame["_ean_check_digit_ok"] = frame["ean"].map(_check_digit_ok)
    keys = ["ean", "interval_start", "direction", "tariff"]
    frame["_duplicate_of"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame.loc[frame.duplicated(keys), "_duplicate_of"] = 0
    config = json.loads((Path(__file__).resolve().parent.parent / "expectations" / "meter_usage.json").read_text())
    batch = (
        gx.get_context(mode="ephemeral").data_sources.add_pandas("naive").add_dataframe_asset("meter_usage")
        .add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
    )
    # The suite's parameters as footprint passes them (the period is the whole year here).
    context = ValidationContext(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), [], sorted(frame["ean"].unique()), [])
    parameters = _parameters(context)
    result = batch.validate(gx.ExpectationSuite(**config), result_format={"result_format": "COMPLETE"},
                            expectation_parameters=parameters)
    bad = sorted({i for r in result.results for i in r.result.get("unexpected_index_list") or []})
    good = frame.drop(index=bad).drop(columns=["_ean_check_digit_ok", "_duplicate_of"])
    stages["validate"] = time.perf_counter() - t

    database = root / "naive.duckdb"
    engine = sa.create_engine(f"duckdb:///{database}")
    sample = good.iloc[: min(sample_rows, len(good))]
    t = time.perf_counter()
    sample.to_sql("meter_usage", engine, index=False, if_exists="append")
    sampled = time.perf_counter() - t
    stages["load"] = sampled * len(good) / max(len(sample), 1)
    with engine.connect() as conn:
        loaded = conn.execute(sa.text("SELECT count(*) FROM meter_usage")).scalar_one()
    engine.dispose()
    return {
        "stages_s": stages,
        "total_s": sum(stages.values()),
        "files": len(files),
        "gx_success": bool(result.success),
        "rows_quarantined": len(bad),
        "to_sql_rows": int(loaded),
        "to_sql_extrapolated": len(sample) < len(good),
        "interval_rows": len(good),
        "interval_wh": int((good["quantity"] * 1000).round().sum()),
    }


def run_floor(root: Path) -> dict[str, Any]:
    """DuckDB's own CSV reader straight into a table of a database file: no checks, no lineage."""
    database = root / "floor.duckdb"
    database.unlink(missing_ok=True)
    t = time.perf_counter()
    conn = duckdb.connect(str(database))
    conn.execute(
        f"""
        CREATE TABLE meter_usage AS
        SELECT regexp_extract(filename, 'kwartierwaarden_([0-9]+)_', 1) AS ean,
               "Begin" AS interval_start, "Einde" AS interval_end, "Verbruik" AS quantity,
               "Eenheid" AS unit, "Richting" AS direction, "Status" AS status
        FROM read_csv('{root / INTERVAL_GLOB}', skip={INTERVAL_PREAMBLE_LINES}, header = true, delim = ';',
                      decimal_separator = ',', filename = true,
                      columns = {{'Begin': 'TIMESTAMPTZ', 'Einde': 'TIMESTAMPTZ', 'Verbruik': 'DOUBLE',
                                 'Eenheid': 'VARCHAR', 'Richting': 'VARCHAR', 'Status': 'VARCHAR'}})
        """
    )
    conn.close()
    seconds = time.perf_counter() - t
    with duckdb.connect(str(database), read_only=True) as check:
        rows, wh = check.execute(CHECK_SQL).fetchone()
    return {"stages_s": {"parse+load": seconds}, "total_s": seconds, "interval_rows": int(rows),
            "interval_wh": int(wh or 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=["footprint", "report", "incremental", "naive", "floor"])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--period", default="2026-01")
    parser.add_argument("--sample-rows", type=int, default=1_000_000)
    parser.add_argument("--workbook-max-rows", type=int, default=100_000_000,
                        help="time the workbook up to this many emission rows; 0: no workbook")
    args = parser.parse_args()
    if args.role == "footprint":
        result = run_footprint(args.workspace, args.year)
    elif args.role == "report":
        result = run_report(args.workspace, args.year, args.workbook_max_rows)
    elif args.role == "incremental":
        result = run_incremental(args.workspace, args.period)
    elif args.role == "naive":
        result = run_naive(args.workspace, args.year, args.sample_rows)
    else:
        result = run_floor(args.workspace)
    print(json.dumps({"role": args.role, **result, "cpu_s": round(cpu_s(), 2), "peak_rss_mib": peak_rss_mib()}))


if __name__ == "__main__":
    main()
