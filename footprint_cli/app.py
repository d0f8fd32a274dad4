"""The `footprint` command's shared parts: the Typer apps, consoles, options and error handling. Exit codes: 0 done (quarantined rows are warnings), 2 bad usage or
configuration, 1 pipeline failure. footprint's own errors print as one line, never a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

# Offline by design: no telemetry, quiet Prefect logs unless the user asks for them.
for _name, _value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_MARKUP": "false",  # log lines carry file and supplier names: never Rich markup
}.items():
    os.environ.setdefault(_name, _value)

import numpy as np
import sqlalchemy as sa
import typer
from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from footprint.config.common import CONFIG_FILE_NAME
from footprint.config.workspace import Settings
from footprint.errors import FootprintError, UsageError, WarehouseError
from footprint.periods import (
    Half,
    format_period,
    month_range,
    parse_period,
    year_problem,
)
from footprint.visible import visible
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
formats_app = typer.Typer(
    help="Meter export profiles: draft one from a file footprint does not know, check one on a file.",
    no_args_is_help=True,
)
app.add_typer(formats_app, name="formats")

class DataConsole(Console):
    """A console whose strings are text, never instructions: supplier, station and file names, notes and error
    texts reach it. Rich markup and emoji codes are off, so `[/b]` or `[link=...]` in data prints as written, and
    control characters show as \\xNN. footprint's own styling goes through `style=` and rich.text.Text."""

    def __init__(self, **options: Any) -> None:
        super().__init__(markup=False, emoji=False, soft_wrap=True, **options)
        if "width" not in options:
            # Rich fixes the width from COLUMNS when the console is made (at import); read it at each print
            # instead, so a terminal resized, or COLUMNS set later in the process, is what a table is fit to.
            self._width = None

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterator[Segment]:
        for segment in super().render(renderable, options):
            yield segment if segment.control else Segment(visible(segment.text), segment.style)


console = DataConsole()
errors = DataConsole(stderr=True)


def prefect_console() -> None:
    """Prefect's console lines for a command that runs a flow: on its stderr, control characters escaped, a
    footprint error as one line without a traceback. Prefect is imported here, only by such a command."""
    from flows.console_logs import for_this_command

    for_this_command()


def error_line(message: str) -> Text:
    """footprint's one line for an error: a red label, then the message as written."""
    return Text.assemble(("error:", "bold red"), " ", message)


ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help=f"Organisation file (default: $FOOTPRINT_CONFIG or ./{CONFIG_FILE_NAME})."),
]


def friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn footprint's own errors into one red line and their exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except FootprintError as exc:
            errors.print(error_line(str(exc)), highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except sa.exc.DBAPIError as exc:
            # A query the warehouse could not finish (out of memory, lost connection): its reason, no traceback.
            failed = WarehouseError(f"the warehouse could not answer: {first_line(exc.orig)}")
            errors.print(error_line(str(failed)), highlight=False)
            raise typer.Exit(failed.exit_code) from None

    return wrapper


def plain_number(value: float) -> str:
    """A total as a person writes it: no exponent, no trailing zeros, no "-0" from a credit cancelling a debit."""
    return np.format_float_positional(round(float(value), 6) + 0.0, trim="-")


def config_arg(config: Path | None) -> str | None:
    return str(config.expanduser().resolve()) if config else str(Settings().config.expanduser().resolve())


def months_asked(period: str | None, first: str | None, last: str | None) -> list[str]:
    if period and (first or last):
        raise UsageError("give either --period or --from/--to, not both")
    if period:
        return [format_period(parse_period(period))]
    if not (first and last):
        raise UsageError("give --period YYYY-MM, or --from YYYY-MM and --to YYYY-MM")
    return [format_period(m) for m in month_range(parse_period(first), parse_period(last))]



def half_year(text: str) -> str:
    """A half year as the command line takes it: exactly YYYYH1 or YYYYH2 (footprint.periods.Half checks the year)."""
    if not re.match(r"^\d{4}H[12]$", text):
        raise UsageError(f"half year {text!r} is written like 2025H1 or 2025H2")
    problem = year_problem(int(text[:4]))
    if problem is not None:
        raise UsageError(f"half year {text!r}: {problem}")
    return str(Half.parse(text))


def who() -> str:
    """Who records a verdict: FOOTPRINT_USER, else the operating-system user."""
    import getpass

    return os.environ.get("FOOTPRINT_USER") or getpass.getuser()


