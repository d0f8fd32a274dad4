"""Meterbeheer HUB: a month of 15-minute values per EAN, one JSON feed per channel of the meter.

Documented (hub.meterbeheer.nl/api-documentation and /developers/feeds):
- the API (production base URL https://hub.meterbeheer.nl/api/v1) takes the API key as
  `Authorization: Bearer <key>`; GET /feed lists your feeds, each with uuid, provider, name, status
  (pending or verified), ean and channels, a list of {code, url};
- a meter may have several channels, each its own feed URL ending in the channel code (1.8.0.json is
  channel 1.8.0); a feed URL is unique and not guessable, so it is treated as a credential: the recorded
  request and every message show `<feed of EAN ...>` instead of it;
- a feed gives the latest day, or the dates `from` and `to` (YYYY-MM-DD) asked for, at most 365 days;
  feeds may be requested without limit and are updated once a day;
- a feed holds the EAN, the supplier's channel code and the unit (kWh or m3), and per 15 minutes `from`
  and `to` (ISO 8601 with UTC offset) and a value.

ASSUMED: `to` includes its day (a month is asked as from = its first day, to = its last); the feed list
is one JSON list (or a list under "data"), not paged; a pending feed fails the item so that the month is
tried again; a channel URL on another host than the API is refused (the API key would travel with it).
One item per EAN and month; each channel is its own file, `<EAN>_<YYYY-MM>_<channel>.json`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

import httpx

from footprint.config.pull import MeteringApiSource
from footprint.pull._api_months import month_days, month_items, today_amsterdam
from footprint.pull.connector import (
    Connector,
    CredentialError,
    Delivered,
    Item,
    SourceError,
)
from footprint.pull.http_client import ApiClient
from footprint.pull.secrets import Secret

FEED_LIST_PATH: Final = "feed"


@dataclass(frozen=True)
class Channel:
    code: str
    url: httpx.URL


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _json(content: bytes, source: str, what: str) -> object:
    try:
        return json.loads(content)
    except ValueError:
        raise SourceError(f"pull source {source}: {what} answered 200 with a body that is not JSON") from None


@dataclass
class MeterbeheerHubConnector:
    source: MeteringApiSource
    client: ApiClient
    today: Callable[[], dt.date] = today_amsterdam
    _channels: dict[str, list[Channel]] | None = field(default=None, init=False, repr=False)

    def list_new(self, period: str, watermarks: Mapping[str, str]) -> list[Item]:
        return month_items(self.source, period, watermarks, self.today(),
                           lambda ean, month: self._shown(ean, "<channel>", month))

    def fetch(self, item: Item) -> list[Delivered]:
        first, last = month_days(item.period)
        params = {"from": first.isoformat(), "to": last.isoformat()}
        delivered: list[Delivered] = []
        names: set[str] = set()
        for channel in self.channels(item.channel):
            shown = self._shown(item.channel, channel.code, item.period)
            try:
                response = self.client.get(str(channel.url), params=params)
            except (CredentialError, SourceError) as exc:  # the message names the feed URL: a credential
                raise type(exc)(str(exc).replace(_feed_part(channel.url), f"<feed of EAN {item.channel}>")) from None
            _json(response.content, self.source.name, shown)
            name = f"{item.channel}_{item.period}_{re.sub(r'[^0-9A-Za-z.-]', '_', channel.code).strip('.')}"
            count = 1
            while (numbered := name + (f"_{count}" if count > 1 else "")) in names:
                count += 1
            names.add(numbered)
            delivered.append(Delivered(file_name=numbered + ".json", content=response.content, request=shown))
        return delivered

    def channels(self, ean: str) -> list[Channel]:
        """The channels of the EAN's verified feeds, by code; the feed list is asked for once per run."""
        if self._channels is None:
            self._channels = self._list_feeds()
        found = self._channels.get(ean)
        if not found:
            raise SourceError(
                f"pull source {self.source.name}: EAN {ean} has no verified feed with channels at Meterbeheer HUB "
                "(GET /feed); add the meter there, or wait for its verification: the next run tries again"
            )
        return found

    def _list_feeds(self) -> dict[str, list[Channel]]:
        response = self.client.get(FEED_LIST_PATH)
        body = _json(response.content, self.source.name, f"{self.client.base_url}/{FEED_LIST_PATH}")
        feeds = body.get("data") if isinstance(body, dict) else body
        if not isinstance(feeds, list):
            raise SourceError(f"pull source {self.source.name}: GET /{FEED_LIST_PATH} answered no list of feeds")
        api = httpx.URL(self.client.base_url)
        channels: dict[str, list[Channel]] = {}
        for feed in feeds:
            if not isinstance(feed, dict) or str(feed.get("status", "")).lower() != "verified":
                continue
            ean = str(feed.get("ean", "")).strip()
            for each in feed.get("channels") or []:
                if not isinstance(each, dict) or not each.get("code") or not each.get("url"):
                    continue
                url = api.join(str(each["url"]))
                if _origin(url) != _origin(api):
                    raise SourceError(
                        f"pull source {self.source.name}: the feed of EAN {ean} channel {each['code']} lies on "
                        f"{url.host}, not on the API's host {api.host}; not requested (the API key would go along)"
                    )
                channels.setdefault(ean, []).append(Channel(str(each["code"]), url))
        return {ean: sorted(found, key=lambda c: (c.code, str(c.url))) for ean, found in channels.items()}

    def _shown(self, ean: str, code: str, month: str) -> str:
        first, last = month_days(month)
        api = httpx.URL(self.client.base_url)
        return f"GET {api.scheme}://{api.netloc.decode()}/feed/<feed of EAN {ean}>/{code}.json?from={first}&to={last}"

    def taken(self, item: Item) -> None:
        """The HUB keeps no marks of what was fetched."""

    def close(self) -> None:
        self.client.close()


def _feed_part(url: httpx.URL) -> str:
    """The unguessable part of a feed URL (all but its channel file name), as it appears in a message."""
    return str(url.copy_with(query=None, fragment=None)).rsplit("/", 1)[0]


def connect(source: MeteringApiSource, secret: Secret) -> Connector:
    client = ApiClient(
        source=source.name,
        secret_name=secret.name,
        base_url=source.url.rstrip("/"),
        headers={"Authorization": f"Bearer {secret.token()}", "Accept": "application/json"},
        timeout_s=source.timeout_s,
        max_requests_per_s=source.max_requests_per_s,
    )
    return MeterbeheerHubConnector(source, client)
