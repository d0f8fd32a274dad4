"""Sending the stored alerts: every open alert that a channel has not taken yet, so nothing is lost.

The order is what makes "nothing is lost" hold: detect finds deviations, alert_store.record keeps
the new ones (the key rule|subject|period makes a re-run add nothing), and send_pending delivers every
open alert that a channel has not taken yet, so a failed send is simply sent again next time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from footprint.alert_store import mark_delivered, pending
from footprint.alerts.sinks import send, sink
from footprint.alerts.transport import DeliveryError, DeliverySettings
from footprint.config.workspace import Workspace
from footprint.errors import ConfigError


@dataclass(frozen=True)
class SendResult:
    """What one send did: (alert id, channel) delivered, and (alert id, channel, reason) still pending."""

    channels: tuple[str, ...]
    delivered: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str, str]] = field(default_factory=list)


def delivery_settings(ws: Workspace) -> DeliverySettings:
    """Delivery settings from FOOTPRINT_* variables, with the workspace's .env beneath the environment."""
    env_file = ws.config_path.parent / ".env"
    try:
        return DeliverySettings(_env_file=env_file) if env_file.is_file() else DeliverySettings()
    except ValidationError as exc:
        wrong = "; ".join(f"FOOTPRINT_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"alert delivery settings: {wrong}") from None


def send_pending(ws: Workspace, settings: DeliverySettings | None = None) -> SendResult:
    """Deliver every pending (alert, channel) once; a channel that fails is left for the next attempt.

    After a channel's first failure its other alerts are not tried in this attempt: a server that is
    down would otherwise be asked (and waited for) once per alert.
    """
    settings = settings or delivery_settings(ws)
    result = SendResult(channels=tuple(settings.channels()))
    down: dict[str, str] = {}
    waiting = pending(ws, result.channels)
    sinks = {channel: sink(channel, settings, ws.org.organisation, ws.outbox) for channel in result.channels}
    for alert, channel in waiting:
        assert alert.alert_id is not None
        if channel in down:
            result.failed.append((alert.alert_id, channel, down[channel]))
            continue
        try:
            send(sinks[channel], alert)
        except DeliveryError as exc:
            down[channel] = str(exc)
            result.failed.append((alert.alert_id, channel, str(exc)))
            continue
        mark_delivered(ws, alert.alert_id, channel)
        result.delivered.append((alert.alert_id, channel))
    return result
