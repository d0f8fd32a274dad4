"""Real utility exports (tests/sources/real_samples, MIT licence beside them) read by their adapters.

Every expected figure is computed here by another route than the adapter's: straight from the
cells with openpyxl or the csv module, from the provider's own usage columns, or last reading minus
first. The figures written out as literals were checked against those routes once and pin the files.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources.cell_times import dutch_instant, instant
from footprint.sources.convert import parse_file
from footprint.sources.meter_profile import builtin_format
from footprint.sources.registry import FORMATS, detect_format, get_format

energy_overview_xlsx = builtin_format("energy_overview_xlsx")
engie_csv = builtin_format("engie_csv")
greenchoice_csv = builtin_format("greenchoice_csv")
liander_csv = builtin_format("liander_csv")
slimmemeterportal_xlsx = builtin_format("slimmemeterportal_xlsx")

SAMPLES = Path(__file__).parent / "real_samples"
SMP_ELECTRICITY = SAMPLES / "SlimmeMeterPortal" / "data_2023_871687120058657526.xlsx"
SMP_GAS = SAMPLES / "SlimmeMeterPortal" / "data_2023_871687140002948685.xlsx"
ENGIE = SAMPLES / "Engie" / "Export.verbruiken.ENGIE.csv"
GREENCHOICE = SAMPLES / "GreenChoice" / "meterstanden_stroom_2023.csv"
LIANDER = SAMPLES / "Liander" / "csv_bijlage.csv"
ENECO = SAMPLES / "Eneco" / "Verbruik_01-01-2020-31-12-2020.xlsx"
OXXIO = SAMPLES / "Oxxio" / "Oxxio.Verbruik_05-06-2023-22-01-2024.xlsx"

# The connection of the Engie, Liander and Oxxio samples (one household), and the SlimmeMeterPortal
# EANs, which that portal puts only in the file names.
HOUSE_ELECTRICITY = "871687120061402458"
HOUSE_GAS = "871687140013926764"
SMP_ELECTRICITY_EAN = "871687120058657526"
SMP_GAS_EAN = "871687140002948685"

EXPECTED_FORMAT = {
    SMP_ELECTRICITY: "slimmemeterportal_xlsx",
    SMP_GAS: "slimmemeterportal_xlsx",
    ENGIE: "engie_csv",
    GREENCHOICE: "greenchoice_csv",
    LIANDER: "liander_csv",
    ENECO: "energy_overview_xlsx",
    OXXIO: "energy_overview_xlsx",
}
EANS = {
    SMP_ELECTRICITY: SMP_ELECTRICITY_EAN,
    SMP_GAS: SMP_GAS_EAN,
    ENGIE: None,
    GREENCHOICE: HOUSE_ELECTRICITY,
    LIANDER: None,
    ENECO: HOUSE_ELECTRICITY,
    OXXIO: [HOUSE_ELECTRICITY, HOUSE_GAS],
}


def local_day(moments: pd.Series) -> pd.Series:
    return moments.dt.tz_convert("Europe/Amsterdam").dt.strftime("%Y-%m-%d")


def totals(frame: pd.DataFrame, by: list[str]) -> dict[tuple, tuple[int, float]]:
    grouped = frame.groupby(by, dropna=False)["quantity"]
    return {key: (int(size), round(float(total), 6)) for key, size, total in zip(
        grouped.size().index, grouped.size(), grouped.sum(), strict=True
    )}


# --- every sample -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(EXPECTED_FORMAT), ids=lambda p: p.parent.name + "/" + p.name)
def test_every_sample_is_detected_from_its_content_and_parses(path: Path, tmp_path: Path) -> None:
    anonymous = tmp_path / "export.bin"  # the name says nothing: detection reads the content
    anonymous.write_bytes(path.read_bytes())
    fmt = detect_format(anonymous)
    assert fmt.NAME == EXPECTED_FORMAT[path]
    frame, notes = fmt.read_with_report(anonymous, ean=EANS[path])
    assert frame.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.METER_USAGE]
    assert len(frame) > 0
    assert frame["interval_end"].gt(frame["interval_start"]).all()
    assert frame["unit"].isin(["kWh", "m3"]).all()
    assert frame["direction"].isin(["consumption", "feed_in"]).all()
    assert frame["tariff"].isin(["low", "high", "single"]).all()
    assert frame["quantity"].notna().all()
    assert all(isinstance(note.message, str) for note in notes)
    assert fmt.read(anonymous, ean=EANS[path]).equals(frame)


def test_the_utility_formats_are_registered() -> None:
    names = {fmt.NAME for fmt in FORMATS}
    assert set(EXPECTED_FORMAT.values()) <= names


# --- SlimmeMeterPortal --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smp_electricity() -> pd.DataFrame:
    return slimmemeterportal_xlsx.read(SMP_ELECTRICITY, ean=SMP_ELECTRICITY_EAN)


def _smp_cells(path: Path) -> tuple[list[str], list[tuple]]:
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def _dutch(cell: object) -> float:
    return float(str(cell).replace(",", "."))


def test_slimmemeterportal_electricity_counts_and_totals_match_the_cells(smp_electricity: pd.DataFrame) -> None:
    header, rows = _smp_cells(SMP_ELECTRICITY)
    expected: dict[tuple, tuple[int, float]] = {}
    for column, key in [
        ("levering_normaal", ("consumption", "high")),
        ("levering_laag", ("consumption", "low")),
        ("teruglevering_normaal", ("feed_in", "high")),
        ("teruglevering_laag", ("feed_in", "low")),
    ]:
        values = [_dutch(r[header.index(column)]) for r in rows if r[header.index(column)] not in (None, "")]
        expected[key] = (len(values), round(sum(values), 6))
    frame = smp_electricity
    assert totals(frame, ["direction", "tariff"]) == expected
    assert expected[("consumption", "high")] == (16256, 6328.42)
    assert expected[("consumption", "low")] == (18784, 2455.23)
    # One consumption and one feed-in row per interval: 35040 quarter hours = 365 days.
    assert len(frame) == 2 * 35040
    assert (frame["unit"] == "kWh").all() and (frame["ean"] == SMP_ELECTRICITY_EAN).all()


def test_slimmemeterportal_timestamps_mark_the_end_of_the_interval(smp_electricity: pd.DataFrame) -> None:
    frame = smp_electricity
    first = frame.iloc[0]
    assert first["source_row"] == 2  # the header is spreadsheet row 1
    assert first["interval_start"] == pd.Timestamp("2023-01-01 00:00", tz="Europe/Amsterdam")
    assert first["interval_end"] == pd.Timestamp("2023-01-01 00:15", tz="Europe/Amsterdam")
    assert (first["direction"], first["tariff"], first["quantity"]) == ("consumption", "low", 0.11)
    last = frame.iloc[-1]
    assert last["interval_end"] == pd.Timestamp("2024-01-01 00:00", tz="Europe/Amsterdam")
    assert last["period"] == pd.Timestamp("2023-12-01")
    gas = slimmemeterportal_xlsx.read(SMP_GAS, ean=SMP_GAS_EAN)
    assert gas.iloc[0]["interval_start"] == pd.Timestamp("2023-01-01 00:00", tz="Europe/Amsterdam")
    assert gas.iloc[0]["interval_end"] == pd.Timestamp("2023-01-01 01:00", tz="Europe/Amsterdam")


def test_slimmemeterportal_clock_change_days_have_92_and_100_quarter_hours(smp_electricity: pd.DataFrame) -> None:
    frame = smp_electricity
    per_day = frame[frame["direction"] == "consumption"].groupby(local_day(frame["interval_start"])).size()
    assert per_day["2023-03-26"] == 92
    assert per_day["2023-10-29"] == 100
    assert per_day.drop(["2023-03-26", "2023-10-29"]).eq(96).all()
    autumn = frame[(frame["direction"] == "consumption") & (local_day(frame["interval_start"]) == "2023-10-29")]
    assert autumn["interval_start"].is_unique  # the doubled hour is two distinct sets of intervals
    hours = (autumn["interval_end"] - autumn["interval_start"]).sum()
    assert hours == pd.Timedelta(hours=25)


def test_slimmemeterportal_gas_is_hourly_in_m3_and_reports_the_missing_autumn_hour() -> None:
    header, rows = _smp_cells(SMP_GAS)
    column = header.index("levering")
    expected_total = round(sum(_dutch(r[column]) for r in rows), 6)
    frame, notes = slimmemeterportal_xlsx.read_with_report(SMP_GAS, ean=SMP_GAS_EAN)
    assert totals(frame, ["direction", "tariff"]) == {("consumption", "single"): (8759, expected_total)}
    assert expected_total == 3550.1
    assert (frame["unit"] == "m3").all()
    per_day = frame.groupby(local_day(frame["interval_start"])).size()
    assert per_day["2023-03-26"] == 23
    # The file lacks one interval of the 25-hour day: the first 02:00-03:00 (summer time).
    assert per_day["2023-10-29"] == 24
    gaps = [n for n in notes if n.kind == "gap"]
    assert len(gaps) == 1
    assert gaps[0].row == 7227
    assert "29-10-2023 02:00+02:00 to 29-10-2023 02:00+01:00" in gaps[0].message
    assert any(n.kind == "carrier" and "871687140" in n.message for n in notes)


def test_slimmemeterportal_needs_the_ean_from_the_user() -> None:
    with pytest.raises(InputFileError, match="no EAN in this file: give it with `footprint parse --ean`") as caught:
        slimmemeterportal_xlsx.read(SMP_ELECTRICITY)
    assert caught.value.file == str(SMP_ELECTRICITY)


def test_slimmemeterportal_gas_layout_needs_a_carrier_when_the_ean_does_not_tell() -> None:
    other_range = "871694840000000001"  # a valid EAN outside the 871687120/871687140 ranges
    with pytest.raises(InputFileError, match="electricity or gas"):
        slimmemeterportal_xlsx.read(SMP_GAS, ean=other_range)
    frame = slimmemeterportal_xlsx.read(SMP_GAS, ean=f"gas={other_range}")
    assert (frame["unit"] == "m3").all() and (frame["ean"] == other_range).all()


def test_slimmemeterportal_electricity_layout_refuses_a_gas_ean() -> None:
    with pytest.raises(InputFileError, match="by its prefix 871687140 a gas connection"):
        slimmemeterportal_xlsx.read(SMP_ELECTRICITY, ean=SMP_GAS_EAN)


# --- Engie --------------------------------------------------------------------------------------


def _engie_rows() -> list[dict[str, str]]:
    with ENGIE.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_engie_counts_and_totals_per_ean_and_tariff_match_the_csv() -> None:
    expected: dict[tuple, list[float]] = defaultdict(list)
    for row in _engie_rows():
        unit = {"Elektriciteit": "kWh", "Gas": "m3"}[row["Type"]]
        tariff = "single" if unit == "m3" else {"true": "high", "false": "low"}[row["Piek"]]
        expected[(row["EAN"], unit, tariff)].append(float(row["Verbruik"]))
    frame = engie_csv.read(ENGIE)
    assert totals(frame, ["ean", "unit", "tariff"]) == {
        key: (len(values), round(sum(values), 6)) for key, values in expected.items()
    }
    assert {key: len(v) for key, v in expected.items()} == {
        (HOUSE_ELECTRICITY, "kWh", "high"): 5856,
        (HOUSE_ELECTRICITY, "kWh", "low"): 6767,
        (HOUSE_GAS, "m3", "single"): 12623,
    }
    assert (frame["direction"] == "consumption").all()


def test_engie_datum_is_the_start_of_an_hour_and_clock_change_days_have_23_and_25() -> None:
    frame = engie_csv.read(ENGIE)
    first = frame.iloc[0]
    assert first["interval_start"] == pd.Timestamp("2021-12-25 00:00", tz="Europe/Amsterdam")
    assert first["interval_end"] == pd.Timestamp("2021-12-25 01:00", tz="Europe/Amsterdam")
    assert (frame["interval_end"] - frame["interval_start"]).eq(pd.Timedelta(hours=1)).all()
    for ean in (HOUSE_ELECTRICITY, HOUSE_GAS):
        per_day = frame[frame["ean"] == ean].groupby(local_day(frame["interval_start"])).size()
        assert per_day["2022-03-27"] == 23
        assert per_day["2022-10-30"] == 25
        assert per_day["2023-03-26"] == 23


def test_engie_own_eans_win_over_the_ean_argument_and_parse_selects() -> None:
    """The reader's `ean` is only for rows without a valid EAN of their own; selecting is parse_file's."""
    frame = engie_csv.read(ENGIE, ean=HOUSE_GAS)
    assert set(frame["ean"]) == {HOUSE_ELECTRICITY, HOUSE_GAS}
    assert len(frame) == 25246
    selected = parse_file(ENGIE, ean=HOUSE_GAS).frame
    assert set(selected["ean"]) == {HOUSE_GAS}
    assert len(selected) == 12623
    with pytest.raises(InputFileError, match="is not in this file"):
        parse_file(ENGIE, ean=SMP_GAS_EAN)


# --- GreenChoice --------------------------------------------------------------------------------


def test_greenchoice_usage_is_last_reading_minus_first_per_register() -> None:
    with GREENCHOICE.open(newline="") as handle:
        rows = sorted(csv.DictReader(handle, delimiter=";"), key=lambda r: r["OpnameDatum"])
    frame, notes = greenchoice_csv.read_with_report(GREENCHOICE, ean=HOUSE_ELECTRICITY)
    expected = {
        key: (len(rows) - 1, float(int(rows[-1][column]) - int(rows[0][column])))
        for column, key in [
            ("StandNormaal", ("consumption", "high")),
            ("StandDal", ("consumption", "low")),
            ("TerugleveringNormaal", ("feed_in", "high")),
            ("TerugleveringDal", ("feed_in", "low")),
        ]
    }
    assert totals(frame, ["direction", "tariff"]) == expected
    assert expected[("consumption", "high")] == (102, 576.0)
    assert (frame["unit"] == "kWh").all() and (frame["ean"] == HOUSE_ELECTRICITY).all()
    # Intervals chain without gaps or overlaps from the oldest reading to the newest.
    one = frame[(frame["direction"] == "consumption") & (frame["tariff"] == "high")].sort_values("interval_start")
    assert (one["interval_start"].iloc[1:].to_numpy() == one["interval_end"].iloc[:-1].to_numpy()).all()
    assert one["interval_start"].iloc[0] == pd.Timestamp("2023-04-21", tz="Europe/Amsterdam")
    assert one["interval_end"].iloc[-1] == pd.Timestamp("2023-08-02", tz="Europe/Amsterdam")
    # 2023-04-22 has no reading: 21 to 23 April is one interval, reported on the row of the 23rd. The
    # carrier note says which EAN the readings were given (every profile without an EAN column says it).
    assert [(n.kind, n.row) for n in notes] == [("carrier", None), ("long_interval", 103)]


def test_greenchoice_newest_first_rows_report_the_day_before_their_reading() -> None:
    frame = greenchoice_csv.read(GREENCHOICE, ean=HOUSE_ELECTRICITY)
    row2 = frame[frame["source_row"] == 2]  # 2023-08-02;874;824;1608;722 after 2023-08-01;868;822;1588;722
    assert row2[["direction", "tariff", "quantity"]].values.tolist() == [
        ["consumption", "high", 6.0],
        ["consumption", "low", 2.0],
        ["feed_in", "high", 20.0],
        ["feed_in", "low", 0.0],
    ]
    assert set(row2["interval_start"]) == {pd.Timestamp("2023-08-01", tz="Europe/Amsterdam")}


def test_greenchoice_needs_the_ean() -> None:
    with pytest.raises(InputFileError, match="no EAN in this file: give it with `footprint parse --ean`"):
        greenchoice_csv.read(GREENCHOICE)


# --- Liander ------------------------------------------------------------------------------------


def _liander_rows() -> list[dict[str, str]]:
    with LIANDER.open(newline="") as handle:
        return [{k.strip(): v.strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def test_liander_differences_match_the_usage_columns_row_by_row() -> None:
    rows = _liander_rows()
    frame = liander_csv.read(LIANDER)
    registers = {
        ("kWh", "consumption", "low"): "usage1",
        ("kWh", "consumption", "high"): "usage2",
        ("kWh", "feed_in", "low"): "usage3",
        ("kWh", "feed_in", "high"): "usage4",
        ("m3", "consumption", "single"): "usage1",
    }
    compared = 0
    for row in frame.itertuples():
        cell = rows[row.source_row - 2][registers[(row.unit, row.direction, row.tariff)]]
        assert row.quantity == pytest.approx(float(cell), abs=1e-9), row
        compared += 1
    assert compared == len(frame) == 4 * 205 + 205
    expected: dict[tuple, list[float]] = defaultdict(list)
    for row in rows:
        gas = row["meternummer"].startswith("G")
        for (unit, direction, tariff), column in registers.items():
            if (unit == "m3") == gas and row[column] != "":
                expected[(row["eancodeasn"], unit, direction, tariff)].append(float(row[column]))
    assert totals(frame, ["ean", "unit", "direction", "tariff"]) == {
        key: (len(v), round(sum(v), 6)) for key, v in expected.items()
    }


def test_liander_usage_is_last_minus_first_reading_and_the_first_day_has_none() -> None:
    rows = _liander_rows()
    electricity = [r for r in rows if r["eancodeasn"] == HOUSE_ELECTRICITY]
    frame = liander_csv.read(LIANDER)
    house = frame[frame["ean"] == HOUSE_ELECTRICITY]
    low = house[(house["tariff"] == "low") & (house["direction"] == "consumption")]
    first, last = float(electricity[0]["reading1"]), float(electricity[-1]["reading1"])
    assert low["quantity"].sum() == pytest.approx(last - first)
    assert low["source_row"].min() == 3  # row 2 is the first reading: no usage before it is known
    assert low.iloc[0]["interval_start"] == pd.Timestamp("2023-06-05", tz="Europe/Amsterdam")
    assert low.iloc[0]["interval_end"] == pd.Timestamp("2023-06-06", tz="Europe/Amsterdam")
    gas = frame[frame["ean"] == HOUSE_GAS]
    assert set(zip(gas["unit"], gas["direction"], gas["tariff"], strict=True)) == {("m3", "consumption", "single")}


def test_liander_register_one_is_the_low_tariff_weekends_run_on_it() -> None:
    frame = liander_csv.read(LIANDER, ean=HOUSE_ELECTRICITY)
    days = frame[frame["direction"] == "consumption"]
    weekend = days["interval_start"].dt.day_of_week >= 5
    assert days[weekend & (days["tariff"] == "high")]["quantity"].eq(0).all()
    assert days[weekend & (days["tariff"] == "low")]["quantity"].gt(0).all()


def test_liander_and_oxxio_agree_on_the_same_connection() -> None:
    """The Oxxio overview and the Liander readings cover one household from 5 June 2023."""
    liander = liander_csv.read(LIANDER)
    oxxio = energy_overview_xlsx.read(OXXIO, ean=[HOUSE_ELECTRICITY, HOUSE_GAS])
    window = (pd.Timestamp("2023-06-05", tz="Europe/Amsterdam"), pd.Timestamp("2023-12-27", tz="Europe/Amsterdam"))

    def total(frame: pd.DataFrame) -> pd.Series:
        inside = frame[(frame["interval_start"] >= window[0]) & (frame["interval_end"] <= window[1])]
        return inside.groupby(["ean", "direction", "tariff"])["quantity"].sum()

    # Oxxio rounds each day to whole units; over half a year the two stay within a few units.
    assert (total(liander) - total(oxxio)).abs().max() < 5


LIANDER_REPLACED = """\
eancodeasn,meternummer,meterreadingdate,reading1,usage1,reading2,usage2,reading3,usage3,reading4,usage4     
871687120061402458,E001,01-03-2024,100.5,,200,,0,,0,     
871687120061402458,E001,02-03-2024,103.5,3,201,1,0,0,0,0     
871687120061402458,E002,03-03-2024,0.2,,0.1,,0,,0,     
871687120061402458,E002,04-03-2024,2.2,2,1.1,1,0,0,0,0     
871687120061402458,E002,05-03-2024,0.5,,2.1,1,0,0,0,0     
871687120061402458,E002,06-03-2024,1.5,1,x,,0,0,0,0     
871687120061402458,E002,07-03-2024,2.5,1,4.1,2,0,0,0,0     
"""


def test_liander_meter_replacement_and_counter_reset_start_new_series_and_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "liander.csv"
    path.write_text(LIANDER_REPLACED)
    frame, notes = liander_csv.read_with_report(path)
    low = frame[(frame["direction"] == "consumption") & (frame["tariff"] == "low")].set_index("source_row")
    expected_low = {3: 3.0, 4: np.nan, 5: 2.0, 6: np.nan, 7: 1.0, 8: 1.0}
    assert low["quantity"].to_dict() == pytest.approx(expected_low, nan_ok=True)
    high = frame[(frame["direction"] == "consumption") & (frame["tariff"] == "high")].set_index("source_row")
    # Row 7's reading2 is unreadable: 05-03 to 07-03 is one interval on row 8.
    assert high["quantity"].to_dict() == pytest.approx({3: 1.0, 4: np.nan, 5: 1.0, 6: 1.0, 8: 2.0}, nan_ok=True)
    assert high.loc[8, "interval_start"] == pd.Timestamp("2024-03-05", tz="Europe/Amsterdam")
    kinds = [(n.kind, n.row) for n in notes]
    assert ("meter_replaced", 4) in kinds
    assert ("counter_reset", 6) in kinds
    assert ("skipped_reading", 7) in kinds
    replaced = next(n for n in notes if n.kind == "meter_replaced")
    assert "E001" in replaced.message and "E002" in replaced.message and "reading1" in replaced.message
    assert kinds.count(("meter_replaced", 4)) == 1  # one note for all registers of the replaced meter
    reset = next(n for n in notes if n.kind == "counter_reset")
    # reading1 falls from 2.2 (row 5, 04-03) to 0.5 (row 6, 05-03): the note names both rows' readings.
    assert reset.message.startswith("reading1: from 04-03-2024 00:00+01:00 (row 5) to 05-03-2024")
    assert "lower than the one before" in reset.message
    # Where the usage columns are filled, the differences agree with them.
    assert low.loc[[3, 5, 7, 8], "quantity"].tolist() == pytest.approx([3, 2, 1, 1])


# --- Eneco and Oxxio ----------------------------------------------------------------------------


def _overview_cells(path: Path) -> tuple[list[str], list[str], list[tuple]]:
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    groups, names = list(rows[0]), list(rows[1])
    filled = ""
    for i, g in enumerate(groups):
        filled = g or filled if i else ""
        groups[i] = filled
    return groups, names, rows[2:]


def _overview_expected(path: Path) -> tuple[dict[tuple, tuple[int, float]], Counter]:
    groups, names, rows = _overview_cells(path)
    kinds = {"Stroom [kWh]": ("kWh", "consumption"), "Gas [m3]": ("m3", "consumption"),
             "Stroom teruglevering[kWh]": ("kWh", "feed_in")}
    sums: dict[tuple, list[float]] = defaultdict(list)
    estimated: Counter = Counter()
    for column, (group, name) in enumerate(zip(groups, names, strict=True)):
        if not name.startswith(("Verbruik", "Teruglevering")):
            continue
        unit, direction = kinds[group]
        tariff = "low" if "laag" in name else "high" if "hoog" in name else "single"
        flag = next(i for i in range(column, len(names)) if names[i] == "Geschat?")
        for row in rows:
            sums[(unit, direction, tariff)].append(float(row[column]))
            estimated[row[flag] == "Y"] += 1
    return {k: (len(v), round(sum(v), 6)) for k, v in sums.items()}, estimated


@pytest.mark.parametrize(
    ("path", "ean", "expected_rows"),
    [
        pytest.param(ENECO, HOUSE_ELECTRICITY, 366 * 4, id="eneco"),
        pytest.param(OXXIO, f"electricity={HOUSE_ELECTRICITY},gas={HOUSE_GAS}", 232 * 5, id="oxxio"),
    ],
)
def test_energy_overview_totals_and_estimates_match_the_cells(path: Path, ean: str, expected_rows: int) -> None:
    expected, estimated = _overview_expected(path)
    frame = energy_overview_xlsx.read(path, ean=ean)
    assert len(frame) == expected_rows
    assert totals(frame, ["unit", "direction", "tariff"]) == expected
    assert Counter(frame["estimated"].tolist()) == estimated


def test_energy_overview_figures() -> None:
    eneco = energy_overview_xlsx.read(ENECO, ean=HOUSE_ELECTRICITY)
    assert totals(eneco, ["direction", "tariff"]) == {
        ("consumption", "high"): (366, 1592.0),
        ("consumption", "low"): (366, 1488.0),
        ("feed_in", "high"): (366, 1806.0),
        ("feed_in", "low"): (366, 829.0),
    }
    oxxio = energy_overview_xlsx.read(OXXIO, ean={"gas": HOUSE_GAS, "stroom": HOUSE_ELECTRICITY})
    assert totals(oxxio, ["ean", "unit", "direction", "tariff"]) == {
        (HOUSE_ELECTRICITY, "kWh", "consumption", "high"): (232, 1719.0),
        (HOUSE_ELECTRICITY, "kWh", "consumption", "low"): (232, 1550.0),
        (HOUSE_ELECTRICITY, "kWh", "feed_in", "high"): (232, 207.0),
        (HOUSE_ELECTRICITY, "kWh", "feed_in", "low"): (232, 66.0),
        (HOUSE_GAS, "m3", "consumption", "single"): (232, 554.0),
    }


def test_energy_overview_days_are_local_midnights_with_23_and_25_hours() -> None:
    frame = energy_overview_xlsx.read(ENECO, ean=HOUSE_ELECTRICITY)
    first = frame.iloc[0]
    assert first["source_row"] == 3  # below the two header rows
    assert first["interval_start"] == pd.Timestamp("2020-01-01", tz="Europe/Amsterdam")
    hours = (frame["interval_end"] - frame["interval_start"]).groupby(local_day(frame["interval_start"])).first()
    assert hours["2020-03-29"] == pd.Timedelta(hours=23)
    assert hours["2020-10-25"] == pd.Timedelta(hours=25)
    assert hours.drop(["2020-03-29", "2020-10-25"]).eq(pd.Timedelta(hours=24)).all()


def test_energy_overview_reports_usage_that_the_readings_contradict() -> None:
    _, eneco_notes = energy_overview_xlsx.read_with_report(ENECO, ean=HOUSE_ELECTRICITY)
    mismatch = [n for n in eneco_notes if n.kind == "usage_mismatch"]
    # The meter was replaced on 8 December 2020: its readings restart at 0.
    assert [n.row for n in mismatch] == [344]
    assert "07-12-2020" in mismatch[0].message and "11048 -> 0" in mismatch[0].message
    _, oxxio_notes = energy_overview_xlsx.read_with_report(OXXIO, ean=[HOUSE_ELECTRICITY, HOUSE_GAS])
    assert [n.row for n in oxxio_notes if n.kind == "usage_mismatch"] == [233]


def test_energy_overview_with_gas_needs_both_eans() -> None:
    holds_both = r"no EAN in this file: give it with `footprint parse --ean`.*\(this export holds electricity and gas"
    with pytest.raises(InputFileError, match=holds_both):
        energy_overview_xlsx.read(OXXIO)
    with pytest.raises(InputFileError, match="no EAN for the gas data"):
        energy_overview_xlsx.read(OXXIO, ean=HOUSE_ELECTRICITY)
    with pytest.raises(InputFileError, match="cannot tell which carrier"):
        energy_overview_xlsx.read(OXXIO, ean=["871694840000000001", "871694840000000018"])
    frame = energy_overview_xlsx.read(OXXIO, ean=["electricity=871694840000000001", "gas=871694840000000018"])
    pairs = set(zip(frame["ean"], frame["unit"], strict=True))
    assert pairs == {("871694840000000001", "kWh"), ("871694840000000018", "m3")}


def test_energy_overview_electricity_only_refuses_a_gas_ean() -> None:
    with pytest.raises(InputFileError, match="holds electricity data"):
        energy_overview_xlsx.read(ENECO, ean=f"gas={HOUSE_GAS}")


# --- forced formats -----------------------------------------------------------------------------


def test_forcing_a_format_reads_the_file_with_it_and_refuses_a_wrong_one() -> None:
    assert get_format("engie_csv").read(ENGIE).shape[0] == 25246
    with pytest.raises(InputFileError, match="not a liander_csv file"):
        get_format("liander_csv").read(ENGIE)
    with pytest.raises(InputFileError, match="not a spreadsheet"):
        get_format("energy_overview_xlsx").read(LIANDER, ean=HOUSE_ELECTRICITY)
    with pytest.raises(InputFileError, match="not an energy_overview_xlsx file"):
        get_format("energy_overview_xlsx").read(SMP_GAS, ean=SMP_GAS_EAN)
    with pytest.raises(InputFileError, match="not a slimmemeterportal_xlsx file"):
        get_format("slimmemeterportal_xlsx").read(ENECO, ean=HOUSE_ELECTRICITY)
    with pytest.raises(InputFileError, match="binary"):
        get_format("greenchoice_csv").read(OXXIO, ean=HOUSE_ELECTRICITY)


def test_a_workbook_no_format_knows_lists_the_formats_and_how_to_add_one(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Datum", "Omschrijving", "Bedrag"])
    workbook.active.append([dt.date(2024, 1, 1), "Koffie", 3.5])
    path = tmp_path / "overzicht.xlsx"
    workbook.save(path)
    with pytest.raises(InputFileError) as caught:
        detect_format(path)
    for fmt in FORMATS:
        assert fmt.NAME in caught.value.reason
    assert "footprint/sources/README.md" in caught.value.reason
    assert f"footprint formats suggest {path}" in caught.value.reason


# --- cells and layouts the samples do not show --------------------------------------------------


def _or_none(value: object) -> object:
    return None if pd.isna(value) else value


def _workbook(tmp_path: Path, rows: list[list[object]], name: str = "export.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_slimmemeterportal_empty_dash_and_garbage_cells(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path,
        [
            ["datum_tijd", "levering_normaal", "levering_laag", "teruglevering_normaal", "teruglevering_laag"],
            ["01-06-2023 08:15:00 +0200", "0,25", "", "0,10", ""],
            ["01-06-2023 08:30:00 +0200", "", "", "", "-"],
            ["01-06-2023 08:45:00 +0200", "1.250,5", "", "abc", ""],
            [None, None, None, None, None],
            ["01-06-2023 09:00:00 +0200", 0.5, "", 0, ""],
            ["31-02-2023 09:15:00 +0200", "0,1", "", "0,0", ""],
        ],
    )
    frame, notes = slimmemeterportal_xlsx.read_with_report(path, ean=SMP_ELECTRICITY_EAN)
    got = [
        (r.source_row, r.direction, _or_none(r.tariff), _or_none(r.quantity))
        for r in frame.itertuples()
    ]
    assert got == [
        (2, "consumption", "high", 0.25),
        (2, "feed_in", "high", 0.10),
        # Row 3: both tariffs empty, and "" / "-" for feed-in: no reading, so no row (a gap note instead).
        (4, "consumption", "high", 1250.5),
        (4, "feed_in", "high", None),  # "abc": written but unreadable, so refused by validation
        (6, "consumption", "high", 0.5),  # a number cell, row 5 is blank
        (6, "feed_in", "high", 0.0),
        (7, "consumption", "high", 0.1),
        (7, "feed_in", "high", 0.0),
    ]
    assert frame["interval_end"].isna().tolist() == [False] * 6 + [True, True]  # 31 February
    assert frame.iloc[0]["interval_start"] == pd.Timestamp("2023-06-01 08:00", tz="Europe/Amsterdam")
    gaps = [n for n in notes if n.kind == "gap"]
    assert [(n.row, "consumption" in n.message) for n in gaps] == [(4, True), (4, False)]
    assert all("01-06-2023 08:15+02:00 to 01-06-2023 08:30+02:00" in n.message for n in gaps)


def test_engie_unknown_type_leaves_the_unit_empty_and_gas_is_single_tariff(tmp_path: Path) -> None:
    path = tmp_path / "engie.csv"
    path.write_text(
        '"Datum","EAN","Verbruik","Type","Piek"\n'
        '"2024-01-01T00:00:00+01:00","871687140013926764","1.5","Gas","true"\n'
        '"2024-01-01T00:00:00+01:00","871687120061402458","0.25","Warmte","true"\n'
        '"2024-01-01T00:00:00+01:00","871687120061402458","x","Elektriciteit","misschien"\n'
    )
    frame = engie_csv.read(path)
    assert frame["unit"].tolist()[:1] == ["m3"] and pd.isna(frame["unit"].iloc[1])
    assert frame["tariff"].iloc[0] == "single"
    assert frame["tariff"].isna().tolist() == [False, True, True]
    assert np.isnan(frame["quantity"].iloc[2])


def test_engie_empty_verbruik_keeps_its_hour_and_is_refused_not_dropped(tmp_path: Path) -> None:
    """ENGIE writes a row per EAN and hour: an empty Verbruik is that hour's figure lost (profile key
    long.empty_value: refused), unlike a wide layout's empty cell, which is no reading."""
    path = tmp_path / "engie.csv"
    path.write_text(
        '"Datum","EAN","Verbruik","Type","Piek"\n'
        '"2024-01-01T00:00:00+01:00","871687120061402458","0.5","Elektriciteit","true"\n'
        '"2024-01-01T01:00:00+01:00","871687120061402458","","Elektriciteit","true"\n'
        '"2024-01-01T02:00:00+01:00","871687120061402458","0.25","Elektriciteit","false"\n'
    )
    frame = engie_csv.read(path)
    assert frame["source_row"].tolist() == [2, 3, 4]
    assert frame["quantity"].iloc[[0, 2]].tolist() == [0.5, 0.25] and np.isnan(frame["quantity"].iloc[1])
    assert frame["interval_start"].iloc[1] == pd.Timestamp("2024-01-01 01:00", tz="Europe/Amsterdam")
    assert frame["interval_end"].iloc[1] == pd.Timestamp("2024-01-01 02:00", tz="Europe/Amsterdam")


def test_a_workbook_is_never_read_as_a_text_format(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path,
        [
            ["Begin", "Einde", "Verbruik", "Eenheid", "Status"],
            ["2024-01-01T00:00:00+01:00", "2024-01-01T00:15:00+01:00", "1,2", "kWh", "Gemeten"],
        ],
    )
    with pytest.raises(InputFileError, match="not a known source format"):
        detect_format(path)


def test_notes_are_capped_per_kind(tmp_path: Path) -> None:
    lines = ["eancodeasn,meternummer,meterreadingdate,reading1,usage1,reading2,usage2"]
    for day in range(60):
        date = (dt.date(2024, 1, 1) + dt.timedelta(days=day)).strftime("%d-%m-%Y")
        lines.append(f"{HOUSE_ELECTRICITY},E1,{date},{10 if day % 2 == 0 else 5},,,")
    path = tmp_path / "liander.csv"
    path.write_text("\n".join(lines) + "\n")
    frame, notes = liander_csv.read_with_report(path)
    resets = [n for n in notes if n.kind == "counter_reset"]
    assert len(resets) == 21
    assert sum(n.count for n in resets) == 30
    assert resets[-1].row is None and "10 more" in resets[-1].message
    assert frame["quantity"].isna().sum() == 30


def test_impossible_dates_with_an_offset_are_missing_not_rolled_over() -> None:
    """DuckDB 1.5 rolls 31 February over to 3 March when TRY_STRPTIME gets a list of %z formats."""
    instants = instant(pa.array(["2023-02-31T09:15+0200", "2023-02-28T09:15+0100"]))
    assert instants.isna().tolist() == [True, False]
    parsed = dutch_instant(
        pa.array(["31-02-2023 09:15:00 +0200", "29-10-2023 02:00:00 +0100", "29-10-2023 02:30"])
    )
    assert pd.isna(parsed.iloc[0])
    assert parsed.iloc[1] == pd.Timestamp("2023-10-29T02:00:00+01:00")
    assert pd.isna(parsed.iloc[2])  # the doubled hour without an offset is ambiguous
