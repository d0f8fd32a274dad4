"""Prefect's log lines on the console of the command that runs a flow."""

from __future__ import annotations

import logging
import sys

from prefect.logging.handlers import PrefectConsoleHandler


def to_this_stderr() -> None:
    """Point Prefect's console handlers at the current stderr.

    A handler keeps the stream it was set up with; a second command in one process (a scheduler's
    worker, a test) would otherwise write its log lines to the first one's closed stream.
    """
    for logger in (logging.root, *(logging.getLogger(n) for n in logging.root.manager.loggerDict)):
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, PrefectConsoleHandler) and handler.stream is not sys.stderr:
                handler.stream = handler.console.file = sys.stderr  # setStream would flush the closed one
