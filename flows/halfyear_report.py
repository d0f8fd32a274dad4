"""Half-year report: the Check of the energy management plan, written from the warehouse."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from footprint.periods import Half
from tasks.write_report import write_report


def previous_half(today: dt.date | None = None) -> str:
    """The half year that ended last: run in January it is last year's H2 (the full year), in July this H1."""
    today = today or dt.date.today()
    return str(Half(today.year, 1) if today.month >= 7 else Half(today.year - 1, 2))


@flow(name="halfyear_report")
def halfyear_report(half: str | None = None, out_dir: str | None = None, config: str | None = None,
                    lang: str = "nl") -> dict[str, str]:
    """Write the report of a half year ('2025H1'; '2025H2' covers the whole year to date).

    Without a half it reports the half year that ended last, for the schedule in prefect.yaml;
    without out_dir it writes to reports/<half>/ beside footprint.yaml.
    """
    return write_report(config, half or previous_half(), out_dir, lang)
