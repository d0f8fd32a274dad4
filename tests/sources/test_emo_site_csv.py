"""Energie Manager Online website export (tests/sources/real_samples/EnergieManagerOnline/Site_2013.csv).

Expected figures come from the csv module and written-out arithmetic, not from the adapter; the
literals were checked against that route once and pin the file.
"""

from __future__ import annotations

import csv
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

emo_site_csv = builtin_format("emo_site_csv")

SAMPLE = Path(__file__).parent / "real_samples" / "EnergieManagerOnline" / "Site_2013.csv"
EAN = "871687120000000004"
YEAR_ROW = 367  # "2013-01-01 00:00;2014-01-01 00:00;1.528,53700;...": the year's total, the file's last line
REGISTERS = {
    "Verbruik laag tarief": ("consumption", "low", 1),
    "Verbruik hoog tarief": ("consumption", "high", 1),
    "Teruglevering laag tarief": ("feed_in", "low", -1),
    "Teruglevering hoog tarief": ("feed_in", "high", -1),
}
HEADER = (
    "Vanaf;Tot;Verbruik laag tarief;Verbruik hoog tarief;Teruglevering laag tarief;Teruglevering hoog tarief;"
    "Totaal;"
)


@pytest.fixture(scope="module")
def parsed() -> tuple[pd.DataFrame, list]:
    return emo_site_csv.read_with_report(SAMPLE, ean=EAN)


def _dutch(cell: str) -> float:
    return float(cell.replace(".", "").replace(",", "."))


def _day_rows() -> list[tuple[int, dict[str, str]]]:
    """(line, row) of every daily row: the year row is left out by its line, not by any rule of the adapter."""
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert rows[-1]["Vanaf"] == "2013-01-01 00:00" and rows[-1]["Tot"] == "2014-01-01 00:00"
    return [(line, row) for line, row in enumerate(rows[:-1], start=2)]


def _totals(frame: pd.DataFrame, by: list) -> dict[tuple, tuple[int, float]]:
    grouped = frame.groupby(by)["quantity"]
    return {key: (int(n), round(float(total), 6)) for (key, n), total in zip(grouped.size().items(), grouped.sum())}


def test_detected_from_content_and_claimed_by_no_other_format(tmp_path: Path) -> None:
    anonymous = tmp_path / "export.bin"
    anonymous.write_bytes(SAMPLE.read_bytes())
    assert detect_format(anonymous).NAME == "emo_site_csv"
    head = read_head(anonymous)
    assert [fmt.NAME for fmt in FORMATS if fmt.sniff(head)] == ["emo_site_csv"]


def test_totals_per_register_match_the_daily_cells_and_the_year_row_is_not_counted(
    parsed: tuple[pd.DataFrame, list],
) -> None:
    frame, notes = parsed
    expected: dict[tuple, list[float]] = defaultdict(list)
    for _, row in _day_rows():
        for column, (direction, tariff, sign) in REGISTERS.items():
            if row[column] != "":
                expected[(direction, tariff)].append(sign * _dutch(row[column]))
    assert _totals(frame, ["direction", "tariff"]) == {k: (len(v), round(sum(v), 6)) for k, v in expected.items()}
    assert {k: (len(v), round(sum(v), 3)) for k, v in expected.items()} == {
        ("consumption", "low"): (365, 1528.537),
        ("consumption", "high"): (363, 932.726),
        ("feed_in", "low"): (363, 266.129),
        ("feed_in", "high"): (363, 645.317),
    }
    assert len(frame) == 1454
    assert YEAR_ROW not in set(frame["source_row"])
    summary = [n for n in notes if n.kind == "summary_row"]
    assert [n.row for n in summary] == [YEAR_ROW]
    assert "spans the 365 rows inside it" in summary[0].message
    assert "Verbruik laag tarief 1528.537 vs 1528.537" in summary[0].message
    assert frame.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.METER_USAGE]
    assert (frame["quantity"] >= 0).all() and (frame["unit"] == "kWh").all() and (frame["ean"] == EAN).all()


def test_monthly_totals_match_the_daily_cells(parsed: tuple[pd.DataFrame, list]) -> None:
    frame, _ = parsed
    expected: dict[tuple, float] = defaultdict(float)
    for _, row in _day_rows():
        for column, (direction, _, sign) in REGISTERS.items():
            if row[column] != "":
                expected[(row["Vanaf"][:7], direction)] += sign * _dutch(row[column])
    got = frame.groupby([frame["period"].dt.strftime("%Y-%m"), "direction"])["quantity"].sum()
    assert {k: round(v, 6) for k, v in got.items()} == {k: round(v, 6) for k, v in expected.items()}
    assert round(expected[("2013-12", "consumption")], 3) == 410.017


def test_days_run_midnight_to_midnight_with_23_and_25_hours(parsed: tuple[pd.DataFrame, list]) -> None:
    frame, _ = parsed
    first, last = frame.iloc[0], frame.iloc[-1]
    assert (first["source_row"], first["interval_start"].isoformat()) == (2, "2013-01-01T00:00:00+01:00")
    assert first["interval_end"].isoformat() == "2013-01-02T00:00:00+01:00"
    assert (last["source_row"], last["interval_start"].isoformat()) == (366, "2013-12-31T00:00:00+01:00")
    assert last["interval_end"].isoformat() == "2014-01-01T00:00:00+01:00"
    hours = (frame["interval_end"] - frame["interval_start"]).groupby(frame["interval_start"].dt.strftime("%m-%d"))
    lengths = hours.first()
    assert lengths["03-31"] == pd.Timedelta(hours=23)
    assert lengths["10-27"] == pd.Timedelta(hours=25)
    assert lengths.drop(["03-31", "10-27"]).eq(pd.Timedelta(hours=24)).all()


def test_feed_in_written_negative_is_a_positive_feed_in(parsed: tuple[pd.DataFrame, list]) -> None:
    frame, notes = parsed
    # 2013-12-30 00:00;2013-12-31 00:00;5,85000;8,75000;0,00000;-0,71500;13,88500;
    row = frame[frame["source_row"] == 365]
    assert row[["direction", "tariff", "quantity"]].values.tolist() == [
        ["consumption", "low", 5.85],
        ["consumption", "high", 8.75],
        ["feed_in", "low", 0.0],
        ["feed_in", "high", 0.715],
    ]
    assert 5.85 + 8.75 + 0 - 0.715 == pytest.approx(13.885)  # Totaal is the net of the registers as written
    assert not [n for n in notes if n.kind in ("usage_mismatch", "negative_usage")]
    assert np.signbit(frame["quantity"].to_numpy()).sum() == 0  # no -0.0 from a feed-in of 0,00000


def test_empty_cells_give_no_rows_and_a_missing_feed_in_day_is_a_gap(parsed: tuple[pd.DataFrame, list]) -> None:
    frame, notes = parsed
    # 2013-04-24 and 2013-04-25 hold only "Verbruik laag tarief".
    assert frame[frame["source_row"].isin([115, 116])]["tariff"].tolist() == ["low", "low"]
    gaps = [n for n in notes if n.kind == "gap"]
    assert [n.row for n in gaps] == [117]
    assert "feed_in" in gaps[0].message and "(2 missing)" in gaps[0].message


def test_a_summary_row_anywhere_is_left_out_and_a_long_row_covering_nothing_is_kept(write_file) -> None:
    path = write_file(
        HEADER + "\n"
        "2024-01-01 00:00;2024-01-02 00:00;1,00000;2,00000;0,00000;-0,50000;2,50000;\n"
        "2024-01-01 00:00;2024-01-03 00:00;3,00000;5,00000;0,00000;-0,50000;7,50000;\n"
        "2024-01-02 00:00;2024-01-03 00:00;2,00000;3,00000;0,00000;0,00000;5,00000;\n"
        "2024-01-03 00:00;2024-01-04 00:00;1,00000;1,00000;0,00000;0,25000;3,00000;\n"
        "2024-01-05 00:00;2024-01-08 00:00;4,00000;4,00000;0,00000;0,00000;8,00000;\n",
        name="site.csv",
    )
    frame, notes = emo_site_csv.read_with_report(path, ean=EAN)
    assert sorted(set(frame["source_row"])) == [2, 4, 5, 6]
    assert [n.row for n in notes if n.kind == "summary_row"] == [3]
    # Row 5 writes its feed-in positive, against the layout: negative usage, quarantined, with notes.
    assert frame[(frame["source_row"] == 5) & (frame["tariff"] == "high")]["quantity"].tolist()[-1] == -0.25
    assert [n.row for n in notes if n.kind == "usage_mismatch"] == [5]
    assert any(n.kind == "negative_usage" for n in notes)


def test_a_file_without_feed_in_values_has_no_feed_in_rows(write_file) -> None:
    path = write_file(
        HEADER + "\n2024-01-01 00:00;2024-01-02 00:00;1,5;2;;;3,5;\n2024-01-02 00:00;2024-01-03 00:00;1;x;;;1;\n",
        name="site.csv",
    )
    frame, notes = emo_site_csv.read_with_report(path, ean=EAN)
    assert set(frame["direction"]) == {"consumption"}
    assert np.isnan(frame[frame["source_row"] == 3]["quantity"].iloc[1])  # "x" is quarantined, not dropped
    assert [n.kind for n in notes if n.kind == "no_readings"] == ["no_readings"]


def test_the_export_names_no_meter() -> None:
    with pytest.raises(InputFileError, match="no EAN in this file"):
        emo_site_csv.read(SAMPLE)
    with pytest.raises(InputFileError, match="holds electricity data"):
        emo_site_csv.read(SAMPLE, ean="gas=871687140000000002")
