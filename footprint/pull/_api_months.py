"""Which months a metering API is asked for: the ended months after a channel's watermark, up to the run's period.

A month is asked for once it has ended in Europe/Amsterdam (the meters' clock): a month still running
would be stored half and never fetched again, since the run fetches a key once. Without a watermark a
channel starts at the source's `start`, or at the run's period when it names none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

from footprint.config.pull import MeteringApiSource
from footprint.errors import UsageError
from footprint.periods import (
    add_months,
    format_period,
    month_range,
    next_month,
    parse_period,
)
from footprint.pull.connector import Item, SourceError
from footprint.schemas import LOCAL_TZ


def today_amsterdam() -> dt.date:
    return dt.datetime.now(ZoneInfo(LOCAL_TZ)).date()


def _month(text: str, what: str) -> dt.date:
    try:
        return parse_period(text)
    except UsageError as exc:
        raise SourceError(f"{what}: {exc}") from None


def months_to_pull(
    period: str, watermark: str | None, start: str | None, today: dt.date, *, source: str, channel: str
) -> list[str]:
    """The months (YYYY-MM, oldest first) after `watermark` (or from `start`, or `period`) up to `period`,
    without the month `today` lies in or any later one."""
    last_ended = add_months(today.replace(day=1), -1)
    last = min(_month(period, f"pull source {source}: period"), last_ended)
    if watermark:
        first = next_month(_month(watermark, f"pull source {source}: watermark of {channel}"))
    else:
        first = _month(start or period, f"pull source {source}: {'start' if start else 'period'}")
    return [format_period(month) for month in month_range(first, last)] if first <= last else []


def month_days(month: str) -> tuple[dt.date, dt.date]:
    """The first and the last day of a YYYY-MM month."""
    first = _month(month, "month")
    return first, next_month(first) - dt.timedelta(days=1)


def month_items(
    source: MeteringApiSource, period: str, watermarks: Mapping[str, str], today: dt.date,
    request: Callable[[str, str], str],
) -> list[Item]:
    """One item per EAN and month to pull (key `<EAN>:<YYYY-MM>`, the EAN its channel, the month its watermark);
    request(ean, month) says what will be asked, for the lineage."""
    return [
        Item(key=f"{ean}:{month}", channel=ean, period=month, request=request(ean, month), watermark=month)
        for ean in dict.fromkeys(source.eans)
        for month in months_to_pull(period, watermarks.get(ean), source.start, today, source=source.name, channel=ean)
    ]
