from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import meter_interval_csv

WriteFile = Callable[..., Path]
AMS = "Europe/Amsterdam"
EAN = "871687120001042300"

AUTUMN_NIGHT = f"""
EAN;{EAN}
Aansluiting;Hoofdkantoor Utrecht
Begin;Einde;Verbruik;Eenheid;Richting;Status
2024-10-27T01:45:00+02:00;2024-10-27T02:00:00+02:00;1,250;kWh;Levering;Gemeten
2024-10-27T02:00:00+02:00;2024-10-27T02:15:00+02:00;1,5;kWh;Levering;Gemeten
2024-10-27T02:45:00+02:00;2024-10-27T02:00:00+01:00;0,75;kWh;Levering;Gemeten
2024-10-27T02:00:00+01:00;2024-10-27T02:15:00+01:00;-;kWh;Levering;Geschat
2024-10-27T02:15:00+01:00;2024-10-27T02:30:00+01:00;0,5;MWh;Teruglevering;geschat
2024-02-30T00:00:00+01:00;2024-02-30T00:15:00+01:00;1,0;kWh;Levering;onbekend
"""


@pytest.fixture
def autumn(write_file: WriteFile) -> pd.DataFrame:
    return meter_interval_csv.read(write_file(AUTUMN_NIGHT))


def test_columns_and_dtypes_are_canonical(autumn: pd.DataFrame) -> None:
    assert autumn.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.METER_USAGE]


def test_rows_are_numbered_below_the_preamble(autumn: pd.DataFrame) -> None:
    assert autumn["source_row"].tolist() == [4, 5, 6, 7, 8, 9]
    assert autumn["ean"].tolist() == [EAN] * 6


def test_the_doubled_hour_gives_distinct_instants(autumn: pd.DataFrame) -> None:
    starts = autumn["interval_start"].iloc[:5]
    assert starts.tolist() == [
        pd.Timestamp("2024-10-26 23:45", tz="UTC").tz_convert(AMS),
        pd.Timestamp("2024-10-27 00:00", tz="UTC").tz_convert(AMS),
        pd.Timestamp("2024-10-27 00:45", tz="UTC").tz_convert(AMS),
        pd.Timestamp("2024-10-27 01:00", tz="UTC").tz_convert(AMS),
        pd.Timestamp("2024-10-27 01:15", tz="UTC").tz_convert(AMS),
    ]
    assert starts.is_unique
    assert (autumn["interval_end"].iloc[:5] - starts).tolist() == [pd.Timedelta(minutes=15)] * 5
    assert autumn["period"].iloc[:5].tolist() == [pd.Timestamp("2024-10-01")] * 5


def test_quantities_units_and_flags(autumn: pd.DataFrame) -> None:
    assert autumn["quantity"].iloc[:3].tolist() == [1.25, 1.5, 0.75]
    assert math.isnan(autumn["quantity"].iloc[3])
    assert autumn["quantity"].iloc[4] == 500.0
    assert autumn["unit"].tolist() == ["kWh"] * 6
    assert autumn["direction"].tolist()[3:5] == ["consumption", "feed_in"]
    assert autumn["estimated"].tolist()[:5] == [False, False, False, True, True]
    assert autumn["tariff"].isna().all()


def test_impossible_timestamp_and_unknown_status_are_missing(autumn: pd.DataFrame) -> None:
    row = autumn.iloc[5]
    assert pd.isna(row["interval_start"]) and pd.isna(row["interval_end"]) and pd.isna(row["period"])
    assert pd.isna(row["estimated"])


def _day_bounds(day: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(day)
    return start.tz_localize(AMS), (start + pd.Timedelta(days=1)).tz_localize(AMS)


def _day_file(day: str) -> str:
    """A whole local day of quarter-hours written as a metering portal does, with UTC offsets."""
    start, end = _day_bounds(day)
    utc = pd.date_range(start.tz_convert("UTC"), end.tz_convert("UTC"), freq="15min", inclusive="left")
    lines = [
        f"{b.tz_convert(AMS).isoformat()};{(b + pd.Timedelta(minutes=15)).tz_convert(AMS).isoformat()};0,25;kWh;Levering;Gemeten"
        for b in utc
    ]
    return f"EAN;{EAN}\nBegin;Einde;Verbruik;Eenheid;Richting;Status\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("day", "quarter_hours"),
    [
        pytest.param("2024-03-31", 92, id="spring-23-hour-day"),
        pytest.param("2024-10-27", 100, id="autumn-25-hour-day"),
        pytest.param("2024-06-12", 96, id="ordinary-day"),
    ],
)
def test_daylight_saving_days_have_the_right_quarter_hours(write_file: WriteFile, day: str, quarter_hours: int) -> None:
    frame = meter_interval_csv.read(write_file(_day_file(day)))
    assert len(frame) == quarter_hours
    assert frame["interval_start"].is_unique
    assert frame["quantity"].sum() == pytest.approx(quarter_hours * 0.25)
    start, end = _day_bounds(day)
    assert frame["interval_start"].iloc[0] == start
    assert frame["interval_end"].iloc[-1] == end
    assert frame["source_row"].tolist() == list(range(3, 3 + quarter_hours))


def test_spring_day_jumps_from_two_to_three(write_file: WriteFile) -> None:
    frame = meter_interval_csv.read(write_file(_day_file("2024-03-31")))
    clock = frame["interval_start"].dt.strftime("%H:%M%z").tolist()
    assert clock[7:9] == ["01:45+0100", "03:00+0200"]


def test_ean_column_instead_of_preamble(write_file: WriteFile) -> None:
    frame = meter_interval_csv.read(
        write_file(
            f"EAN;Begin;Einde;Verbruik;Eenheid;Status\n{EAN};2024-01-01T00:00:00+01:00;2024-01-01T01:00:00+01:00;4,2;kWh;Gemeten\n"
        )
    )
    assert frame["ean"].tolist() == [EAN]
    assert frame["source_row"].tolist() == [2]
    assert frame["interval_end"].iloc[0] - frame["interval_start"].iloc[0] == pd.Timedelta(hours=1)


def test_local_time_without_offset(write_file: WriteFile) -> None:
    frame = meter_interval_csv.read(
        write_file(
            f"EAN;{EAN}\nBegin;Einde;Verbruik;Eenheid;Status\n"
            "2024-01-01T00:00:00;2024-01-01T00:15:00;1;kWh;Gemeten\n"
            "2024-10-27T02:15:00;2024-10-27T02:30:00;1;kWh;Gemeten\n"
            "2024-01-01T00:00:00Z;2024-01-01T00:15:00Z;1;kWh;Gemeten\n"
        )
    )
    assert frame["interval_start"].iloc[0] == pd.Timestamp("2024-01-01 00:00", tz=AMS)
    assert pd.isna(frame["interval_start"].iloc[1])
    assert frame["interval_start"].iloc[2] == pd.Timestamp("2024-01-01 01:00", tz=AMS)


def test_no_ean_anywhere_is_a_file_error(write_file: WriteFile) -> None:
    path = write_file(
        "Begin;Einde;Verbruik;Eenheid;Status\n2024-01-01T00:00:00+01:00;2024-01-01T00:15:00+01:00;1;kWh;Gemeten\n"
    )
    with pytest.raises(InputFileError) as caught:
        meter_interval_csv.read(path)
    assert caught.value.column == "EAN"


def test_missing_status_column(write_file: WriteFile) -> None:
    path = write_file(
        f"EAN;{EAN}\nBegin;Einde;Verbruik;Eenheid\n2024-01-01T00:00:00+01:00;2024-01-01T00:15:00+01:00;1;kWh\n"
    )
    with pytest.raises(InputFileError) as caught:
        meter_interval_csv.read(path)
    assert caught.value.column == "Status"
    assert caught.value.row == 2
