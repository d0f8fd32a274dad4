"""`footprint factors`: loading emission factor lists and restating what they change."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from footprint.cli.alerts import print_alerts, report_delivery
from footprint.cli.app import (
    ConfigOption,
    config_arg,
    console,
    factors_app,
    friendly,
)
from footprint.config import open_workspace
from footprint.errors import UsageError


@factors_app.command("load")
@friendly
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
    ws = open_workspace(Path(config_arg(config)))
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
        print_alerts(raised, "Alert raised")
        report_delivery(send_pending(ws))


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


