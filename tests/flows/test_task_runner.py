"""The ingestion flows' task runner comes from the settings, and Dask loads what the threads load."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from prefect.task_runners import ThreadPoolTaskRunner

from flows.task_runner import task_runner
from footprint.config.workspace import Settings, open_workspace
from footprint.demo.generator import write_demo
from footprint.demo.manifest import DemoManifest
from footprint.errors import ConfigError
from footprint.ingest import stage as ingest_stage
from footprint.resources import warehouse

PG = "postgresql+psycopg://footprint@db.internal/footprint"
MONTH = "2024-03"  # every dataset, a monthly file and a quarterly statement reaching back to January


def test_threads_by_default_and_dask_when_asked() -> None:
    from prefect_dask import DaskTaskRunner

    assert isinstance(task_runner(Settings()), ThreadPoolTaskRunner)
    remote = task_runner(Settings(task_runner="dask", warehouse_url=PG, dask_address="tcp://10.0.0.5:8786"))
    assert isinstance(remote, DaskTaskRunner) and remote.address == "tcp://10.0.0.5:8786"
    local = task_runner(Settings(task_runner="DASK", warehouse_url=PG))
    assert isinstance(local, DaskTaskRunner) and local.address is None


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param(Settings(task_runner="spark"), "use one of thread, dask", id="unknown-runner"),
        pytest.param(Settings(task_runner="dask"), "needs a PostgreSQL warehouse", id="dask-on-duckdb"),
    ],
)
def test_a_runner_that_cannot_work_is_refused_with_the_reason(settings: Settings, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        task_runner(settings)


def test_the_runner_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_TASK_RUNNER", "dask")
    monkeypatch.setenv("FOOTPRINT_WAREHOUSE_URL", PG)
    monkeypatch.setenv("FOOTPRINT_DASK_ADDRESS", "tcp://scheduler:8786")
    assert task_runner().address == "tcp://scheduler:8786"


@pytest.fixture(scope="module")
def written_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    """The demo's files, not ingested."""
    return write_demo(tmp_path_factory.mktemp("demo_files"))


def _month_workspace(demo: DemoManifest, root: Path) -> str:
    """A workspace with the demo's configuration and one month of its inbox."""
    root.mkdir()
    for name in ("footprint.yaml", ".env"):
        shutil.copy(demo.workdir / name, root / name)
    shutil.copytree(demo.workdir / "inbox" / MONTH, root / "inbox" / MONTH)
    return str(root / "footprint.yaml")


def _rows(config: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table a month's ingestion writes, less what differs by run (ids, times, the store's folder)."""
    differ = {"raw_files": "EXCLUDE (stored_path, loaded_at)", "alerts": "EXCLUDE (alert_id, created_at)"}
    tables = ["raw_files", "fuel_transactions", "meter_usage", "supplier_activity", "quarantine", "emissions", "alerts"]
    with warehouse(open_workspace(Path(config))).connect() as conn:
        return {
            t: sorted(map(tuple, conn.execute(sa.text(f"SELECT * {differ.get(t, '')} FROM {t}")).all()), key=repr)
            for t in tables
        }


def test_a_month_on_dask_loads_the_rows_it_loads_on_threads(
    prefect_harness: None, written_demo: DemoManifest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One task in memory on threads; then mapped (parsing two files a task, a load per dataset) on threads and Dask."""
    from prefect_dask import DaskTaskRunner

    from flows.monthly_ingest import monthly_ingest

    one_task = _month_workspace(written_demo, tmp_path / "one_task")
    mapped = _month_workspace(written_demo, tmp_path / "mapped")
    on_dask = _month_workspace(written_demo, tmp_path / "dask")
    monthly_ingest.with_options(task_runner=ThreadPoolTaskRunner())(MONTH, one_task)
    batches: list[int] = []
    stage_files = ingest_stage.stage_files
    monkeypatch.setattr(ingest_stage, "stage_files", lambda ws, period, paths: batches.append(len(paths)) or stage_files(
        ws, period, paths))
    monkeypatch.setenv("FOOTPRINT_FILES_PER_TASK", "2")
    monthly_ingest.with_options(task_runner=ThreadPoolTaskRunner())(MONTH, mapped)
    # One in-process worker: the embedded DuckDB file takes one writer process (production Dask needs PostgreSQL).
    in_process = {"processes": False, "n_workers": 1, "threads_per_worker": 2, "dashboard_address": None}
    summary = monthly_ingest.with_options(task_runner=DaskTaskRunner(cluster_kwargs=in_process))(MONTH, on_dask)

    assert sorted(batches) == [1, 1, 2, 2, 2, 2]  # five files, three parsing tasks per run
    assert {f.dataset for f in summary.files} == {"fuel_transactions", "meter_usage", "supplier_activity"}
    assert all(f.outcome == "loaded" for f in summary.files)
    expected = _rows(one_task)
    assert all(expected[t] for t in ("raw_files", "fuel_transactions", "meter_usage", "supplier_activity", "emissions"))
    assert _rows(mapped) == expected
    assert _rows(on_dask) == expected
    assert not list((tmp_path / "dask" / ".staging" / "parsed").rglob("*.parquet"))
