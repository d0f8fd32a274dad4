"""How alerts travel: the email and webhook bodies, and writing .eml files, SMTP and webhook posts.

The sinks (footprint.alerts.sinks) use these one channel at a time, so that the alert store can
record which channels succeeded and a retry resends only what failed. Host, port, TLS and credentials
come from the environment (FOOTPRINT_*), never from footprint.yaml; the SMTP password and the webhook
URL (which carries its token) never appear in log messages or exception texts.
"""

from __future__ import annotations

import hashlib
import html
import http.client
import io
import logging
import os
import re
import smtplib
import ssl
import tempfile
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from footprint import json_strict
from footprint.alert_record import Alert
from footprint.errors import FootprintError

log = logging.getLogger(__name__)

SEVERITY_COLOURS = {"info": "1F6F8B", "warning": "E8A33D", "critical": "C62828"}
CHART_SIZE_IN = (6.0, 2.5)
CHART_DPI = 100
MESSAGE_ID_DOMAIN = "footprint.alerts"


class DeliveryError(FootprintError):
    """An alert could not be delivered on one channel; the message names where, never a secret."""


class DeliverySettings(BaseSettings):
    """Where alerts go, read from FOOTPRINT_* environment variables only (they hold secrets)."""

    model_config = SettingsConfigDict(env_prefix="FOOTPRINT_", extra="ignore", env_ignore_empty=True, allow_inf_nan=False)

    smtp_host: str | None = None
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 587
    smtp_tls: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    alert_from: str = "footprint@localhost"
    alert_to: Annotated[list[str], NoDecode] = []
    webhook_url: SecretStr | None = None
    timeout_s: Annotated[float, Field(gt=0)] = 10.0

    @field_validator("alert_to", mode="before")
    @classmethod
    def _split_addresses(cls, value: object) -> object:
        """FOOTPRINT_ALERT_TO is a comma-separated list, as people write it, not JSON."""
        if isinstance(value, str):
            return [address.strip() for address in value.split(",") if address.strip()]
        return value

    def channels(self) -> tuple[str, ...]:
        """The channels configured: email when an SMTP host is set (else the outbox), plus webhook."""
        primary = ("email",) if self.smtp_host else ("outbox",)
        return primary + (("webhook",) if self.webhook_url is not None else ())


def _one_line(text: str) -> str:
    """Header values may not hold line breaks; titles and subjects come from data."""
    return " ".join(text.split())


_SLACK_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Teams renders Markdown and some HTML in connector cards: a backslash before the characters that make links,
# emphasis, code and headings, entities for those that open tags. Mentions need a tag, links a bracket.
_TEAMS_MARKDOWN = re.compile(r"([\\`*_~\[\]#])")
_TEAMS_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _cut(escaped: str, limit: int) -> str:
    """Shorten entity-escaped text to the limit without leaving half an entity (`&am`) at the end."""
    if len(escaped) <= limit:
        return escaped
    return re.sub(r"&[a-z]*$", "", escaped[:limit])


def _slack(text: str, limit: int = 3000) -> str:
    """Slack reads <, > and & as control characters in every text object (plain_text too): `<!channel>`,
    `<url|text>` and `<@U123>` in data must arrive as entities."""
    return _cut(text.translate(_SLACK_ENTITIES), limit)


def _teams(text: str) -> str:
    """Text for a Teams MessageCard's title, summary and facts, shown as written: no link, mention, tag or emphasis
    formed from data."""
    return _TEAMS_MARKDOWN.sub(r"\\\1", text).translate(_TEAMS_ENTITIES)


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:32]


def _format_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if value == 0 or abs(value) >= 1 else f"{value:.3g}"
    if isinstance(value, (dict, list, tuple)):
        return json_strict.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _series(alert: Alert) -> list[tuple[str, float | None]]:
    points = alert.evidence.get("series") or []
    return [(str(point["period"]), point.get("value")) for point in points]


def _facts(alert: Alert) -> list[tuple[str, str]]:
    """The evidence besides the series, observed and threshold first because they explain the alert."""
    order = ["observed", "threshold", "unit"]
    keys = [k for k in order if k in alert.evidence] + sorted(
        k for k in alert.evidence if k not in order and k != "series"
    )
    return [(key, _format_value(alert.evidence[key])) for key in keys]


def _header_facts(alert: Alert) -> list[tuple[str, str]]:
    return [("severity", alert.severity), ("rule", alert.rule), ("subject", alert.subject), ("period", alert.period)]


def _chart_png(alert: Alert) -> bytes:
    """A ~600x250 px line chart of the series with the alert's month marked; no pyplot, so no global state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = _series(alert)
    periods = [period for period, _ in series]
    values = [float("nan") if value is None else float(value) for _, value in series]
    fig = Figure(figsize=CHART_SIZE_IN, dpi=CHART_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(range(len(values)), values, "o-", color="#1f6f8b", markersize=3, linewidth=1.2)
    if alert.period in periods:
        index = periods.index(alert.period)
        ax.axvline(index, color="#c62828", alpha=0.3, linewidth=6)
        ax.plot([index], [values[index]], "o", color="#c62828", markersize=6)
    step = max(1, len(periods) // 8)
    ax.set_xticks(range(0, len(periods), step), periods[::step], fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    unit = alert.evidence.get("unit")
    if unit:
        ax.set_ylabel(str(unit), fontsize=8)
    ax.set_title(f"{alert.subject} ({alert.period} marked)", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _text_body(alert: Alert, organisation: str) -> str:
    lines = [f"{organisation}: {alert.title}", "", alert.message, ""]
    lines += [f"{name}: {value}" for name, value in _header_facts(alert)]
    facts = _facts(alert)
    if facts:
        lines += ["", "Evidence:"] + [f"  {name}: {value}" for name, value in facts]
    series = _series(alert)
    if series:
        unit = alert.evidence.get("unit")
        lines += ["", f"History ({unit}):" if unit else "History:"]
        lines += [
            f"  {period}  {_format_value(value):>14}" + ("  <-" if period == alert.period else "")
            for period, value in series
        ]
    lines += ["", f"Alert key: {alert.key}"]
    if alert.alert_id is not None:
        lines.append(f"Record an explanation: footprint alerts explain {alert.alert_id} --note \"...\"")
    return "\n".join(lines) + "\n"


def _html_table(rows: list[tuple[str, str]], header: tuple[str, str] | None = None, mark: str | None = None) -> str:
    cell = 'style="padding:2px 10px;border-bottom:1px solid #ddd;text-align:left"'
    parts = ['<table style="border-collapse:collapse;font-size:13px">']
    if header:
        parts.append(f"<tr><th {cell}>{html.escape(header[0])}</th><th {cell}>{html.escape(header[1])}</th></tr>")
    for name, value in rows:
        style = ' style="background:#fdecea;font-weight:bold"' if mark is not None and name == mark else ""
        parts.append(f"<tr{style}><td {cell}>{html.escape(name)}</td><td {cell}>{html.escape(value)}</td></tr>")
    parts.append("</table>")
    return "".join(parts)


def _html_body(alert: Alert, organisation: str, chart_cid: str | None) -> str:
    colour = SEVERITY_COLOURS.get(alert.severity, "555555")
    parts = [
        '<html><body style="font-family:sans-serif">',
        f'<h2 style="border-left:6px solid #{colour};padding-left:8px">{html.escape(organisation)}: '
        f"{html.escape(alert.title)}</h2>",
        f"<p>{html.escape(alert.message)}</p>",
        _html_table(_header_facts(alert)),
    ]
    facts = _facts(alert)
    if facts:
        parts += ["<h3>Evidence</h3>", _html_table(facts)]
    if chart_cid:
        parts.append(f'<p><img src="cid:{chart_cid.strip("<>")}" alt="history of {html.escape(alert.subject)}" '
                     f'width="600" height="250"></p>')
    series = _series(alert)
    if series:
        unit = alert.evidence.get("unit")
        rows = [(period, _format_value(value)) for period, value in series]
        parts += ["<h3>History</h3>", _html_table(rows, ("period", f"value ({unit})" if unit else "value"),
                                                 mark=alert.period)]
    parts.append(f'<p style="color:#777;font-size:11px">Alert key: {html.escape(alert.key)}</p>')
    parts.append("</body></html>")
    return "\n".join(parts)


def email_message(alert: Alert, organisation: str, sender: str, recipients: list[str]) -> EmailMessage:
    """The alert as an email (text, HTML and a chart of the history), with a Message-ID stable per alert.

    The stable Message-ID and the X-Footprint-Alert header let mail clients and the officer recognise a
    resend of the same alert instead of taking it for a new one.
    """
    digest = _digest(organisation, alert.key)
    message = EmailMessage()
    message["Subject"] = _one_line(f"[footprint] {organisation}: {alert.title} ({alert.period})")
    message["From"] = sender
    if recipients:
        message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = f"<alert-{digest}@{MESSAGE_ID_DOMAIN}>"
    message["X-Footprint-Alert"] = _one_line(alert.key)
    message["X-Footprint-Severity"] = _one_line(alert.severity)
    message.set_content(_text_body(alert, organisation))
    chart_cid = f"<chart-{digest}@{MESSAGE_ID_DOMAIN}>" if _series(alert) else None
    message.add_alternative(_html_body(alert, organisation, chart_cid), subtype="html")
    if chart_cid:
        html_part = message.get_payload()[1]
        html_part.add_related(_chart_png(alert), maintype="image", subtype="png", cid=chart_cid,
                              filename="history.png")
    return message


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:60] or "x"


def write_eml(message: EmailMessage, outbox: Path, alert: Alert) -> Path:
    """Write the email to <outbox>/<period>_<rule>_<subject>_<id>.eml atomically; a rewrite replaces it.

    A name fixed per alert makes a resend overwrite instead of duplicating, and temp file plus
    os.replace means a reader never sees half a message.
    """
    ident = str(alert.alert_id) if alert.alert_id is not None else _digest(alert.key)[:8]
    name = "_".join(_safe_name(part) for part in (alert.period, alert.rule, alert.subject, ident)) + ".eml"
    path = outbox / name
    try:
        outbox.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=outbox, prefix=".", suffix=".eml.tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(message.as_bytes())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise DeliveryError(f"cannot write alert {alert.key} to {path}: {exc.strerror or exc}") from None
    return path


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def send_smtp(message: EmailMessage, settings: DeliverySettings) -> None:
    """Send over SMTP with implicit TLS, STARTTLS (refusing to go on in clear text) or none.

    Errors name host:port and the server's reply; the password is never put into them.
    """
    if not settings.smtp_host:
        raise DeliveryError("FOOTPRINT_SMTP_HOST is not set: cannot send alert email")
    if settings.smtp_user and settings.smtp_password is None:
        raise DeliveryError("FOOTPRINT_SMTP_USER is set but FOOTPRINT_SMTP_PASSWORD is not")
    host, port = settings.smtp_host, settings.smtp_port
    where = f"SMTP server {host}:{port}"
    password = settings.smtp_password.get_secret_value() if settings.smtp_password is not None else ""
    secrets = [password]
    try:
        if settings.smtp_tls == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=settings.timeout_s, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=settings.timeout_s)
        with client:
            if settings.smtp_tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                client.login(settings.smtp_user, password)
            refused = client.send_message(message)
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(_redact(f"{where}: {exc}", secrets)) from None
    except smtplib.SMTPResponseException as exc:
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise DeliveryError(_redact(f"{where} answered {exc.smtp_code} {reply}", secrets)) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refusals = "; ".join(f"{address}: {code}" for address, (code, _) in exc.recipients.items())
        raise DeliveryError(_redact(f"{where} refused every recipient ({refusals})", secrets)) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(_redact(f"{where}: {type(exc).__name__}: {exc}", secrets)) from None
    if refused:
        log.warning("%s refused %s; the other recipients got the alert", where, ", ".join(sorted(refused)))


def webhook_payload(alert: Alert, organisation: str) -> dict[str, Any]:
    """One JSON body for Slack-style (text, blocks) and Teams-style (MessageCard) incoming webhooks.

    Each kind of endpoint ignores the other's keys. Every text a person sees is escaped for its target: Slack's
    entities in text and blocks, Markdown and HTML escapes in the card's title, summary and facts; mrkdwn objects
    are verbatim, so Slack does not turn names or URLs in data into links either. footprint_alert carries the
    record for machines, as JSON, unescaped.
    """
    title = _one_line(f"[footprint] {organisation}: {alert.title} ({alert.period})")
    facts = _header_facts(alert) + _facts(alert)
    series = _series(alert)
    if series:
        facts.append(("history", ", ".join(f"{period}: {_format_value(value)}" for period, value in series[-13:])))
    fields = [
        {"type": "mrkdwn", "text": f"*{_slack(name, 200)}*\n{_slack(value, 1700)}", "verbatim": True}
        for name, value in facts[:10] if value
    ]
    return {
        "text": _slack(f"{title}\n{alert.message}"),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": _slack(title, 150)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": _slack(alert.message or alert.title),
                                         "verbatim": True}},
            {"type": "section", "fields": fields},
        ],
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": _teams(title),
        "themeColor": SEVERITY_COLOURS.get(alert.severity, "555555"),
        "title": _teams(title),
        "sections": [{"facts": [{"name": _teams(name), "value": _teams(value)} for name, value in facts]}],
        "footprint_alert": {
            "key": alert.key,
            "alert_id": alert.alert_id,
            "organisation": organisation,
            "rule": alert.rule,
            "subject": alert.subject,
            "period": alert.period,
            "severity": alert.severity,
            "title": alert.title,
            "message": alert.message,
            "evidence": alert.evidence,
        },
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would arrive as a GET without the body: treat a redirect as a failure."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def post_webhook(url: str | SecretStr, payload: dict[str, Any], timeout: float) -> None:
    """POST the payload as JSON; anything but a 2xx answer is a DeliveryError naming the status and host.

    The URL's path and query hold the webhook's token, so errors name only its host.
    """
    secret_url = url.get_secret_value() if isinstance(url, SecretStr) else url
    parts = urlsplit(secret_url)
    host = parts.netloc.rsplit("@", 1)[-1] or "(no host)"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(f"FOOTPRINT_WEBHOOK_URL must be an http(s) URL with a host (host: {host})")
    userinfo = parts.netloc.rsplit("@", 1)[0] if "@" in parts.netloc else ""
    secrets = [secret_url, parts.path if len(parts.path) > 1 else "", parts.query, userinfo]
    secrets += [segment for segment in parts.path.split("/") if len(segment) >= 8]
    body = json_strict.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(
        secret_url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            status, reason = response.status, response.reason
            answer = response.read(200)
    except urllib.error.HTTPError as exc:
        status, reason = exc.code, exc.reason
        answer = exc.read(200) if exc.fp is not None else b""
        exc.close()
    except urllib.error.URLError as exc:
        raise DeliveryError(_redact(f"webhook {host} unreachable: {exc.reason}", secrets)) from None
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(_redact(f"webhook {host} failed: {type(exc).__name__}: {exc}", secrets)) from None
    if not 200 <= status < 300:
        detail = answer.decode("utf-8", "replace").strip()
        text = f"webhook {host} answered HTTP {status} {reason}" + (f": {detail}" if detail else "")
        raise DeliveryError(_redact(text, secrets))

