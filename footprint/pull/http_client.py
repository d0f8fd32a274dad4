"""The one HTTP client of the metering-API connectors: timeouts, a rate limit, retries that honour Retry-After.

httpx does the protocol; this module decides what a status means for a pull:
- 401 and 403: the credentials are wrong or lack the right; CredentialError at once, no retry;
- 429 and 5xx, a timeout or a lost connection: retried with exponential backoff (1, 2, 4 s ...), or
  after the server's Retry-After (seconds or an HTTP date) when it sends one, up to `max_wait_s`;
- any other 4xx: SourceError naming the status and the request, no retry (asking again changes nothing).
Messages name the source, the secret and the URL without its query string; never a credential.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import httpx

from footprint.pull.connector import CredentialError, SourceError

RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
DEFAULT_ATTEMPTS: Final = 5
DEFAULT_MAX_WAIT_S: Final = 300.0  # a server asking for more than five minutes is down for this run


def shown_url(url: httpx.URL | str) -> str:
    """A URL for a message or the lineage: no user, password or query (an API key may travel there)."""
    parsed = httpx.URL(str(url))
    return str(parsed.copy_with(username=None, password=None, query=None, fragment=None))


def retry_after_s(response: httpx.Response, now: dt.datetime | None = None) -> float | None:
    """The wait a 429 or 503 asks for: Retry-After in seconds or as an HTTP date; None without one."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


class _HideUrl(logging.Filter):
    """httpx logs each request's full URL at INFO: a key in the query, or a feed URL that is itself the
    credential (Meterbeheer HUB), would reach a log turned up to INFO. Only the host is logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(f"{a.scheme}://{a.host}/..." if isinstance(a, httpx.URL) else a for a in record.args)
        return True


logging.getLogger("httpx").addFilter(_HideUrl())


@dataclass
class ApiClient:
    """One source's client: its base URL, headers (the credential), timeout and request rate."""

    source: str
    secret_name: str
    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    auth: tuple[str, str] | None = field(default=None, repr=False)
    timeout_s: float = 60.0
    max_requests_per_s: float = 5.0
    attempts: int = DEFAULT_ATTEMPTS
    max_wait_s: float = DEFAULT_MAX_WAIT_S
    backoff_s: float = 1.0
    _client: httpx.Client | None = field(default=None, init=False, repr=False)
    _last_request: float = field(default=0.0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.base_url, headers=dict(self.headers), auth=self.auth,
                timeout=httpx.Timeout(self.timeout_s), follow_redirects=False)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _pace(self) -> None:
        """At most max_requests_per_s requests: a provider's rate limit is kept before it has to answer 429."""
        with self._lock:
            wait = self._last_request + 1.0 / self.max_requests_per_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_request = time.monotonic()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> httpx.Response:
        """A successful (2xx) response to GET path, after the retries the status allows."""
        request = self.client().build_request("GET", path, params=params)
        where = shown_url(request.url)
        problem = ""
        for attempt in range(self.attempts):
            self._pace()
            try:
                response = self.client().send(request)
            except httpx.TimeoutException:
                problem = f"no answer within {self.timeout_s:g} s"
                wait = self.backoff_s * 2**attempt
            except httpx.RequestError as exc:  # a lost connection, or a body that breaks off or cannot be decoded
                problem = f"connection failed ({type(exc).__name__})"
                wait = self.backoff_s * 2**attempt
            else:
                status = response.status_code
                if status in (401, 403):
                    raise CredentialError(
                        f"pull source {self.source}: {where} answered {status} "
                        f"({'credentials refused' if status == 401 else 'no access with these credentials'}); "
                        f"check secret {self.secret_name}")
                if response.is_success:
                    return response
                if status not in RETRY_STATUSES:
                    raise SourceError(f"pull source {self.source}: {where} answered {status}; not retried")
                asked = retry_after_s(response)
                problem = f"answered {status}" + (f" with Retry-After {asked:g} s" if asked is not None else "")
                wait = asked if asked is not None else self.backoff_s * 2**attempt
                if wait > self.max_wait_s:
                    raise SourceError(
                        f"pull source {self.source}: {where} {problem}, longer than {self.max_wait_s:g} s; "
                        "the next run tries again")
            if attempt + 1 < self.attempts:
                time.sleep(wait)
        raise SourceError(f"pull source {self.source}: {where} {problem} after {self.attempts} attempts; "
                          "the next run tries again")
