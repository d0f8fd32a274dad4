"""`footprint report` and `explain`: the reports and the lineage behind a month's figure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from footprint import queries
from footprint.config.common import normalise_plate
from footprint.config.workspace import open_workspace
from footprint.errors import FootprintError, UsageError
from footprint.periods import format_period, month_range, parse_period
from footprint_cli.app import (
    ConfigOption,
    app,
    config_arg,
    console,
    friendly,
    half_year,
    prefect_console,
)


def run_report(config: str, half: str, out: Path, lang: str) -> dict[str, str]:
    """Write one half-year report through the Prefect flow; returns the artefacts' paths."""
    from flows.halfyear_report import halfyear_report

    prefect_console()
    return halfyear_report(half, str(out), config, lang)


def _report_project(config_path: str, project: str, first: str | None, last: str | None, out: Path | None,
                    lang: str) -> None:
    """footprint report --project ID --from --to: checked before the flow starts, then written by it."""
    from flows.project_report import project_report

    prefect_console()
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

    prefect_console()
    ws = open_workspace(Path(config_path))
    target = (out or ws.config_path.parent / "reports" / half / "public").resolve()
    for name, path in public_summary(half, str(target), config_path, lang).items():
        console.print(f"  {name}: {path}", highlight=False)


def _print_raw_store_check(summary: dict[str, Any]) -> None:
    """What the check of the raw store before the report found, as the report states it."""
    check = summary["raw_store_check"]
    if check["all_present"]:
        console.print(f"Raw store checked: all {check['files']} loaded file(s) present with their sizes.",
                      highlight=False)
        return
    console.print(f"Raw store checked: of {check['files']} loaded file(s), {check['missing']} gone and "
                  f"{check['changed']} changed since stored; the report says so (footprint verify lists all):",
                  style="yellow", highlight=False)
    for problem in check["problems"]:
        console.print(f"  - {problem['detail']}", highlight=False, markup=False)


@app.command()
@friendly
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
    config_path = config_arg(config)
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
        _report_public(config_path, half_year(half), out, lang)
        return
    ws = open_workspace(Path(config_path))
    target = (out or ws.config_path.parent / "reports" / half_year(half)).resolve()
    written = run_report(config_path, half_year(half), target, lang)
    for name, path in written.items():
        console.print(f"  {name}: {path}", highlight=False)
    _print_raw_store_check(json.loads(Path(written["summary.json"]).read_text(encoding="utf-8")))
    manifest = json.loads(Path(written["manifest.json"]).read_text(encoding="utf-8"))
    console.print(f"Archived (write-once): {manifest['location']}", highlight=False)
    if "compared_with" not in manifest:
        console.print("First report of this half year: archived.")
    elif manifest["matches_previous"]:
        console.print(f"Same figures as the archived report of {manifest['compared_with']}.")
    else:
        console.print(f"Changed since the archived report of {manifest['compared_with']}:", style="yellow")
        for change in manifest["changes"]:
            console.print(f"  - {change}", highlight=False)


@app.command()
@friendly
def explain(
    period: Annotated[str, typer.Option(help="Month, YYYY-MM.")],
    source: Annotated[str | None, typer.Option(help="Only this source, e.g. diesel, electricity, flights.")] = None,
    meter: Annotated[str | None, typer.Option(help="Only this meter (EAN), vehicle (plate) or supplier.")] = None,
    limit: Annotated[int, typer.Option(help="How many of the largest rows to show.")] = 10,
    config: ConfigOption = None,
) -> None:
    """Lead from a month's total down to the activity rows, raw file lines and factors behind it."""
    ws = open_workspace(Path(config_arg(config)))
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
            f"x {row['factor_kg_co2e_per_unit']} kg CO2e/{row['list_unit']} ({row['factor_name']}, list "
            f"{row['factor_list_year']} version {row['factor_list_version']})"
            if row["factor_id"] else "(reported by the supplier)"
        )
        converted = (
            f" = {row['list_quantity']:,.3f} {row['list_unit']} ({row['unit_route']})" if row["unit_route"] else ""
        )
        console.print(
            f"  {row['emissions_kg_co2e']:,.3f} kg = {row['quantity']:,.3f} {row['unit']}{converted} {factor}\n"
            + (f"      factor note: {row['fallback_note']}\n" if row["fallback_note"] else "")
            + f"      <- {row['activity_table']} {row['activity_id']} ({row['subject']})\n"
            f"      <- {row['file_name']} line {row['source_row']}, sha256 {row['file_sha256']}\n"
            f"         stored at {row['stored_path']}",
            highlight=False,
        )


