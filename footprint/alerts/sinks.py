"""The channels alerts go out on, one Sink each: the outbox folder, email over SMTP, a Slack or Teams webhook.

DeliverySettings.channels() says which channels are configured and SINKS makes each one's sink, so a
new channel is one more sink and one more entry there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import ClassVar, Protocol

from footprint.alert_record import CHANNELS, Alert
from footprint.alerts.transport import (
    DeliveryError,
    DeliverySettings,
    email_message,
    post_webhook,
    send_smtp,
    webhook_payload,
    write_eml,
)

log = logging.getLogger(__name__)


class Sink(Protocol):
    """One channel: send delivers one alert or raises DeliveryError naming where, never a secret."""

    @property
    def name(self) -> str: ...

    def send(self, alert: Alert) -> None: ...


@dataclass(frozen=True)
class _Channel:
    """What every sink is made from: the delivery settings, the organisation named in messages, the outbox."""

    settings: DeliverySettings
    organisation: str
    outbox: Path

    def email(self, alert: Alert) -> EmailMessage:
        return email_message(alert, self.organisation, self.settings.alert_from, self.settings.alert_to)


class OutboxSink(_Channel):
    """.eml files in the workspace's outbox, for a mail client to open, when no SMTP server is set."""

    name: ClassVar[str] = "outbox"

    def send(self, alert: Alert) -> None:
        write_eml(self.email(alert), self.outbox, alert)


class SmtpSink(_Channel):
    """Email to FOOTPRINT_ALERT_TO over the SMTP server of FOOTPRINT_SMTP_*."""

    name: ClassVar[str] = "email"

    def send(self, alert: Alert) -> None:
        if not self.settings.alert_to:
            raise DeliveryError("FOOTPRINT_ALERT_TO is not set: no recipient for alert email")
        send_smtp(self.email(alert), self.settings)


class WebhookSink(_Channel):
    """A POST to FOOTPRINT_WEBHOOK_URL whose one body both Slack and Teams incoming webhooks read."""

    name: ClassVar[str] = "webhook"

    def send(self, alert: Alert) -> None:
        if self.settings.webhook_url is None:
            raise DeliveryError("FOOTPRINT_WEBHOOK_URL is not set: cannot post alert to a webhook")
        post_webhook(self.settings.webhook_url, webhook_payload(alert, self.organisation), self.settings.timeout_s)


SINKS: dict[str, Callable[[DeliverySettings, str, Path], Sink]] = {
    OutboxSink.name: OutboxSink,
    SmtpSink.name: SmtpSink,
    WebhookSink.name: WebhookSink,
}


def sink(channel: str, settings: DeliverySettings, organisation: str, outbox: Path) -> Sink:
    """The sink of a channel name (alert_record.CHANNELS)."""
    make = SINKS.get(channel)
    if make is None:
        raise DeliveryError(f"unknown alert channel {channel!r} (expected one of {', '.join(CHANNELS)})")
    return make(settings, organisation, outbox)


def send(target: Sink, alert: Alert) -> None:
    """Deliver one alert on one sink, so the caller can record each channel and retry only failures."""
    target.send(alert)
    log.info("alert %s delivered via %s", alert.key, target.name)


def deliver(alert: Alert, channel: str, settings: DeliverySettings, organisation: str, outbox: Path) -> None:
    """Deliver one alert on the channel named."""
    send(sink(channel, settings, organisation, outbox), alert)
