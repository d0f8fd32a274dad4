"""The metering APIs' HTTP client against a real server on loopback: what each status means for a pull."""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from footprint.pull.connector import CredentialError, SourceError
from footprint.pull.http_client import ApiClient, retry_after_s

SOURCE = "meetbedrijf"
SECRET = "MEETBEDRIJF_KEY"
KEY = "k3y-never-shown-7c1e"
PATH = "/api/ean/daydetail"

MakeClient = Callable[..., ApiClient]


@pytest.fixture
def make_client(httpserver: HTTPServer) -> Iterator[MakeClient]:
    """A client of the test server with short waits; each test sets what it examines."""
    made: list[ApiClient] = []

    def make(**settings: float) -> ApiClient:
        defaults = {"attempts": 3, "backoff_s": 0.05, "max_wait_s": 5.0, "max_requests_per_s": 100.0, "timeout_s": 5.0}
        chosen = {**defaults, **settings}
        client = ApiClient(SOURCE, SECRET, httpserver.url_for("/api"), **chosen)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def get(client: ApiClient) -> httpx.Response:
    return client.get("ean/daydetail", params={"key": KEY})


@pytest.mark.parametrize(("status", "meaning"), [(401, "credentials refused"), (403, "no access")])
def test_refused_credentials_stop_at_once_naming_source_and_secret(
    httpserver: HTTPServer, make_client: MakeClient, status: int, meaning: str
) -> None:
    httpserver.expect_request(PATH).respond_with_data("nope", status=status)
    with pytest.raises(CredentialError) as caught:
        get(make_client())
    message = str(caught.value)
    assert message.startswith(f"pull source {SOURCE}: ")
    assert f"answered {status} ({meaning}" in message
    assert message.endswith(f"check secret {SECRET}")
    assert KEY not in message and "\n" not in message
    assert len(httpserver.log) == 1  # not retried


def test_429_waits_as_long_as_retry_after_says(httpserver: HTTPServer, make_client: MakeClient) -> None:
    httpserver.expect_ordered_request(PATH).respond_with_data("slow down", status=429, headers={"Retry-After": "1"})
    httpserver.expect_ordered_request(PATH).respond_with_json({"ok": True})
    started = time.monotonic()
    response = get(make_client())
    waited = time.monotonic() - started
    assert response.json() == {"ok": True}
    assert waited >= 1.0
    assert len(httpserver.log) == 2


def test_429_with_an_http_date_waits_until_then(httpserver: HTTPServer, make_client: MakeClient) -> None:
    def busy(request: Request) -> Response:
        until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
        return Response("busy", status=429, headers={"Retry-After": email.utils.format_datetime(until, usegmt=True)})

    httpserver.expect_ordered_request(PATH).respond_with_handler(busy)
    httpserver.expect_ordered_request(PATH).respond_with_json({"ok": True})
    started = time.monotonic()
    assert get(make_client()).json() == {"ok": True}
    # The date is written in whole seconds: two seconds ahead is at least one after the rounding down.
    assert time.monotonic() - started >= 0.99


def test_500_then_success_is_retried(httpserver: HTTPServer, make_client: MakeClient) -> None:
    httpserver.expect_ordered_request(PATH).respond_with_data("oops", status=500)
    httpserver.expect_ordered_request(PATH).respond_with_json({"ok": True})
    assert get(make_client()).json() == {"ok": True}
    assert len(httpserver.log) == 2


def test_a_server_failing_every_attempt_is_a_source_error(httpserver: HTTPServer, make_client: MakeClient) -> None:
    httpserver.expect_request(PATH).respond_with_data("down", status=503)
    with pytest.raises(SourceError) as caught:
        get(make_client(attempts=3))
    message = str(caught.value)
    assert message == (
        f"pull source {SOURCE}: {httpserver.url_for(PATH)} answered 503 after 3 attempts; the next run tries again"
    )
    assert len(httpserver.log) == 3


def test_a_slow_answer_is_retried_and_then_a_source_error() -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response("late", status=200)

    # A server of its own: the answers it is still writing after the test must not reach the next test's server.
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.expect_request(PATH).respond_with_handler(slow)
    server.start()
    client = ApiClient(SOURCE, SECRET, server.url_for("/api"), timeout_s=0.25, attempts=2, backoff_s=0.05)
    started = time.monotonic()
    try:
        with pytest.raises(SourceError, match=r"no answer within 0\.25 s after 2 attempts") as caught:
            get(client)
        assert time.monotonic() - started >= 0.5  # two timeouts of 0.25 s each
        assert KEY not in str(caught.value)
    finally:
        client.close()
        server.stop()


def test_retry_after_beyond_max_wait_gives_up_at_once(httpserver: HTTPServer, make_client: MakeClient) -> None:
    httpserver.expect_request(PATH).respond_with_data("come back later", status=429, headers={"Retry-After": "120"})
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"Retry-After 120 s, longer than 5 s; the next run tries again"):
        get(make_client(max_wait_s=5.0))
    assert time.monotonic() - started < 1.0
    assert len(httpserver.log) == 1


def test_another_4xx_is_not_retried_and_names_the_url_without_the_key(
    httpserver: HTTPServer, make_client: MakeClient
) -> None:
    httpserver.expect_request(PATH).respond_with_data("no such EAN", status=404)
    with pytest.raises(SourceError) as caught:
        get(make_client())
    assert str(caught.value) == f"pull source {SOURCE}: {httpserver.url_for(PATH)} answered 404; not retried"
    assert len(httpserver.log) == 1


def test_a_refused_connection_is_retried_then_a_source_error() -> None:
    client = ApiClient(SOURCE, SECRET, "http://127.0.0.1:9/api", attempts=2, backoff_s=0.01, max_requests_per_s=100.0)
    with pytest.raises(SourceError, match=r"connection failed \(ConnectError\) after 2 attempts"):
        client.get("ean/list", params={"key": KEY})
    client.close()


def test_requests_keep_to_the_rate_limit(httpserver: HTTPServer, make_client: MakeClient) -> None:
    httpserver.expect_request(PATH).respond_with_json({"ok": True})
    client = make_client(max_requests_per_s=5.0)
    started = time.monotonic()
    for _ in range(3):
        get(client)
    assert time.monotonic() - started >= 0.4  # three requests at 5 per second: two gaps of 0.2 s


@pytest.mark.parametrize(
    ("header", "expected_s"),
    [
        pytest.param("Wed, 21 Oct 2015 07:28:00 GMT", 30.0, id="http-date-30-s-ahead"),
        pytest.param("Wed, 21 Oct 2015 07:27:00 GMT", 0.0, id="http-date-past"),
        pytest.param("7", 7.0, id="seconds"),
        pytest.param("soon", None, id="unreadable"),
        pytest.param("", None, id="absent"),
    ],
)
def test_retry_after_parsing(header: str, expected_s: float | None) -> None:
    now = dt.datetime(2015, 10, 21, 7, 27, 30, tzinfo=dt.UTC)
    response = httpx.Response(429, headers={"Retry-After": header} if header else {})
    assert retry_after_s(response, now=now) == expected_s
