"""Publicly documented meter exports read by their shipped profiles (tests/sources/public_layouts, README there).

Expected figures come from the csv module, openpyxl and written-out arithmetic (a cumulative register's
use over a file is its last reading minus its first), never from the reader under test.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import sheets
from footprint.sources.meter_profile import builtin_format
from footprint.sources.registry import FORMATS, detect_format
from footprint.sources.text_head import read_head

LAYOUTS = Path(__file__).parent / "public_layouts"
REAL_SAMPLES = Path(__file__).parent / "real_samples"
HW_ELECTRICITY = LAYOUTS / "HomeWizard" / "p1_electricity_2025-03-30_constructed.csv"
HW_GAS = LAYOUTS / "HomeWizard" / "15min_P1g_2025-03-29_2025-04-01_excerpt.csv"
HW_GAS_START = LAYOUTS / "HomeWizard" / "15min_P1g_2025-03-14_excerpt.csv"
VANONS = LAYOUTS / "VanOns" / "meterstanden_stroom_2023.csv"
ZONNEPLAN = LAYOUTS / "Zonneplan" / "export-2024-04-01_constructed.xlsx"
ELECTRICITY_EAN = "871687120000000004"
GAS_EAN = "871687140000000002"
FILES = {
    "homewizard_p1_electricity_csv": HW_ELECTRICITY,
    "homewizard_p1_gas_csv": HW_GAS,
    "vanons_daily_readings_csv": VANONS,
    "zonneplan_hourly_xlsx": ZONNEPLAN,
}
# column -> (direction, tariff) of each profile's channels, as the layouts document them
HW_COLUMNS = {
    "Import T1 kWh": ("consumption", "low"),
    "Import T2 kWh": ("consumption", "high"),
    "Export T1 kWh": ("feed_in", "low"),
    "Export T2 kWh": ("feed_in", "high"),
}
VANONS_STANDS = {
    "afname stand dal": ("consumption", "low"),
    "afname stand normaal": ("consumption", "high"),
    "invoeding stand dal": ("feed_in", "low"),
    "invoeding stand normaal": ("feed_in", "high"),
}
# the file's own use per day of each stand column, and its sign (feed-in is written negative)
VANONS_USE = {
    "afname stand dal": ("afname verbruik dal", 1),
    "afname stand normaal": ("afname verbruik normaal", 1),
    "invoeding stand dal": ("invoeding productie dal", -1),
    "invoeding stand normaal": ("invoeding productie normaal", -1),
}
ZONNEPLAN_COLUMNS = {"ElectricityConsumptionUsageKwh": "consumption", "ElectricityProductionUsageKwh": "feed_in"}


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def _sums(frame: pd.DataFrame, by: list[str]) -> dict[tuple, tuple[int, float]]:
    grouped = frame.groupby(by)["quantity"]
    return {key: (int(n), round(float(total), 6)) for (key, n), total in zip(grouped.size().items(), grouped.sum())}


def _per_day(frame: pd.DataFrame) -> dict[str, int]:
    """Intervals per local calendar day of their start, one channel's worth."""
    return frame.groupby(frame["interval_start"].dt.strftime("%Y-%m-%d")).size().to_dict()


def _is_canonical(frame: pd.DataFrame) -> bool:
    return frame.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.METER_USAGE] and bool(
        np.isfinite(frame["quantity"].to_numpy(dtype="float64")).all()
    )


def _heads(path: Path) -> list[str]:
    head = read_head(path)
    return sheets.sheet_heads(path) if head.startswith(sheets.SHEET_HEAD_MARKER) else [head]


@pytest.mark.parametrize("name", sorted(FILES))
def test_detected_from_content_and_claimed_by_its_own_profile_only(tmp_path: Path, name: str) -> None:
    anonymous = tmp_path / "export.bin"
    anonymous.write_bytes(FILES[name].read_bytes())
    assert detect_format(anonymous).NAME == name
    assert [[fmt.NAME for fmt in FORMATS if fmt.sniff(head)] for head in _heads(anonymous)] == [[name]]


@pytest.mark.parametrize("sample", sorted(p for p in REAL_SAMPLES.rglob("*") if p.suffix in (".csv", ".xlsx")), ids=str)
def test_no_new_profile_claims_a_real_sample(sample: Path) -> None:
    new = [fmt for fmt in FORMATS if fmt.NAME in FILES]
    assert len(new) == len(FILES)
    assert [fmt.NAME for head in _heads(sample) for fmt in new if fmt.sniff(head)] == []


# HomeWizard P1 electricity (constructed rows around the spring clock change)


@pytest.fixture(scope="module")
def hw_electricity() -> pd.DataFrame:
    return builtin_format("homewizard_p1_electricity_csv").read(HW_ELECTRICITY, ean=ELECTRICITY_EAN)


def test_homewizard_electricity_use_is_last_minus_first_reading(hw_electricity: pd.DataFrame) -> None:
    rows = _rows(HW_ELECTRICITY)
    expected = {
        (direction, tariff, "kWh"): (len(rows) - 1, round(float(rows[-1][column]) - float(rows[0][column]), 6))
        for column, (direction, tariff) in HW_COLUMNS.items()
    }
    assert _sums(hw_electricity, ["direction", "tariff", "unit"]) == expected
    # 10421.281 - 10412.518, 9877.990 - 9876.204, 2314.131 - 2301.770, 5123.650 - 5120.033
    assert [expected[(d, t, "kWh")][1] for d, t in HW_COLUMNS.values()] == [8.763, 1.786, 12.361, 3.617]
    assert _is_canonical(hw_electricity)
    assert set(hw_electricity["ean"]) == {ELECTRICITY_EAN} and not hw_electricity["estimated"].any()


def test_homewizard_electricity_spring_night_has_92_quarters(hw_electricity: pd.DataFrame) -> None:
    low = hw_electricity[(hw_electricity["direction"] == "consumption") & (hw_electricity["tariff"] == "low")]
    assert _per_day(low) == {"2025-03-30": 23 * 4, "2025-03-31": 12 * 4}
    assert (hw_electricity["interval_end"] - hw_electricity["interval_start"]).eq(pd.Timedelta(minutes=15)).all()
    jump = low[low["interval_start"] == pd.Timestamp("2025-03-30T01:45:00+01:00")]
    assert jump["interval_end"].iloc[0].isoformat() == "2025-03-30T03:00:00+02:00"
    assert jump["quantity"].tolist() == [0.075]  # 10413.038 - 10412.963


# HomeWizard P1 gas (real readings)


@pytest.fixture(scope="module")
def hw_gas() -> pd.DataFrame:
    return builtin_format("homewizard_p1_gas_csv").read(HW_GAS, ean=GAS_EAN)


def test_homewizard_gas_use_is_last_minus_first_reading(hw_gas: pd.DataFrame) -> None:
    rows = _rows(HW_GAS)
    total = round(float(rows[-1]["Total gas used"]) - float(rows[0]["Total gas used"]), 6)
    assert total == 3.956  # 1602.272 - 1598.316
    assert _sums(hw_gas, ["direction", "tariff", "unit"]) == {("consumption", "single", "m3"): (len(rows) - 1, total)}
    assert _is_canonical(hw_gas) and set(hw_gas["ean"]) == {GAS_EAN}


def test_homewizard_gas_spring_night_and_month_end(hw_gas: pd.DataFrame) -> None:
    readings = {row["time"]: float(row["Total gas used"]) for row in _rows(HW_GAS)}
    assert _per_day(hw_gas) == {"2025-03-29": 4, "2025-03-30": 92, "2025-03-31": 96, "2025-04-01": 2}
    day = hw_gas[hw_gas["interval_start"].dt.strftime("%Y-%m-%d") == "2025-03-30"]
    assert round(day["quantity"].sum(), 6) == round(readings["2025-03-31 00:00"] - readings["2025-03-30 00:00"], 6)
    assert (hw_gas["interval_end"] - hw_gas["interval_start"]).eq(pd.Timedelta(minutes=15)).all()
    months = hw_gas.groupby(hw_gas["period"].dt.strftime("%Y-%m"))["quantity"].sum().round(6).to_dict()
    assert months == {
        "2025-03": round(readings["2025-04-01 00:00"] - readings["2025-03-29 23:00"], 6),
        "2025-04": round(readings["2025-04-01 00:30"] - readings["2025-04-01 00:00"], 6),
    }


def test_homewizard_gas_empty_cells_before_the_first_reading_give_no_rows() -> None:
    frame = builtin_format("homewizard_p1_gas_csv").read(HW_GAS_START, ean=GAS_EAN)
    filled = [row for row in _rows(HW_GAS_START) if row["Total gas used"] != ""]
    assert len(filled) == 7
    assert len(frame) == len(filled) - 1
    assert round(frame["quantity"].sum(), 6) == round(
        float(filled[-1]["Total gas used"]) - float(filled[0]["Total gas used"]), 6
    )
    # line 6 holds the first reading (17:30), so the first interval is reported on line 7
    assert (int(frame["source_row"].iloc[0]), frame["interval_start"].iloc[0].isoformat()) == (
        7,
        "2025-03-14T17:30:00+01:00",
    )


def test_homewizard_gas_autumn_night_without_offsets_loses_no_use(write_file) -> None:
    """Constructed: the doubled 02:00-02:45 cannot be placed; its use lands in one interval from 01:45 to 03:00."""
    path = write_file(
        "time,Total gas used\n2024-10-27 01:30,100.000\n2024-10-27 01:45,100.010\n"
        + "".join(f"2024-10-27 02:{m:02d},{100.020 + 0.01 * i:.3f}\n" for i, m in enumerate([0, 15, 30, 45] * 2))
        + "2024-10-27 03:00,100.100\n2024-10-27 03:15,100.110\n",
        name="15min_P1g.csv",
    )
    frame = builtin_format("homewizard_p1_gas_csv").read(path, ean=GAS_EAN)
    assert round(frame["quantity"].sum(), 6) == 0.11  # 100.110 - 100.000
    spans = [(s.isoformat(), e.isoformat()) for s, e in zip(frame["interval_start"], frame["interval_end"])]
    assert spans[1] == ("2024-10-27T01:45:00+02:00", "2024-10-27T03:00:00+01:00")
    assert len(frame) == 3


def test_homewizard_export_names_no_meter_so_an_ean_is_needed() -> None:
    with pytest.raises(InputFileError, match="no EAN in this file"):
        builtin_format("homewizard_p1_gas_csv").read(HW_GAS)


def test_a_time_in_another_format_names_the_profile_key(write_file) -> None:
    path = write_file("time,Total gas used\n30-03-2025 01:45,1598.316\n30-03-2025 03:00,1598.320\n")
    with pytest.raises(InputFileError, match=r"no row's time reads in the formats %Y-%m-%d %H:%M.*key time.formats"):
        builtin_format("homewizard_p1_gas_csv").read(path, ean=GAS_EAN)


# VanOns daily readings (real file)


@pytest.fixture(scope="module")
def vanons() -> pd.DataFrame:
    return builtin_format("vanons_daily_readings_csv").read(VANONS, ean=ELECTRICITY_EAN)


def test_vanons_use_is_newest_minus_oldest_stand(vanons: pd.DataFrame) -> None:
    rows = _rows(VANONS, ";")  # newest first
    expected = {
        (direction, tariff, "kWh"): (len(rows) - 1, float(int(rows[0][column]) - int(rows[-1][column])))
        for column, (direction, tariff) in VANONS_STANDS.items()
    }
    assert _sums(vanons, ["direction", "tariff", "unit"]) == expected
    # 1367 - 662, 1458 - 754, 39 - 14, 97 - 28
    assert [expected[(d, t, "kWh")][1] for d, t in VANONS_STANDS.values()] == [705, 704, 25, 69]
    assert _is_canonical(vanons)


def test_vanons_each_day_matches_the_files_own_day_use(vanons: pd.DataFrame) -> None:
    """The stand of D is the reading at 00:00 of D: the day's use from the stands is the file's verbruik of D."""
    got = {
        (start.strftime("%d-%m-%Y"), direction, tariff): quantity
        for start, direction, tariff, quantity in zip(
            vanons["interval_start"], vanons["direction"], vanons["tariff"], vanons["quantity"]
        )
    }
    expected = {}
    for row in _rows(VANONS, ";")[1:]:  # the newest day's use needs the next day's stand, not in the file
        for column, (direction, tariff) in VANONS_STANDS.items():
            use, sign = VANONS_USE[column]
            if row[use] != "":
                expected[(row["datum"], direction, tariff)] = sign * float(row[use])
    assert len(expected) == 69 * 4  # 70 days, one (31-12-2023) with empty use cells
    assert {key: got[key] for key in expected} == expected
    # 31-12-2023 has no verbruik in the file; from the stands: 1077 - 1063 low, 1161 - 1161 high, a Sunday
    day = {(d, t): q for (date, d, t), q in got.items() if date == "31-12-2023"}
    assert day == {
        ("consumption", "low"): 14,
        ("consumption", "high"): 0,
        ("feed_in", "low"): 0,
        ("feed_in", "high"): 0,
    }


def test_vanons_days_run_from_midnight_to_midnight(vanons: pd.DataFrame) -> None:
    assert (vanons["interval_end"] - vanons["interval_start"]).eq(pd.Timedelta(days=1)).all()
    assert vanons["interval_start"].min().isoformat() == "2023-11-16T00:00:00+01:00"
    assert vanons["interval_end"].max().isoformat() == "2024-01-25T00:00:00+01:00"
    assert sorted(vanons["period"].dt.strftime("%Y-%m").unique()) == ["2023-11", "2023-12", "2024-01"]


@pytest.mark.parametrize(
    ("days", "hours"),
    [
        pytest.param(("30-10-2023", "29-10-2023", "28-10-2023"), 25, id="autumn"),
        pytest.param(("01-04-2024", "31-03-2024", "30-03-2024"), 23, id="spring"),
    ],
)
def test_vanons_clock_change_day_lasts_its_hours(write_file, days: tuple[str, str, str], hours: int) -> None:
    """Constructed stands (the sample has no clock change): the middle day runs midnight to midnight."""
    header = (
        'datum;"afname stand dal";"afname stand normaal";"invoeding stand dal";"invoeding stand normaal";'
        '"afname minus invoeding stand totaal"\n'
    )
    path = write_file(header + f"{days[0]};120;200;5;9;306\n{days[1]};110;200;5;9;296\n{days[2]};90;195;5;8;282\n")
    frame = builtin_format("vanons_daily_readings_csv").read(path, ean=ELECTRICITY_EAN)
    low = frame[(frame["direction"] == "consumption") & (frame["tariff"] == "low")]
    lengths = ((low["interval_end"] - low["interval_start"]) / pd.Timedelta(hours=1)).tolist()
    assert lengths == [24, hours]
    assert low["quantity"].tolist() == [20, 10]  # 110 - 90, 120 - 110


# Zonneplan (constructed workbook)


def _workbook_rows(path: Path) -> list[tuple]:
    sheet = load_workbook(path, read_only=True).active
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture(scope="module")
def zonneplan() -> tuple[pd.DataFrame, list]:
    return builtin_format("zonneplan_hourly_xlsx").read_with_report(ZONNEPLAN, ean=ELECTRICITY_EAN)


def test_zonneplan_hours_sum_to_the_cells_and_the_totals_row_is_not_counted(
    zonneplan: tuple[pd.DataFrame, list],
) -> None:
    frame, notes = zonneplan
    header, *body = _workbook_rows(ZONNEPLAN)
    hours = [dict(zip(header, row)) for row in body if str(row[0] or "").startswith("20")]
    assert len(hours) == 28
    placed = frame[frame["interval_start"].notna()]
    assert _sums(placed, ["direction", "tariff", "unit"]) == {
        (direction, "single", "kWh"): (28, round(sum(float(h[column]) for h in hours), 6))
        for column, direction in ZONNEPLAN_COLUMNS.items()
    }
    footer = frame[frame["interval_start"].isna()]
    assert footer["source_row"].tolist() == [31, 31]  # "Totaal" (row 30 is empty: no rows)
    assert any(n.kind == "unreadable_time" and "row 31" in n.message for n in notes)
    assert set(frame["unit"]) == {"kWh"}  # GasUsageKwh is not read (unit unresolved)


def test_zonneplan_date_to_is_the_end_of_a_local_hour(zonneplan: tuple[pd.DataFrame, list]) -> None:
    frame, _ = zonneplan
    placed = frame[frame["interval_start"].notna() & (frame["direction"] == "consumption")]
    assert (placed["interval_end"] - placed["interval_start"]).eq(pd.Timedelta(hours=1)).all()
    assert _per_day(placed) == {"2024-03-30": 3, "2024-03-31": 23, "2024-04-01": 2}
    first, jump = placed.iloc[0], placed[placed["source_row"] == 6].iloc[0]
    assert (first["interval_start"].isoformat(), first["interval_end"].isoformat()) == (
        "2024-03-30T21:00:00+01:00",
        "2024-03-30T22:00:00+01:00",
    )
    assert (jump["interval_start"].isoformat(), jump["interval_end"].isoformat()) == (
        "2024-03-31T01:00:00+01:00",
        "2024-03-31T03:00:00+02:00",
    )
    month_end = placed[placed["interval_end"] == pd.Timestamp("2024-04-01T00:00:00+02:00")]
    assert month_end["period"].tolist() == [pd.Timestamp("2024-03-01")]


def test_zonneplan_date_cells_read_like_text_cells(tmp_path: Path, zonneplan: tuple[pd.DataFrame, list]) -> None:
    """A workbook whose DateTo cells are dates (midnight included) gives the same hours."""
    header, *body = _workbook_rows(ZONNEPLAN)
    book = Workbook()
    book.active.append(list(header))
    for row in body:
        if str(row[0] or "").startswith("20"):
            book.active.append([dt.datetime.strptime(row[0], "%Y-%m-%d %H:%M:%S"), *row[1:]])
    path = tmp_path / "export-dates.xlsx"
    book.save(path)
    frame = builtin_format("zonneplan_hourly_xlsx").read(path, ean=ELECTRICITY_EAN)
    text = zonneplan[0][zonneplan[0]["interval_start"].notna()].reset_index(drop=True)
    columns = ["interval_start", "interval_end", "direction", "quantity"]
    pd.testing.assert_frame_equal(frame[columns], text[columns])
