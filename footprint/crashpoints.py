"""Deterministic crash points for the reliability tests (tests/reliability/test_crash_safety.py).

FOOTPRINT_TEST_CRASH_AT=store|uploaded|load|compute, optionally with ":N" for the N-th time the point is
reached (load:2 dies in the second dataset's transaction), kills the process with SIGKILL there:
the one way for a test to stop a run at a chosen instant without cleanup of any kind. Unset, a
point costs one comparison per file or transaction.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from typing import Final

_CRASH_AT: Final = os.environ.get("FOOTPRINT_TEST_CRASH_AT")
_REACHED: Counter[str] = Counter()
_LOCK = threading.Lock()


def crash_point(name: str) -> None:
    """Die here, at once, when FOOTPRINT_TEST_CRASH_AT names this point (and its count is reached)."""
    if _CRASH_AT is None or not _CRASH_AT.startswith(name):
        return
    point, _, nth = _CRASH_AT.partition(":")
    with _LOCK:
        _REACHED[name] += 1
        reached = _REACHED[name]
    if point == name and reached == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
