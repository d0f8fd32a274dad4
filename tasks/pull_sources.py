from __future__ import annotations

from prefect import task
from prefect.blocks.system import Secret

from footprint.pull.run import PullReport, pull_sources
from footprint.pull.secrets import block_name
from tasks._workspace import workspace


def secret_block(name: str) -> str | None:
    """A secret from the Prefect Secret block of its name (lower case, dashes), when the environment has none."""
    try:
        found = Secret.load(block_name(name)).get()
    except ValueError:  # Prefect's word for "no block of that name"
        return None
    return found if isinstance(found, str) else None


@task(name="pull_sources")
def pull_sources_task(config: str | None, period: str, only: list[str] | None = None) -> PullReport:
    """No task retries: each connector retries what the network may fix, and a source that failed fails alone."""
    return pull_sources(workspace(config), period, secret_block, only=only or ())
