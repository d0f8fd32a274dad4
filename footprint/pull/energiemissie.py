"""Energiemissie's meetdata API v2: a month of interval values per EAN, fetched once and stored as delivered.

Documented (support.energiemissie.nl, "Energiemissie meetdata API (API-versie 2.0)"): base URI
https://mijnenergiemissie.nl; the API key travels in the X-API-KEY header; JSON responses; status codes
200, 401, 403, 404 and 500; GET /webservice/v2/meters lists the meters the key may read, filtered by the
query parameters status, name, ean, street, ..., each meter with its `id`, `status` and `ean`; a fair-use
policy (fetching the whole history again and again may be charged or blocked), so every EAN and month is
asked for once, and only once it has ended.

ASSUMED (not in the documentation we could read; from a public client of the API):
- a month's values: GET /webservice/v2/measurements/{meter id}/types/interval/months/{year}/{month}, the
  month without a leading zero, answered with the whole month in one JSON document (no paging is
  documented, so none is followed);
- the meter id of an EAN is the `id` of its entry in the meter list; an EAN listed with several ids (a
  replaced meter) gets one file per meter, `<EAN>_<YYYY-MM>_meter<id>.json`;
- no rate limit is documented: the source's max_requests_per_s keeps the pace.
footprint.sources.energiemissie_json reads the stored responses.
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
from footprint.pull._api_months import month_items, today_amsterdam
from footprint.pull.connector import Connector, Delivered, Item, SourceError
from footprint.pull.http_client import ApiClient, shown_url
from footprint.pull.secrets import Secret

API_PATH: Final = "/webservice/v2"
API_KEY_HEADER: Final = "X-API-KEY"


def api_base(url: str) -> str:
    """The v2 webservice under the source's URL: the documented base URI, or a URL that already names the path."""
    base = url.rstrip("/")
    return base if base.endswith(API_PATH) else base + API_PATH


def month_path(meter_id: str, month: str) -> str:
    year, number = month.split("-")
    return f"measurements/{meter_id}/types/interval/months/{year}/{int(number)}"


def json_body(response: httpx.Response, source: str) -> object:
    """The response's JSON; a 200 with anything else (a login page, a cut-off body) fails the item, never stored."""
    try:
        return json.loads(response.content)
    except ValueError:
        raise SourceError(
            f"pull source {source}: {shown_url(response.request.url)} answered 200 with a body that is not JSON"
        ) from None


@dataclass
class EnergiemissieConnector:
    source: MeteringApiSource
    client: ApiClient
    today: Callable[[], dt.date] = today_amsterdam
    _meter_ids: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False)

    def list_new(self, period: str, watermarks: Mapping[str, str]) -> list[Item]:
        return month_items(self.source, period, watermarks, self.today(), lambda ean, month: (
            f"GET {api_base(self.source.url)}/{month_path(f'<meter id of EAN {ean}>', month)}"))

    def fetch(self, item: Item) -> list[Delivered]:
        ids = self.meter_ids(item.channel)
        delivered = []
        for meter_id in ids:
            response = self.client.get(month_path(meter_id, item.period))
            json_body(response, self.source.name)
            suffix = "" if len(ids) == 1 else "_meter" + re.sub(r"[^0-9A-Za-z-]", "_", meter_id)
            delivered.append(
                Delivered(
                    file_name=f"{item.channel}_{item.period}{suffix}.json",
                    content=response.content,
                    request=f"GET {shown_url(response.request.url)}",
                )
            )
        return delivered

    def meter_ids(self, ean: str) -> list[str]:
        """The API's meter ids of an EAN, from the meter list filtered on it (asked once per run)."""
        if ean not in self._meter_ids:
            response = self.client.get("meters", params={"ean": ean})
            meters = json_body(response, self.source.name)
            listed = meters if isinstance(meters, list) else []
            ids = sorted(
                {
                    str(meter["id"])
                    for meter in listed
                    if isinstance(meter, dict) and str(meter.get("ean", "")).strip() == ean and "id" in meter
                }
            )
            if not ids:
                raise SourceError(
                    f"pull source {self.source.name}: EAN {ean} is not among the meters this API key may read "
                    f"({shown_url(response.request.url)}?ean={ean}); add the meter in Energiemissie or remove "
                    "it from the source's eans"
                )
            self._meter_ids[ean] = ids
        return self._meter_ids[ean]

    def taken(self, item: Item) -> None:
        """The API keeps no marks of what was fetched."""

    def close(self) -> None:
        self.client.close()


def connect(source: MeteringApiSource, secret: Secret) -> Connector:
    client = ApiClient(
        source=source.name,
        secret_name=secret.name,
        base_url=api_base(source.url),
        headers={API_KEY_HEADER: secret.token(), "Accept": "application/json"},
        timeout_s=source.timeout_s,
        max_requests_per_s=source.max_requests_per_s,
    )
    return EnergiemissieConnector(source, client)
