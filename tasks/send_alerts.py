from __future__ import annotations

from prefect import task

from footprint.alerts.send import SendResult, send_pending
from footprint.alerts.transport import DeliveryError
from tasks._workspace import workspace


@task(name="send_alerts", retries=2, retry_delay_seconds=2)
def send_alerts(config: str | None) -> SendResult:
    """Deliver the pending alerts; a failed channel raises so Prefect retries, and a retry sends only what failed.

    What still fails after the retries stays pending in the warehouse and goes out with the next run.
    """
    result = send_pending(workspace(config))
    if result.failed:
        reasons = sorted({f"{channel}: {reason}" for _, channel, reason in result.failed})
        raise DeliveryError(f"{len(result.failed)} alert delivery(ies) failed; " + "; ".join(reasons))
    return result
