"""Pull: fetch the month's data from the configured sources (footprint.yaml `pull:`) into the inbox.

Run on its own (`footprint pull --period`) or by monthly_ingest before it reads the inbox. A source
that fails (a refused credential, a server down after the retries) is logged as one line naming the
source and its secret; the others are pulled all the same.
"""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.console_logs import PRINTED_BY_COMMAND
from footprint.periods import format_period, parse_period
from footprint.pull.run import PullReport
from tasks.pull_sources import pull_sources_task


def log_pull(report: PullReport) -> None:
    """Each source's outcome in the run's log; `footprint pull` prints the same lines itself, once."""
    logger = get_run_logger()
    shown = {PRINTED_BY_COMMAND: True}
    for result in report.results:
        for warning in result.warnings:
            logger.warning("pull %s: %s", result.source, warning, extra=shown)
        if result.error:
            logger.error("%s", result.error, extra=shown)
        else:
            logger.info("pull %s: %d item(s), %d file(s) stored, %d pulled before", result.source, result.items,
                        result.files, result.already)


@flow(name="pull_sources")
def pull_sources(period: str, config: str | None = None, only: list[str] | None = None) -> PullReport:
    """Pull the sources for one month (YYYY-MM): what is new since each source's watermark, up to that month."""
    report = pull_sources_task(config, format_period(parse_period(period)), only)
    log_pull(report)
    return report
