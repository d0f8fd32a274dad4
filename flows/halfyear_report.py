"""Half-year report: the Check of the energy management plan, written from the warehouse."""

from __future__ import annotations

from prefect import flow

from tasks.write_report import write_report


@flow(name="halfyear_report")
def halfyear_report(half: str, out_dir: str, config: str | None = None, lang: str = "nl") -> dict[str, str]:
    """Write the report of a half year ('2025H1'; '2025H2' covers the whole year to date)."""
    return write_report(config, half, out_dir, lang)
