"""Fluvius consumption history (tests/sources/real_samples/Fluvius, MIT licence beside the samples).

Expected figures come from the csv module and written-out arithmetic, not from the adapter; the
literals were checked against that route once and pin the files.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources.meter_profile import builtin_format
from footprint.sources.registry import FORMATS, detect_format
from footprint.sources.text_head import read_head

fluvius_csv = builtin_format("fluvius_csv")

SAMPLES = Path(__file__).parent / "real_samples" / "Fluvius"
ELECTRICITY = SAMPLES / "Consumption_history_electricity_541448820052377134_20231022_20250426_15 minute totals.csv"
GAS = SAMPLES / "Consumption_history_gas_541448860018322037_20231022_20250426_hourly totals.csv"
# The connections' EANs, which the export puts only in its file name (the EAN column holds a placeholder).
ELECTRICITY_EAN = "541448820052377134"
GAS_EAN = "541448860018322037"
REGISTERS = {
    "Offtake Day": ("consumption", "high"),
    "Offtake Night": ("consumption", "low"),
    "Injection Day": ("feed_in", "high"),
    "Injection Night": ("feed_in", "low"),
    "Offtake": ("consumption", "single"),
}
HEADER = (
    "From (date);From (time);Until (date);Until (time);EAN code;Meter;Meter type;Register;Volume;Unit;"
    "Validation status;Caloric upper value;Description\n"
)


@pytest.fixture(scope="module")
def electricity() -> tuple[pd.DataFrame, list]:
    return fluvius_csv.read_with_report(ELECTRICITY, ean=ELECTRICITY_EAN)


@pytest.fixture(scope="module")
def gas() -> tuple[pd.DataFrame, list]:
    return fluvius_csv.read_with_report(GAS, ean=GAS_EAN)


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(enumerate(csv.DictReader(handle, delimiter=";"), start=2))


def _volume(cell: str) -> float:
    return float(cell.replace(",", "."))


def _day(frame: pd.DataFrame) -> pd.Series:
    return frame["interval_start"].dt.strftime("%Y-%m-%d")


@pytest.mark.parametrize("path", [ELECTRICITY, GAS], ids=["electricity", "gas"])
def test_detected_from_content_and_claimed_by_no_other_format(path: Path, tmp_path: Path) -> None:
    anonymous = tmp_path / "export.bin"
    anonymous.write_bytes(path.read_bytes())
    assert detect_format(anonymous).NAME == "fluvius_csv"
    head = read_head(anonymous)
    assert [fmt.NAME for fmt in FORMATS if fmt.sniff(head)] == ["fluvius_csv"]


@pytest.mark.parametrize("path", [ELECTRICITY, GAS], ids=["electricity", "gas"])
def test_the_placeholder_ean_is_refused_with_the_routes_to_give_one(path: Path) -> None:
    assert {row["EAN code"] for _, row in _rows(path)} == {'="123456879123456789"'}
    with pytest.raises(InputFileError) as caught:
        fluvius_csv.read(path)
    reason = caught.value.reason
    assert "'123456879123456789' fails its check digit" in reason
    assert "--ean" in reason and "footprint.yaml" in reason


def test_electricity_totals_per_register_match_the_cells(electricity: tuple[pd.DataFrame, list]) -> None:
    frame, notes = electricity
    expected: dict[tuple, list[float]] = defaultdict(list)
    empty = []
    for line, row in _rows(ELECTRICITY):
        if row["Volume"] == "":
            empty.append((line, row["Validation status"]))
            continue
        expected[REGISTERS[row["Register"]]].append(_volume(row["Volume"]))
    got = frame.groupby(["direction", "tariff"])["quantity"]
    assert {k: (int(n), round(float(s), 6)) for (k, n), s in zip(got.size().items(), got.sum())} == {
        k: (len(v), round(sum(v), 6)) for k, v in expected.items()
    }
    assert {k: (len(v), round(sum(v), 3)) for k, v in expected.items()} == {
        ("consumption", "high"): (3000, 723.492),
        ("consumption", "low"): (3819, 738.829),
        ("feed_in", "high"): (3000, 81.319),
        ("feed_in", "low"): (3819, 43.611),
    }
    assert empty == [(2, "No consumption"), (3, "No consumption")]
    assert [(n.kind, n.row) for n in notes if n.kind == "no_reading"] == [("no_reading", 2)]
    assert set(frame["ean"]) == {ELECTRICITY_EAN} and set(frame["unit"]) == {"kWh"}
    assert frame["estimated"].eq(False).all()  # every kept row is "Read"
    assert frame.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.METER_USAGE]


def test_electricity_intervals_and_the_doubled_autumn_hour(electricity: tuple[pd.DataFrame, list]) -> None:
    frame, _ = electricity
    first, last = frame.iloc[0], frame.iloc[-1]
    assert (first["source_row"], first["interval_start"].isoformat()) == (4, "2023-10-22T00:15:00+02:00")
    assert first["interval_end"].isoformat() == "2023-10-22T00:30:00+02:00"
    assert last["interval_end"].isoformat() == "2024-01-01T00:00:00+01:00"
    assert (frame["interval_end"] - frame["interval_start"]).eq(pd.Timedelta(minutes=15)).all()
    offtake = frame[frame["direction"] == "consumption"]
    per_day = offtake.groupby(_day(offtake)).size()
    assert per_day["2023-10-29"] == 100
    assert per_day.drop(["2023-10-22", "2023-10-29"]).eq(96).all()  # 22-10 starts at 00:15
    autumn = offtake[_day(offtake) == "2023-10-29"]
    assert autumn["interval_start"].is_unique
    # Lines 1362 and 1364 both read "29/10/2023;02:00:00;29/10/2023;02:15:00": summer time first, then winter.
    # Lines 1374 ("02:45" to "02:00") and 1376 ("02:45" to "03:00") are the last quarter of each.
    placed = offtake.set_index("source_row").loc[[1362, 1364, 1374, 1376]]
    assert [t.isoformat() for t in placed["interval_start"]] == [
        "2023-10-29T02:00:00+02:00",
        "2023-10-29T02:00:00+01:00",
        "2023-10-29T02:45:00+02:00",
        "2023-10-29T02:45:00+01:00",
    ]
    assert [t.isoformat() for t in placed["interval_end"]] == [
        "2023-10-29T02:15:00+02:00",
        "2023-10-29T02:15:00+01:00",
        "2023-10-29T02:00:00+01:00",
        "2023-10-29T03:00:00+01:00",
    ]
    assert placed["quantity"].tolist() == [0.276, 0.261, 0.295, 0.286]


def test_gas_keeps_the_m3_rows_and_drops_their_kwh_twins(gas: tuple[pd.DataFrame, list]) -> None:
    frame, notes = gas
    m3 = [(line, _volume(row["Volume"])) for line, row in _rows(GAS) if row["Unit"] == "m³"]
    kwh = [line for line, row in _rows(GAS) if row["Unit"] == "kWh"]
    assert len(m3) == len(kwh) == 1699
    assert frame["source_row"].tolist() == [line for line, _ in m3]
    assert frame["quantity"].sum() == pytest.approx(sum(volume for _, volume in m3))
    assert round(sum(volume for _, volume in m3), 3) == 628.173
    assert set(zip(frame["ean"], frame["unit"], frame["direction"], frame["tariff"], strict=True)) == {
        (GAS_EAN, "m3", "consumption", "single")
    }
    twins = [n.message for n in notes if n.kind == "duplicate_unit"]
    assert len(twins) == 1 and "the 1699 kWh rows that repeat them are left out" in twins[0]


def test_gas_hours_and_the_doubled_autumn_hour(gas: tuple[pd.DataFrame, list]) -> None:
    frame, _ = gas
    assert frame.iloc[0]["interval_start"].isoformat() == "2023-10-22T06:00:00+02:00"
    assert (frame["interval_end"] - frame["interval_start"]).eq(pd.Timedelta(hours=1)).all()
    per_day = frame.groupby(_day(frame)).size()
    assert per_day["2023-10-29"] == 25
    # Line 330: "29/10/2023;02:00:00;29/10/2023;02:00:00" (summer 02:00 to winter 02:00); line 332: 02:00 to 03:00.
    placed = frame.set_index("source_row").loc[[330, 332]]
    assert [(s.isoformat(), e.isoformat()) for s, e in zip(placed["interval_start"], placed["interval_end"])] == [
        ("2023-10-29T02:00:00+02:00", "2023-10-29T02:00:00+01:00"),
        ("2023-10-29T02:00:00+01:00", "2023-10-29T03:00:00+01:00"),
    ]


def test_monthly_totals(electricity: tuple[pd.DataFrame, list], gas: tuple[pd.DataFrame, list]) -> None:
    for path, frame in [(ELECTRICITY, electricity[0]), (GAS, gas[0])]:
        expected: dict[tuple, float] = defaultdict(float)
        for _, row in _rows(path):
            if row["Volume"] != "" and (path == ELECTRICITY or row["Unit"] == "m³"):
                _, month, year = row["From (date)"].split("/")
                expected[(f"{year}-{month}", *REGISTERS[row["Register"]])] += _volume(row["Volume"])
        got = frame.groupby([frame["period"].dt.strftime("%Y-%m"), "direction", "tariff"])["quantity"].sum()
        assert {k: round(v, 6) for k, v in got.items()} == {k: round(v, 6) for k, v in expected.items()}


def test_a_gas_file_with_only_kwh_keeps_kwh_and_statuses_go_through_the_vocabulary(tmp_path: Path) -> None:
    meter = '="541448860018322037";7MIT1;Digital meter;Offtake'
    path = tmp_path / "gas.csv"
    path.write_bytes(
        (
            "\ufeff" + HEADER
            + f"10/01/2022;07:00:00;10/01/2022;08:00:00;{meter};5,445;kWh;Read;;\n"
            + f"10/01/2022;08:00:00;10/01/2022;09:00:00;{meter};5,005;kWh;Estimated;;\n"
            + f"10/01/2022;09:00:00;10/01/2022;10:00:00;{meter};4,697;kWh;Approved?;;\n"
        ).encode("utf-8")
    )
    frame, notes = fluvius_csv.read_with_report(path)  # the EAN column holds a valid EAN: the row's own
    assert frame["unit"].tolist() == ["kWh"] * 3 and frame["ean"].eq(GAS_EAN).all()
    assert frame["quantity"].tolist() == [5.445, 5.005, 4.697]
    assert frame["estimated"].tolist()[:2] == [False, True] and pd.isna(frame["estimated"].iloc[2])
    assert [(n.kind, n.row) for n in notes if n.kind == "unknown_word"] == [("unknown_word", 4)]
    assert any(n.kind == "duplicate_unit" and "only in kWh" in n.message for n in notes)


def test_the_dutch_export_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "verbruik.csv"
    path.write_text(
        "Van datum;Van tijdstip;Tot datum;Tot tijdstip;EAN;Meter;Metertype;Register;Volume;Eenheid;Validatiestatus\n"
        '12-10-2021;07:15:00;12-10-2021;07:30:00;="123456879123456789";1SAG1;Digitale Meter;Afname Dag;;kWh;'
        "Geen verbruik\n"
        '12-10-2021;07:30:00;12-10-2021;07:45:00;="123456879123456789";1SAG1;Digitale Meter;Afname Dag;0,067;kWh;'
        "Gevalideerd\n"
        '12-10-2021;07:30:00;12-10-2021;07:45:00;="123456879123456789";1SAG1;Digitale Meter;Injectie Nacht;0,001;'
        "kWh;Geschat\n",
        encoding="utf-8",
    )
    assert detect_format(path).NAME == "fluvius_csv"
    frame, notes = fluvius_csv.read_with_report(path, ean=ELECTRICITY_EAN)
    got = [(r.source_row, r.direction, r.tariff, r.quantity, r.estimated) for r in frame.itertuples()]
    assert got == [(3, "consumption", "high", 0.067, False), (4, "feed_in", "low", 0.001, True)]
    assert frame.iloc[0]["interval_start"].isoformat() == "2021-10-12T07:30:00+02:00"
    assert [n.message for n in notes if n.kind == "no_reading"] == [
        "1 row with an empty Volume (status 'Geen verbruik'): no reading, so no row"
    ]


def test_the_spring_day_and_a_time_in_the_skipped_hour(tmp_path: Path) -> None:
    """The samples hold no spring change: 01:45 to 03:00 is the quarter before it, 02:15 does not exist."""
    meter = '="";1SAG1;Digital meter;Offtake Night'
    path = tmp_path / "fluvius.csv"
    path.write_text(
        HEADER.replace(";Caloric upper value", "")
        + f"31/03/2024;01:45:00;31/03/2024;03:00:00;{meter};0,1;kWh;Read;\n"
        + f"31/03/2024;03:00:00;31/03/2024;03:15:00;{meter};0,2;kWh;Read;\n"
        + f"31/03/2024;02:15:00;31/03/2024;02:30:00;{meter};0,3;kWh;Read;\n",
        encoding="utf-8",
    )
    frame, notes = fluvius_csv.read_with_report(path, ean=ELECTRICITY_EAN)
    placed = [(s.isoformat(), e.isoformat()) for s, e in zip(frame["interval_start"][:2], frame["interval_end"][:2])]
    assert placed == [
        ("2024-03-31T01:45:00+01:00", "2024-03-31T03:00:00+02:00"),
        ("2024-03-31T03:00:00+02:00", "2024-03-31T03:15:00+02:00"),
    ]
    assert pd.isna(frame["interval_start"].iloc[2]) and frame["quantity"].iloc[2] == 0.3
    assert [(n.kind, "first on row 4" in n.message) for n in notes if n.kind == "unreadable_time"] == [
        ("unreadable_time", True)
    ]


def test_an_unknown_register_word_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fluvius.csv"
    path.write_text(
        HEADER.replace(";Caloric upper value", "")
        + '01/02/2024;00:00:00;01/02/2024;00:15:00;="";1SAG1;Digital meter;Offtake Peak hour;0,1;kWh;Read;\n'
        + '01/02/2024;00:00:00;01/02/2024;00:15:00;="";1SAG1;Digital meter;Export Night;0,2;kWh;Read;\n',
        encoding="utf-8",
    )
    frame, notes = fluvius_csv.read_with_report(path, ean=ELECTRICITY_EAN)
    # A register no channel lists keeps its row, its figure as written, with unit, direction and tariff empty.
    assert frame["quantity"].tolist() == [0.1, 0.2]
    assert frame[["unit", "direction", "tariff"]].isna().all().all()
    unknown = [n for n in notes if n.kind == "unknown_word"]
    assert [(n.row, "'Offtake Peak hour'" in n.message, "'Export Night'" in n.message) for n in unknown] == [
        (2, True, False),
        (3, False, True),
    ]
