"""Pull: which inbox files of a month are new, which wait, and which are refused by name."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shlex
from dataclasses import dataclass, field

import sqlalchemy as sa

from footprint.config.workspace import Workspace
from footprint.errors import StorageError
from footprint.ingest.results import FileResult
from footprint.periods import format_period, parse_period
from footprint.resources import inbox, warehouse
from footprint.storage.files import sha256_of
from footprint.visible import has_control, one_line
from footprint.warehouse.pull_ledger import pulled_paths

_log = logging.getLogger(__name__)


def loaded_checksums(ws: Workspace) -> set[str]:
    return set(loaded_files(ws))


def loaded_files(ws: Workspace) -> dict[str, tuple[str, dt.date]]:
    """Checksum -> (name, delivery month) of every file loaded: a file's content is loaded once."""
    with warehouse(ws).connect() as conn:
        rows = conn.execute(sa.text("SELECT file_sha256, file_name, period FROM raw_files"))
        return {sha: (name, period) for sha, name, period in rows}


@dataclass(frozen=True)
class Pulled:
    paths: list[str]  # local paths of the new files (S3 objects are downloaded)
    skipped: list[str]  # "<name> skipped, <reason>": still uploading, empty or temporary; a later run takes them
    rejected: list[FileResult] = field(default_factory=list)  # files no run can take as they are (a name that is not UTF-8)


def shown_name(name: str) -> str:
    """A file name as one line of text: bytes that are not UTF-8 (kept by the file system as surrogates) and
    control characters (a line break would forge a line of output) shown as \\xNN."""
    return one_line(os.fsencode(name).decode("utf-8", "backslashreplace"))


def pull_inbox(ws: Workspace, period: str) -> Pulled:
    """The inbox files of a period whose content has not been loaded before, and those left for later.

    A file whose content is loaded already is passed over, and named: moved here from another month's
    folder, or a copy under another name, with the command that reads the loaded one again. A file
    whose name is not UTF-8 is rejected: no warehouse, log or report can hold its name as it is.
    """
    done = loaded_files(ws)
    month = parse_period(period)
    # A pull connector's files are whole when they appear (renamed into place): no settle time for them.
    scan = inbox(ws).scan(month, complete=pulled_paths(warehouse(ws), month))
    skipped = [f"{shown_name(s.name)} skipped, {s.reason}" for s in scan.skipped]
    new: list[str] = []
    rejected: list[FileResult] = []
    for path in scan.files:
        try:
            sha = sha256_of(path)
        except (StorageError, OSError) as exc:  # changed since the scan: gone, a link, a pipe
            skipped.append(f"{shown_name(path.name)} skipped, {exc.strerror if isinstance(exc, OSError) else exc}")
            continue
        if shown_name(path.name) != path.name:
            why = ("its name holds a control character (a line break, a tab or an escape)"
                   if has_control(path.name) else "its name is not valid UTF-8")
            rejected.append(FileResult(shown_name(path.name), sha, "rejected", message=(
                f"{why}; rename the file (letters such as é written by a program that does not use UTF-8, "
                "or a name pasted with a line break) and run again")))
            continue
        known = done.get(sha)
        if known is None:
            new.append(str(path))
        elif known != (path.name, month):
            name, delivered = known
            again = f"to read it again: footprint reprocess --file {shlex.quote(name)}"
            if name == path.name:
                skipped.append(
                    f"{path.name} skipped, moved here from {format_period(delivered)}, where it was loaded; "
                    f"each of its rows counts in its own month already; {again}"
                )
            else:
                skipped.append(
                    f"{path.name} skipped, same content as {name} ({format_period(delivered)}), already loaded; {again}"
                )
    for line in skipped:
        _log.warning("%s: %s", period, line)
    return Pulled(new, skipped, rejected)
