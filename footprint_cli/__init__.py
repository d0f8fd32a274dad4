"""The `footprint` command. Exit codes: 0 done (quarantined rows are warnings), 2 bad usage or
configuration, 1 pipeline failure. footprint's own errors print as one line, never a traceback.

Each module holds one group of commands; importing it registers them on `app` (in help order).
"""

from footprint_cli import (  # noqa: F401  (registers the commands)
    alerts,
    clients,
    factors,
    formats,
    ingest,
    parse,
    pull,
    report,
    verify,
    warehouse,
)
from footprint_cli.app import app

__all__ = ["app"]
