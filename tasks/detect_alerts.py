from __future__ import annotations

from prefect import task

from footprint import alerts
from tasks._workspace import workspace


@task(name="detect_alerts", task_run_name="detect_alerts-{period}")
def detect_alerts(config: str | None, period: str, periods: list[str]) -> list[alerts.Alert]:
    """Find the month's deviations and store the new ones before anything is sent; returns those."""
    ws = workspace(config)
    return alerts.record(ws, alerts.detect(ws, period, periods))
