"""Energie Manager Online API export (tests/sources/real_samples/EnergieManagerOnline/elec_2025.csv, gas_2013.csv).

Expected figures come from the csv module, zoneinfo and written-out differences of the readings,
not from the adapter; the literals were checked against that route once and pin the files.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources.meter_profile import builtin_format
from footprint.sources.registry import FORMATS, detect_format
from footprint.sources.text_head import read_head

emo_api_csv = builtin_format("emo_api_csv")

SAMPLES = Path(__file__).parent / "real_samples" / "EnergieManagerOnline"
ELEC = SAMPLES / "elec_2025.csv"
GAS = SAMPLES / "gas_2013.csv"
SITE_EAN = "871717720000051862"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HEADER = "\nname;ean;code;moment;moment-date;value;factor;type\n"


@pytest.fixture(scope="module")
def elec() -> tuple[pd.DataFrame, list]:
    return emo_api_csv.read_with_report(ELEC)


@pytest.fixture(scope="module")
def gas() -> tuple[pd.DataFrame, list]:
    return emo_api_csv.read_with_report(GAS)


def _readings(path: Path) -> dict[str, list[tuple[int, int, float]]]:
    """code -> [(line, unix seconds, value x |factor|)] in file order (the file is sorted by code and moment)."""
    with path.open(newline="", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    assert lines[0] == ""
    per_code: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
    for line, row in enumerate(csv.DictReader(lines[1:], delimiter=";"), start=3):
        per_code[row["code"]].append((line, int(row["moment"]), float(row["value"]) * abs(float(row["factor"]))))
    return per_code


def _expected_monthly(path: Path) -> dict[tuple[str, str], float]:
    """Usage between consecutive readings, in the local month of the earlier one."""
    expected: dict[tuple[str, str], float] = defaultdict(float)
    for code, readings in _readings(path).items():
        for (_, t0, v0), (_, _, v1) in itertools.pairwise(readings):
            month = dt.datetime.fromtimestamp(t0, AMSTERDAM).strftime("%Y-%m")
            expected[(code, month)] += v1 - v0
    return expected


@pytest.mark.parametrize("path", [ELEC, GAS], ids=["elec", "gas"])
def test_detected_from_content_and_claimed_by_no_other_format(path: Path, tmp_path: Path) -> None:
    anonymous = tmp_path / "export.bin"
    anonymous.write_bytes(path.read_bytes())
    assert detect_format(anonymous).NAME == "emo_api_csv"
    head = read_head(anonymous)
    assert [fmt.NAME for fmt in FORMATS if fmt.sniff(head)] == ["emo_api_csv"]


def test_electricity_usage_is_the_difference_of_the_counter_readings(elec: tuple[pd.DataFrame, list]) -> None:
    frame, notes = elec
    readings = _readings(ELEC)
    for code, direction in [("ellm", "consumption"), ("eltm", "feed_in")]:
        series = frame[frame["direction"] == direction]
        first, last = readings[code][0][2], readings[code][-1][2]
        assert len(series) == len(readings[code]) - 1
        assert series["quantity"].sum() == pytest.approx(last - first, abs=1e-6)
    assert len(readings["ellm"]) - 1 == 34942 and len(readings["eltm"]) - 1 == 1057
    assert round(readings["ellm"][-1][2] - readings["ellm"][0][2], 3) == 7523.9
    assert frame[frame["direction"] == "feed_in"]["quantity"].sum() == 0  # the return counter stood still
    assert (frame["quantity"] >= 0).all()
    assert set(zip(frame["ean"], frame["unit"], frame["tariff"], strict=True)) == {(SITE_EAN, "kWh", "single")}
    assert frame.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.METER_USAGE]
    assert not frame["estimated"].any()
    # One reading is missing (16-01-2025 09:15): the interval 09:00-09:30 is reported on the 09:30 row.
    assert [(n.kind, n.row) for n in notes] == [("long_interval", 1480)]
    long = frame[frame["source_row"] == 1480].iloc[0]
    assert (long["interval_start"].isoformat(), long["interval_end"].isoformat()) == (
        "2025-01-16T09:00:00+01:00",
        "2025-01-16T09:30:00+01:00",
    )


def test_intervals_run_from_one_reading_to_the_next(elec: tuple[pd.DataFrame, list]) -> None:
    frame, _ = elec
    first = frame.iloc[0]  # line 3 is the oldest ellm reading: its usage is not known, line 4 is the first row
    assert first["source_row"] == 4
    assert (first["interval_start"].isoformat(), first["interval_end"].isoformat()) == (
        "2025-01-01T00:00:00+01:00",
        "2025-01-01T00:15:00+01:00",
    )
    assert first["quantity"] == pytest.approx((35089984 - 35089902) * 0.001)
    last_consumption = frame[frame["direction"] == "consumption"].iloc[-1]
    assert last_consumption["interval_end"].isoformat() == "2025-12-30T23:45:00+01:00"


def test_clock_change_days_have_92_and_100_quarter_hours(elec: tuple[pd.DataFrame, list]) -> None:
    frame, _ = elec
    consumption = frame[frame["direction"] == "consumption"]
    per_day = consumption.groupby(consumption["interval_start"].dt.strftime("%Y-%m-%d")).size()
    assert per_day["2025-03-30"] == 92
    assert per_day["2025-10-26"] == 100
    autumn = consumption[consumption["interval_start"].dt.strftime("%Y-%m-%d") == "2025-10-26"]
    assert autumn["interval_start"].is_unique
    assert (autumn["interval_end"] - autumn["interval_start"]).sum() == pd.Timedelta(hours=25)


@pytest.mark.parametrize("path", [ELEC, GAS], ids=["elec", "gas"])
def test_monthly_totals_match_the_readings(path: Path, elec: tuple, gas: tuple) -> None:
    frame = (elec if path == ELEC else gas)[0]
    code_of = {("kWh", "consumption"): "ellm", ("kWh", "feed_in"): "eltm", ("m3", "consumption"): "7agasm"}
    got = frame.groupby([frame["unit"], frame["direction"], frame["period"].dt.strftime("%Y-%m")])["quantity"].sum()
    assert {(code_of[(u, d)], m): round(v, 6) for (u, d, m), v in got.items()} == {
        key: round(value, 6) for key, value in _expected_monthly(path).items()
    }


def test_gas_is_hourly_m3_with_the_gaps_noted(gas: tuple[pd.DataFrame, list]) -> None:
    frame, notes = gas
    readings = _readings(GAS)["7agasm"]
    assert len(frame) == len(readings) - 1 == 36000
    assert frame["quantity"].sum() == pytest.approx(5135.029 - 7.439)
    kinds = set(zip(frame["unit"], frame["direction"], frame["tariff"], strict=True))
    assert kinds == {("m3", "consumption", "single")}
    pairs = itertools.pairwise(readings)
    apart = [(line, t1 - t0) for (_, t0, _), (line, t1, _) in pairs if t1 - t0 != 3600]
    assert [n.row for n in notes if n.kind == "long_interval"] == [line for line, _ in apart]
    assert [seconds // 3600 for _, seconds in apart] == [2, 16, 363, 25, 25]
    assert "15 days 3 hours apart" in next(n.message for n in notes if n.row == 23437)


GOOD = "Site;871717720000051862;ellm;{moment};-;{value};0.001;0\n"


def _file(tmp_path: Path, *rows: str) -> Path:
    """An API export as EMO writes it, blank first line included (line 2 is the header, line 3 the first row)."""
    path = tmp_path / "emo.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_a_code_not_in_the_table_is_refused_not_guessed(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "Site;871717720000051862;elhm;1735686000;-;100;0.001;0\n",
        "Site;871717720000051862;elhm;1735686900;-;300;0.001;0\n",
        "Site;871717720000051862;ellm;1735686000;-;100;-0.001;0\n",
        "Site;871717720000051862;ellm;1735686900;-;300;-0.001;0\n",
    )
    frame, notes = emo_api_csv.read_with_report(path)
    unknown = frame[frame["source_row"] == 4].iloc[0]
    assert pd.isna(unknown["unit"]) and pd.isna(unknown["direction"]) and unknown["quantity"] == pytest.approx(0.2)
    signed = frame[frame["source_row"] == 6].iloc[0]
    assert signed["unit"] == "kWh" and pd.isna(signed["direction"])  # ellm with a negative factor
    assert [n.row for n in notes if n.kind == "unknown_word" and "'elhm'" in n.message] == [3]
    assert any("other sign" in n.message for n in notes)


def test_the_return_counter_with_its_negative_factor_is_positive_feed_in(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "Site;871717720000051862;eltm;1735686000;-;33038920;-0.001;0\n",
        "Site;871717720000051862;eltm;1735686900;-;33039420;-0.001;0\n",
        "Site;871717720000051862;eltm;1735687800;-;33039670;-0.001;0\n",
    )
    frame, notes = emo_api_csv.read_with_report(path)
    assert frame[["direction", "unit", "tariff"]].drop_duplicates().values.tolist() == [["feed_in", "kWh", "single"]]
    assert frame["quantity"].tolist() == pytest.approx([(33039420 - 33038920) * 0.001, (33039670 - 33039420) * 0.001])
    assert notes == []


def test_counter_reset_duplicate_moment_and_month_boundary(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        GOOD.format(moment=1738360800, value=1000),  # 2025-01-31 23:00
        GOOD.format(moment=1738361700, value=1500),  # 23:15
        GOOD.format(moment=1738361700, value=1600),  # 23:15 again: ignored
        GOOD.format(moment=1738362600, value=900),  # 23:30: lower, a counter reset
        GOOD.format(moment=1738364400, value=1900),  # 2025-02-01 00:00: ends at the month's end
        GOOD.format(moment=1738366200, value=2900),  # 00:30: one reading missing
        GOOD.format(moment=1740787200, value=3900),  # 2025-03-01 01:00: crosses into March
    )
    frame, notes = emo_api_csv.read_with_report(path)
    got = dict(zip(frame["source_row"], frame["quantity"], strict=True))
    assert got[4] == pytest.approx(0.5)
    assert np.isnan(got[6])  # reset
    assert got[7] == pytest.approx(1.0) and frame.set_index("source_row").loc[7, "period"] == pd.Timestamp("2025-01-01")
    assert got[8] == pytest.approx(1.0)
    assert np.isnan(got[9])  # 1 February 00:30 to 1 March 01:00
    assert 5 not in got
    kinds = {(n.kind, n.row) for n in notes}
    assert {("duplicate_reading", 5), ("counter_reset", 6), ("spans_months", 9), ("long_interval", 8)} <= kinds


def test_an_undocumented_type_leaves_estimated_empty(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        GOOD.format(moment=1735686000, value=100),
        "Site;871717720000051862;ellm;1735686900;-;200;0.001;1\n",
        GOOD.format(moment=1735687800, value=300),
    )
    frame, notes = emo_api_csv.read_with_report(path)
    assert frame["estimated"].tolist()[1:] == [False] and pd.isna(frame["estimated"].iloc[0])
    assert [(n.kind, n.row) for n in notes] == [("unknown_word", 4)]


def test_the_file_ean_is_the_meter_and_a_placeholder_needs_one(tmp_path: Path) -> None:
    placeholder = _file(
        tmp_path,
        "Site;123456879123456789;7agasm;1367186400;-;7.439;1;0\n",
        "Site;123456879123456789;7agasm;1367190000;-;7.484;1;0\n",
    )
    with pytest.raises(InputFileError, match="fails its check digit.*no EAN in this file"):
        emo_api_csv.read(placeholder)
    given = emo_api_csv.read(placeholder, ean="871687140000000002")
    assert given["ean"].tolist() == ["871687140000000002"] and given["unit"].tolist() == ["m3"]


def test_one_ean_on_two_carriers_is_noted(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        GOOD.format(moment=1735686000, value=100),
        GOOD.format(moment=1735686900, value=200),
        "Site;871717720000051862;7agasm;1735686000;-;7.439;1;0\n",
        "Site;871717720000051862;7agasm;1735689600;-;7.484;1;0\n",
    )
    _, notes = emo_api_csv.read_with_report(path)
    assert [n.kind for n in notes] == ["carrier"]
    assert SITE_EAN in notes[0].message and "one EAN per site" in notes[0].message
