"""Retry what the network or the database may fix by itself, never what a person must fix."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from footprint.errors import ChecksumMismatchError, StorageError, WarehouseError

RETRY_DELAYS = [10, 60]  # seconds: a reconnect, then a restarted service


def transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry on a lost connection to the warehouse or the store; bad input and configuration fail at once."""
    try:
        state.result()
    except ChecksumMismatchError:
        return False
    except (sa.exc.OperationalError, sa.exc.InterfaceError, StorageError, WarehouseError, ConnectionError,
            TimeoutError):
        return True
    except Exception:  # noqa: BLE001 - everything else is the input's or the configuration's fault
        return False
    return False
