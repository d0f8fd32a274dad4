"""Retry what the network or the database may fix by itself, never what a person must fix."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from footprint.errors import (
    ChecksumMismatchError,
    StorageError,
    WarehouseError,
    WriteRefusedError,
)

RETRY_DELAYS = [10, 60]  # seconds: a reconnect, then a restarted service
# How DuckDB and PostgreSQL say that the warehouse's disk refused a write: it stays so until a person acts.
DISK_REFUSALS = ("No space left on device", "Read-only file system", "Disk quota exceeded", "could not extend file")


def transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry on a lost connection to the warehouse or the store; bad input, configuration and a full or
    read-only disk fail at once."""
    try:
        state.result()
    except (ChecksumMismatchError, WriteRefusedError):  # a person must fix the content, or the disk
        return False
    except (sa.exc.OperationalError, sa.exc.InterfaceError, StorageError, WarehouseError, ConnectionError,
            TimeoutError) as exc:
        said = f"{exc} {getattr(exc, 'orig', '')}"
        return not any(words in said for words in DISK_REFUSALS)
    except Exception:  # noqa: BLE001 - everything else is the input's or the configuration's fault
        return False
    return False
