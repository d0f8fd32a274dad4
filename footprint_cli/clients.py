"""`footprint clients`: one month's pull and ingestion for every organisation in a consultant's clients file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from footprint.config.clients import load_clients
from footprint.periods import format_period, parse_period
from footprint_cli.app import app, console, friendly, prefect_console


@app.command()
@friendly
def clients(
    file: Annotated[Path, typer.Option("--file", "-f", help="The clients file (clients.yaml).")],
    period: Annotated[str, typer.Option(help="One month, YYYY-MM.")],
    max_parallel: Annotated[int, typer.Option(min=1, max=16, help="Clients run at the same time.")] = 2,
) -> None:
    """Pull and ingest one month for every active client; a failing client never stops another."""
    entries = load_clients(file.expanduser().resolve())  # a wrong file fails here, before Prefect starts
    from flows.clients import monthly_ingest_clients

    prefect_console()
    outcomes = monthly_ingest_clients(str(file.expanduser().resolve()), format_period(parse_period(period)),
                                      max_parallel)
    for outcome in outcomes:
        console.print(Text.assemble("  ", ("✓", "green"), f" {outcome.name}: {outcome.message}"), highlight=False)
    console.print(f"{len(entries)} client(s) done for {period}")
