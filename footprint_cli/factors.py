"""`footprint factors`: own factor list templates, loading factor lists and restating what they change."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from footprint.alert_store import record
from footprint.alerts.restatement import factor_restatement_alerts
from footprint.alerts.send import send_pending
from footprint.config.workspace import open_workspace
from footprint.emissions import restate_for_factor_lists
from footprint.errors import UsageError
from footprint.factors.loader import load_factor_list
from footprint.factors.own import write_factor_template
from footprint.factors.resolve import list_labels, resolve_factors
from footprint.resources import warehouse
from footprint_cli.alerts import print_alerts, report_delivery
from footprint_cli.app import (
    ConfigOption,
    config_arg,
    console,
    factors_app,
    friendly,
)


@factors_app.command("template")
@friendly
def factors_template(
    year: Annotated[int | None, typer.Option(help="List year (default: this year).")] = None,
    directory: Annotated[Path, typer.Option("--dir", help="Folder to write the template into.")] = Path("."),
) -> None:
    """Write an own factor list to fill in (CSV and XLSX): one row per factor footprint uses."""

    for path in write_factor_template(directory, year if year is not None else date.today().year):
        console.print(str(path), highlight=False)
    console.print(
        "Fill in 'kg CO2e per unit' and 'source' for the factors you have, leave the other rows empty "
        "(they fall back to the other lists), then `footprint factors load <file>`.",
        highlight=False,
    )


@factors_app.command("load")
@friendly
def factors_load(
    file: Annotated[
        Path, typer.Argument(help="A co2emissiefactoren.nl spreadsheet (.xlsx) or an own list (`factors template`).")
    ],
    year: Annotated[int | None, typer.Option(help="List year (default: from the sheet title or line 1).")] = None,
    config: ConfigOption = None,
) -> None:
    """Load an official factor list (an older year's or a corrected version) or an own list of some factors."""

    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    ws = open_workspace(Path(config_arg(config)))
    result = load_factor_list(warehouse(ws), file, year)
    what = "own list" if result.kind == "own" else "list"
    if result.already_loaded:
        console.print(
            f"{file.name}: {what} {result.list_year} version {result.version} was loaded before; nothing changed",
            highlight=False,
        )
        return
    skipped = "rows left empty" if result.kind == "own" else "rows skipped"
    console.print(
        f"{file.name}: loaded {what} {result.list_year} version {result.version}: "
        f"{result.factors_loaded} factors ({result.skipped} {skipped})"
        + (f"; supersedes {', '.join(result.superseded_list_ids)}" if result.superseded_list_ids else ""),
        highlight=False,
    )
    if result.kind == "own":
        _print_own_list_coverage(ws, result)
    restated = restate_for_factor_lists(ws)
    _print_factor_restatements(ws, restated)

    raised = record(ws, factor_restatement_alerts(ws, restated))
    if raised:
        print_alerts(raised, "Alert raised")
        report_delivery(send_pending(ws))


def _print_own_list_coverage(ws: Any, result: Any) -> None:
    """Which activity keys the own list gives a factor, and where the others come from for its year."""

    engine = warehouse(ws)
    policy = ws.org.factor_policy
    console.print(f"  covers: {', '.join(result.covered_keys) or 'no activity key'}", highlight=False)
    if policy.mode == "single_list" and policy.list_year != result.list_year:
        console.print(
            f"  the single_list policy looks in the {policy.list_year} lists first: this list counts only for "
            "factors they lack",
            highlight=False,
        )
    resolved = resolve_factors(engine, result.list_year, policy).table.set_index("activity_key")
    fallback = resolved.loc[list(result.fallback_keys)]
    labels = list_labels(engine)
    named = f"{policy.mode} policy" + (f", list year {policy.list_year}" if policy.mode == "single_list" else "")
    for list_id, keys in fallback[fallback["unresolved"].isna()].groupby("list_id", sort=False):
        console.print(
            f"  falls back for {result.list_year} ({named}): {', '.join(keys.index)} -> {labels[list_id]}",
            highlight=False,
        )
    unresolved = fallback[fallback["unresolved"].notna()]
    if len(unresolved):
        console.print(
            f"  no loaded list holds the factor of: {', '.join(unresolved.index)} (ingesting rows of these stops "
            "with the reason)",
            highlight=False,
        )


def _print_factor_restatements(ws: Any, restated: list[Any]) -> None:
    """Per year: what the new list changed, and whether the base year moved beyond significance."""
    if not restated:
        console.print("No computed month changes its factors under the policy; nothing restated.")
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
            f"list {_lists(i.old_factor_list for i in items)} -> {_lists(i.new_factor_list for i in items)}",
            highlight=False,
        )
        if year == ws.org.base_year and abs(change) > policy.significance_pct:
            console.print(
                f"  The base year {year} moves {change:+.2f} %, beyond the significance threshold of "
                f"{policy.significance_pct:g} %: the ladder asks for a base-year recalculation.",
                style="bold yellow",
            )


def _lists(joined: Any) -> str:
    """The distinct list ids of several months, each month's lists joined by ', '."""
    ids = [list_id for lists in joined for list_id in lists.split(", ") if list_id]
    return ", ".join(dict.fromkeys(ids)) or "none"
