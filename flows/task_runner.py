"""The task runner of the ingestion flows, chosen by FOOTPRINT_TASK_RUNNER when the flow is imported.

thread (default): Prefect's ThreadPoolTaskRunner, on the machine that runs the flow.
dask: prefect-dask's DaskTaskRunner, on the cluster at FOOTPRINT_DASK_ADDRESS or on a local cluster
started for the flow run. Switching needs no code change, only the worker's environment.
"""

from __future__ import annotations

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from footprint.config.workspace import Settings
from footprint.errors import ConfigError

RUNNERS = ("thread", "dask")


def task_runner(settings: Settings | None = None) -> TaskRunner:
    """The runner the settings ask for; a clear error when Dask is asked for without what it needs."""
    settings = settings or Settings()
    choice = settings.task_runner.strip().lower()
    if choice not in RUNNERS:
        raise ConfigError(f"FOOTPRINT_TASK_RUNNER={settings.task_runner!r}: use one of {', '.join(RUNNERS)}")
    if choice == "thread":
        return ThreadPoolTaskRunner()
    if not (settings.warehouse_url or "").startswith("postgresql"):
        raise ConfigError(
            "FOOTPRINT_TASK_RUNNER=dask needs a PostgreSQL warehouse in FOOTPRINT_WAREHOUSE_URL: Dask workers are "
            "separate processes, and the embedded DuckDB file takes one writer at a time"
        )
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise ConfigError(
            "FOOTPRINT_TASK_RUNNER=dask needs prefect-dask: pip install -c constraints.txt -e '.[dask]'"
        ) from None
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner()
