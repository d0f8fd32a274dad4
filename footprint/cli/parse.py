"""`footprint parse` and `template`: checking an export before ingesting it, and templates to hand out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from footprint.cli.app import (
    app,
    console,
    friendly,
    template_app,
)
from footprint.errors import InputFileError, UsageError


@app.command()
@friendly
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
@friendly
def template_supplier(
    directory: Annotated[Path, typer.Option("--dir", help="Folder to write the templates into.")] = Path("."),
) -> None:
    """Write the supplier-statement, mileage and flight templates (CSV and XLSX) with their explanation."""
    from footprint.sources.supplier_template import write_supplier_template

    directory.mkdir(parents=True, exist_ok=True)
    for path in write_supplier_template(directory):
        console.print(str(path), highlight=False)


