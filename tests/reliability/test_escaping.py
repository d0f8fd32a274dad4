"""Issue 15, points 3 and 4: data never becomes markup, on the terminal or in a chat message.

Point 3 is mostly corpus cases (corpus/03-*: a supplier name and an alert note, the organisation name, file
names, command-line arguments, an error text with brackets, control characters in file names). Here: footprint's
consoles on a real terminal (colours and hyperlinks on, which the test runner's output never has) and Prefect's
log lines. Point 4: a run whose organisation and station names carry Slack and Teams syntax posts its alert to a
real HTTP server on loopback; every text a person sees arrives escaped for its target.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from company_files import ALL_FILES, FUEL, PERIOD, write_company
from rich.table import Table
from rich.text import Text
from typer.testing import CliRunner

from flows.console_logs import visible_log_lines
from footprint.alert_record import Alert
from footprint.alerts.transport import webhook_payload
from footprint.resources import close_warehouses
from footprint_cli import app
from footprint_cli.app import DataConsole

MARKUP = "Schoon [/b] [link=https://evil.example]B.V.[/link] :thumbs_up:"
OSC8_LINK = "\x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\"
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the console's own colours

STATION = "<!channel> <https://evil.example|click> [x](https://evil.example) *b* <at>All</at> & co"
ORGANISATION = "Klein <!here> & [team](https://evil.example)"
FUEL_FILE = "tankpas <!subteam^S1> [x](https:evil) *b*.csv"
# A fuelling beyond the van's 80 l tank, at a station whose name would mention everyone and hide a link.
TANK_ROW = f"07-03-2025;08:00;7083540100012001;VGH-42-K;Jan de Vries;{STATION};Diesel;120,00;L;1,859;223,08;EUR;123600\n"


def test_consoles_print_markup_emoji_codes_and_escape_sequences_as_written_on_a_terminal() -> None:
    terminal = io.StringIO()
    console = DataConsole(file=terminal, force_terminal=True, color_system="truecolor", width=200)
    console.print(f"{MARKUP} {OSC8_LINK}")
    table = Table(title=Text(MARKUP))
    table.add_column("subject")
    table.add_row(Text(OSC8_LINK))
    console.print(table)

    shown = SGR.sub("", terminal.getvalue())
    assert shown.splitlines()[0] == f"{MARKUP} \\x1b]8;;https://evil.example\\x1b\\here\\x1b]8;;\\x1b\\"
    assert MARKUP in shown.splitlines()[1]
    assert "\\x1b]8;;https://evil.example\\x1b\\here\\x1b]8;;\\x1b\\" in shown
    assert "\x1b]" not in terminal.getvalue()  # no hyperlink, from markup or from the data
    assert "\x1b" not in shown and "👍" not in shown


def test_prefect_log_lines_show_control_characters_and_markup_as_written() -> None:
    from prefect.logging.handlers import PrefectConsoleHandler

    stream = io.StringIO()
    handler = PrefectConsoleHandler(stream=stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        visible_log_lines()
        logging.getLogger("footprint.ingest.pull").warning("%s: %s skipped", PERIOD, "zz\x1b[2J[/b].csv")
    finally:
        root.removeHandler(handler)
    assert stream.getvalue() == "WARNING 2025-03: zz\\x1b[2J[/b].csv skipped\n"


class _Webhook(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receive)
        self.bodies: list[dict[str, Any]] = []

    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/services/T000/B000/escapingtoken"


class _Receive(BaseHTTPRequestHandler):
    server: _Webhook

    def do_POST(self) -> None:
        self.server.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[_Webhook]:
    server = _Webhook()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _teams(text: str) -> str:
    return _slack(re.sub(r"([\\`*_~\[\]#])", r"\\\1", text))


def _shown(body: dict[str, Any]) -> Iterator[str]:
    """Every text in the body a person sees: all strings but the machine record and the card's keywords."""
    keywords = {"type", "@type", "@context", "themeColor"}
    stack: list[Any] = [{k: v for k, v in body.items() if k != "footprint_alert"}]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack += [v for k, v in item.items() if k not in keywords]
        elif isinstance(item, list):
            stack += item
        elif isinstance(item, str):
            yield item


def test_webhook_of_a_run_escapes_station_and_organisation_in_every_field(
    webhook: _Webhook, tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("FOOTPRINT_") and n != "FOOTPRINT_INBOX_SETTLE_SECONDS"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("FOOTPRINT_WEBHOOK_URL", webhook.url())
    files = {**{k: v for k, v in ALL_FILES.items() if k != "fuel.csv"}, FUEL_FILE: FUEL + TANK_ROW}
    config = write_company(tmp_path / "co", files, organisation=ORGANISATION)

    try:
        result = CliRunner().invoke(app, ["ingest", "--period", PERIOD, "-c", str(config)])
    finally:
        close_warehouses()

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    [body] = webhook.bodies
    record = body["footprint_alert"]  # for machines: the data as it is
    assert (record["rule"], record["organisation"], record["evidence"]["station"]) == (
        "tank_exceeded", ORGANISATION, STATION)
    alert_title = "Vehicle VGH42K: a fuelling of 120.0 l exceeds its 80 l tank"
    message = (f"Vehicle VGH42K fuelled 120.00 l at once on 2025-03-07 08:00 at {STATION} ({FUEL_FILE} line 5), more "
               "than its 80 l tank holds. Fuel for another vehicle or a jerrycan, or a wrong quantity?")
    assert (record["title"], record["message"]) == (alert_title, message)
    title = f"[footprint] {ORGANISATION}: {alert_title} (2025-03)"

    # Slack: entities in the notification text, the header and every mrkdwn object; mrkdwn verbatim.
    assert body["text"] == _slack(f"{title}\n{message}")
    assert body["text"].startswith("[footprint] Klein &lt;!here&gt; &amp; [team](https://evil.example): ")
    header, section, fields = body["blocks"]
    assert header["text"] == {"type": "plain_text", "text": _slack(title)}
    assert section["text"] == {"type": "mrkdwn", "text": _slack(message), "verbatim": True}
    file_field = {"type": "mrkdwn", "text": "*file_name*\ntankpas &lt;!subteam^S1&gt; [x](https:evil) *b*.csv",
                  "verbatim": True}
    assert file_field in fields["fields"] and all(field["verbatim"] for field in fields["fields"])
    # Teams: Markdown and HTML escapes in the title, the summary and every fact.
    assert body["title"] == body["summary"] == (
        "\\[footprint\\] Klein &lt;!here&gt; &amp; \\[team\\](https://evil.example): Vehicle VGH42K: a fuelling "
        "of 120.0 l exceeds its 80 l tank (2025-03)")
    facts = {fact["name"]: fact["value"] for fact in body["sections"][0]["facts"]}
    assert facts["station"] == ("&lt;!channel&gt; &lt;https://evil.example|click&gt; \\[x\\](https://evil.example) "
                                "\\*b\\* &lt;at&gt;All&lt;/at&gt; &amp; co")
    assert facts["file\\_name"] == "tankpas &lt;!subteam^S1&gt; \\[x\\](https:evil) \\*b\\*.csv"
    for text in _shown(body):
        assert "<" not in text and ">" not in text, text
        assert not re.search(r"&(?!amp;|lt;|gt;)", text), text


def test_slack_text_cut_to_its_limit_keeps_whole_entities() -> None:
    alert = Alert("tank_exceeded", "VGH-42-K", "2025-03", "warning", "t", "<" * 40)
    payload = webhook_payload(alert, "<" * 60)

    assert payload["blocks"][0]["text"]["text"] == "[footprint] " + "&lt;" * 34
    assert payload["blocks"][1]["text"]["text"] == "&lt;" * 40


def test_invisible_layout_characters_are_shown_as_codes() -> None:
    """A bidi override shows a name reversed and U+2028 breaks a line in some terminals and mail clients."""
    from footprint.visible import one_line, visible

    assert one_line("Shell\u202eUtrecht\u2028next") == "Shell\\u202eUtrecht\\u2028next"
    assert visible("a\tb\n\u200bc\ufeff") == "a\tb\n\\u200bc\\ufeff"  # footprint's own tab and line break stay
