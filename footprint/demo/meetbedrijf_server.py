"""A stand-in for Het Meetbedrijf's partner API on loopback, so the demo pulls meter data the way a company would.

It answers the day-detail request footprint.pull.meetbedrijf makes, in the shape
footprint.sources.meetbedrijf_json reads (both ASSUMED where the public documentation is silent),
in pages of PAGE_VALUES values, and refuses a request without the right key with 401.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from footprint.periods import next_month, parse_period
from footprint.schemas import LOCAL_TZ

PAGE_VALUES: Final = 2000  # a 31-day month of quarter-hours (2976) comes in two pages
PREFIX: Final = "/api/"

MeterData = Mapping[str, Mapping[str, Sequence[float]]]  # {EAN: {"YYYY-MM": quarter-hour values in kWh}}


def quarter_hours(month: str) -> list[tuple[str, str]]:
    """(start, end) of every quarter-hour of a month in Amsterdam, ISO 8601 with the UTC offset."""
    first = parse_period(month)
    start, end = (pd.Timestamp(day).tz_localize(LOCAL_TZ).tz_convert("UTC") for day in (first, next_month(first)))
    edges = pd.date_range(start, end, freq="15min").tz_convert(LOCAL_TZ)
    stamps = [moment.isoformat() for moment in edges]
    return list(itertools.pairwise(stamps))


def _pages(ean: str, month: str, values: Sequence[float], unit: str, direction: str,
           statuses: Sequence[str] | None = None) -> list[bytes]:
    intervals = quarter_hours(month)
    if len(values) != len(intervals):
        raise ValueError(f"EAN {ean} {month}: {len(values)} values for {len(intervals)} quarter-hours")
    first = parse_period(month)
    last = next_month(first) - dt.timedelta(days=1)
    count = max(1, -(-len(values) // PAGE_VALUES))
    pages = []
    for page in range(count):
        chunk = slice(page * PAGE_VALUES, (page + 1) * PAGE_VALUES)
        rows = [
            {"start": start, "end": end, "value": value, "status": status}
            for (start, end), value, status in zip(
                intervals[chunk], values[chunk], (statuses or ["gemeten"] * len(values))[chunk], strict=True)
        ]
        document = {
            "ean": ean, "start": first.isoformat(), "end": last.isoformat(), "page": page + 1, "pages": count,
            "channels": [{"direction": direction, "unit": unit, "values": rows}],
        }
        pages.append(json.dumps(document).encode())
    return pages


def _handler(
    responses: Mapping[tuple[str, str, int], bytes], api_key: str, log: list[str] | None
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if log is not None:
                log.append(url.path)
            if parse_qs(url.query).get("key") != [api_key]:
                return self._answer(401, b'{"error": "invalid key"}')
            segments = url.path.removeprefix(PREFIX).split("/")
            if segments[:2] != ["ean", "daydetail"] or len(segments) % 2:
                return self._answer(404, b'{"error": "unknown request"}')
            asked = dict(zip(segments[2::2], segments[3::2], strict=True))
            page = asked.get("page", "1")
            month = asked.get("start", "")[:7]
            found = responses.get((asked.get("code", ""), month, int(page) if page.isdigit() else 0))
            if found is None:
                return self._answer(404, b'{"error": "no values for this EAN, month and page"}')
            return self._answer(200, found)

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the demo reports what was pulled, not every request."""

    return Handler


@contextmanager
def serve(
    data: MeterData, api_key: str, unit: str = "kWh", direction: str = "levering", log: list[str] | None = None,
    statuses: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> Iterator[str]:
    """The base URL (footprint.yaml's `url`) of a server answering `data`, while the block runs.

    log: a list the path of every request is appended to (a test counts what was fetched).
    statuses: per EAN and month a status word per value (gemeten, geschat); measured when not given.
    """
    responses = {
        (ean, month, number): body
        for ean, months in data.items()
        for month, values in months.items()
        for number, body in enumerate(_pages(ean, month, values, unit, direction, (statuses or {}).get(ean, {}).get(month)), start=1)
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(responses, api_key, log))
    thread = threading.Thread(target=server.serve_forever, name="meetbedrijf-demo", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
