"""`footprint init`, `demo`, `ingest` and `status`: getting a month's files into the warehouse."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from footprint import queries
from footprint.alert_store import list_alerts
from footprint.config.common import CONFIG_FILE_NAME
from footprint.config.starter import starter_config
from footprint.config.workspace import open_workspace
from footprint.demo.generator import write_demo
from footprint.demo.pull_sources import PULLED_MONTHS, demo_sources
from footprint.errors import FootprintError, UsageError
from footprint.periods import parse_period
from footprint.resources import warehouse
from footprint.storage.inbox import MONTH_FOLDER, copy_into_inbox
from footprint.warehouse import safe_url
from footprint_cli.alerts import (
    print_alerts,
    print_alerts_and_outbox,
    print_undelivered,
)
from footprint_cli.app import (
    ConfigOption,
    app,
    config_arg,
    console,
    friendly,
    months_asked,
    prefect_console,
)
from footprint_cli.pull import run_pull
from footprint_cli.report import run_report


def _print_run(summary: Any, examples: dict[str, list[dict[str, Any]]]) -> None:
    """One block per file of a month's run (see _print_file)."""
    for f in summary.files:
        _print_file(f, examples, f"{summary.period} ")


def _print_file(f: Any, examples: dict[str, list[dict[str, Any]]] | None = None, prefix: str = "") -> None:
    """One line per file; under it the notes (gaps per meter, rows a format left out) and the first few
    quarantined rows, by line and column, to fix. File names, notes and reasons are data: the console prints them
    as written, the marks are styled Text."""
    name = f.file_name
    if f.outcome == "rejected":
        console.print(Text.assemble("  ", ("✗", "red"), f" {prefix}{name}: rejected: {f.message or ''}"),
                      highlight=False)
        return
    if f.outcome == "skipped":
        console.print(f"  = {prefix}{name}: {f.message or 'already loaded'}", style="dim", highlight=False)
        return
    mark = ("!", "yellow") if f.rows_quarantined else ("✓", "green")
    extra = f", {f.rows_excluded} non-fuel excluded" if f.rows_excluded else ""
    extra += f" ({f.message})" if f.message else ""
    console.print(Text.assemble(
        "  ", mark,
        f" {prefix}{name}: {f.rows_read} read, {f.rows_loaded} loaded, {f.rows_quarantined} quarantined{extra}",
    ), highlight=False)
    for note in f.notes:
        console.print(f"      note: {note}", highlight=False)
    shown = (examples or {}).get(f.file_sha256, [])
    for row in shown:
        line = f"      row {row['source_row']}, column {row['column_name']}: {row['reason']}"
        console.print(line, highlight=False)
    if f.rows_quarantined > len(shown):
        console.print(f"      ... {f.rows_quarantined} row(s) in all, each with its reason in table quarantine "
                      "(footprint status)", style="dim")


def run_ingest(config: str | None, periods: list[str], verbose: bool = True) -> list[Any]:
    """Run the Prefect ingestion flow over the periods, a year per flow run, with a progress bar."""
    from flows.monthly_ingest import ingest_months

    prefect_console()

    chunks = [periods[i : i + 12] for i in range(0, len(periods), 12)]
    summaries: list[Any] = []
    with Progress(
        TextColumn("ingest", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        bar = progress.add_task("starting Prefect", total=len(periods))
        for chunk in chunks:
            progress.update(bar, description=f"{chunk[0]} .. {chunk[-1]}")
            results = ingest_months(chunk, config)
            summaries.extend(results)
            progress.advance(bar, len(chunk))
    if verbose:
        quarantined_files = [f.file_sha256 for s in summaries for f in s.files if f.rows_quarantined]
        examples = queries.quarantine_examples(open_workspace(Path(config) if config else None), quarantined_files)
        for summary in summaries:
            _print_run(summary, examples)
    for summary in summaries:  # named here too: the log line may not reach this console
        for line in summary.skipped:
            console.print(f"  … {summary.period}: {line}", highlight=False)
    problems = next((s.raw_store_problems for s in summaries if s.raw_store_problems), [])
    for line in problems:  # once per flow run: the same check is in every month's summary
        console.print(f"  raw store {line}", style="yellow")
    if problems:
        console.print("  raw store: files the warehouse points at are gone or changed; `footprint verify` lists "
                      "and re-hashes them all", style="yellow")
    # Where factors came from when not from the list the policy names: once per year, not per month.
    notes = dict.fromkeys(note for s in summaries if s.emissions for note in s.emissions.factor_notes)
    for note in notes:
        console.print(f"  factors {note}", highlight=False, style="yellow")
    quarantined = sum(s.rows_quarantined for s in summaries)
    rejected = sum(f.outcome == "rejected" for s in summaries for f in s.files)
    loaded = sum(f.outcome == "loaded" for s in summaries for f in s.files)
    console.print(
        f"{len(periods)} month(s): {loaded} file(s) loaded, {quarantined} row(s) quarantined, "
        f"{rejected} file(s) rejected",
        style="yellow" if quarantined or rejected else "green",
    )
    if rejected:
        raise FootprintError(f"{rejected} file(s) could not be read; see the lines marked ✗ above")
    return summaries


@app.command()
@friendly
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new organisation.")] = Path("."),
    organisation: Annotated[str, typer.Option(help="Organisation name.")] = "My Company B.V.",
) -> None:
    """Create footprint.yaml, a .env with a fresh pseudonymisation key, and the inbox folder."""

    directory.mkdir(parents=True, exist_ok=True)
    target = directory / CONFIG_FILE_NAME
    if target.exists():
        raise UsageError(f"{target} exists already; footprint init never overwrites a configuration")
    target.write_text(starter_config(organisation), encoding="utf-8")
    env = directory / ".env"
    if not env.exists():
        env.write_text(f"FOOTPRINT_PSEUDONYM_KEY={secrets.token_hex(32)}\n", encoding="utf-8")
        env.chmod(0o600)
    (directory / "inbox").mkdir(exist_ok=True)
    console.print(f"Created {target} and {env}. Edit the file, drop files into {directory / 'inbox'}/YYYY-MM/,")
    console.print("then run: footprint ingest --period YYYY-MM")


DEMO_REPORTS = ("2025H1", "2025H2")


@app.command()
@friendly
def demo(
    workdir: Annotated[Path, typer.Option(help="Folder for the demo company.")] = Path("demo-workspace"),
) -> None:
    """Create a fictional cleaning company with 2022-01..2026-06 of raw files, ingest every month, write reports."""

    workdir = workdir.expanduser().resolve()
    if (workdir / CONFIG_FILE_NAME).exists():
        console.print(f"Using the existing demo in {workdir} (delete it to start afresh).")
    manifest = write_demo(workdir)
    console.print(f"Demo company written to {workdir}: {len(manifest.inbox_files)} raw files in {workdir / 'inbox'}")
    config = str(workdir / CONFIG_FILE_NAME)
    with demo_sources(workdir) as moved:
        _publish_demo_inbox(workdir)
        console.print(f"Pull: {len(moved)} files of {PULLED_MONTHS[0]}..{PULLED_MONTHS[-1]} are served by local "
                      "stand-ins of a metering API, an SFTP drop and a mailbox (footprint.yaml pull:)")
        pulled = run_pull(config, PULLED_MONTHS[-1])
    if pulled.failed:
        raise FootprintError("the demo's pull failed; see the lines marked ✗ above")
    periods = sorted({p.name for p in (workdir / "inbox").iterdir() if p.is_dir() and MONTH_FOLDER.match(p.name)})
    run_ingest(config, periods, verbose=False)
    ws = open_workspace(Path(config))
    _print_year_totals(queries.year_totals(ws))
    for used in queries.factor_lists_used(ws):
        console.print(
            f"Factors: co2emissiefactoren.nl list {used['list_year']} (version {used['version']}) for "
            f"{int(used['first_year'])}-{int(used['last_year'])}; policy {ws.org.factor_policy.mode}, falling back to "
            "the nearest list loaded (load older lists with `footprint factors load`)."
        )
    stats = queries.quarantine_summary(ws)
    embedded = ws.warehouse_url.startswith("duckdb:///")
    console.print(f"\nWarehouse: {ws.warehouse_url.removeprefix('duckdb:///') if embedded else safe_url(ws.warehouse_url)}")
    console.print(Text.assemble(
        f"Quarantine: {stats['rows']} row(s) from {stats['files']} file(s) in table ", ("quarantine", "bold"),
        " of that warehouse; see them with `footprint status`"
        + (f" or\n  .venv/bin/duckdb {ws.warehouse_url.removeprefix('duckdb:///')} "
           "-c 'SELECT file_name, source_row, column_name, value, reason FROM quarantine'" if embedded else ""),
    ), highlight=False)
    console.print(f"Raw files, stored once by SHA-256: {ws.raw_store}")
    print_alerts_and_outbox(ws, "\nAlerts raised (footprint alerts list; explain one with footprint alerts explain ID "
                             "--note ...)")
    console.print("\nHalf-year reports (Dutch; `footprint report --half 2025H2 --lang en` for English):")
    for half in DEMO_REPORTS:
        written = run_report(config, half, workdir / "reports" / half, "nl")
        console.print(f"  {half}: {written['report.pdf']}", highlight=False)
        console.print(f"          {written['report.html']}, report.xlsx, summary.json, charts/", highlight=False)


def _publish_demo_inbox(workdir: Path) -> None:
    """With FOOTPRINT_INBOX elsewhere (an S3 bucket, say), put the demo's files there: that is what ingestion reads."""

    ws = open_workspace(workdir / CONFIG_FILE_NAME)
    if Path(str(ws.inbox)) == workdir / "inbox":
        return
    copied = copy_into_inbox(workdir / "inbox", ws.inbox, endpoint_url=ws.s3_endpoint_url)
    console.print(f"Inbox {ws.inbox}: {copied} demo file(s) copied there, the others were there already", highlight=False)


def _print_year_totals(rows: list[dict[str, Any]]) -> None:
    table = Table(title="t CO2e per year and ladder scope (electricity market-based)")
    table.add_column("year", justify="right")
    for scope in (1, 2, 3):
        table.add_column(f"scope {scope}", justify="right")
    table.add_column("total", justify="right")
    for row in rows:
        values = [row[f"scope_{s}_kg_co2e"] for s in (1, 2, 3)]
        table.add_row(str(row["year"]), *(f"{v / 1000:,.1f}" for v in values), f"{sum(values) / 1000:,.1f}")
    console.print(table)


@app.command()
@friendly
def ingest(
    period: Annotated[str | None, typer.Option(help="One month, YYYY-MM.")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")] = None,
    config: ConfigOption = None,
) -> None:
    """Ingest the inbox files of one or more months through the Prefect flow."""

    periods = months_asked(period, first, last)
    config_path = config_arg(config)
    # Opened before Prefect starts: a DuckDB file held by another run fails here at once, not after retries.
    warehouse(open_workspace(Path(config_path)))
    run_ingest(config_path, periods)

    ws = open_workspace(Path(config_path))
    found = list_alerts(ws, status="open", first_period=min(periods), last_period=max(periods))
    if found:
        print_alerts(found, f"Open alerts for {periods[0]}..{periods[-1]}")
    print_undelivered(ws)




@app.command()
@friendly
def status(
    first: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")] = None,
    config: ConfigOption = None,
) -> None:
    """Per month (the months the rows cover, whatever folder their file came in): rows loaded and quarantined,
    what is missing and which meter months are partial."""
    ws = open_workspace(Path(config_arg(config)))
    rows = queries.status(ws, parse_period(first) if first else None, parse_period(last) if last else None)
    table = Table(title=Text(f"{ws.org.organisation}: data per month and source"))
    for name in ("period", "source", "files", "loaded", "quarantined", "status"):
        table.add_column(name, justify="right" if name in ("files", "loaded", "quarantined") else "left")
    for row in rows:
        status_text = row["status"]
        style = "red" if status_text == "missing" else "yellow" if status_text.startswith(("partial", "quarantined")) \
            else "dim" if status_text.startswith("no data") else None
        cells = (row["period"], row["source"], str(row["files"]), str(row["loaded"]), str(row["quarantined"]),
                 status_text)
        table.add_row(*map(Text, cells), style=style)
    console.print(table)
    if not ws.org.expected_sources:
        console.print("Supplier and travel data are never missing: footprint.yaml lists no expected_sources.",
                      style="dim")




@app.command()
@friendly
def reprocess(
    period: Annotated[str | None, typer.Option(help="One month, YYYY-MM: files delivered in it or holding its rows.")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")] = None,
    file: Annotated[str | None, typer.Option("--file", help="Only files of this name (a glob: 'tankpas_*.csv').")] = None,
    dataset: Annotated[str | None, typer.Option(help="Only fuel_transactions, meter_usage or supplier_activity.")] = None,
    config: ConfigOption = None,
) -> None:
    """Read stored raw files again after footprint.yaml, a profile, a mapping or a meter changed: a restatement."""
    from flows.reprocess import reprocess as reprocess_flow

    if period and (first or last):
        raise UsageError("give either --period or --from/--to, not both")
    if not (period or first or last or file or dataset):
        raise UsageError("say what to read again: --period YYYY-MM, --from/--to, --file NAME or --dataset NAME")
    low = parse_period(period or first) if (period or first) else None
    high = parse_period(period or last) if (period or last) else None
    config_path = config_arg(config)
    warehouse(open_workspace(Path(config_path)))  # a warehouse in use fails here, before Prefect starts
    prefect_console()
    result = reprocess_flow(config_path, low, high, file, dataset)
    quarantined = [f.file_sha256 for f in result.files if f.rows_quarantined]
    examples = queries.quarantine_examples(open_workspace(Path(config_path)), quarantined)
    for f in result.files:
        _print_file(f, examples)
    for item in result.restated:
        console.print(
            f"  restated {item.period} {item.file_name}: {item.old_kg_co2e:,.3f} -> "
            f"{item.new_kg_co2e:,.3f} kg CO2e ({item.new_kg_co2e - item.old_kg_co2e:+,.3f})", highlight=False,
        )
    loaded = sum(f.outcome == "loaded" for f in result.files)
    console.print(
        f"{loaded} file(s) read again, {len(result.restated)} month(s) restated, "
        f"{result.quarantine_closed} quarantine entr{'y' if result.quarantine_closed == 1 else 'ies'} closed"
        + ("" if result.restated else "; no figure moved"),
        style="green" if loaded == len(result.files) else "yellow",
    )
    if loaded < len(result.files):
        raise FootprintError(f"{len(result.files) - loaded} file(s) could not be read again; see the lines marked ✗")
