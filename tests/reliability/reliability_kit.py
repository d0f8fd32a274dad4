"""Shared by the reliability tests: a tiny company over two months, a run without Prefect, and what a warehouse holds.

Run as a script it is the ingestion a test kills or runs twice at once:
    python reliability_kit.py CONFIG MONTH [MONTH ...]
with FOOTPRINT_WAREHOUSE_URL naming the warehouse. It takes the flow's steps (flows/monthly_ingest.py)
without Prefect, so a subprocess starts in about two seconds instead of twenty.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import sqlalchemy as sa  # noqa: E402
from company_files import ALL_FILES, write_company  # noqa: E402

from footprint import alert_store  # noqa: E402
from footprint.alerts.detect import detect  # noqa: E402
from footprint.config.workspace import Settings, Workspace, open_workspace  # noqa: E402
from footprint.emissions import compute_emissions  # noqa: E402
from footprint.ingest import load as ingest_load  # noqa: E402
from footprint.ingest import stage as ingest_stage  # noqa: E402
from footprint.ingest.pull import loaded_checksums, pull_inbox
from footprint.ingest.results import FileResult
from footprint.ingest.stage import (
    dataset_batches,
    file_batches,
    load_staged,
    stage_files,
)
from footprint.resources import close_warehouses, warehouse
from footprint.runlog import RunSummary, record_run

# Two months, two datasets: enough for a crash in January's second load and one in February's emissions,
# while a run validates four times, not nine (Great Expectations costs about half a second a time).
MONTHS = ("2025-01", "2025-02")
FILES = ("fuel.csv", "meters.csv")
KEY = "test-key"
# Per run, not per content: ids and clocks. (Paths are compared with the workspace folder as <root>.)
RUN_COLUMNS = frozenset({
    "run_id", "started_at", "finished_at", "duration_s", "loaded_at", "applied_at", "restatement_id", "restated_at",
    "created_at", "delivered_at", "noted_at", "alert_id", "fetched_at", "updated_at", "pulled_at",
})
# The run log records attempts: a killed run leaves none, its rerun another. Every other table must match.
LOG_TABLES = frozenset({"runs", "run_files", "alert_deliveries"})
KEYS = {
    "raw_files": ("file_sha256",),
    "fuel_transactions": ("activity_id",),
    "meter_usage": ("activity_id",),
    "supplier_activity": ("activity_id",),
    "emissions": ("activity_table", "activity_id"),
    "applied_factors": ("period", "activity_table", "activity_key", "unit"),
    "quarantine": ("file_sha256", "source_row", "column_name", "expectation"),
    "factor_lists": ("list_id",),
    "factors": ("factor_id",),
    "schema_migrations": ("version",),
    "alerts": ("rule", "subject", "period"),
}


def month_files(month: str, names: tuple[str, ...] = FILES) -> dict[str, str]:
    """The tiny company's March files moved to another month of 2025, the diesel quantity changed per month."""
    number = int(month[5:])
    files = {}
    for name in names:
        text = ALL_FILES[name]
        moved = text.replace("01-04-2025", f"01-{number + 1:02d}-2025").replace("-03-2025", f"-{number:02d}-2025")
        files[name] = moved.replace("2025-03", month).replace("Diesel;50,00", f"Diesel;{40 + number},00")
    return files


def write_months(root: Path, months: tuple[str, ...] = MONTHS) -> Path:
    """footprint.yaml, .env and inbox/<month>/ for each month; returns the config path."""
    config = write_company(root, {})
    for month in months:
        folder = root / "inbox" / month
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in month_files(month).items():
            (folder / name).write_text(text, encoding="utf-8")
    return config


def workspace(config: Path, url: str) -> Workspace:
    return open_workspace(config, Settings(warehouse_url=url, pseudonym_key=KEY))


def ingest(ws: Workspace, months: tuple[str, ...] | list[str]) -> list[RunSummary]:
    """The flow's steps per month: pull, stage, load per dataset, compute, record the run, detect alerts."""
    summaries = []
    for month in months:
        started = dt.datetime.now(dt.timezone.utc)
        paths = pull_inbox(ws, month).paths
        _barrier("after-pull")
        batches = file_batches(paths, Settings().files_per_task)
        staged = [item for batch in batches for item in stage_files(ws, month, batch)]
        files = [item for item in staged if isinstance(item, FileResult)]
        for batch in dataset_batches(staged):
            files += load_staged(ws, month, batch[0].dataset, batch)
        emissions = compute_emissions(ws, month)
        summaries.append(record_run(ws, month, started, files, emissions))
        alert_store.record(ws, detect(ws, month, emissions.periods))
    return summaries


def wait_for(condition: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the other process never got there")
        time.sleep(0.05)


def _barrier(name: str) -> None:
    """With FOOTPRINT_TEST_BARRIER=DIR:N, wait here until N processes arrived (or DIR/go exists)."""
    setting = os.environ.get("FOOTPRINT_TEST_BARRIER")
    if not setting:
        return
    folder, _, parties = setting.rpartition(":")
    arrived = Path(folder) / name
    arrived.mkdir(parents=True, exist_ok=True)
    (arrived / str(os.getpid())).touch()
    deadline = time.monotonic() + 60
    while len(list(arrived.iterdir())) < int(parties) and not (Path(folder) / "go").exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"barrier {name}: the other run never arrived")
        time.sleep(0.02)


def _normal(value: Any, root: str) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.timezone.utc) if value.tzinfo else value).isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace(root, "<root>")
    return value


def tables(engine: sa.Engine) -> list[str]:
    """Tables and views: emission rows are a view over the activity rows and the factors applied."""
    with engine.connect() as conn:
        return sorted(conn.execute(sa.text(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type IN ('BASE TABLE', 'VIEW')"
        )).scalars())


def contents(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    """Every table and view but the run log: rows in order, per-run columns left out, the workspace's path as <root>."""
    engine = warehouse(ws)
    root = str(ws.config_path.parent)
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in tables(engine):
            if table in LOG_TABLES:
                continue
            result = conn.execute(sa.text(f'SELECT * FROM "{table}"'))
            keep = [i for i, name in enumerate(result.keys()) if name not in RUN_COLUMNS]
            rows = [tuple(_normal(row[i], root) for i in keep) for row in result]
            found[table] = sorted(rows, key=repr)
    return found


def checksums(found: dict[str, list[tuple[Any, ...]]]) -> dict[str, str]:
    """A SHA-256 per table of its ordered rows: equal contents, equal checksums."""
    return {table: hashlib.sha256(repr(rows).encode()).hexdigest()[:16] for table, rows in found.items()}


def duplicates(ws: Workspace) -> dict[str, int]:
    """Keys that occur more than once, per table; {} when every key is unique."""
    engine = warehouse(ws)
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for table, key in KEYS.items():
            columns = ", ".join(key)
            repeated = conn.execute(sa.text(
                f"SELECT count(*) FROM (SELECT {columns} FROM {table} GROUP BY {columns} HAVING count(*) > 1) d"
            )).scalar_one()
            if repeated:
                counts[table] = int(repeated)
    return counts


def raw_store_problems(ws: Workspace) -> list[str]:
    """What a listing of the raw store would show wrongly: a file not at <sha[:2]>/<sha>/<name>, or not that content.

    A file starting with "." is a write in progress (or one a crash cut off): the store never lists it.
    """
    root = Path(ws.raw_store)
    problems = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        parts = path.relative_to(root).parts
        if any(part.startswith(".") for part in parts) or parts[0] == "reports":
            continue
        if len(parts) != 3 or parts[1][:2] != parts[0]:
            problems.append(f"{path}: not at <sha[:2]>/<sha>/<name>")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != parts[1]:
            problems.append(f"{path}: content does not hash to {parts[1]}")
    folders = [p for p in root.glob("??/*") if p.is_dir()]
    for folder in folders:
        visible = [p for p in folder.iterdir() if not p.name.startswith(".")]
        if len(visible) != 1:
            problems.append(f"{folder}: {len(visible)} visible files, expected 1")
    return problems


def start_run(config: Path, url: str, *months: str, **env: str) -> subprocess.Popen[str]:
    """The kit's ingestion in a new process (FOOTPRINT_* settings in env), its output captured."""
    return subprocess.Popen(
        [sys.executable, __file__, str(config), *(months or MONTHS)],
        env={**os.environ, "FOOTPRINT_WAREHOUSE_URL": url, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def main(argv: list[str]) -> int:
    config, *months = argv
    ws = open_workspace(Path(config))
    if os.environ.get("FOOTPRINT_TEST_STALE_CHECKSUMS"):
        # The worst interleaving of two runs, made certain: both decide which files are new before either loads.
        snapshot = loaded_checksums(ws)
        ingest_load.loaded_checksums = ingest_stage.loaded_checksums = lambda _ws: set(snapshot)
    ingest(ws, months)
    close_warehouses()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
