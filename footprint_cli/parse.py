"""`footprint parse` and `template`: checking an export before ingesting it, and templates to hand out.

`parse` reads any file ingest reads (fuel cards, the organisation's own fuel-card profiles, supplier
templates, flights, mileage, statements, utility exports) and prints what it holds: rows read, totals
per product, meter or activity, and the notes. Everything printed that comes from the data (file
names, product names, EANs, notes) goes to footprint's consoles, which never read it as Rich markup.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, NoReturn

import pandas as pd
import typer

from footprint import schemas
from footprint.activity_mapping import classify_products
from footprint.config.common import Carrier
from footprint.config.organisation import OrganisationConfig, load_org_config
from footprint.config.workspace import open_workspace
from footprint.errors import FootprintError, InputFileError, UsageError
from footprint.ingest.personal import pseudonymise
from footprint.sources.convert import (
    PERSONAL_COLUMNS,
    SHOWN_CHARACTERS,
    TOTAL_KEYS,
    ParsedExport,
    masked,
    parse_file,
    totals,
    write_dataset_csv,
)
from footprint.sources.fuelcard_products import product_mapping, unmapped_product_hints
from footprint.sources.own_formats import organisation_formats
from footprint.sources.supplier_template_writer import write_supplier_template
from footprint_cli.app import (
    app,
    console,
    error_line,
    errors,
    friendly,
    plain_number,
    template_app,
)

_MONTH_FOLDER = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# The --ean carrier word of a meter's carrier, where the source formats tell carriers apart.
_EAN_CARRIER = {Carrier.electricity.value: "electricity", Carrier.natural_gas.value: "gas"}
_EMPTY = {"ean": "(no EAN)", "direction": "(no direction)", "tariff": "(no tariff)", "unit": "(no unit)",
          "product": "(no product)", "activity_type": "(no activity type)"}


def _say(text: str) -> None:
    """One line of output that may hold data, without Rich's number highlighting."""
    console.print(text, highlight=False)


def _fail(exc: FootprintError, exit_code: int) -> NoReturn:
    errors.print(error_line(str(exc)), highlight=False)
    raise typer.Exit(exit_code)


def _path_in_month(file: Path) -> str:
    """The file's path below its inbox month folder (YYYY-MM), as ingest matches meters[].files; a file
    outside an inbox counts as lying in its own folder."""
    parts = file.resolve().parts
    months = [i for i, part in enumerate(parts[:-1]) if _MONTH_FOLDER.match(part)]
    below = parts[months[-1] + 1 :] if months else parts[-2:]
    return "/".join(below)


def assigned_eans(org: OrganisationConfig, file: Path) -> list[str] | None:
    """The EANs footprint.yaml assigns this file to (meters[].files), as `--ean` items placed by carrier."""
    name, in_month = file.name, _path_in_month(file)
    items = [
        f"{_EAN_CARRIER[m.carrier]}={m.ean}" if m.carrier in _EAN_CARRIER else m.ean
        for m in org.meters
        if m.takes_file(name, in_month)
    ]
    return items or None


def _key_text(row: pd.Series, keys: tuple[str, ...]) -> str:
    return " ".join(_EMPTY[k] if pd.isna(row[k]) else str(row[k]) for k in keys if k != "unit")


def _product_outcomes(products: pd.Series, org: OrganisationConfig | None, config_dir: Path | None) -> pd.Series:
    """What each product becomes: the fuel it maps to, why it is not fuel, or the footprint.yaml line to add."""

    mapping = product_mapping(org, config_dir)
    found = classify_products(products, mapping)
    hints = unmapped_product_hints(products.where(~found["known"].to_numpy()), mapping)
    outcome = ("-> " + found["fuel"]).fillna("-> not fuel: " + found["excluded_reason"])
    return outcome.fillna("-> unmapped: " + hints).fillna("-> unmapped: no product named")


def _print_totals(parsed: ParsedExport, org: OrganisationConfig | None, config_dir: Path | None) -> None:
    table = totals(parsed)
    keys = TOTAL_KEYS[parsed.dataset]
    _say(f"totals per {', '.join(keys)}:")
    outcomes = (
        _product_outcomes(table["product"], org, config_dir)
        if parsed.dataset == schemas.FUEL_TRANSACTIONS
        else pd.Series("", index=table.index)
    )
    for (_, row), outcome in zip(table.iterrows(), outcomes, strict=True):
        unit = "" if pd.isna(row["unit"]) else f" {row['unit']}"
        line = f"  {_key_text(row, keys)}: {row['rows']} row{'s' if row['rows'] != 1 else ''}, "
        line += f"total {plain_number(row['quantity'])}{unit}" + ("" if unit else f" {_EMPTY['unit']}")
        if row["unreadable"]:
            line += f" ({row['unreadable']} without a readable quantity)"
        _say(line + (f" {outcome}" if outcome else ""))


def _personal_data_hidden(frame: pd.DataFrame, config: Path | None) -> tuple[pd.DataFrame, str]:
    """Card numbers and driver names as they may be written: pseudonymised with the workspace key when a
    configuration is given (the same pseudonyms the warehouse holds), else masked but for the last 4."""

    if config is not None:
        key = open_workspace(config).pseudonym_key
        hidden = frame.assign(**{c: pseudonymise(frame[c], key) for c in PERSONAL_COLUMNS})
        return hidden, "card numbers and driver names pseudonymised with the workspace key"
    hidden = frame.assign(**{c: masked(frame[c]) for c in PERSONAL_COLUMNS})
    return hidden, f"card numbers and driver names masked but for their last {SHOWN_CHARACTERS} characters"


@app.command()
@friendly
def parse(
    file: Annotated[Path, typer.Argument(help="An export footprint can read (see footprint/sources/README.md).")],
    out: Annotated[Path | None, typer.Option("--out", help="Canonical CSV of the file's dataset to write.")] = None,
    format_name: Annotated[str | None, typer.Option("--format", help="Force a format instead of detecting it.")] = None,
    ean: Annotated[
        list[str] | None,
        typer.Option(
            help="EAN for rows whose file names no valid one ('gas=EAN' / 'electricity=EAN' when it holds both); "
            "in a file naming several EANs, the ones to keep."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="footprint.yaml: its fuel-card profiles and product names, and the meters its files are assigned to.",
        ),
    ] = None,
) -> None:
    """Check one export before ingesting it: rows read, totals and notes; --out writes its canonical rows."""
    try:
        _check_file(file, out, format_name, ean or None, config)
    except InputFileError as exc:
        _fail(exc, UsageError.exit_code)  # for parse, an unreadable file is the user's to fix (format, --ean)
    except FootprintError as exc:
        _fail(exc, exc.exit_code)


def _check_file(
    file: Path, out: Path | None, format_name: str | None, ean: list[str] | None, config: Path | None
) -> None:
    """What `parse` does; footprint's own errors leave it for the command to print."""

    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    org, config_dir = None, None
    if config is not None:
        config = config.expanduser().resolve()
        org, config_dir = load_org_config(config), config.parent
    assigned = assigned_eans(org, file) if org is not None else None
    parsed = parse_file(
        file,
        format_name=format_name,
        ean=ean,
        assigned_ean=assigned,
        own_formats=organisation_formats(org, config_dir) if org is not None and config_dir is not None else (),
    )
    _say(f"{file.name}: {parsed.format_name} ({parsed.dataset}), {len(parsed.frame)} row(s) read")
    if assigned and not ean:
        _say(f"footprint.yaml assigns this file to {', '.join(assigned)} (for rows without a valid EAN of their own)")
    _print_totals(parsed, org, config_dir)
    for note in parsed.notes:
        _say(f"  note: {note}")
    if out is None:
        return
    frame, how = parsed.frame, ""
    if parsed.dataset == schemas.FUEL_TRANSACTIONS:
        frame, how = _personal_data_hidden(frame, config)
    rows = write_dataset_csv(frame, parsed.dataset, out, file.name)
    _say(f"{rows} row(s) written to {out}" + (f"; {how}" if how else ""))


@template_app.command("supplier")
@friendly
def template_supplier(
    directory: Annotated[Path, typer.Option("--dir", help="Folder to write the templates into.")] = Path("."),
) -> None:
    """Write the supplier-statement, mileage and flight templates (CSV and XLSX) with their explanation."""

    directory.mkdir(parents=True, exist_ok=True)
    for path in write_supplier_template(directory):
        console.print(str(path), highlight=False)
