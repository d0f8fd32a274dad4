"""Het Meetbedrijf's partner API: an EAN's interval values of a month, fetched once the month has ended.

What the public documentation (partner.hetmeetbedrijf.nl/api) says: the API lives under
https://partner.hetmeetbedrijf.nl/api; a request names its parameters as path segments
(`/ean/list/key/YOUR_KEY/code/EAN_CODE`); the API key is such a parameter (`key`); the response
format is chosen with `/format/xml|json|csv` (XML by default); there are month values, day values
and day-detail values per EAN, and a section on the metering time format.

ASSUMED (the public copy does not show those sections): the day-detail values of a date range are
`ean/daydetail/code/<EAN>/start/<YYYY-MM-DD>/end/<YYYY-MM-DD>/format/json` (both dates inclusive);
a long range comes in pages, page n > 1 asked as `.../page/<n>`, each response saying its `page`
and the number of `pages`; the JSON shape is the one footprint.sources.meetbedrijf_json reads
(channels with direction and unit, values with start and end carrying their UTC offset). The key
travels as the query parameter `key` (ASSUMED: the documentation puts it in the path, and web
frameworks with /name/value routes read a query parameter of the same name alike): a query string is
never shown in a message or the lineage (http_client.shown_url), a path segment would be.
Rate limits and status codes are not documented; ApiClient's retries and the source's
max_requests_per_s apply.

One item per EAN and month (key `<EAN>:<YYYY-MM>`, channel the EAN, watermark the month), from the
month after the EAN's watermark (or the source's start, or the run's period) up to the run's period,
and never a month that has not ended in Amsterdam: its values are not complete yet.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from footprint.config.pull import MeteringApiSource
from footprint.periods import parse_period
from footprint.pull._api_months import month_items, today_amsterdam
from footprint.pull.connector import (
    Connector,
    CredentialError,
    Delivered,
    Item,
    SourceError,
)
from footprint.pull.http_client import ApiClient, shown_url
from footprint.pull.secrets import Secret

# ASSUMED request of a range of day-detail values (see the module docstring), and its later pages.
DETAIL_PATH: Final = "ean/daydetail/code/{ean}/start/{first}/end/{last}/format/json"
PAGE_SUFFIX: Final = "/page/{page}"
KEY_PARAMETER: Final = "key"
# A month of quarter-hours is a few thousand values: more pages than this is a server gone wrong.
MAX_PAGES: Final = 500


def connect(source: MeteringApiSource, secret: Secret) -> Connector:
    key = secret.token()
    if not key:
        raise CredentialError(f"pull source {source.name}: secret {secret.name} is empty; check secret {secret.name}")
    client = ApiClient(
        source=source.name, secret_name=secret.name, base_url=source.url,
        timeout_s=source.timeout_s, max_requests_per_s=source.max_requests_per_s,
    )
    return MeetbedrijfConnector(source, client, key)


@dataclass
class MeetbedrijfConnector:
    source: MeteringApiSource
    client: ApiClient
    key: str
    today: Callable[[], dt.date] = today_amsterdam  # the date in Amsterdam; a test may fix it

    def list_new(self, period: str, watermarks: Mapping[str, str]) -> list[Item]:
        """Each EAN's ended months after its watermark, up to `period`, oldest first."""
        return month_items(self.source, period, watermarks, self.today(), lambda ean, month: shown_url(
            f"{self.source.url.rstrip('/')}/{self._path(ean, parse_period(month))}"))

    def fetch(self, item: Item) -> list[Delivered]:
        """Every page of the item's month, each stored as it came: `<EAN>_<YYYY-MM>.json`, then `_p2.json`, ..."""
        ean, period = item.channel, item.period
        path = self._path(ean, parse_period(period))
        delivered: list[Delivered] = []
        page, pages = 1, 1
        while page <= pages:
            page_path = path if page == 1 else path + PAGE_SUFFIX.format(page=page)
            response = self.client.get(page_path, params={KEY_PARAMETER: self.key})
            where = shown_url(response.request.url)
            pages = self._pages(response.content, ean, where)
            suffix = "" if page == 1 else f"_p{page}"
            delivered.append(Delivered(f"{ean}_{period}{suffix}.json", response.content, where))
            page += 1
        return delivered

    def taken(self, item: Item) -> None:
        """Het Meetbedrijf keeps no marks of what was fetched."""

    def close(self) -> None:
        self.client.close()

    def _path(self, ean: str, month: dt.date) -> str:
        last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        return DETAIL_PATH.format(ean=ean, first=month.isoformat(), last=last_day.isoformat())

    def _pages(self, content: bytes, ean: str, where: str) -> int:
        """The number of pages a response says there are; a response footprint cannot read is a SourceError."""
        try:
            document = json.loads(content)
        except (ValueError, RecursionError):
            document = None
        if not isinstance(document, dict):
            raise SourceError(f"pull source {self.source.name}: {where} answered something that is not a JSON object")
        if str(document.get("ean", ean)) != ean:
            raise SourceError(
                f"pull source {self.source.name}: {where} answered with the values of EAN {document.get('ean')!s:.20}")
        pages = document.get("pages", 1)
        if type(pages) is not int or not 1 <= pages <= MAX_PAGES:
            raise SourceError(f"pull source {self.source.name}: {where} says it has {pages!r:.20} pages")
        return pages
