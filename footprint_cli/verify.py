"""`footprint verify`: is every kept raw file still what the warehouse's figures rest on?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from footprint.config.workspace import open_workspace
from footprint.errors import FootprintError
from footprint.verify import check_sizes
from footprint.verify import verify as verify_store
from footprint_cli.app import ConfigOption, app, config_arg, console, friendly


@app.command()
@friendly
def verify(
    quick: Annotated[bool, typer.Option("--quick", help="Existence and size only, no content read (as ingest and "
                                        "report check).")] = False,
    config: ConfigOption = None,
) -> None:
    """Re-hash every file in the raw store against the warehouse's checksums: list missing, changed and
    unreferenced files (and archived report files against their manifests); exit 1 on any."""
    ws = open_workspace(Path(config_arg(config)))
    found = check_sizes(ws) if quick else verify_store(ws)
    problems = [str(p) for p in found.problems]
    summary = found.summary()
    for line in problems:
        console.print(f"  {line}", highlight=False, markup=False)
    if problems:
        raise FootprintError(summary)
    console.print(summary, highlight=False, markup=False, style="green")
