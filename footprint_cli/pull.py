"""`footprint pull`: fetch a month's data from the sources in footprint.yaml's `pull:` section, or show what they fetched."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from footprint.config.workspace import open_workspace
from footprint.errors import FootprintError, UsageError
from footprint.periods import format_period, parse_period
from footprint.pull.run import PullReport
from footprint.resources import warehouse
from footprint.warehouse import pull_ledger
from footprint_cli.app import (
    ConfigOption,
    app,
    config_arg,
    console,
    errors,
    friendly,
    prefect_console,
)


class SourcesFailed(FootprintError):
    """One or more sources could not be pulled (exit code 1); the others were."""


def print_pull(report: PullReport) -> None:
    """A line per source: what it stored, or its one-line error; warnings under it."""
    for result in report.results:
        for warning in result.warnings:
            console.print(f"  ! {result.source}: {warning}", style="yellow", highlight=False)
        if result.error:
            errors.print(Text.assemble("  ", ("✗", "red"), f" {result.error}"), highlight=False)
            continue
        months = f" into {', '.join(result.months)}" if result.months else ""
        again = f", {result.already} pulled before" if result.already else ""
        console.print(Text.assemble(
            "  ", ("✓", "green"),
            f" {result.source} ({result.kind}): {result.items} new item(s), {result.files} file(s), "
            f"{result.size_bytes:,} bytes{months}{again}"), highlight=False)


def print_status(config: str | None) -> None:
    rows = pull_ledger.status(warehouse(open_workspace(Path(config) if config else None)))
    if not rows:
        console.print("Nothing pulled yet (footprint pull --period YYYY-MM).")
        return
    console.print("Pulled per source (table pulled_files; each channel's watermark in pull_watermarks):")
    for row in rows:
        last = (row.last_fetched_at.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
                if row.last_fetched_at else "-")
        console.print(f"  {row.source} ({row.kind}): {row.items} item(s), {row.files} file(s), "
                      f"{row.size_bytes:,} bytes, last fetched {last}", highlight=False)
        for channel, mark in sorted(row.watermarks.items()):
            console.print(f"      {channel} up to {mark}", highlight=False)


def run_pull(config: str | None, month: str, only: list[str] | None = None) -> PullReport:
    """The pull_sources flow for a month, its result printed a line per source."""
    from flows.pull_sources import pull_sources

    prefect_console()
    report = pull_sources(month, config, only)
    print_pull(report)
    return report


@app.command()
@friendly
def pull(
    period: Annotated[str | None, typer.Option(help="The month to pull up to, YYYY-MM.")] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only this source (repeatable).")] = None,
    status: Annotated[bool, typer.Option("--status", help="Show what each source pulled, and its watermarks.")] = False,
    config: ConfigOption = None,
) -> None:
    """Fetch what is new at each source in footprint.yaml's pull: section into the inbox (then footprint ingest)."""
    config_path = config_arg(config)
    if status:
        print_status(config_path)
        return
    if period is None:
        raise UsageError("give --period YYYY-MM (the month to pull up to), or --status")
    month = format_period(parse_period(period))
    ws = open_workspace(Path(config_path))
    warehouse(ws)  # a warehouse held by another run fails here, before Prefect starts
    if not ws.org.pull:
        console.print(f"{config_path} has no pull: section, so there is nothing to pull (docs/operations.md, "
                      "'Pulling data at the source').", highlight=False)
        return
    report = run_pull(config_path, month, source or None)
    if report.failed:
        others = "; the others were pulled" if len(report.failed) < len(report.results) else ""
        raise SourcesFailed(f"{len(report.failed)} of {len(report.results)} source(s) failed{others}")
    if report.to_ingest:
        console.print(f"To load what was pulled: footprint ingest, for {', '.join(report.to_ingest)}", highlight=False)
