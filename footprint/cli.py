"""The `footprint` command. Exit codes: 0 done (quarantined rows are warnings), 2 bad usage or
configuration, 1 pipeline failure. footprint's own errors print as one line, never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

# Offline by design: no telemetry, quiet Prefect logs unless the user asks for them.
for _name, _value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(_name, _value)

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from footprint import queries
from footprint.config import CONFIG_FILE_NAME, Settings, normalise_plate, open_workspace
from footprint.errors import FootprintError, InputFileError, UsageError, WarehouseError
from footprint.periods import format_period, month_range, parse_period
from footprint.warehouse import safe_url
from footprint.warehouse.migrations import first_line

app = typer.Typer(
    help="footprint: monthly energy and fuel data in, audited CO2 inventory out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
factors_app = typer.Typer(help="Emission factor lists (co2emissiefactoren.nl).", no_args_is_help=True)
app.add_typer(factors_app, name="factors")
template_app = typer.Typer(help="Templates to hand to suppliers and staff.", no_args_is_help=True)
app.add_typer(template_app, name="template")
alerts_app = typer.Typer(help="Deviations found after ingestion, and the quality officer's verdicts.",
                         no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
warehouse_app = typer.Typer(help="The PostgreSQL warehouse: read-only access for BI tools.", no_args_is_help=True)
app.add_typer(warehouse_app, name="warehouse")

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help=f"Organisation file (default: $FOOTPRINT_CONFIG or ./{CONFIG_FILE_NAME})."),
]


def _friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn footprint's own errors into one red line and their exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except FootprintError as exc:
            errors.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except sa.exc.DBAPIError as exc:
            # A query the warehouse could not finish (out of memory, lost connection): its reason, no traceback.
            failed = WarehouseError(f"the warehouse could not answer: {first_line(exc.orig)}")
            errors.print(f"[bold red]error:[/] {failed}", highlight=False)
            raise typer.Exit(failed.exit_code) from None

    return wrapper


def _config_arg(config: Path | None) -> str | None:
    return str(config.expanduser().resolve()) if config else str(Settings().config.expanduser().resolve())


def _periods(period: str | None, first: str | None, last: str | None) -> list[str]:
    if period and (first or last):
        raise UsageError("give either --period or --from/--to, not both")
    if period:
        return [format_period(parse_period(period))]
    if not (first and last):
        raise UsageError("give --period YYYY-MM, or --from YYYY-MM and --to YYYY-MM")
    return [format_period(m) for m in month_range(parse_period(first), parse_period(last))]


def _print_run(summary: Any, examples: dict[str, list[dict[str, Any]]]) -> None:
    """One line per file; under a file with quarantined rows its first few, by line and column, to fix."""
    for f in summary.files:
        if f.outcome == "rejected":
            console.print(f"  [red]✗[/] {summary.period} {f.file_name}: rejected: {f.message}", highlight=False)
            continue
        if f.outcome == "skipped":
            console.print(f"  [dim]= {summary.period} {f.file_name}: already loaded[/]", highlight=False)
            continue
        mark = "[yellow]![/]" if f.rows_quarantined else "[green]✓[/]"
        extra = f", {f.rows_excluded} non-fuel excluded" if f.rows_excluded else ""
        extra += f" ({f.message})" if f.message else ""
        console.print(
            f"  {mark} {summary.period} {f.file_name}: {f.rows_read} read, {f.rows_loaded} loaded, "
            f"{f.rows_quarantined} quarantined{extra}",
            highlight=False,
        )
        shown = examples.get(f.file_sha256, [])
        for row in shown:
            line = f"      row {row['source_row']}, column {row['column_name']}: {row['reason']}"
            console.print(line, highlight=False, markup=False)
        rest = f.rows_quarantined - len({row["source_row"] for row in shown})
        if rest > 0:
            console.print(f"      ... and {rest} more row(s), each with its reason in table quarantine", style="dim")


class _OneLineForFootprintErrors(logging.Filter):
    """Prefect logs a failed task with its traceback; for footprint's own errors the message says it all."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], FootprintError):
            record.exc_info, record.exc_text = None, None
        return True


def _quiet_footprint_tracebacks() -> None:
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _OneLineForFootprintErrors) for f in logger.filters):
            logger.addFilter(_OneLineForFootprintErrors())


def run_ingest(config: str | None, periods: list[str], verbose: bool = True) -> list[Any]:
    """Run the Prefect ingestion flow over the periods, a year per flow run, with a progress bar."""
    from flows.monthly_ingest import ingest_months

    _quiet_footprint_tracebacks()

    chunks = [periods[i : i + 12] for i in range(0, len(periods), 12)]
    summaries: list[Any] = []
    with Progress(
        TextColumn("[bold]ingest[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
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
@_friendly
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new organisation.")] = Path("."),
    organisation: Annotated[str, typer.Option(help="Organisation name.")] = "My Company B.V.",
) -> None:
    """Create footprint.yaml, a .env with a fresh pseudonymisation key, and the inbox folder."""
    from footprint.templates import config_template

    directory.mkdir(parents=True, exist_ok=True)
    target = directory / CONFIG_FILE_NAME
    if target.exists():
        raise UsageError(f"{target} exists already; footprint init never overwrites a configuration")
    target.write_text(config_template(organisation), encoding="utf-8")
    env = directory / ".env"
    if not env.exists():
        env.write_text(f"FOOTPRINT_PSEUDONYM_KEY={secrets.token_hex(32)}\n", encoding="utf-8")
        env.chmod(0o600)
    (directory / "inbox").mkdir(exist_ok=True)
    console.print(f"Created {target} and {env}. Edit the file, drop files into {directory / 'inbox'}/YYYY-MM/,")
    console.print("then run: footprint ingest --period YYYY-MM")


DEMO_REPORTS = ("2025H1", "2025H2")


@app.command()
@_friendly
def demo(
    workdir: Annotated[Path, typer.Option(help="Folder for the demo company.")] = Path("demo-workspace"),
) -> None:
    """Create a fictional cleaning company with 2022-01..2026-06 of raw files, ingest every month, write reports."""
    from footprint.demo import write_demo

    workdir = workdir.expanduser().resolve()
    if (workdir / CONFIG_FILE_NAME).exists():
        console.print(f"Using the existing demo in {workdir} (delete it to start afresh).")
    manifest = write_demo(workdir)
    console.print(f"Demo company written to {workdir}: {len(manifest.inbox_files)} raw files in {workdir / 'inbox'}")
    config = str(workdir / CONFIG_FILE_NAME)
    _publish_demo_inbox(workdir)
    periods = sorted({p.name for p in (workdir / "inbox").iterdir() if p.is_dir()})
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
    console.print(
        f"Quarantine: {stats['rows']} row(s) from {stats['files']} file(s) in table [bold]quarantine[/] of that "
        "warehouse; see them with `footprint status`"
        + (f" or\n  .venv/bin/duckdb {ws.warehouse_url.removeprefix('duckdb:///')} "
           "-c 'SELECT file_name, source_row, column_name, value, reason FROM quarantine'" if embedded else ""),
        highlight=False,
    )
    console.print(f"Raw files, stored once by SHA-256: {ws.raw_store}")
    _print_alerts_and_outbox(ws, "\nAlerts raised (footprint alerts list; explain one with footprint alerts explain ID "
                             "--note ...)")
    console.print("\nHalf-year reports (Dutch; `footprint report --half 2025H2 --lang en` for English):")
    for half in DEMO_REPORTS:
        written = run_report(config, half, workdir / "reports" / half, "nl")
        console.print(f"  {half}: {written['report.pdf']}", highlight=False)
        console.print(f"          {written['report.html']}, report.xlsx, summary.json, charts/", highlight=False)


def _publish_demo_inbox(workdir: Path) -> None:
    """With FOOTPRINT_INBOX elsewhere (an S3 bucket, say), put the demo's files there: that is what ingestion reads."""
    from footprint.storage import copy_into_inbox

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
@_friendly
def ingest(
    period: Annotated[str | None, typer.Option(help="One month, YYYY-MM.")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")] = None,
    config: ConfigOption = None,
) -> None:
    """Ingest the inbox files of one or more months through the Prefect flow."""
    from footprint.pipeline import warehouse

    periods = _periods(period, first, last)
    config_path = _config_arg(config)
    # Opened before Prefect starts: a DuckDB file held by another run fails here at once, not after retries.
    warehouse(open_workspace(Path(config_path)))
    run_ingest(config_path, periods)
    from footprint.alerts import list_alerts

    ws = open_workspace(Path(config_path))
    found = list_alerts(ws, status="open", first_period=min(periods), last_period=max(periods))
    if found:
        _print_alerts(found, f"Open alerts for {periods[0]}..{periods[-1]}")
    _print_undelivered(ws)


def _print_undelivered(ws: Any) -> None:
    from footprint.alerts import delivery_settings, pending

    waiting = pending(ws, delivery_settings(ws).channels())
    if waiting:
        errors.print(
            f"[yellow]{len(waiting)} alert message(s) not delivered yet[/] (channels: "
            f"{', '.join(sorted({channel for _, channel in waiting}))}); they go with the next run or "
            "`footprint alerts send`.", highlight=False,
        )


@app.command()
@_friendly
def status(
    first: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")] = None,
    config: ConfigOption = None,
) -> None:
    """Per month and source: rows loaded and quarantined, and what is missing."""
    ws = open_workspace(Path(_config_arg(config)))
    rows = queries.status(ws, parse_period(first) if first else None, parse_period(last) if last else None)
    table = Table(title=f"{ws.org.organisation}: data per month and source")
    for name in ("period", "source", "files", "loaded", "quarantined", "status"):
        table.add_column(name, justify="right" if name in ("files", "loaded", "quarantined") else "left")
    for row in rows:
        style = {"missing": "red", "quarantined rows": "yellow"}.get(row["status"])
        table.add_row(
            row["period"], row["source"], str(row["files"]), str(row["loaded"]), str(row["quarantined"]),
            row["status"], style=style,
        )
    console.print(table)


def _half(text: str) -> str:
    if not re.match(r"^\d{4}H[12]$", text):
        raise UsageError(f"half year {text!r} is written like 2025H1 or 2025H2")
    return text


def run_report(config: str, half: str, out: Path, lang: str) -> dict[str, str]:
    """Write one half-year report through the Prefect flow; returns the artefacts' paths."""
    from flows.halfyear_report import halfyear_report

    return halfyear_report(half, str(out), config, lang)


def _report_project(config_path: str, project: str, first: str | None, last: str | None, out: Path | None,
                    lang: str) -> None:
    """footprint report --project ID --from --to: checked before the flow starts, then written by it."""
    from flows.project_report import project_report

    if not (first and last):
        raise UsageError("--project needs --from YYYY-MM and --to YYYY-MM")
    ws = open_workspace(Path(config_path))
    ws.org.project(project)  # an unknown id fails here, naming the configured ones
    start, end = parse_period(first), parse_period(last)
    month_range(start, end)  # --to before --from fails here
    first, last = format_period(start), format_period(end)
    target = (out or ws.config_path.parent / "reports" / "projects" / project / f"{first}_{last}").resolve()
    for name, path in project_report(project, first, last, str(target), config_path, lang).items():
        console.print(f"  {name}: {path}", highlight=False)


def _report_public(config_path: str, half: str, out: Path | None, lang: str) -> None:
    from flows.public_summary import public_summary

    ws = open_workspace(Path(config_path))
    target = (out or ws.config_path.parent / "reports" / half / "public").resolve()
    for name, path in public_summary(half, str(target), config_path, lang).items():
        console.print(f"  {name}: {path}", highlight=False)


@app.command()
@_friendly
def report(
    half: Annotated[str | None, typer.Option(help="Half year: 2025H1, or 2025H2 for the whole year to date.")] = None,
    project: Annotated[str | None, typer.Option(help="A project's report (id in `projects:`), with --from and --to.")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First month of a project report, YYYY-MM.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month of a project report, YYYY-MM.")] = None,
    public: Annotated[bool, typer.Option("--public", help="With --half: the one-page public summary.")] = False,
    lang: Annotated[str, typer.Option(help="Language: nl or en.")] = "nl",
    out: Annotated[Path | None, typer.Option(help="Folder for the report (default: reports/<half>, reports/<half>/public or reports/projects/<id>/<from>_<to> beside footprint.yaml).")] = None,
    config: ConfigOption = None,
) -> None:
    """Write the half-year report (--half), a project's report (--project) or the public summary (--half --public)."""
    if lang not in ("nl", "en"):
        raise UsageError(f"--lang {lang!r}: use nl or en")
    config_path = _config_arg(config)
    if project:
        if half or public:
            raise UsageError("--project reports the months --from .. --to: leave out --half and --public")
        _report_project(config_path, project, first, last, out, lang)
        return
    if first or last:
        raise UsageError("--from and --to go with --project; a half-year report takes --half 2025H1 or 2025H2")
    if not half:
        raise UsageError("give --half 2025H1|2025H2 (with --public for the public summary), "
                         "or --project ID --from YYYY-MM --to YYYY-MM")
    if public:
        _report_public(config_path, _half(half), out, lang)
        return
    ws = open_workspace(Path(config_path))
    target = (out or ws.config_path.parent / "reports" / _half(half)).resolve()
    written = run_report(config_path, _half(half), target, lang)
    for name, path in written.items():
        console.print(f"  {name}: {path}", highlight=False)
    manifest = json.loads(Path(written["manifest.json"]).read_text(encoding="utf-8"))
    console.print(f"Archived (write-once): {manifest['location']}", highlight=False)
    if "compared_with" not in manifest:
        console.print("First report of this half year: archived.")
    elif manifest["matches_previous"]:
        console.print(f"Same figures as the archived report of {manifest['compared_with']}.")
    else:
        console.print(f"[yellow]Changed since the archived report of {manifest['compared_with']}:[/]")
        for change in manifest["changes"]:
            console.print(f"  - {change}", highlight=False)


@app.command()
@_friendly
def explain(
    period: Annotated[str, typer.Option(help="Month, YYYY-MM.")],
    source: Annotated[str | None, typer.Option(help="Only this source, e.g. diesel, electricity, flights.")] = None,
    meter: Annotated[str | None, typer.Option(help="Only this meter (EAN), vehicle (plate) or supplier.")] = None,
    limit: Annotated[int, typer.Option(help="How many of the largest rows to show.")] = 10,
    config: ConfigOption = None,
) -> None:
    """Lead from a month's total down to the activity rows, raw file lines and factors behind it."""
    ws = open_workspace(Path(_config_arg(config)))
    subject = normalise_plate(meter) if meter and not meter.isdigit() else meter
    found = queries.lineage(ws, parse_period(period), source, subject, max(limit, 0))
    total = sum(s["emissions_kg_co2e"] for s in found["split"])
    rows = sum(s["activity_rows"] for s in found["split"])
    console.print(
        f"{period}{' ' + source if source else ''}{' ' + meter if meter else ''}: "
        f"{total:,.3f} kg CO2e from {rows} activity row(s)", highlight=False,
    )
    if not (meter or abs(total - found["reported_kg_co2e"]) <= 1e-6 * max(1.0, abs(total))):
        raise FootprintError(
            f"lineage total {total:.6f} kg differs from v_emissions_monthly {found['reported_kg_co2e']:.6f} kg"
        )
    for part in found["split"]:
        console.print(
            f"  scope {part['ladder_scope']} {part['source']}: {part['emissions_kg_co2e']:,.3f} kg "
            f"= {part['activity_rows']} row(s) from {part['files']} file(s)", highlight=False,
        )
    for row in found["rows"]:
        factor = (
            f"x {row['factor_kg_co2e_per_unit']} ({row['factor_name']}, list {row['factor_list_year']} "
            f"version {row['factor_list_version']})" if row["factor_id"] else "(reported by the supplier)"
        )
        console.print(
            f"  {row['emissions_kg_co2e']:,.3f} kg = {row['quantity']:,.3f} {row['unit']} {factor}\n"
            f"      <- {row['activity_table']} {row['activity_id']} ({row['subject']})\n"
            f"      <- {row['file_name']} line {row['source_row']}, sha256 {row['file_sha256']}\n"
            f"         stored at {row['stored_path']}",
            highlight=False,
        )


@app.command()
@_friendly
def parse(
    file: Annotated[Path, typer.Argument(help="An export footprint can read (see footprint/sources/README.md).")],
    out: Annotated[Path, typer.Option("--out", help="Canonical CSV to write.")],
    format_name: Annotated[str | None, typer.Option("--format", help="Force a format instead of detecting it.")] = None,
    ean: Annotated[
        list[str] | None,
        typer.Option(help="EAN for an export that names none; 'gas=EAN' / 'electricity=EAN' when it holds both."),
    ] = None,
) -> None:
    """Convert one utility export into canonical interval rows (CSV), to check or convert files yourself."""
    from footprint.sources.convert import parse_file, write_canonical_csv

    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    try:
        parsed = parse_file(file, format_name=format_name, ean=ean or None)
    except InputFileError as exc:
        # For `parse` an unreadable file is the user's call to fix (format, --ean): exit 2.
        raise UsageError(str(exc)) from None
    rows = write_canonical_csv(parsed.frame, out, file.name)
    console.print(f"{file.name}: {parsed.format_name}, {rows} row(s) written to {out}", highlight=False)
    for note in parsed.notes:
        console.print(f"  note: {note}", highlight=False)


@template_app.command("supplier")
@_friendly
def template_supplier(
    directory: Annotated[Path, typer.Option("--dir", help="Folder to write the templates into.")] = Path("."),
) -> None:
    """Write the supplier-statement, mileage and flight templates (CSV and XLSX) with their explanation."""
    from footprint.sources.supplier_template import write_supplier_template

    directory.mkdir(parents=True, exist_ok=True)
    for path in write_supplier_template(directory):
        console.print(str(path), highlight=False)


@factors_app.command("load")
@_friendly
def factors_load(
    file: Annotated[Path, typer.Argument(help="A co2emissiefactoren.nl spreadsheet (.xlsx).")],
    year: Annotated[int | None, typer.Option(help="List year (default: from the sheet title).")] = None,
    config: ConfigOption = None,
) -> None:
    """Load an official factor list, an older year's or a corrected version."""
    from footprint.factors import load_factor_list
    from footprint.pipeline import restate_for_factor_lists, warehouse

    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    ws = open_workspace(Path(_config_arg(config)))
    result = load_factor_list(warehouse(ws), file, year)
    if result.already_loaded:
        console.print(f"{file.name}: list {result.list_year} version {result.version} was loaded before; nothing changed")
        return
    console.print(
        f"{file.name}: loaded list {result.list_year} version {result.version}: "
        f"{result.factors_loaded} factors ({result.skipped} rows skipped)"
        + (f"; supersedes {', '.join(result.superseded_list_ids)}" if result.superseded_list_ids else "")
    )
    restated = restate_for_factor_lists(ws)
    _print_factor_restatements(ws, restated)
    from footprint.alerts import factor_restatement_alerts, record, send_pending

    raised = record(ws, factor_restatement_alerts(ws, restated))
    if raised:
        _print_alerts(raised, "Alert raised")
        _report_delivery(send_pending(ws))


def _print_factor_restatements(ws: Any, restated: list[Any]) -> None:
    """Per year: what the new list changed, and whether the base year moved beyond significance."""
    if not restated:
        console.print("No computed month changes factor list under the policy; nothing restated.")
        return
    by_year: dict[int, list[Any]] = {}
    for item in restated:
        by_year.setdefault(int(item.period[:4]), []).append(item)
    policy = ws.org.factor_policy
    for year, items in sorted(by_year.items()):
        old = sum(i.old_kg_co2e for i in items)
        new = sum(i.new_kg_co2e for i in items)
        change = (new - old) / old * 100 if old else 0.0
        console.print(
            f"  restated {year}: {len(items)} month(s), {old / 1000:,.3f} -> {new / 1000:,.3f} t CO2e ({change:+.2f} %), "
            f"list {items[0].old_factor_list} -> {items[0].new_factor_list}",
            highlight=False,
        )
        if year == ws.org.base_year and abs(change) > policy.significance_pct:
            console.print(
                f"  [bold yellow]The base year {year} moves {change:+.2f} %, beyond the significance threshold of "
                f"{policy.significance_pct:g} %: the ladder asks for a base-year recalculation.[/]"
            )


def _who() -> str:
    """Who records a verdict: FOOTPRINT_USER, else the operating-system user."""
    import getpass

    return os.environ.get("FOOTPRINT_USER") or getpass.getuser()


def _print_alerts(found: list[Any], title: str, full: bool = True) -> None:
    """A short table; the title's subject prefix is left out, the subject has its own column."""
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    names = ("id", "period", "severity", "rule", "subject", "status", "what") if full else (
        "id", "period", "rule", "subject", "what")
    for name in names:
        table.add_column(name, justify="right" if name == "id" else "left", no_wrap=name not in ("what", "subject"),
                         max_width=24 if name == "subject" else None, overflow="fold" if name == "subject" else "ellipsis")
    colours = {"critical": "red", "warning": "yellow"}
    for alert in found:
        what = alert.title.split(": ", 1)[-1] + (f"\n[dim]{alert.noted_by}: {alert.note}[/]" if alert.note else "")
        cells = {"id": str(alert.alert_id), "period": alert.period, "severity": alert.severity, "rule": alert.rule,
                 "subject": alert.subject, "status": alert.status, "what": what}
        table.add_row(*(cells[n] for n in names), style=colours.get(alert.severity) if alert.status == "open" else "dim")
    console.print(table, soft_wrap=False)


def _report_delivery(result: Any) -> None:
    if result.delivered:
        console.print(f"Delivered {len(result.delivered)} alert message(s) via {', '.join(result.channels)}.")
    if result.failed:
        reasons = sorted({f"{channel}: {reason}" for _, channel, reason in result.failed})
        errors.print(f"[yellow]{len(result.failed)} delivery(ies) failed and stay pending:[/] " + "; ".join(reasons),
                     highlight=False)


def _print_alerts_and_outbox(ws: Any, title: str) -> None:
    from footprint.alerts import delivery_settings, list_alerts

    found = list_alerts(ws)
    if not found:
        console.print("No alerts raised.")
        return
    _print_alerts(found, title, full=False)
    channels = delivery_settings(ws).channels()
    if "outbox" in channels:
        console.print(f"Alert emails (.eml, open them with a mail client): {ws.outbox}", highlight=False)
    else:
        console.print(f"Alerts sent via {', '.join(channels)}.")
    _print_undelivered(ws)


@alerts_app.command("list")
@_friendly
def alerts_list(
    status: Annotated[str | None, typer.Option(help="Only alerts of this status: open, explained or dismissed.")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the alerts as JSON, evidence included.")] = False,
    config: ConfigOption = None,
) -> None:
    """The alerts raised so far, with their status and the note recorded for them."""
    from dataclasses import asdict

    from footprint.alerts import list_alerts

    ws = open_workspace(Path(_config_arg(config)))
    found = list_alerts(ws, status, parse_period(first) if first else None, parse_period(last) if last else None)
    if as_json:
        typer.echo(json.dumps([asdict(a) for a in found], ensure_ascii=False, indent=2))
        return
    if not found:
        console.print("No alerts" + (f" with status {status}" if status else "") + ".")
        return
    _print_alerts(found, f"{ws.org.organisation}: alerts")


def _set_status(alert_id: int, status: str, note: str, config: Path | None) -> None:
    from footprint.alerts import set_status

    ws = open_workspace(Path(_config_arg(config)))
    alert = set_status(ws, alert_id, status, note, _who())
    console.print(f"Alert {alert.alert_id} ({alert.title}) is {alert.status}; note by {alert.noted_by}: {alert.note}",
                  highlight=False)


@alerts_app.command("explain")
@_friendly
def alerts_explain(
    alert_id: Annotated[int, typer.Argument(help="The alert's id (footprint alerts list).")],
    note: Annotated[str, typer.Option(help="The explanation, as the half-year report should quote it.")],
    config: ConfigOption = None,
) -> None:
    """Mark an alert explained, with the explanation for the report (author: $FOOTPRINT_USER or you)."""
    _set_status(alert_id, "explained", note, config)


@alerts_app.command("dismiss")
@_friendly
def alerts_dismiss(
    alert_id: Annotated[int, typer.Argument(help="The alert's id (footprint alerts list).")],
    note: Annotated[str, typer.Option(help="Why the alert needs no action.")],
    config: ConfigOption = None,
) -> None:
    """Dismiss an alert that needs no action, saying why (author: $FOOTPRINT_USER or you)."""
    _set_status(alert_id, "dismissed", note, config)


@alerts_app.command("send")
@_friendly
def alerts_send(config: ConfigOption = None) -> None:
    """Send the open alerts that a channel has not delivered yet (ingestion does this by itself)."""
    from footprint.alerts import send_pending

    ws = open_workspace(Path(_config_arg(config)))
    result = send_pending(ws)
    if not (result.delivered or result.failed):
        console.print("Nothing pending.")
    _report_delivery(result)
    if result.failed:
        raise typer.Exit(1)


@warehouse_app.command("grant-bi")
@_friendly
def warehouse_grant_bi(
    role: Annotated[str, typer.Argument(help="The role BI tools log in as (lower case, e.g. bi_reader).")],
    password_env: Annotated[str | None, typer.Option(
        help="Name of an environment variable holding the role's password; without it the role is NOLOGIN.")] = None,
    config: ConfigOption = None,
) -> None:
    """Let a role read the v_* views and nothing else (PostgreSQL); running it again is safe."""
    from footprint.warehouse.roles import grant_bi_for

    ws = open_workspace(Path(_config_arg(config)))
    done = grant_bi_for(ws.warehouse_url, ws.warehouse_schema, role, password_env)
    state = "created" if done.created else "updated"
    login = "can log in" if done.login else "NOLOGIN: grant it to a login role, or rerun with --password-env"
    console.print(f"role {done.role} {state} ({login}); reads {len(done.views)} views in schema {done.schema}: "
                  f"{', '.join(done.views)}; no table, no writes")
