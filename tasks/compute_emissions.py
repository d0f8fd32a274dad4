from __future__ import annotations

from prefect import task

from footprint import pipeline
from tasks._workspace import workspace


@task(name="compute_emissions", task_run_name="compute_emissions-{period}")
def compute_emissions(config: str | None, period: str) -> pipeline.EmissionResult:
    """Recompute the period's emission rows from its activity rows and the chosen factor list."""
    return pipeline.compute_emissions(workspace(config), period)
