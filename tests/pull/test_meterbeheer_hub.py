"""The Meterbeheer HUB connector against a real HTTP server on loopback, and the format reading its feeds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytest_httpserver import HTTPServer

from footprint.config.pull import MeteringApiSource
from footprint.errors import InputFileError
from footprint.pull import meterbeheer_hub
from footprint.pull.connector import CredentialError, SourceError
from footprint.pull.secrets import Secret
from footprint.sources import meterbeheer_hub_json
from footprint.sources.registry import detect_format

EAN = "871687120000000004"
OTHER_EAN = "871687120000000011"
KEY = "hub-key-7Tq"
SECRET = "METERBEHEER_HUB_KEY"
UUID = "70fbe0de-7140-49d1-9c30-b508aa11cc22"
AMS = ZoneInfo("Europe/Amsterdam")
BEARER = {"Authorization": f"Bearer {KEY}"}


def connector(server: HTTPServer, *, start: str | None = "2026-01", eans: tuple[str, ...] = (EAN,)):
    source = MeteringApiSource(
        name="hub", kind="meterbeheer_hub", url=server.url_for("/api/v1"), eans=list(eans), secret=SECRET,
        start=start, max_requests_per_s=100,
    )
    conn = meterbeheer_hub.connect(source, Secret(SECRET, "hub", KEY))
    assert isinstance(conn, meterbeheer_hub.MeterbeheerHubConnector)
    conn.today = lambda: dt.date(2026, 3, 15)
    conn.client.attempts, conn.client.backoff_s = 1, 0.01
    return conn


def feeds(server: HTTPServer, *codes: str, status: str = "verified", host_url: str | None = None) -> None:
    server.expect_request("/api/v1/feed", headers=BEARER).respond_with_json([
        {"uuid": UUID, "provider": "EDSN", "name": "kantoor", "status": status, "ean": EAN,
         "postalCode": "1234 AB", "houseNumber": "1",
         "channels": [{"code": c, "url": host_url or server.url_for(f"/feed/{UUID}/{c}.json")} for c in codes]},
        {"uuid": "other", "status": "verified", "ean": OTHER_EAN, "channels": []},
    ])


def quarter_hours(first_local: str, count: int) -> list[tuple[str, str]]:
    """(from, to) pairs in ISO 8601 with UTC offset, `count` quarter-hours from a local midnight."""
    start = dt.datetime.fromisoformat(first_local).replace(tzinfo=AMS).astimezone(dt.UTC)
    step = dt.timedelta(minutes=15)
    return [((start + k * step).astimezone(AMS).isoformat(), (start + (k + 1) * step).astimezone(AMS).isoformat())
            for k in range(count)]


def feed_body(values: list[float], *, first_local: str = "2026-02-02T00:00:00", **meta: object) -> dict:
    pairs = quarter_hours(first_local, len(values))
    return {**meta, "data": [{"from": f, "to": t, "value": v} for (f, t), v in zip(pairs, values)]}


def test_lists_ended_months_and_continues_after_the_watermark(httpserver: HTTPServer) -> None:
    conn = connector(httpserver, eans=(EAN, OTHER_EAN))
    items = conn.list_new("2026-03", {EAN: "2026-01"})
    assert [(i.key, i.channel, i.period, i.watermark) for i in items] == [
        (f"{EAN}:2026-02", EAN, "2026-02", "2026-02"),
        (f"{OTHER_EAN}:2026-01", OTHER_EAN, "2026-01", "2026-01"),
        (f"{OTHER_EAN}:2026-02", OTHER_EAN, "2026-02", "2026-02"),
    ]  # March is still running on 15 March
    assert connector(httpserver, start=None).list_new("2026-03", {}) == []
    assert httpserver.log == []


def test_fetch_asks_each_channel_for_the_month_with_from_and_to(httpserver: HTTPServer) -> None:
    feeds(httpserver, "1.8.2", "1.8.1")
    for code in ("1.8.1", "1.8.2"):
        httpserver.expect_request(
            f"/feed/{UUID}/{code}.json", query_string={"from": "2026-02-01", "to": "2026-02-28"}
        ).respond_with_json(feed_body([0.1], ean=EAN, channel=code, unit="kWh"))
    conn = connector(httpserver)
    (item,) = conn.list_new("2026-02", {EAN: "2026-01"})
    delivered = conn.fetch(item)
    assert [d.file_name for d in delivered] == [f"{EAN}_2026-02_1.8.1.json", f"{EAN}_2026-02_1.8.2.json"]
    assert [json.loads(d.content)["channel"] for d in delivered] == ["1.8.1", "1.8.2"]
    assert delivered[0].request.endswith(f"/feed/<feed of EAN {EAN}>/1.8.1.json?from=2026-02-01&to=2026-02-28")
    assert all(UUID not in d.request and KEY not in d.request for d in [*delivered, item])
    assert [r.path for r, _ in httpserver.log] == ["/api/v1/feed", f"/feed/{UUID}/1.8.1.json", f"/feed/{UUID}/1.8.2.json"]
    assert httpserver.log[0][0].headers["Authorization"] == f"Bearer {KEY}"
    conn.close()


def test_401_names_source_and_secret(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/feed").respond_with_data("", status=401)
    conn = connector(httpserver)
    with pytest.raises(CredentialError) as caught:
        conn.fetch(conn.list_new("2026-01", {})[0])
    message = str(caught.value)
    assert "pull source hub" in message and f"check secret {SECRET}" in message and KEY not in message


def test_a_failing_feed_is_reported_without_its_secret_url(httpserver: HTTPServer) -> None:
    feeds(httpserver, "1.8.0")
    httpserver.expect_request(f"/feed/{UUID}/1.8.0.json").respond_with_data("", status=404)
    conn = connector(httpserver)
    with pytest.raises(SourceError) as caught:
        conn.fetch(conn.list_new("2026-01", {})[0])
    assert f"<feed of EAN {EAN}>/1.8.0.json answered 404" in str(caught.value) and UUID not in str(caught.value)


def test_a_pending_feed_fails_the_item_for_a_later_run(httpserver: HTTPServer) -> None:
    feeds(httpserver, "1.8.0", status="pending")
    conn = connector(httpserver)
    with pytest.raises(SourceError, match="no verified feed"):
        conn.fetch(conn.list_new("2026-01", {})[0])


def test_a_feed_on_another_host_is_never_sent_the_key(httpserver: HTTPServer) -> None:
    feeds(httpserver, "1.8.0", host_url="http://feeds.example.invalid/feed/x/1.8.0.json")
    conn = connector(httpserver)
    with pytest.raises(SourceError, match="not on the API's host"):
        conn.fetch(conn.list_new("2026-01", {})[0])
    assert [r.path for r, _ in httpserver.log] == ["/api/v1/feed"]


def write(tmp_path: Path, body: object) -> Path:
    path = tmp_path / f"{EAN}_2026-02_1.8.0.json"
    path.write_text(json.dumps(body, indent=1), encoding="utf-8")
    return path


def test_a_day_of_96_quarter_hours_sums_by_hand(tmp_path: Path) -> None:
    # 48 quarter-hours of 0.2 kWh and 48 of 0.3 kWh: 9.6 + 14.4 = 24.0 kWh.
    path = write(tmp_path, feed_body([0.2] * 48 + [0.3] * 48, ean=EAN, channel="1.8.0", unit="kWh"))
    assert detect_format(path) is meterbeheer_hub_json
    # A response listing several channels is another provider's (meetbedrijf_json), never a HUB feed.
    assert not meterbeheer_hub_json.sniff('{"ean": "1", "channels": [{"unit": "kWh", "from": 1, "to": 2, "value": 3}]}')
    frame = meterbeheer_hub_json.read(path)
    assert len(frame) == 96 and frame["quantity"].sum() == pytest.approx(24.0)
    assert set(frame["ean"]) == {EAN} and set(frame["unit"]) == {"kWh"}
    assert set(frame["direction"]) == {"consumption"} and set(frame["tariff"]) == {"single"}
    assert frame["interval_start"].iloc[0] == dt.datetime(2026, 2, 2, tzinfo=AMS)
    assert frame["interval_end"].iloc[-1] == dt.datetime(2026, 2, 3, tzinfo=AMS)
    assert set(frame["period"]) == {dt.datetime(2026, 2, 1)} and not frame["estimated"].any()


def test_the_spring_day_has_92_quarter_hours(tmp_path: Path) -> None:
    # 29 March 2026 lasts 23 hours: 92 quarter-hours of 0.5 kWh fed in = 46.0 kWh.
    body = feed_body([0.5] * 92, first_local="2026-03-29T00:00:00", ean=EAN, channel="2.8.2", unit="kWh")
    frame = meterbeheer_hub_json.read(write(tmp_path, body))
    assert len(frame) == 92 and frame["quantity"].sum() == pytest.approx(46.0)
    assert set(frame["direction"]) == {"feed_in"} and set(frame["tariff"]) == {"high"}
    hours = frame["interval_start"].dt.strftime("%H:%M")
    assert "02:00" not in set(hours) and hours.iloc[8] == "03:00"  # 01:45 is followed by 03:00 summer time
    assert (frame["interval_end"] - frame["interval_start"] == dt.timedelta(minutes=15)).all()
    assert frame["interval_end"].iloc[-1] == dt.datetime(2026, 3, 30, tzinfo=AMS)


def test_gas_in_m3_from_metadata_and_kenter_channel(tmp_path: Path) -> None:
    body = feed_body([1.25, 0.75], meta={"EAN": EAN, "supplierChannel": "70180", "Unit": "m3"})
    frame = meterbeheer_hub_json.read(write(tmp_path, body))
    assert frame["quantity"].sum() == pytest.approx(2.0) and set(frame["unit"]) == {"m3"}
    assert set(frame["direction"]) == {"consumption"} and frame["tariff"].isna().all()


def test_a_feed_without_unit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, feed_body([0.1], ean=EAN, channel="1.8.0"))
    with pytest.raises(InputFileError) as caught:
        meterbeheer_hub_json.read(path)
    assert path.name in str(caught.value) and "unit" in str(caught.value)


def test_an_undocumented_channel_without_direction_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, feed_body([0.1], ean=EAN, channel="3.8.0", unit="kWh"))
    with pytest.raises(InputFileError, match="no direction"):
        meterbeheer_hub_json.read(path)
    written = write(tmp_path, feed_body([0.1], ean=EAN, channel="3.8.0", unit="kWh", direction="opwek"))
    assert set(meterbeheer_hub_json.read(written)["direction"]) == {"generation"}
