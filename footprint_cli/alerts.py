"""`footprint alerts`: the deviations found after ingestion and the quality officer's verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from footprint import json_strict
from footprint.alert_store import list_alerts, pending, set_status
from footprint.alerts.send import delivery_settings, send_pending
from footprint.config.workspace import open_workspace
from footprint.periods import parse_period
from footprint_cli.app import (
    ConfigOption,
    alerts_app,
    config_arg,
    console,
    errors,
    friendly,
    who,
)

# JSON escapes C0 controls itself; DEL and the C1 controls (0x9b opens an escape sequence) it leaves raw.
_JSON_CONTROLS = {code: f"\\u{code:04x}" for code in range(0x7F, 0xA0)}


def print_undelivered(ws: Any) -> None:
    waiting = pending(ws, delivery_settings(ws).channels())
    if waiting:
        errors.print(Text.assemble(
            (f"{len(waiting)} alert message(s) not delivered yet", "yellow"),
            f" (channels: {', '.join(sorted({channel for _, channel in waiting}))}); they go with the next run or "
            "`footprint alerts send`.",
        ), highlight=False)




def print_alerts(found: list[Any], title: str, full: bool = True) -> None:
    """A short table; the title's subject prefix is left out, the subject has its own column. Every cell is a Text:
    subjects, titles and notes are data, never Rich markup, whichever console prints the table."""
    table = Table(title=Text(title), title_justify="left", box=None, pad_edge=False)
    names = ("id", "period", "severity", "rule", "subject", "status", "what") if full else (
        "id", "period", "rule", "subject", "what")
    for name in names:
        table.add_column(name, justify="right" if name == "id" else "left", no_wrap=name not in ("what", "subject"),
                         max_width=24 if name == "subject" else None, overflow="fold" if name == "subject" else "ellipsis")
    colours = {"critical": "red", "warning": "yellow"}
    for alert in found:
        what = Text(alert.title.split(": ", 1)[-1])
        if alert.note:
            what.append(f"\n{alert.noted_by}: {alert.note}", style="dim")
        cells = {"id": str(alert.alert_id), "period": alert.period, "severity": alert.severity, "rule": alert.rule,
                 "subject": alert.subject, "status": alert.status}
        table.add_row(*(what if n == "what" else Text(cells[n]) for n in names),
                      style=colours.get(alert.severity) if alert.status == "open" else "dim")
    console.print(table, soft_wrap=False)


def report_delivery(result: Any) -> None:
    if result.delivered:
        console.print(f"Delivered {len(result.delivered)} alert message(s) via {', '.join(result.channels)}.")
    if result.failed:
        reasons = sorted({f"{channel}: {reason}" for _, channel, reason in result.failed})
        errors.print(Text.assemble((f"{len(result.failed)} delivery(ies) failed and stay pending:", "yellow"),
                                   " " + "; ".join(reasons)), highlight=False)


def print_alerts_and_outbox(ws: Any, title: str) -> None:
    found = list_alerts(ws)
    if not found:
        console.print("No alerts raised.")
        return
    print_alerts(found, title, full=False)
    channels = delivery_settings(ws).channels()
    if "outbox" in channels:
        console.print(f"Alert emails (.eml, open them with a mail client): {ws.outbox}", highlight=False)
    else:
        console.print(f"Alerts sent via {', '.join(channels)}.")
    print_undelivered(ws)


@alerts_app.command("list")
@friendly
def alerts_list(
    status: Annotated[str | None, typer.Option(help="Only alerts of this status: open, explained or dismissed.")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the alerts as JSON, evidence included.")] = False,
    config: ConfigOption = None,
) -> None:
    """The alerts raised so far, with their status and the note recorded for them."""
    from dataclasses import asdict

    ws = open_workspace(Path(config_arg(config)))
    found = list_alerts(ws, status, parse_period(first) if first else None, parse_period(last) if last else None)
    if as_json:
        text = json_strict.dumps([asdict(a) for a in found], ensure_ascii=False, indent=2)
        typer.echo(text.translate(_JSON_CONTROLS))
        return
    if not found:
        console.print("No alerts" + (f" with status {status}" if status else "") + ".")
        return
    print_alerts(found, f"{ws.org.organisation}: alerts")


def _set_status(alert_id: int, status: str, note: str, config: Path | None) -> None:
    ws = open_workspace(Path(config_arg(config)))
    alert = set_status(ws, alert_id, status, note, who())
    console.print(f"Alert {alert.alert_id} ({alert.title}) is {alert.status}; note by {alert.noted_by}: {alert.note}",
                  highlight=False)


@alerts_app.command("explain")
@friendly
def alerts_explain(
    alert_id: Annotated[int, typer.Argument(help="The alert's id (footprint alerts list).")],
    note: Annotated[str, typer.Option(help="The explanation, as the half-year report should quote it.")],
    config: ConfigOption = None,
) -> None:
    """Mark an alert explained, with the explanation for the report (author: $FOOTPRINT_USER or you)."""
    _set_status(alert_id, "explained", note, config)


@alerts_app.command("dismiss")
@friendly
def alerts_dismiss(
    alert_id: Annotated[int, typer.Argument(help="The alert's id (footprint alerts list).")],
    note: Annotated[str, typer.Option(help="Why the alert needs no action.")],
    config: ConfigOption = None,
) -> None:
    """Dismiss an alert that needs no action, saying why (author: $FOOTPRINT_USER or you)."""
    _set_status(alert_id, "dismissed", note, config)


@alerts_app.command("send")
@friendly
def alerts_send(config: ConfigOption = None) -> None:
    """Send the open alerts that a channel has not delivered yet (ingestion does this by itself)."""
    ws = open_workspace(Path(config_arg(config)))
    result = send_pending(ws)
    if not (result.delivered or result.failed):
        console.print("Nothing pending.")
    report_delivery(result)
    if result.failed:
        raise typer.Exit(1)


