"""Named errors whose messages carry the file, row, column and value a user must fix.

The CLI turns every FootprintError into one line and an exit code; anything else is a bug.
"""

from __future__ import annotations

from pathlib import Path


class FootprintError(Exception):
    """Base of footprint's own errors: shown to the user as one line, never a traceback."""

    exit_code = 1


class ConfigError(FootprintError):
    """The organisation configuration or settings are wrong: exit code 2."""

    exit_code = 2


class UsageError(FootprintError):
    """The command line asks for something impossible: exit code 2."""

    exit_code = 2


class InputFileError(FootprintError):
    """A raw file cannot be read at all (not one bad row: the whole file)."""

    def __init__(
        self,
        file: str | Path,
        reason: str,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = str(file)
        self.reason = reason
        self.row = row
        self.column = column
        where = self.file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {reason}")


class FactorError(FootprintError):
    """A factor list cannot be loaded or an activity has no factor."""


class WarehouseError(FootprintError):
    """The warehouse cannot be reached, migrated or granted on (unreachable server, failed migration, no rights)."""


class StorageError(FootprintError):
    """The inbox or raw store cannot be read or written (missing bucket, refused credentials, a write-once clash)."""


class ChecksumMismatchError(StorageError):
    """A file's content is not what its SHA-256 says: it changed while it was being stored, so nothing was kept."""
