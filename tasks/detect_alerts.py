from __future__ import annotations

from prefect import task

from footprint import alert_store
from footprint.alert_record import Alert
from footprint.alerts.detect import detect
from tasks._workspace import workspace

STALE = "no longer found when {period} was judged again: a corrected, reprocessed or late file removed its cause"


@task(name="detect_alerts", task_run_name="detect_alerts-{period}")
def detect_alerts(config: str | None, period: str, periods: list[str], why: str | None = None) -> list[Alert]:
    """Find the month's deviations and store the new ones before anything is sent; returns those.

    Open alerts of the judged months that are no longer found are closed as resolved, with `why`.
    """
    ws = workspace(config)
    found = detect(ws, period, periods)
    recorded = alert_store.record(ws, found)
    if ws.org.alerts.enabled:
        alert_store.resolve_stale(ws, period, periods, found, why or STALE.format(period=period))
    return recorded
