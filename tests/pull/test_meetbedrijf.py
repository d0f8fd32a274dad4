"""Het Meetbedrijf: which months are listed, how a month's pages are fetched, and how a fetched page is read."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

from footprint.config.pull import MeteringApiSource
from footprint.demo.meetbedrijf_server import serve
from footprint.errors import InputFileError
from footprint.pull.connector import CredentialError, Item, SourceError
from footprint.pull.meetbedrijf import MeetbedrijfConnector, connect
from footprint.pull.secrets import Secret
from footprint.sources import meetbedrijf_json
from footprint.sources.registry import detect_format

EAN = "871687120000000004"
GAS_EAN = "871687140000000002"
KEY = "mb-key-9d2f-never-shown"
SECRET = "MEETBEDRIJF_KEY"
UTC = dt.UTC
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PARTNER_API = "https://partner.hetmeetbedrijf.nl/api"
JANUARY = f"/api/ean/daydetail/code/{EAN}/start/2026-01-01/end/2026-01-31/format/json"


def connector(url: str = PARTNER_API, today: dt.date | None = None, **fields: Any) -> MeetbedrijfConnector:
    """The connector of a source with the given fields (one EAN unless `eans` is given), on a fixed day."""
    configured = MeteringApiSource(
        **{"name": "meetbedrijf", "kind": "meetbedrijf", "url": url, "eans": [EAN], "secret": SECRET, **fields}
    )
    made = connect(configured, Secret(SECRET, "meetbedrijf", KEY))
    assert isinstance(made, MeetbedrijfConnector)
    if today is not None:
        made.today = lambda: today
    made.client.backoff_s = 0.05
    made.client.max_requests_per_s = 100.0
    return made


def response(
    ean: str = EAN, page: int = 1, pages: int = 1, channels: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A page of January's values in the shape footprint.sources.meetbedrijf_json reads."""
    period = {"start": "2026-01-01", "end": "2026-01-31"}
    return {"ean": ean, **period, "page": page, "pages": pages, "channels": channels or []}


def quarter_hours(first_utc: dt.datetime, count: int) -> list[tuple[str, str]]:
    """(start, end) written in Amsterdam time with the UTC offset, as the API writes them."""
    step = dt.timedelta(minutes=15)
    moments = [(first_utc + i * step).astimezone(AMSTERDAM).isoformat() for i in range(count + 1)]
    return list(itertools.pairwise(moments))


def channel(
    direction: str | None, unit: str | None, values: list[float], first_utc: dt.datetime, **extra: Any
) -> dict[str, Any]:
    """A channel of quarter-hour values from `first_utc`; a direction or unit of None is left out."""
    rows = [
        {"start": start, "end": end, "value": value, "status": "gemeten"}
        for (start, end), value in zip(quarter_hours(first_utc, len(values)), values, strict=True)
    ]
    said = {"direction": direction, "unit": unit, **extra}
    return {**{k: v for k, v in said.items() if v is not None}, "values": rows}


def write(tmp_path: Path, document: dict[str, Any], name: str = f"{EAN}_2026-01.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# --- which months -------------------------------------------------------------------------------


def test_months_after_the_watermark_up_to_the_period_but_not_the_running_month() -> None:
    made = connector(start="2025-12", today=dt.date(2026, 3, 15), eans=[EAN, GAS_EAN])
    items = made.list_new("2026-03", {EAN: "2026-01"})
    assert [(item.channel, item.period) for item in items] == [
        (EAN, "2026-02"),  # March has not ended on 15 March
        (GAS_EAN, "2025-12"),  # no watermark: from the source's start
        (GAS_EAN, "2026-01"),
        (GAS_EAN, "2026-02"),
    ]
    assert items[0] == Item(
        key=f"{EAN}:2026-02",
        channel=EAN,
        period="2026-02",
        request=f"{PARTNER_API}/ean/daydetail/code/{EAN}/start/2026-02-01/end/2026-02-28/format/json",
        watermark="2026-02",
    )
    assert all(KEY not in item.request for item in items)


def test_without_watermark_or_start_only_the_runs_period() -> None:
    made = connector(today=dt.date(2026, 3, 1))
    assert [item.key for item in made.list_new("2026-01", {})] == [f"{EAN}:2026-01"]
    assert made.list_new("2026-03", {}) == []  # March has not ended on 1 March
    assert made.list_new("2026-01", {EAN: "2026-01"}) == []  # pulled before


def test_a_period_ahead_stops_at_the_last_ended_month() -> None:
    made = connector(start="2025-11", today=dt.date(2026, 1, 1))
    assert [item.period for item in made.list_new("2026-05", {})] == ["2025-11", "2025-12"]


def test_the_running_month_in_amsterdam_is_never_listed() -> None:
    today = dt.datetime.now(AMSTERDAM).date()
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    before = (last_month - dt.timedelta(days=1)).replace(day=1)
    made = connector(start=f"{before:%Y-%m}")
    listed = [item.period for item in made.list_new(f"{this_month:%Y-%m}", {})]
    assert listed == [f"{before:%Y-%m}", f"{last_month:%Y-%m}"]


def test_a_broken_watermark_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=f"pull source meetbedrijf: watermark of {EAN}"):
        connector(today=dt.date(2026, 3, 1)).list_new("2026-02", {EAN: "2026-13"})


# --- fetching -----------------------------------------------------------------------------------


@pytest.fixture
def january(httpserver: HTTPServer) -> Iterator[tuple[MeetbedrijfConnector, Item]]:
    made = connector(httpserver.url_for("/api"), today=dt.date(2026, 2, 10))
    (item,) = made.list_new("2026-01", {})
    yield made, item
    made.close()


def test_every_page_is_stored_as_it_came(httpserver: HTTPServer, january: tuple[MeetbedrijfConnector, Item]) -> None:
    made, item = january
    first = json.dumps(response(page=1, pages=2)).encode()
    second = json.dumps(response(page=2, pages=2)).encode()
    httpserver.expect_ordered_request(JANUARY, query_string={"key": KEY}).respond_with_data(first)
    httpserver.expect_ordered_request(JANUARY + "/page/2", query_string={"key": KEY}).respond_with_data(second)
    delivered = made.fetch(item)
    assert [(d.file_name, d.content, d.request) for d in delivered] == [
        (f"{EAN}_2026-01.json", first, httpserver.url_for(JANUARY)),
        (f"{EAN}_2026-01_p2.json", second, httpserver.url_for(JANUARY + "/page/2")),
    ]
    assert item.request == httpserver.url_for(JANUARY)
    assert len(httpserver.log) == 2


def test_a_refused_key_names_the_source_and_the_secret(
    httpserver: HTTPServer, january: tuple[MeetbedrijfConnector, Item]
) -> None:
    made, item = january
    httpserver.expect_request(JANUARY).respond_with_data("invalid key", status=401)
    with pytest.raises(CredentialError) as caught:
        made.fetch(item)
    assert str(caught.value).startswith("pull source meetbedrijf: ")
    assert str(caught.value).endswith(f"check secret {SECRET}")
    assert KEY not in str(caught.value)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        pytest.param(b"<xml><error/></xml>", "not a JSON object", id="xml"),
        pytest.param(json.dumps(response(ean=GAS_EAN)).encode(), f"values of EAN {GAS_EAN}", id="other-ean"),
        pytest.param(json.dumps(response(pages=0)).encode(), "0 pages", id="no-pages"),
    ],
)
def test_an_answer_footprint_cannot_read_is_a_source_error(
    httpserver: HTTPServer, january: tuple[MeetbedrijfConnector, Item], body: bytes, problem: str
) -> None:
    made, item = january
    httpserver.expect_request(JANUARY).respond_with_data(body)
    with pytest.raises(SourceError, match=problem):
        made.fetch(item)


# --- reading a fetched page ---------------------------------------------------------------------


def test_a_day_of_quarter_hours_adds_up(tmp_path: Path) -> None:
    midnight = dt.datetime(2026, 1, 14, 23, 0, tzinfo=UTC)  # 15 January 00:00 in Amsterdam (+01:00)
    night, day, evening = [0.1] * 32, [0.5] * 40, [0.2] * 24  # 00-08 h, 08-18 h, 18-24 h
    feed_in = [250.0] * 8  # Wh, 11:00-13:00
    document = response(
        channels=[
            channel("levering", "kWh", night + day + evening, midnight, tariff="normaal"),
            channel("teruglevering", "Wh", feed_in, midnight + dt.timedelta(hours=11)),
        ]
    )
    document["channels"][0]["values"][40]["status"] = "geschat"
    frame = meetbedrijf_json.read(write(tmp_path, document))
    assert len(frame) == 96 + 8
    totals = frame.groupby("direction")["quantity"].sum()
    assert totals["consumption"] == pytest.approx(32 * 0.1 + 40 * 0.5 + 24 * 0.2)  # 3.2 + 20 + 4.8 = 28.0
    assert totals["feed_in"] == pytest.approx(2.0)  # 8 x 250 Wh
    assert set(frame["unit"]) == {"kWh"}
    assert frame["tariff"].tolist()[:1] == ["high"] and frame["tariff"].iloc[96:].isna().all()
    assert frame["estimated"].sum() == 1 and bool(frame["estimated"].iloc[40])
    assert frame["interval_start"].iloc[0] == pd.Timestamp("2026-01-15 00:00", tz="Europe/Amsterdam")
    assert frame["interval_end"].iloc[95] == pd.Timestamp("2026-01-16 00:00", tz="Europe/Amsterdam")
    assert frame["interval_start"].iloc[96] == pd.Timestamp("2026-01-15 11:00", tz="Europe/Amsterdam")
    assert (frame["period"] == pd.Timestamp("2026-01-01")).all()
    assert frame["source_row"].tolist() == list(range(1, 105))
    assert (frame["ean"] == EAN).all()


@pytest.mark.parametrize(
    ("midnight_utc", "quarters", "total_kwh"),
    [
        pytest.param(dt.datetime(2025, 10, 25, 22, 0, tzinfo=UTC), 100, 25.0, id="autumn-25-hours"),
        pytest.param(dt.datetime(2025, 3, 29, 23, 0, tzinfo=UTC), 92, 23.0, id="spring-23-hours"),
    ],
)
def test_a_day_when_the_clock_changes(
    tmp_path: Path, midnight_utc: dt.datetime, quarters: int, total_kwh: float
) -> None:
    document = response(channels=[channel("levering", "kWh", [0.25] * quarters, midnight_utc)])
    frame = meetbedrijf_json.read(write(tmp_path, document))
    assert len(frame) == quarters
    assert frame["quantity"].sum() == pytest.approx(total_kwh)
    assert frame["interval_start"].is_unique
    assert ((frame["interval_end"] - frame["interval_start"]) == pd.Timedelta(minutes=15)).all()
    local_day = midnight_utc.astimezone(AMSTERDAM).date()
    assert (frame["interval_start"].dt.date == local_day).all()


def test_the_doubled_autumn_hour_is_two_rows(tmp_path: Path) -> None:
    two_oclock_summer_time = dt.datetime(2025, 10, 26, 0, 0, tzinfo=UTC)
    document = response(channels=[channel("levering", "kWh", [1.0] * 8, two_oclock_summer_time)])
    frame = meetbedrijf_json.read(write(tmp_path, document))
    written = [value["start"] for value in document["channels"][0]["values"]]
    assert written[0] == "2025-10-26T02:00:00+02:00" and written[4] == "2025-10-26T02:00:00+01:00"
    assert frame["interval_start"].iloc[4] - frame["interval_start"].iloc[0] == pd.Timedelta(hours=1)


@pytest.mark.parametrize("field", ["unit", "direction"])
def test_a_channel_that_does_not_say_is_refused(tmp_path: Path, field: str) -> None:
    said = {"direction": "levering", "unit": "kWh", field: None}
    january_first = dt.datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    document = response(channels=[channel(said["direction"], said["unit"], [0.5], january_first)])
    path = write(tmp_path, document)
    with pytest.raises(InputFileError) as caught:
        meetbedrijf_json.read(path)
    assert caught.value.file == str(path)
    assert caught.value.column == f"channels[0].{field}"
    assert f"channel 1 gives no {field}" in caught.value.reason


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text('{"ean": "871687120000000004", "channels": [', encoding="utf-8")
    with pytest.raises(InputFileError, match="not a meetbedrijf_json file: not JSON"):
        meetbedrijf_json.read(path)


def test_the_responses_ean_wins_and_a_response_without_one_needs_it_given(tmp_path: Path) -> None:
    values = [channel("levering", "kWh", [0.5], dt.datetime(2026, 1, 1, tzinfo=UTC))]
    assert meetbedrijf_json.read(write(tmp_path, response(channels=values)), ean=GAS_EAN)["ean"].tolist() == [EAN]
    anonymous = response(channels=values)
    del anonymous["ean"]
    path = write(tmp_path, anonymous, "anonymous.json")
    with pytest.raises(InputFileError, match="no EAN"):
        meetbedrijf_json.read(path)
    assert meetbedrijf_json.read(path, ean=EAN)["ean"].tolist() == [EAN]


def test_an_empty_month_reads_as_no_rows(tmp_path: Path) -> None:
    frame = meetbedrijf_json.read(write(tmp_path, response(channels=[])))
    assert frame.empty and list(frame.columns)[:2] == ["source_row", "ean"]


# --- end to end: the demo server, the connector, the registry ----------------------------------------


def test_a_month_from_the_demo_server_is_detected_and_adds_up(tmp_path: Path) -> None:
    quarters = 31 * 96 + 4  # October 2025: 31 days, and the autumn night's extra hour
    with serve({EAN: {"2025-10": [0.25] * quarters}}, KEY) as url:
        made = connector(url, start="2025-10", today=dt.date(2025, 11, 3))
        (item,) = made.list_new("2025-10", {})
        delivered = made.fetch(item)
        made.close()
        wrong = connector(url, start="2025-10", today=dt.date(2025, 11, 3))
        wrong.key = "not-the-key"
        with pytest.raises(CredentialError):
            wrong.fetch(item)
        wrong.close()
    assert [d.file_name for d in delivered] == [f"{EAN}_2025-10.json", f"{EAN}_2025-10_p2.json"]
    frames = []
    for each in delivered:
        path = tmp_path / each.file_name
        path.write_bytes(each.content)
        fmt = detect_format(path)
        assert fmt.NAME == "meetbedrijf_json"
        frames.append(fmt.read(path))
    frame = pd.concat(frames, ignore_index=True)
    assert len(frame) == 2980
    assert frame["quantity"].sum() == pytest.approx(745.0)  # 2980 x 0.25 kWh
    assert frame["interval_start"].is_unique
    assert frame["interval_start"].min() == pd.Timestamp("2025-10-01 00:00", tz="Europe/Amsterdam")
    assert frame["interval_end"].max() == pd.Timestamp("2025-11-01 00:00", tz="Europe/Amsterdam")
