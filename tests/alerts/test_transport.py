"""Alert delivery against real servers on loopback: aiosmtpd for email, http.server for webhooks."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import json
import logging
import threading
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from alert_servers import free_port, smtp_servers

from footprint.alert_record import Alert
from footprint.alerts.sinks import deliver
from footprint.alerts.transport import (
    DeliveryError,
    DeliverySettings,
    email_message,
    send_smtp,
    webhook_payload,
    write_eml,
)

ORG = "Glansrijk Schoonmaak B.V."
PASSWORD = "hunter2-s3cret"
TOKEN = "XoXoTOKEN0123456789abcdef"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


pytestmark = pytest.mark.usefixtures("no_footprint_env")


@pytest.fixture
def alert() -> Alert:
    series = [{"period": f"2024-{m:02d}", "value": 1000.0 + 10 * m} for m in range(3, 13)]
    series += [{"period": "2025-01", "value": 1130.0}, {"period": "2025-02", "value": 1140.0},
               {"period": "2025-03", "value": 2480.5}]
    return Alert(
        rule="mom_change",
        subject="meter 871687120058657526 <Hal/A&B>",
        period="2025-03",
        severity="warning",
        title="Gas use more than doubled",
        message="Natural gas rose 117.6 % against February; the threshold is 40 %.",
        evidence={"observed": 2480.5, "threshold": 40.0, "unit": "m3", "change_pct": 117.6, "series": series},
        alert_id=17,
    )


class Collector:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[Collector, int]]]:
    with smtp_servers() as serve:

        def start(**kwargs: Any) -> tuple[Collector, int]:
            collector = Collector()
            return collector, serve(collector, **kwargs)

        yield start


def _smtp(port: int, **overrides: Any) -> DeliverySettings:
    values: dict[str, Any] = dict(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", timeout_s=3,
                                  alert_from="footprint@glansrijk.nl",
                                  alert_to=["kam@glansrijk.nl", "ops@glansrijk.nl"])
    return DeliverySettings(**(values | overrides))


def _png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_email_arrives_with_text_html_and_inline_chart(smtp_server: Callable[..., tuple[Collector, int]],
                                                        alert: Alert) -> None:
    collector, port = smtp_server()
    deliver(alert, "email", _smtp(port), ORG, Path("unused"))

    assert len(collector.envelopes) == 1
    envelope = collector.envelopes[0]
    assert envelope.mail_from == "footprint@glansrijk.nl"
    assert envelope.rcpt_tos == ["kam@glansrijk.nl", "ops@glansrijk.nl"]
    received = collector.messages()[0]
    # Python's parser keeps the space of a header folded right after "Subject:"; mail clients drop it.
    assert received["Subject"].strip() == f"[footprint] {ORG}: Gas use more than doubled (2025-03)"
    assert received["X-Footprint-Alert"] == alert.key
    assert received["Message-ID"] == email_message(alert, ORG, "x@y", ["z@y"])["Message-ID"]

    text = received.get_body(("plain",)).get_content()
    assert alert.message in text
    assert "severity: warning" in text and "rule: mom_change" in text and "period: 2025-03" in text
    assert "threshold: 40.00" in text
    assert "2024-03" in text and "2,480.50  <-" in text

    html_part = received.get_body(("html",))
    body = html_part.get_content()
    assert alert.message in body
    assert "&lt;Hal/A&amp;B&gt;" in body and "<Hal/A&B>" not in body
    assert "<td" in body and "2025-03" in body and "value (m3)" in body

    images = [part for part in received.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1
    png = images[0].get_content()
    assert png.startswith(PNG_SIGNATURE)
    assert _png_size(png) == (600, 250)
    cid = images[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in body


def test_email_without_series_has_no_chart(alert: Alert) -> None:
    plain = Alert(rule="tank_size", subject="vehicle 12-ABC-3", period="2025-03", severity="critical",
                  title="Fuelling above tank size", message="One fuelling of 140 l; the tank holds 80 l.",
                  evidence={"observed": 140.0, "threshold": 80.0, "unit": "l"})
    message = email_message(plain, ORG, "footprint@localhost", ["kam@glansrijk.nl"])

    assert not [part for part in message.walk() if part.get_content_maintype() == "image"]
    assert "cid:" not in message.get_body(("html",)).get_content()
    assert "observed: 140.00" in message.get_body(("plain",)).get_content()
    assert message["Message-ID"] != email_message(alert, ORG, "footprint@localhost", [])["Message-ID"]


@pytest.mark.parametrize("password, accepted", [(PASSWORD, True), ("wrong-" + PASSWORD, False)],
                         ids=["right-password", "wrong-password"])
def test_smtp_login_and_a_refused_login_never_shows_the_password(
    smtp_server: Callable[..., tuple[Collector, int]], alert: Alert, caplog: pytest.LogCaptureFixture,
    password: str, accepted: bool,
) -> None:
    collector, port = smtp_server(authenticator=_authenticator, auth_require_tls=False)
    settings = _smtp(port, smtp_user="footprint", smtp_password=password)
    caplog.set_level(logging.DEBUG)

    if accepted:
        deliver(alert, "email", settings, ORG, Path("unused"))
        assert len(collector.envelopes) == 1
    else:
        with pytest.raises(DeliveryError) as raised:
            deliver(alert, "email", settings, ORG, Path("unused"))
        assert collector.envelopes == []
        assert f"127.0.0.1:{port}" in str(raised.value) and "535" in str(raised.value)
        assert raised.value.__cause__ is None and raised.value.__suppress_context__
        assert password not in str(raised.value) and PASSWORD not in repr(raised.value)
    assert PASSWORD not in caplog.text and PASSWORD not in repr(settings)


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_smtp_over_tls_verifies_the_certificate_and_logs_in(
    smtp_server: Callable[..., tuple[Collector, int]], alert: Alert, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, mode: str,
) -> None:
    import ssl

    cert, key = _self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    if mode == "starttls":
        collector, port = smtp_server(tls_context=server_context, require_starttls=True,
                                      authenticator=_authenticator)
    else:
        # aiosmtpd counts only STARTTLS as TLS for AUTH, so the implicit-TLS server must allow it explicitly.
        collector, port = smtp_server(ssl_context=server_context, authenticator=_authenticator,
                                      auth_require_tls=False)
    settings = _smtp(port, smtp_tls=mode, smtp_user="footprint", smtp_password=PASSWORD)

    with pytest.raises(DeliveryError, match="certificate verify failed"):
        deliver(alert, "email", settings, ORG, Path("unused"))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    deliver(alert, "email", settings, ORG, Path("unused"))

    assert [m["X-Footprint-Alert"] for m in collector.messages()] == [alert.key]


def test_starttls_refuses_to_go_on_in_clear_text(smtp_server: Callable[..., tuple[Collector, int]],
                                                 alert: Alert) -> None:
    collector, port = smtp_server(authenticator=_authenticator, auth_require_tls=False)
    settings = _smtp(port, smtp_tls="starttls", smtp_user="footprint", smtp_password=PASSWORD)

    with pytest.raises(DeliveryError, match=rf"127\.0\.0\.1:{port}.*STARTTLS") as raised:
        deliver(alert, "email", settings, ORG, Path("unused"))
    assert collector.envelopes == [] and PASSWORD not in str(raised.value)


def test_smtp_unreachable_names_host_and_port(alert: Alert) -> None:
    port = free_port()
    with pytest.raises(DeliveryError, match=rf"SMTP server 127\.0\.0\.1:{port}: ConnectionRefusedError"):
        send_smtp(email_message(alert, ORG, "a@b", ["c@d"]), _smtp(port))


def test_missing_password_or_recipients_stops_before_connecting(alert: Alert) -> None:
    port = free_port()
    with pytest.raises(DeliveryError, match="FOOTPRINT_SMTP_PASSWORD is not"):
        deliver(alert, "email", _smtp(port, smtp_user="footprint"), ORG, Path("unused"))
    with pytest.raises(DeliveryError, match="FOOTPRINT_ALERT_TO is not set"):
        deliver(alert, "email", _smtp(port, alert_to=[]), ORG, Path("unused"))
    with pytest.raises(DeliveryError, match="FOOTPRINT_WEBHOOK_URL is not set"):
        deliver(alert, "webhook", _smtp(port), ORG, Path("unused"))
    with pytest.raises(DeliveryError, match="unknown alert channel 'sms'"):
        deliver(alert, "sms", _smtp(port), ORG, Path("unused"))


class Hook(ThreadingHTTPServer):
    """Answers each POST with the next planned status (200 when the plan is used up) and keeps what came."""

    def __init__(self, plan: list[int]) -> None:
        super().__init__(("127.0.0.1", 0), HookHandler)
        self.plan = plan
        self.requests: list[tuple[str, int, str, dict[str, Any]]] = []

    def url(self, path: str = f"/services/T000/B000/{TOKEN}") -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def delivered(self) -> list[dict[str, Any]]:
        return [body for _, status, _, body in self.requests if 200 <= status < 300]


class HookHandler(BaseHTTPRequestHandler):
    server: Hook

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = self.server.plan.pop(0) if self.server.plan else 200
        self.server.requests.append((self.path, status, self.headers["Content-Type"], body))
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "/elsewhere")
        answer = b"ok" if status < 300 else f"error at {self.path}".encode()
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_GET(self) -> None:
        self.server.requests.append((self.path, 200, "", {"method": "GET"}))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[Callable[[list[int]], Hook]]:
    servers: list[tuple[Hook, threading.Thread]] = []

    def start(plan: list[int]) -> Hook:
        server = Hook(plan)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        thread.start()
        servers.append((server, thread))
        return server

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join()


def test_webhook_posts_a_slack_and_teams_readable_body(hook: Callable[[list[int]], Hook], alert: Alert) -> None:
    server = hook([])
    deliver(alert, "webhook", DeliverySettings(webhook_url=server.url(), timeout_s=3), ORG, Path("unused"))

    assert len(server.requests) == 1
    path, _, content_type, body = server.requests[0]
    assert path == f"/services/T000/B000/{TOKEN}"
    assert content_type.startswith("application/json")
    assert body["text"].startswith(f"[footprint] {ORG}: Gas use more than doubled (2025-03)")
    assert alert.message in body["text"]
    assert body["@type"] == "MessageCard" and body["@context"].endswith("schema.org/extensions")
    facts = {fact["name"]: fact["value"] for fact in body["sections"][0]["facts"]}
    assert facts["severity"] == "warning" and facts["observed"] == "2,480.50"
    assert body["footprint_alert"]["key"] == alert.key
    assert body["footprint_alert"]["evidence"] == alert.evidence


def test_webhook_payload_blocks_are_valid_for_slack(alert: Alert) -> None:
    payload = webhook_payload(alert, ORG)

    header, section, facts = payload["blocks"]
    assert header["type"] == "header" and len(header["text"]["text"]) <= 150
    assert "&lt;Hal/A&amp;B&gt;" in json.dumps(facts) and "<Hal" not in json.dumps(payload["blocks"])
    assert 0 < len(facts["fields"]) <= 10
    assert all(field["text"] and len(field["text"]) <= 2000 for field in facts["fields"])
    assert payload["themeColor"] == "E8A33D"
    assert webhook_payload(Alert("r", "s", "2025-01", "critical", "t", "m"), ORG)["themeColor"] == "C62828"


def test_webhook_fails_first_then_recovers_and_arrives_once(hook: Callable[[list[int]], Hook], alert: Alert,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    server = hook([500])
    settings = DeliverySettings(webhook_url=server.url(), timeout_s=3)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(DeliveryError) as raised:
        deliver(alert, "webhook", settings, ORG, Path("unused"))
    assert "HTTP 500" in str(raised.value) and f"127.0.0.1:{server.server_address[1]}" in str(raised.value)
    assert TOKEN not in str(raised.value) and "/services/" not in str(raised.value)
    deliver(alert, "webhook", settings, ORG, Path("unused"))

    assert [status for _, status, _, _ in server.requests] == [500, 200]
    assert [body["footprint_alert"]["key"] for body in server.delivered()] == [alert.key]
    assert TOKEN not in caplog.text and TOKEN not in repr(settings)


def test_webhook_redirect_is_a_failure_not_a_silent_get(hook: Callable[[list[int]], Hook], alert: Alert) -> None:
    server = hook([302])
    with pytest.raises(DeliveryError, match="HTTP 302"):
        deliver(alert, "webhook", DeliverySettings(webhook_url=server.url(), timeout_s=3), ORG, Path("unused"))
    assert [(path, status) for path, status, _, _ in server.requests] == [(f"/services/T000/B000/{TOKEN}", 302)]


def test_webhook_unreachable_names_the_host_only(alert: Alert) -> None:
    url = f"http://127.0.0.1:{free_port()}/services/T000/B000/{TOKEN}?token={TOKEN}"
    with pytest.raises(DeliveryError, match="127.0.0.1.*unreachable") as raised:
        deliver(alert, "webhook", DeliverySettings(webhook_url=url, timeout_s=3), ORG, Path("unused"))
    assert TOKEN not in str(raised.value) and "services" not in str(raised.value)


def test_outbox_writes_one_parseable_eml_per_alert(alert: Alert, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    settings = DeliverySettings(alert_to=["kam@glansrijk.nl"])
    assert settings.channels() == ("outbox",)

    deliver(alert, "outbox", settings, ORG, outbox)
    deliver(alert, "outbox", settings, ORG, outbox)

    files = sorted(outbox.iterdir())
    assert [f.name for f in files] == ["2025-03_mom_change_meter-871687120058657526-Hal-A-B_17.eml"]
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["X-Footprint-Alert"] == alert.key
    assert parsed["To"] == "kam@glansrijk.nl"
    assert alert.message in parsed.get_body(("plain",)).get_content()
    assert any(part.get_content_type() == "image/png" for part in parsed.walk())


def test_outbox_keeps_different_alerts_apart(alert: Alert, tmp_path: Path) -> None:
    other = Alert(alert.rule, alert.subject, "2025-04", alert.severity, alert.title, alert.message)
    message = email_message(alert, ORG, "a@b", [])
    first = write_eml(message, tmp_path, alert)
    second = write_eml(email_message(other, ORG, "a@b", []), tmp_path, other)

    assert first != second and first.parent == second.parent == tmp_path
    assert second.name.startswith("2025-04_mom_change_") and len(list(tmp_path.iterdir())) == 2


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_SMTP_HOST", "smtp.glansrijk.nl")
    monkeypatch.setenv("FOOTPRINT_SMTP_PORT", "465")
    monkeypatch.setenv("FOOTPRINT_SMTP_TLS", "ssl")
    monkeypatch.setenv("FOOTPRINT_SMTP_USER", "footprint")
    monkeypatch.setenv("FOOTPRINT_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("FOOTPRINT_ALERT_TO", "a@x.nl, b@y.nl")
    monkeypatch.setenv("FOOTPRINT_WEBHOOK_URL", f"https://hooks.example.com/services/{TOKEN}")

    settings = DeliverySettings()

    assert settings.alert_to == ["a@x.nl", "b@y.nl"]
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls) == ("smtp.glansrijk.nl", 465, "ssl")
    assert settings.smtp_password is not None and settings.smtp_password.get_secret_value() == PASSWORD
    assert settings.channels() == ("email", "webhook")
    assert PASSWORD not in repr(settings) and TOKEN not in repr(settings) and TOKEN not in str(settings)


def test_settings_default_to_the_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_SMTP_HOST", "")
    settings = DeliverySettings()
    assert settings.channels() == ("outbox",)
    assert (settings.smtp_port, settings.smtp_tls, settings.alert_to) == (587, "starttls", [])
