"""Prefect's log lines on the console of the command that runs a flow: one set-up, done before each flow run."""

from __future__ import annotations

import logging
import sys

from prefect.logging.handlers import PrefectConsoleHandler

from footprint.errors import FootprintError
from footprint.visible import visible


class _VisibleFormatter(logging.Formatter):
    """Prefect's console handler prints log lines as given; these carry file and station names."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return visible(self.inner.format(record))


class _OneLineForFootprintErrors(logging.Filter):
    """Prefect logs a failed task with its traceback; for footprint's own errors the message says it all."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], FootprintError):
            record.exc_info, record.exc_text = None, None
        return True


# A log record with this attribute set is one the command prints itself, in its own words: the console
# handler leaves it out (the Prefect API still stores it for the UI).
PRINTED_BY_COMMAND = "printed_by_command"


class _NotPrintedTwice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, PRINTED_BY_COMMAND, False)


def _console_handlers() -> list[PrefectConsoleHandler]:
    loggers = (logging.root, *(logging.getLogger(n) for n in logging.root.manager.loggerDict))
    return [h for logger in loggers for h in getattr(logger, "handlers", []) if isinstance(h, PrefectConsoleHandler)]


def to_this_stderr() -> None:
    """Point Prefect's console handlers at the current stderr.

    A handler keeps the stream it was set up with; a second command in one process (a scheduler's
    worker, a test) would otherwise write its log lines to the first one's closed stream.
    """
    for handler in _console_handlers():
        if handler.stream is not sys.stderr:
            handler.stream = handler.console.file = sys.stderr  # setStream would flush the closed one


def visible_log_lines() -> None:
    """Show control characters in Prefect's terminal log lines as \\xNN, as footprint's consoles do (Prefect's
    own setting keeps their markup off); its stored run messages are left as they are."""
    for handler in _console_handlers():
        if not isinstance(handler.formatter, _VisibleFormatter):
            handler.setFormatter(_VisibleFormatter(handler.formatter))


def for_this_command() -> None:
    """Prefect's console lines for a command: on its stderr, control characters escaped, footprint's own
    errors as one line without a traceback."""
    visible_log_lines()
    to_this_stderr()
    for handler in _console_handlers():
        if not any(isinstance(f, _NotPrintedTwice) for f in handler.filters):
            handler.addFilter(_NotPrintedTwice())
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _OneLineForFootprintErrors) for f in logger.filters):
            logger.addFilter(_OneLineForFootprintErrors())
