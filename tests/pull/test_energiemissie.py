"""The Energiemissie connector against a real HTTP server on loopback, and the format reading what it stores."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytest_httpserver import HTTPServer

from footprint.config.pull import MeteringApiSource
from footprint.errors import InputFileError
from footprint.pull import energiemissie
from footprint.pull.connector import CredentialError, SourceError
from footprint.pull.secrets import Secret
from footprint.sources import energiemissie_json
from footprint.sources.registry import detect_format

EAN = "871687120000000004"
GAS_EAN = "871687140000000002"
KEY = "em-key-Zq81"
SECRET = "ENERGIEMISSIE_KEY"
AMS = ZoneInfo("Europe/Amsterdam")


def connector(server: HTTPServer, *, start: str | None = "2026-01", eans: tuple[str, ...] = (EAN,), today=(2026, 3, 15)):
    source = MeteringApiSource(
        name="em", kind="energiemissie", url=server.url_for("/"), eans=list(eans), secret=SECRET,
        start=start, max_requests_per_s=100,
    )
    conn = energiemissie.connect(source, Secret(SECRET, "em", KEY))
    assert isinstance(conn, energiemissie.EnergiemissieConnector)
    conn.today = lambda: dt.date(*today)
    conn.client.attempts, conn.client.backoff_s = 1, 0.01
    return conn


def quarter_hours(first_local: str, count: int) -> list[str]:
    """ISO timestamps with their UTC offset, `count` quarter-hours from a local midnight."""
    start = dt.datetime.fromisoformat(first_local).replace(tzinfo=AMS).astimezone(dt.UTC)
    return [(start + dt.timedelta(minutes=15 * k)).astimezone(AMS).isoformat() for k in range(count)]


def month_body(values: list[float], **channel: object) -> list[dict]:
    stamps = quarter_hours("2026-02-02T00:00:00", len(values))
    return [{"channel": "levering", **channel, "values": [{"timestamp": t, "value": v} for t, v in zip(stamps, values)]}]


def test_lists_ended_months_from_start_and_not_the_running_month(httpserver: HTTPServer) -> None:
    items = connector(httpserver).list_new("2026-03", {})
    assert [(i.key, i.channel, i.period, i.watermark) for i in items] == [
        (f"{EAN}:2026-01", EAN, "2026-01", "2026-01"),
        (f"{EAN}:2026-02", EAN, "2026-02", "2026-02"),
    ]
    assert all(KEY not in i.request for i in items)
    assert httpserver.log == []  # listing asks nothing of the API


def test_watermark_continues_after_the_last_stored_month(httpserver: HTTPServer) -> None:
    conn = connector(httpserver, eans=(EAN, GAS_EAN))
    items = conn.list_new("2026-02", {EAN: "2026-01"})
    assert [i.key for i in items] == [f"{EAN}:2026-02", f"{GAS_EAN}:2026-01", f"{GAS_EAN}:2026-02"]
    assert connector(httpserver, start=None).list_new("2026-02", {}) == connector(httpserver, start=None).list_new(
        "2026-02", {EAN: "2026-01"}
    )
    assert [i.key for i in connector(httpserver, start=None).list_new("2026-02", {})] == [f"{EAN}:2026-02"]
    # The run's own month is still running on 15 March: nothing to ask yet.
    assert connector(httpserver, start=None).list_new("2026-03", {}) == []


def test_fetch_sends_the_documented_request_and_stores_the_response(httpserver: HTTPServer) -> None:
    body = month_body([0.5, 0.25], unit="kWh", direction="levering", ean=EAN)
    httpserver.expect_ordered_request(
        "/webservice/v2/meters", query_string={"ean": EAN}, headers={"X-API-KEY": KEY}
    ).respond_with_json([{"id": 4711, "ean": EAN, "status": "actief"}])
    httpserver.expect_ordered_request(
        "/webservice/v2/measurements/4711/types/interval/months/2026/2", headers={"X-API-KEY": KEY}
    ).respond_with_json(body)
    conn = connector(httpserver)
    (item,) = [i for i in conn.list_new("2026-03", {EAN: "2026-01"})]
    (delivered,) = conn.fetch(item)
    httpserver.check_assertions()
    assert delivered.file_name == f"{EAN}_2026-02.json"
    assert json.loads(delivered.content) == body
    assert delivered.request.endswith("/webservice/v2/measurements/4711/types/interval/months/2026/2")
    assert KEY not in delivered.request
    assert not any("months/2026/3" in request.path for request, _ in httpserver.log)
    conn.close()


def test_a_replaced_meter_gives_one_file_per_meter_id(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/webservice/v2/meters").respond_with_json(
        [{"id": 9, "ean": EAN}, {"id": 12, "ean": EAN}, {"id": 30, "ean": GAS_EAN}]
    )
    for meter in (9, 12):
        httpserver.expect_request(f"/webservice/v2/measurements/{meter}/types/interval/months/2026/1").respond_with_json(
            [{"channel": str(meter), "values": []}]
        )
    conn = connector(httpserver)
    delivered = conn.fetch(conn.list_new("2026-01", {})[0])
    assert [d.file_name for d in delivered] == [f"{EAN}_2026-01_meter12.json", f"{EAN}_2026-01_meter9.json"]
    assert [json.loads(d.content)[0]["channel"] for d in delivered] == ["12", "9"]


def test_401_names_source_and_secret_never_the_key(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/webservice/v2/meters").respond_with_data("no", status=401)
    conn = connector(httpserver)
    with pytest.raises(CredentialError) as caught:
        conn.fetch(conn.list_new("2026-01", {})[0])
    message = str(caught.value)
    assert "pull source em" in message and f"check secret {SECRET}" in message and "401" in message
    assert KEY not in message and "\n" not in message


def test_an_ean_the_key_cannot_read_fails_the_item(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/webservice/v2/meters").respond_with_json([])
    conn = connector(httpserver)
    with pytest.raises(SourceError, match=f"EAN {EAN} is not among the meters"):
        conn.fetch(conn.list_new("2026-01", {})[0])


def test_a_200_that_is_not_json_is_not_stored(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/webservice/v2/meters").respond_with_json([{"id": 1, "ean": EAN}])
    httpserver.expect_request("/webservice/v2/measurements/1/types/interval/months/2026/1").respond_with_data(
        "<html>login</html>"
    )
    conn = connector(httpserver)
    with pytest.raises(SourceError, match="not JSON"):
        conn.fetch(conn.list_new("2026-01", {})[0])


def write(tmp_path: Path, body: object, name: str = f"{EAN}_2026-02.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(body, indent=2), encoding="utf-8")
    return path


def test_a_day_of_96_quarter_hours_sums_by_hand(tmp_path: Path) -> None:
    # Values 0.01, 0.02, ... 0.96 kWh: 0.01 * (1 + ... + 96) = 0.01 * 4656 = 46.56 kWh.
    path = write(tmp_path, month_body([k / 100 for k in range(1, 97)], unit="kWh", direction="levering", ean=EAN))
    assert detect_format(path) is energiemissie_json
    frame = energiemissie_json.read(path)
    assert len(frame) == 96
    assert frame["quantity"].sum() == pytest.approx(46.56)
    assert set(frame["ean"]) == {EAN} and set(frame["unit"]) == {"kWh"} and set(frame["direction"]) == {"consumption"}
    assert frame["interval_start"].iloc[0] == dt.datetime(2026, 2, 2, tzinfo=AMS)
    assert (frame["interval_end"] - frame["interval_start"] == dt.timedelta(minutes=15)).all()
    assert set(frame["period"]) == {dt.datetime(2026, 2, 1)}
    assert not frame["estimated"].any() and frame["tariff"].isna().all()
    assert list(frame["source_row"][:3]) == [1, 2, 3]


def test_the_autumn_day_has_100_quarter_hours_in_wh(tmp_path: Path) -> None:
    # 26 October 2025 lasts 25 hours: 100 quarter-hours of 250 Wh = 25 000 Wh = 25.0 kWh.
    stamps = quarter_hours("2025-10-26T00:00:00", 100)
    body = [{"channel": "1.8.0", "unit": "Wh", "direction": "Teruglevering", "ean": EAN, "tariff": "dal",
             "values": [{"timestamp": t, "value": 250, "status": "geschat"} for t in stamps]}]
    frame = energiemissie_json.read(write(tmp_path, body))
    assert len(frame) == 100 and frame["interval_start"].is_unique
    assert frame["quantity"].sum() == pytest.approx(25.0)
    assert set(frame["direction"]) == {"feed_in"} and set(frame["tariff"]) == {"low"}
    assert frame["estimated"].all()
    # Both 02:00s: the summer-time one (+02:00) and the winter-time one (+01:00), an hour apart.
    twos = frame.loc[frame["interval_start"].dt.strftime("%H:%M") == "02:00", "interval_start"]
    assert [t.utcoffset() for t in twos] == [dt.timedelta(hours=2), dt.timedelta(hours=1)]
    assert frame["interval_end"].iloc[-1] == dt.datetime(2025, 10, 27, tzinfo=AMS)


def test_hourly_gas_takes_the_step_of_its_channel(tmp_path: Path) -> None:
    stamps = [f"2026-02-02T0{h}:00:00+01:00" for h in range(3)]
    body = [{"channel": "gas", "unit": "m3", "direction": "verbruik", "values": [
        {"timestamp": t, "value": v} for t, v in zip(stamps, [1.5, 2.0, 0.5])]}]
    frame = energiemissie_json.read(write(tmp_path, body), ean=GAS_EAN)
    assert set(frame["ean"]) == {GAS_EAN}  # the response names none: footprint.yaml's assignment
    assert frame["quantity"].sum() == pytest.approx(4.0) and set(frame["unit"]) == {"m3"}
    assert (frame["interval_end"] - frame["interval_start"] == dt.timedelta(hours=1)).all()


@pytest.mark.parametrize("missing", ["unit", "direction"])
def test_a_channel_without_unit_or_direction_is_refused(tmp_path: Path, missing: str) -> None:
    fields = {"unit": "kWh", "direction": "levering", "ean": EAN}
    del fields[missing]
    path = write(tmp_path, month_body([0.1, 0.2], **fields))
    with pytest.raises(InputFileError) as caught:
        energiemissie_json.read(path)
    assert path.name in str(caught.value) and missing in str(caught.value)


def test_without_an_ean_anywhere_the_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, month_body([0.1, 0.2], unit="kWh", direction="levering"))
    with pytest.raises(InputFileError, match="no EAN"):
        energiemissie_json.read(path)
