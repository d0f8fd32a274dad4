"""The annual public summary: one page for the website and newsletter, no internal detail."""

from __future__ import annotations

from prefect import flow

from tasks.write_public_summary import write_public_summary


@flow(name="public_summary")
def public_summary(half: str, out_dir: str, config: str | None = None, lang: str = "nl") -> dict[str, str]:
    """Write the public summary of a year ('2025H2') or of the year to date ('2025H1')."""
    return write_public_summary(config, half, out_dir, lang)
