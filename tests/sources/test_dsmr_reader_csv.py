"""DSMR-reader hour totals (tests/sources/real_samples/DSMR-reader, MIT licence beside the samples).

Expected figures come from the csv module and written-out arithmetic, not from the adapter; the
literals were checked against that route once and pin the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources.meter_profile import builtin_format
from footprint.sources.registry import FORMATS, detect_format
from footprint.sources.text_head import read_head

dsmr_reader_csv = builtin_format("dsmr_reader_csv")
SAMPLE = Path(__file__).parent / "real_samples" / "DSMR-reader" / "dsmrreader-data-export-hour.csv"
ELECTRICITY_EAN = "871687120000000004"
GAS_EAN = "871687140000000002"
EANS = [f"electricity={ELECTRICITY_EAN}", f"gas={GAS_EAN}"]
COLUMNS = {
    "Electricity 1 (Dutch Users: Low Tariff)": ("kWh", "consumption", "low"),
    "Electricity 2 (Dutch Users: Normal Tariff)": ("kWh", "consumption", "high"),
    "Electricity 1 Returned (Dutch Users: Low Tariff)": ("kWh", "feed_in", "low"),
    "Electricity 2 Returned (Dutch Users: Normal Tariff)": ("kWh", "feed_in", "high"),
    "Gas": ("m3", "consumption", "single"),
}
HEADER = "Hour Start," + ",".join(COLUMNS)


@pytest.fixture(scope="module")
def parsed() -> tuple[pd.DataFrame, list]:
    return dsmr_reader_csv.read_with_report(SAMPLE, ean=EANS)


def _csv_rows() -> list[dict[str, str]]:
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _totals(frame: pd.DataFrame, by: list[str]) -> dict[tuple, tuple[int, float]]:
    grouped = frame.groupby(by)["quantity"]
    return {key: (int(n), round(float(total), 6)) for (key, n), total in zip(grouped.size().items(), grouped.sum())}


def test_detected_from_content_and_claimed_by_no_other_format(tmp_path: Path) -> None:
    anonymous = tmp_path / "export.bin"
    anonymous.write_bytes(SAMPLE.read_bytes())
    assert detect_format(anonymous).NAME == "dsmr_reader_csv"
    head = read_head(anonymous)
    assert [fmt.NAME for fmt in FORMATS if fmt.sniff(head)] == ["dsmr_reader_csv"]


def test_totals_per_register_match_the_cells(parsed: tuple[pd.DataFrame, list]) -> None:
    frame, _ = parsed
    expected: dict[tuple, list[float]] = defaultdict(list)
    for row in _csv_rows():
        for column, key in COLUMNS.items():
            if row[column] != "":
                expected[key].append(float(row[column]))
    assert _totals(frame, ["unit", "direction", "tariff"]) == {
        key: (len(values), round(sum(values), 6)) for key, values in expected.items()
    }
    assert {key: (len(v), round(sum(v), 3)) for key, v in expected.items()} == {
        ("kWh", "consumption", "low"): (8754, 1828.818),
        ("kWh", "consumption", "high"): (8754, 1914.313),
        ("kWh", "feed_in", "low"): (8754, 651.104),
        ("kWh", "feed_in", "high"): (8754, 1477.279),
        ("m3", "consumption", "single"): (8754, 621.827),
    }
    assert len(frame) == 5 * 8754
    assert frame.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.METER_USAGE]
    assert set(zip(frame["ean"], frame["unit"], strict=True)) == {(ELECTRICITY_EAN, "kWh"), (GAS_EAN, "m3")}
    assert not frame["estimated"].any()


def test_monthly_totals_match_the_cells(parsed: tuple[pd.DataFrame, list]) -> None:
    """Hour Start carries the local offset, so its first seven characters are the local month."""
    frame, _ = parsed
    expected: dict[tuple, float] = defaultdict(float)
    for row in _csv_rows():
        for column, (_, direction, tariff) in COLUMNS.items():
            expected[(row["Hour Start"][:7], direction, tariff)] += float(row[column])
    got = frame.groupby([frame["period"].dt.strftime("%Y-%m"), "direction", "tariff"])["quantity"].sum()
    assert {key: round(value, 6) for key, value in got.items()} == {k: round(v, 6) for k, v in expected.items()}
    assert round(expected[("2024-12", "consumption", "low")], 3) == 384.742
    assert round(expected[("2024-01", "consumption", "single")], 3) == 219.669


def test_hour_start_is_the_start_of_a_one_hour_interval(parsed: tuple[pd.DataFrame, list]) -> None:
    frame, _ = parsed
    first, last = frame.iloc[0], frame.iloc[-1]
    assert (first["source_row"], first["interval_start"].isoformat()) == (2, "2024-01-01T00:00:00+01:00")
    assert first["interval_end"].isoformat() == "2024-01-01T01:00:00+01:00"
    assert (first["direction"], first["tariff"], first["quantity"]) == ("consumption", "low", 0.196)
    assert last["interval_start"].isoformat() == "2024-12-31T23:00:00+01:00"
    assert last["interval_end"].isoformat() == "2025-01-01T00:00:00+01:00"
    assert (frame["interval_end"] - frame["interval_start"]).eq(pd.Timedelta(hours=1)).all()
    assert frame["period"].min() == pd.Timestamp("2024-01-01") and frame["period"].max() == pd.Timestamp("2024-12-01")


def test_clock_change_days_have_23_and_25_hours(parsed: tuple[pd.DataFrame, list]) -> None:
    frame, _ = parsed
    low = frame[(frame["direction"] == "consumption") & (frame["tariff"] == "low")]
    per_day = low.groupby(low["interval_start"].dt.strftime("%Y-%m-%d")).size()
    assert per_day["2024-03-31"] == 23
    assert per_day["2024-10-27"] == 25
    doubled = low[low["source_row"].isin([7173, 7174])]
    assert [t.isoformat() for t in doubled["interval_start"]] == [
        "2024-10-27T02:00:00+02:00",
        "2024-10-27T02:00:00+01:00",
    ]
    assert doubled["quantity"].tolist() == [0.207, 0.515]


def test_missing_hours_are_gap_notes(parsed: tuple[pd.DataFrame, list]) -> None:
    _, notes = parsed
    gaps = [(n.row, n.message) for n in notes if n.kind == "gap"]
    # Three series (electricity consumption, electricity feed-in, gas) each miss the same hours.
    assert [row for row, _ in gaps] == [1815, 1899] * 3
    assert "from 16-03-2024 13:00+01:00 to 17-03-2024 18:00+01:00 (29 missing)" in gaps[0][1]
    stamps = [dt.datetime.fromisoformat(row["Hour Start"]) for row in _csv_rows()]
    missing = sum(round((b - a) / dt.timedelta(hours=1)) - 1 for a, b in itertools.pairwise(stamps))
    assert missing == 29 + 1
    assert notes[0].kind == "carrier" and ELECTRICITY_EAN in notes[0].message and GAS_EAN in notes[0].message


def test_electricity_and_gas_need_two_eans() -> None:
    with pytest.raises(InputFileError, match="this export holds electricity and gas"):
        dsmr_reader_csv.read(SAMPLE)
    with pytest.raises(InputFileError, match="no EAN for the gas data"):
        dsmr_reader_csv.read(SAMPLE, ean=ELECTRICITY_EAN)
    by_prefix = dsmr_reader_csv.read(SAMPLE, ean=[ELECTRICITY_EAN, GAS_EAN])
    assert set(by_prefix["ean"]) == {ELECTRICITY_EAN, GAS_EAN}


def test_gas_all_zero_is_no_gas_meter_and_empty_feed_in_is_no_feed_in(write_file) -> None:
    path = write_file(
        HEADER + "\n"
        "2024-06-01T10:00:00+02:00,0.5,,,,0\n"
        "2024-06-01T11:00:00+02:00,,0.7,,,0\n"
        "2024-06-01T12:00:00+02:00,-,x,,,0\n",
        name="dsmr.csv",
    )
    frame, notes = dsmr_reader_csv.read_with_report(path, ean=ELECTRICITY_EAN)
    got = [(r.source_row, r.tariff, r.quantity) for r in frame.itertuples()]
    assert got[:2] == [(2, "low", 0.5), (3, "high", 0.7)]
    assert got[2][:2] == (4, "high") and np.isnan(got[2][2])  # "x" is quarantined, "-" gives no row
    assert set(frame["direction"]) == {"consumption"} and set(frame["unit"]) == {"kWh"}
    kinds = [(n.kind, n.message) for n in notes if n.kind == "no_readings"]
    assert len(kinds) == 2
    assert any("Gas: 0 in every row" in message for _, message in kinds)
    assert any("no feed-in values" in message for _, message in kinds)


def test_a_single_empty_register_is_noted_and_gives_no_rows(write_file) -> None:
    path = write_file(
        HEADER + "\n2024-06-01T10:00:00+02:00,0.5,,0.1,0.2,0.01\n2024-06-01T11:00:00+02:00,0.4,,0,0.3,0.02\n",
        name="dsmr.csv",
    )
    frame, notes = dsmr_reader_csv.read_with_report(path, ean=EANS)
    assert _totals(frame, ["direction", "tariff"]) == {
        ("consumption", "low"): (2, 0.9),
        ("consumption", "single"): (2, 0.03),
        ("feed_in", "high"): (2, 0.5),
        ("feed_in", "low"): (2, 0.1),
    }
    assert [n.message for n in notes if n.kind == "no_readings"] == [
        "Electricity 2 (Dutch Users: Normal Tariff): every cell empty, so no rows for it"
    ]
