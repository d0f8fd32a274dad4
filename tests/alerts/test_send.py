"""Sending stored alerts: per channel, a failure stays pending, a retry resends only what failed.

Real servers on loopback: aiosmtpd for email and http.server for the webhook, each able to fail
its first requests and then recover.
"""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from alert_servers import smtp_servers
from company_files import make_company, write_company

from footprint import alert_store
from footprint.alert_record import Alert
from footprint.alerts.send import SendResult, send_pending
from footprint.alerts.transport import DeliverySettings
from footprint.config.workspace import Workspace, open_workspace
from footprint.resources import close_warehouses

pytestmark = pytest.mark.usefixtures("no_footprint_env")


class Webhook:
    """An HTTP endpoint that answers 503 to its first `failures` POSTs, then 200; it keeps what it accepted."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.attempts = 0
        self.accepted: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.attempts += 1
                if hook.attempts <= hook.failures:
                    self.send_response(503)
                    self.end_headers()
                    self.wfile.write(b"try again later")
                    return
                hook.accepted.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T0KEN-abcdefgh"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keys(self) -> list[str]:
        return [body["footprint_alert"]["key"] for body in self.accepted]


class Mailbox:
    """An SMTP handler that answers 451 to its first `failures` messages, then accepts them."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.attempts = 0
        self.accepted: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.attempts += 1
        if self.attempts <= self.failures:
            return "451 Requested action aborted: try again later"
        self.accepted.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def keys(self) -> list[str]:
        return [message["X-Footprint-Alert"] for message in self.accepted]


@pytest.fixture
def webhook() -> Iterator[type[Webhook]]:
    started: list[Webhook] = []

    def start(failures: int = 0) -> Webhook:
        hook = Webhook(failures)
        started.append(hook)
        return hook

    yield start  # type: ignore[misc]
    for hook in started:
        hook.server.shutdown()


@pytest.fixture
def mailbox() -> Iterator[Any]:
    with smtp_servers() as serve:

        def start(failures: int = 0) -> tuple[Mailbox, int]:
            box = Mailbox(failures)
            return box, serve(box)

        yield start


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    yield make_company(tmp_path / "co", f"duckdb:///{tmp_path / 'co' / 'warehouse.duckdb'}", {})
    close_warehouses()


def stored(ws: Workspace, *subjects: str) -> list[Alert]:
    return alert_store.record(ws, [
        Alert("tank_exceeded", s, "2025-03", "critical", f"Vehicle {s}: a fuelling of 95.0 l exceeds its 80 l tank",
              f"Vehicle {s} fuelled 95 l at once.", {"observed": 95.0, "threshold": 80.0, "unit": "l",
                                                    "series": [{"period": "2025-03", "value": 245.0}]})
        for s in subjects
    ])


def test_by_default_alerts_go_to_the_outbox_once(ws: Workspace) -> None:
    first, second = stored(ws, "VGH42K", "VHT17P")
    result = send_pending(ws)
    assert result.channels == ("outbox",)
    assert result.delivered == [(first.alert_id, "outbox"), (second.alert_id, "outbox")] and result.failed == []
    files = sorted(ws.outbox.glob("*.eml"))
    assert [f.name for f in files] == ["2025-03_tank_exceeded_VGH42K_1.eml", "2025-03_tank_exceeded_VHT17P_2.eml"]
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["X-Footprint-Alert"] == first.key
    assert send_pending(ws).delivered == []


def test_a_webhook_that_fails_first_gets_each_alert_once_on_the_next_send(ws: Workspace, webhook: Any) -> None:
    hook = webhook(failures=1)
    first, second = stored(ws, "VGH42K", "VHT17P")
    settings = DeliverySettings(webhook_url=hook.url, timeout_s=3)
    result = send_pending(ws, settings)
    assert result.channels == ("outbox", "webhook")
    assert sorted(result.delivered) == [(first.alert_id, "outbox"), (second.alert_id, "outbox")]
    # The webhook failed on the first alert; the second was not tried against a server that is down.
    assert [(i, ch) for i, ch, _ in result.failed] == [(first.alert_id, "webhook"), (second.alert_id, "webhook")]
    assert "503" in result.failed[0][2] and "T0KEN" not in result.failed[0][2]
    assert hook.attempts == 1
    assert [(a.subject, ch) for a, ch in alert_store.pending(ws, settings.channels())] == [
        ("VGH42K", "webhook"), ("VHT17P", "webhook")]
    outbox_files = {p: p.stat().st_mtime_ns for p in ws.outbox.glob("*.eml")}

    again = send_pending(ws, settings)
    assert sorted(again.delivered) == [(first.alert_id, "webhook"), (second.alert_id, "webhook")] and not again.failed
    assert hook.keys() == [first.key, second.key]
    assert {p: p.stat().st_mtime_ns for p in ws.outbox.glob("*.eml")} == outbox_files  # not written again
    assert send_pending(ws, settings).delivered == []
    assert hook.keys() == [first.key, second.key]


def test_email_that_fails_first_arrives_once_and_the_webhook_is_not_asked_again(
    ws: Workspace, mailbox: Any, webhook: Any
) -> None:
    box, port = mailbox(failures=1)
    hook = webhook()
    (alert,) = stored(ws, "VGH42K")
    settings = DeliverySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", timeout_s=3,
                                       alert_to=["kam@glansrijk.nl"], webhook_url=hook.url)
    first = send_pending(ws, settings)
    assert first.channels == ("email", "webhook")
    assert first.delivered == [(alert.alert_id, "webhook")]
    assert [(i, ch) for i, ch, _ in first.failed] == [(alert.alert_id, "email")] and "451" in first.failed[0][2]
    again = send_pending(ws, settings)
    assert again.delivered == [(alert.alert_id, "email")]
    assert box.keys() == [alert.key] and hook.keys() == [alert.key]
    assert box.accepted[0]["To"] == "kam@glansrijk.nl"


def test_an_explained_alert_is_not_sent(ws: Workspace) -> None:
    (alert,) = stored(ws, "VGH42K")
    alert_store.set_status(ws, alert.alert_id, "explained", "Jerrycan for the floor machine.", "kam")
    assert send_pending(ws).delivered == []
    assert list(ws.outbox.glob("*.eml")) == []


def test_the_prefect_task_retries_and_the_alert_arrives_once(
    prefect_harness: None, tmp_path: Path, webhook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect import flow

    from tasks.send_alerts import send_alerts

    hook = webhook(failures=2)  # the first try and the first retry fail, the second retry gets through
    config = write_company(tmp_path / "co", {})
    monkeypatch.setenv("FOOTPRINT_WEBHOOK_URL", hook.url)
    ws = open_workspace(config)
    (alert,) = stored(ws, "VGH42K")

    @flow
    def send(config: str) -> SendResult:
        return send_alerts.with_options(retry_delay_seconds=0)(config)

    result = send(str(config))
    assert result.delivered == [(alert.alert_id, "webhook")]
    assert hook.attempts == 3 and hook.keys() == [alert.key]
    assert len(list(ws.outbox.glob("*.eml"))) == 1  # the outbox took it on the first try, and only then
    assert alert_store.pending(ws, ("outbox", "webhook")) == []
    close_warehouses()


def test_what_still_fails_after_the_retries_stays_pending_for_the_next_run(
    prefect_harness: None, tmp_path: Path, webhook: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect import flow

    from tasks.send_alerts import send_alerts

    hook = webhook(failures=3)
    config = write_company(tmp_path / "co", {})
    monkeypatch.setenv("FOOTPRINT_WEBHOOK_URL", hook.url)
    ws = open_workspace(config)
    (alert,) = stored(ws, "VGH42K")

    @flow
    def send(config: str) -> bool:
        return send_alerts.with_options(retry_delay_seconds=0)(config, return_state=True).is_failed()

    assert send(str(config)) is True
    assert hook.attempts == 3 and hook.accepted == []
    assert [(a.alert_id, ch) for a, ch in alert_store.pending(ws, ("outbox", "webhook"))] == [(alert.alert_id, "webhook")]
    assert send(str(config)) is False  # the next run
    assert hook.keys() == [alert.key]
    close_warehouses()


def test_wrong_delivery_settings_are_a_configuration_error(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from footprint.errors import ConfigError

    stored(ws, "VGH42K")
    monkeypatch.setenv("FOOTPRINT_SMTP_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="FOOTPRINT_SMTP_PORT"):
        send_pending(ws)
