"""P1mon database export (tests/sources/real_samples/P1mon/e_historie.db.xlsx, MIT licence beside the samples).

Expected figures come from openpyxl or python-calamine and written-out differences of the readings,
not from the adapter; the literals were checked against that route once and pin the file.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import sheets
from footprint.sources.meter_profile import builtin_format
from footprint.sources.registry import FORMATS, detect_format
from footprint.sources.text_head import read_head

p1mon_xlsx = builtin_format("p1mon_xlsx")
SAMPLE = Path(__file__).parent / "real_samples" / "P1mon" / "e_historie.db.xlsx"
ELECTRICITY_EAN = "871687120000000004"
GAS_EAN = "871687140000000002"
EANS = [f"electricity={ELECTRICITY_EAN}", f"gas={GAS_EAN}"]
REGISTERS = {
    "VERBR_KWH_181": ("consumption", "low"),
    "VERBR_KWH_182": ("consumption", "high"),
    "GELVR_KWH_281": ("feed_in", "low"),
    "GELVR_KWH_282": ("feed_in", "high"),
}
COLUMNS = ["TIMESTAMP", *REGISTERS, "VERBR_KWH_X", "GELVR_KWH_X", "VERBR_GAS_2421", "VERBR_GAS_X"]


@pytest.fixture(scope="module")
def parsed() -> tuple[pd.DataFrame, list]:
    return p1mon_xlsx.read_with_report(SAMPLE, ean=EANS)


@pytest.fixture(scope="module")
def months() -> list[dict]:
    """e_history_maand as openpyxl reads it, with each row's spreadsheet row number."""
    sheet = openpyxl.load_workbook(SAMPLE, read_only=True)["e_history_maand"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    return [dict(zip(COLUMNS, row, strict=True), row=number) for number, row in enumerate(rows[1:], start=2)]


def _month(stamp: str) -> dt.date:
    return dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").date()


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _consecutive_pairs(months: list[dict]) -> list[tuple[dict, dict]]:
    """(earlier, later) rows one month apart whose readings did not fall: the months whose usage is known."""
    pairs = []
    for a, b in itertools.pairwise(months):
        falls = any(b[name] < a[name] for name in REGISTERS)
        if _next_month(_month(a["TIMESTAMP"])) == _month(b["TIMESTAMP"]) and not falls:
            pairs.append((a, b))
    return pairs


def test_detected_from_content_and_claimed_by_no_other_format(tmp_path: Path) -> None:
    anonymous = tmp_path / "export.bin"
    anonymous.write_bytes(SAMPLE.read_bytes())
    assert detect_format(anonymous).NAME == "p1mon_xlsx"
    heads = sheets.sheet_heads(anonymous)
    claims = [(index, fmt.NAME) for index, head in enumerate(heads) for fmt in FORMATS if fmt.sniff(head)]
    names = CalamineWorkbook.from_path(str(anonymous)).sheet_names
    assert [(names[index], name) for index, name in claims] == [("e_history_maand", "p1mon_xlsx")]
    assert read_head(anonymous).startswith(sheets.SHEET_HEAD_MARKER)
    assert sheets.data_sheet_name(anonymous, p1mon_xlsx.sniff) == "e_history_maand"  # lineage names it


def test_exactly_the_monthly_sheet_is_read(parsed: tuple[pd.DataFrame, list], months: list[dict]) -> None:
    """The five sheets share one header, so only the monthly rows tell e_history_maand apart; its rows,
    and no other sheet's, are read. (The module this profile replaced also noted the sheets left out;
    the profile names the one it reads, table.sheet, and gives no such note.)"""
    frame, notes = parsed
    workbook = CalamineWorkbook.from_path(str(SAMPLE))
    headers = {name: workbook.get_sheet_by_name(name).to_python(nrows=1)[0][:3] for name in workbook.sheet_names}
    assert len(headers) == 5 and all(h == ["TIMESTAMP", "VERBR_KWH_181", "VERBR_KWH_182"] for h in headers.values())
    assert sorted(set(frame["source_row"])) == [m["row"] for m in months[1:]] == list(range(3, 59))
    assert p1mon_xlsx.profile.table.sheet == "e_history_maand"
    assert "sheet_choice" not in {n.kind for n in notes}


def test_usage_is_the_difference_of_each_register_between_consecutive_months(
    parsed: tuple[pd.DataFrame, list], months: list[dict]
) -> None:
    frame, _ = parsed
    electricity = frame[frame["unit"] == "kWh"].dropna(subset=["quantity"])
    got = {(r.source_row, r.direction, r.tariff): r.quantity for r in electricity.itertuples()}
    expected = {
        (b["row"], *key): round(b[name] - a[name], 6)
        for a, b in _consecutive_pairs(months)
        for name, key in REGISTERS.items()
    }
    assert got == pytest.approx(expected)
    assert len(expected) == 4 * 54
    # The month of a row is its own: the June 2019 row (spreadsheet row 3) gives 1 June to 1 July 2019.
    june = frame[frame["source_row"] == 3].iloc[0]
    assert (june["interval_start"].isoformat(), june["interval_end"].isoformat()) == (
        "2019-06-01T00:00:00+02:00",
        "2019-07-01T00:00:00+02:00",
    )
    assert june["period"] == pd.Timestamp("2019-06-01")
    assert frame["source_row"].min() == 3  # the oldest row (May 2019) is the first reading: no usage before it
    assert frame.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.METER_USAGE]
    assert (frame["quantity"].dropna() >= 0).all()


def test_monthly_totals_equal_p1mon_usage_columns_where_p1mon_saw_the_whole_month(
    parsed: tuple[pd.DataFrame, list], months: list[dict]
) -> None:
    frame, notes = parsed
    by_row = {m["row"]: m for m in months}
    read = frame.dropna(subset=["quantity"]).groupby(["source_row", "unit", "direction"])["quantity"].sum()
    differences: dict[str, dict[str, float]] = {"consumption": {}, "feed_in": {}}
    for (row, unit, direction), total in read.items():
        if unit != "kWh":
            continue
        own = by_row[row]["VERBR_KWH_X" if direction == "consumption" else "GELVR_KWH_X"]
        if abs(total - own) > 0.5:
            differences[direction][by_row[row]["TIMESTAMP"][:7]] = round(total - own, 3)
    n_months = len(read.xs("kWh", level="unit").xs("consumption", level="direction"))
    assert n_months == 54
    # Every other month agrees within half a kWh; these are where P1mon's own sums missed readings.
    assert differences["consumption"] == {
        "2019-10": -1.141, "2020-09": -0.61, "2020-10": -1.427, "2021-02": 0.979, "2021-06": 78.293,
        "2021-10": -2.045, "2021-12": 3.421,
        "2022-10": -5.868, "2022-11": 0.6, "2023-08": 6.914, "2023-10": -18.004, "2023-11": -0.822,
    }
    assert differences["feed_in"] == {
        "2020-03": -0.597, "2020-05": 1.885, "2020-09": 7.052, "2021-02": -1.65, "2021-06": 129.152,
        "2021-09": 1.113, "2021-12": 1.449, "2022-05": -2.334, "2022-09": -1.486, "2022-10": 0.916,
        "2023-08": 6.083, "2023-11": -2.905, "2024-02": -2.883,
    }
    mismatch_rows = {n.row for n in notes if n.kind == "usage_mismatch"}
    assert {26, 53} <= mismatch_rows  # June 2021 and October 2023, beyond 1 %


def test_a_missing_month_and_a_counter_reset_are_refused_not_guessed(
    parsed: tuple[pd.DataFrame, list], months: list[dict]
) -> None:
    frame, notes = parsed
    stamps = [m["TIMESTAMP"][:7] for m in months]
    assert "2019-12" not in stamps and "2022-12" not in stamps
    refused = frame[frame["quantity"].isna()]
    assert sorted(set(refused["source_row"])) == [9, 44]  # January 2020 and January 2023
    assert set(refused["unit"]) == {"kWh"}
    # One note per register and interval: January 2020's feed-in registers (its consumption registers fell,
    # below) and all four of January 2023.
    spans = sorted((n.row, n.message.split(":")[0]) for n in notes if n.kind == "spans_months")
    assert spans == [(9, "GELVR_KWH_281"), (9, "GELVR_KWH_282")] + [(44, name) for name in sorted(REGISTERS)]
    january_2023 = next(n.message for n in notes if n.kind == "spans_months" and n.row == 44)
    assert "from 01-12-2022 00:00+01:00 (row 43) to 01-02-2023 00:00+01:00" in january_2023
    # 1411.779 < 1542.463 (VERBR_KWH_181) and 950.667 < 1285.66 (VERBR_KWH_182): a counter reset, not usage.
    resets = sorted((n.row, n.message.split(":")[0]) for n in notes if n.kind == "counter_reset")
    assert resets == [(9, "VERBR_KWH_181"), (9, "VERBR_KWH_182")]
    assert all("lower than the one before" in n.message for n in notes if n.kind == "counter_reset")


def test_gas_zero_after_real_readings_is_not_usage(parsed: tuple[pd.DataFrame, list], months: list[dict]) -> None:
    frame, notes = parsed
    gas = frame[frame["unit"] == "m3"]
    real = [m for m in months if m["VERBR_GAS_2421"] != 0]
    assert [m["row"] for m in real] == [2, 3, 4, 5, 6, 7]  # May to October 2019
    assert gas["source_row"].tolist() == [3, 4, 5, 6, 7]
    differences = [b["VERBR_GAS_2421"] - a["VERBR_GAS_2421"] for a, b in itertools.pairwise(real)]
    assert gas["quantity"].tolist() == pytest.approx(differences)
    assert gas["quantity"].tolist() == pytest.approx([m["VERBR_GAS_X"] for m in real[1:]])
    assert gas["quantity"].sum() == pytest.approx(289.516 - 220.054)
    assert set(gas["ean"]) == {GAS_EAN} and set(frame[frame["unit"] == "kWh"]["ean"]) == {ELECTRICITY_EAN}
    zero = [n for n in notes if n.kind == "no_readings"]
    assert len(zero) == 1 and zero[0].row == 8 and "after 289.516 on row 7" in zero[0].message
    assert "VERBR_GAS_2421 is 0 on 51 rows" in zero[0].message  # rows 8 to 58


def test_register_181_is_the_low_tariff(months: list[dict]) -> None:
    """In the minute sheet, dal (D) minutes move 1.8.1 and piek (P) minutes 1.8.2, never the other way round."""
    rows = CalamineWorkbook.from_path(str(SAMPLE)).get_sheet_by_name("e_history_min").to_python()
    header = rows[0]
    low, high, code = header.index("VERBR_KWH_181"), header.index("VERBR_KWH_182"), header.index("TARIEFCODE")
    moved = Counter((b[code], b[low] > a[low], b[high] > a[high]) for a, b in itertools.pairwise(rows[1:]))
    assert moved[("D", False, True)] == moved[("P", True, False)] == 0
    assert moved[("D", True, False)] == 24600 and moved[("P", False, True)] == 13817


def test_totals(parsed: tuple[pd.DataFrame, list], months: list[dict]) -> None:
    frame, notes = parsed
    totals = frame.groupby(["unit", "direction", "tariff"])["quantity"].agg(["count", "sum"]).round(3)
    assert {k: (int(c), s) for k, c, s in totals.itertuples()} == {
        ("kWh", "consumption", "high"): (54, 5027.395),
        ("kWh", "consumption", "low"): (54, 13547.214),
        ("kWh", "feed_in", "high"): (54, 9623.672),
        ("kWh", "feed_in", "low"): (54, 3948.234),
        ("m3", "consumption", "single"): (5, 69.462),
    }
    assert len(frame) == 4 * 56 + 5
    last = [n for n in notes if n.kind == "partial_period"]
    assert [n.row for n in last] == [months[-1]["row"]] == [58]


def test_eans_are_needed_for_both_carriers() -> None:
    with pytest.raises(InputFileError, match="this export holds electricity and gas"):
        p1mon_xlsx.read(SAMPLE)
    with pytest.raises(InputFileError, match="no EAN for the gas data"):
        p1mon_xlsx.read(SAMPLE, ean=ELECTRICITY_EAN)


def _workbook(tmp_path: Path, sheets_rows: dict[str, list[list[object]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets_rows.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path = tmp_path / "p1mon.xlsx"
    workbook.save(path)
    return path


def test_a_meter_without_gas_needs_one_ean_and_the_year_sheet_is_never_read(tmp_path: Path) -> None:
    header = COLUMNS
    path = _workbook(
        tmp_path,
        {
            "e_history_jaar": [header, ["2024-01-01 00:00:00", 30, 20, 0, 0, 50, 0, 0, 0]],
            "e_history_maand": [
                header,
                ["2024-01-01 00:00:00", 10, 5, 0, 0, 15, 0, 0, 0],
                ["2024-02-01 00:00:00", 20, 12, 0, 1.5, 17, 1.5, 0, 0],
                ["2024-03-01 00:00:00", 30, 20, "", 2, 18, 0.5, 0, 0],
            ],
        },
    )
    assert detect_format(path).NAME == "p1mon_xlsx"
    frame, notes = p1mon_xlsx.read_with_report(path, ean=ELECTRICITY_EAN)
    order = {key: i for i, key in enumerate(REGISTERS.values())}  # in row order, each row's registers in column order
    rows = sorted(frame.itertuples(), key=lambda r: (r.source_row, order[(r.direction, r.tariff)]))
    got = [(r.source_row, r.direction, r.tariff, r.quantity) for r in rows]
    assert got[:4] == [(3, "consumption", "low", 10), (3, "consumption", "high", 7),
                       (3, "feed_in", "low", 0), (3, "feed_in", "high", 1.5)]
    assert got[4:6] == [(4, "consumption", "low", 10), (4, "consumption", "high", 8)]
    assert set(frame["unit"]) == {"kWh"}
    no_gas = (
        "VERBR_GAS_2421: 0 in every row, the logger's value when it has no gas reading: no gas meter here, so no rows"
    )
    assert [n.message for n in notes if n.kind == "no_readings"] == [no_gas]
    # The empty GELVR_KWH_281 of March is no reading (no row, as every profile reads an empty cell): the
    # next row would take its usage; here it is the last.
    assert (4, "feed_in", "low") not in {(r, d, t) for r, d, t, _ in got}
    assert np.isclose(frame["quantity"].sum(), 10 + 7 + 0 + 1.5 + 10 + 8 + 0.5)


def test_a_workbook_without_the_monthly_sheet_is_not_this_format(tmp_path: Path) -> None:
    path = _workbook(tmp_path, {"e_history_jaar": [COLUMNS, ["2023-01-01 00:00:00", 1, 1, 0, 0, 2, 0, 0, 0],
                                                   ["2024-01-01 00:00:00", 2, 2, 0, 0, 2, 0, 0, 0]]})
    with pytest.raises(InputFileError, match="not a known source format"):
        detect_format(path)
    with pytest.raises(InputFileError, match="no sheet 'e_history_maand' \\(the workbook has 'e_history_jaar'\\)"):
        p1mon_xlsx.read(path, ean=ELECTRICITY_EAN)
