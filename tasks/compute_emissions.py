from __future__ import annotations

from prefect import task

from footprint import emissions
from footprint.emissions import EmissionResult
from tasks._retry import RETRY_DELAYS, transient
from tasks._workspace import workspace


@task(name="compute_emissions", task_run_name="compute_emissions-{period}", retries=2,
      retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=transient)
def compute_emissions(config: str | None, period: str) -> EmissionResult:
    """Recompute the period's emission rows from its activity rows and the chosen factor list."""
    return emissions.compute_emissions(workspace(config), period)
