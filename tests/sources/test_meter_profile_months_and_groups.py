"""The profile keys that made P1mon and Eneco/Oxxio profiles: calendar months (`time.interval: 1mo`),
readings at the end of their row's period (`time.reading_at`), a two-row header (`table.header_rows`),
a channel's own estimated column and `cross_checks`. The files are written here (constructed, 2026);
every expected figure is worked out by hand in the comments.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from footprint.errors import ConfigError
from footprint.sources.meter_profile import profile_format
from footprint.sources.meter_profile_header import joined_rows
from footprint.sources.registry import detect_format

EAN = "871687120000000004"
MONTHLY_USAGE = """name: monthly_usage_test
description: monthly usage, stamped with the month's end
source: constructed for this test (2026)
table:
  type: csv
  delimiter: ";"
  decimal: ","
  signature: [Maandeinde, Afname]
time:
  column: Maandeinde
  formats: ["%Y-%m-%d"]
  marks: end
  interval: 1mo
values: usage
channels:
  - column: Afname
    carrier: electricity
    direction: consumption
    unit: kWh
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_month_runs_from_the_first_to_the_first_across_the_clock_change(tmp_path: Path) -> None:
    profile = profile_format(_write(tmp_path, "monthly.yaml", MONTHLY_USAGE))
    export = _write(tmp_path, "export.csv", "Maandeinde;Afname\n2024-03-01;310,5\n2024-04-01;280\n2024-11-01;300\n")
    frame, _ = profile.read_with_report(export, ean=EAN)
    # marks: end, so the row of 1 April is March: 1 March 00:00 (+01:00) to 1 April 00:00 (+02:00), a month
    # of 31 days less the hour skipped on 31 March; the row of 1 November is October, 31 days and an hour.
    spans = list(zip(frame["interval_start"].astype(str), frame["interval_end"].astype(str), strict=True))
    assert spans == [
        ("2024-02-01 00:00:00+01:00", "2024-03-01 00:00:00+01:00"),
        ("2024-03-01 00:00:00+01:00", "2024-04-01 00:00:00+02:00"),
        ("2024-10-01 00:00:00+02:00", "2024-11-01 00:00:00+01:00"),
    ]
    assert (frame["interval_end"] - frame["interval_start"]).tolist() == [
        pd.Timedelta(days=29), pd.Timedelta(days=31, hours=-1), pd.Timedelta(days=31, hours=1)
    ]
    assert frame["period"].astype(str).tolist() == ["2024-02-01", "2024-03-01", "2024-10-01"]
    assert frame["quantity"].tolist() == [310.5, 280.0, 300.0]


def test_a_time_that_is_not_a_month_start_is_left_unread(tmp_path: Path) -> None:
    profile = profile_format(_write(tmp_path, "monthly.yaml", MONTHLY_USAGE))
    export = _write(tmp_path, "export.csv", "Maandeinde;Afname\n2024-03-01;10\n2024-03-15;20\n2024-05-01;30\n")
    frame, notes = profile.read_with_report(export, ean=EAN)
    unread = frame[frame["interval_start"].isna()]
    assert unread["source_row"].tolist() == [3] and unread["quantity"].tolist() == [20.0]
    assert any(n.kind == "unreadable_time" and "not the first of a month" in n.message for n in notes)


def test_a_monthly_profile_claims_month_starts_a_month_apart_only(tmp_path: Path) -> None:
    profile = profile_format(_write(tmp_path, "monthly.yaml", MONTHLY_USAGE))
    header = "Maandeinde;Afname\n"
    assert profile.sniff(header + "2024-01-01;1\n2024-02-01;2\n")
    assert profile.sniff(header + "2024-01-01;1\n2024-03-01;2\n2024-04-01;3\n")  # a month missing among others
    assert not profile.sniff(header + "2023-01-01;1\n2024-01-01;2\n")  # years
    assert not profile.sniff(header + "2024-01-01;1\n2024-01-02;2\n")  # days
    assert not profile.sniff(header + "2024-01-01;1\n")  # one row: nothing says months
    with pytest.raises(ConfigError, match=r"key time.interval .*1mo"):
        profile_format(_write(tmp_path, "bad.yaml", MONTHLY_USAGE.replace("interval: 1mo", "interval: 1 month")))


READINGS = """name: monthly_readings_test
description: monthly readings stamped with the month's first day, taken at its end
source: constructed for this test (2026)
table:
  type: xlsx
  signature: [Maand, Stand, StandX]
time:
  column: Maand
  formats: ["%Y-%m-%d"]
  interval: 1mo
  reading_at: period_end
values: cumulative
channels:
  - column: Stand
    carrier: electricity
    direction: consumption
    unit: kWh
cross_checks:
  - column: StandX
    holds: usage
    channels: [Stand]
    tolerance: 1
    share: 0.01
"""


def _workbook(tmp_path: Path, rows: list[list[object]], name: str = "export.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_readings_at_the_period_end_give_each_month_its_own_row(tmp_path: Path) -> None:
    profile = profile_format(_write(tmp_path, "readings.yaml", READINGS))
    export = _workbook(
        tmp_path,
        [
            ["Maand", "Stand", "StandX"],
            ["2024-01-01", 100, 0],
            ["2024-02-01", 150, 50],  # February: 150 - 100 = 50, as StandX says
            ["2024-03-01", 230, 60],  # March: 230 - 150 = 80; StandX 60 is off by 20 > max(1, 0.6): a note
            ["2024-05-01", 330, 100],  # April missing: 1 April to 1 June is two months, left empty
        ],
    )
    assert detect_format(export, own=[profile]).NAME == "monthly_readings_test"
    frame, notes = profile.read_with_report(export, ean=EAN)
    assert frame["source_row"].tolist() == [3, 4, 5]
    assert frame["interval_start"].astype(str).tolist() == [
        "2024-02-01 00:00:00+01:00", "2024-03-01 00:00:00+01:00", "2024-04-01 00:00:00+02:00"
    ]
    assert frame["interval_end"].astype(str).tolist()[-1] == "2024-06-01 00:00:00+02:00"
    assert frame["quantity"].tolist()[:2] == [50.0, 80.0] and pd.isna(frame["quantity"].iloc[2])
    assert [(n.kind, n.row) for n in notes if n.kind in ("spans_months", "usage_mismatch", "partial_period")] == [
        ("partial_period", 5), ("spans_months", 5), ("usage_mismatch", 4)
    ]
    mismatch = next(n.message for n in notes if n.kind == "usage_mismatch")
    assert "Stand 80, StandX 60" in mismatch
    assert "long_interval" not in {n.kind for n in notes}  # months of 29 to 31 days are one spacing


def test_a_period_end_reading_needs_cumulative_values_and_a_fixed_interval(tmp_path: Path) -> None:
    usage = READINGS.replace("values: cumulative", "values: usage")
    with pytest.raises(ConfigError, match="reading_at: period_end is for cumulative readings"):
        profile_format(_write(tmp_path, "usage.yaml", usage))
    with pytest.raises(ConfigError, match="reading_at: period_end needs a fixed interval"):
        profile_format(_write(tmp_path, "auto.yaml", READINGS.replace("interval: 1mo", "interval: auto")))
    with pytest.raises(ConfigError, match=r"cross_checks\.0.*no channel has 'Standen'"):
        profile_format(_write(tmp_path, "check.yaml", READINGS.replace("channels: [Stand]", "channels: [Standen]")))


def test_a_group_label_is_carried_right_and_put_in_front_of_each_name() -> None:
    rows = [
        ["", "Stroom [kWh]", "", "", "Gas [m3]", ""],
        ["Datum", "Verbruik laag", "Verbruik hoog", "Geschat?", "Verbruik", "Geschat?"],
    ]
    assert joined_rows(rows, 2)[1] == [
        "Datum", "Stroom [kWh] / Verbruik laag", "Stroom [kWh] / Verbruik hoog", "Stroom [kWh] / Geschat?",
        "Gas [m3] / Verbruik", "Gas [m3] / Geschat?",
    ]
    assert joined_rows(rows, 2)[0] == []  # the first row has no group row above it
    assert joined_rows(rows, 1) == rows


GROUPED = """name: grouped_test
description: a two-row header with a flag per group
source: constructed for this test (2026)
table:
  type: xlsx
  header_rows: 2
  signature: [Datum, "Stroom [kWh] / Verbruik"]
time:
  column: Datum
  formats: ["%Y-%m-%d"]
  interval: 1d
values: usage
channels:
  - column: Stroom [kWh] / Verbruik
    carrier: electricity
    direction: consumption
    unit: kWh
    estimated: {column: "Stroom [kWh] / Geschat?", words: {"Y": true, "N": false}}
  - column: Gas [m3] / Verbruik
    required: false
    carrier: gas
    direction: consumption
    unit: m3
    estimated: {column: "Gas [m3] / Geschat?", words: {"Y": true, "N": false}}
cross_checks:
  - column: Stroom [kWh] / Stand
    holds: readings
    channels: ["Stroom [kWh] / Verbruik"]
"""


def test_two_header_rows_name_each_column_and_each_group_flags_its_own_values(tmp_path: Path) -> None:
    profile = profile_format(_write(tmp_path, "grouped.yaml", GROUPED))
    export = _workbook(
        tmp_path,
        [
            [None, "Stroom [kWh]", None, None, "Gas [m3]", None, "Warmte [GJ]"],
            ["Datum", "Stand", "Verbruik", "Geschat?", "Verbruik", "Geschat?", "Verbruik"],
            ["2024-01-01", 100, 5, "N", 2, "Y", 1],
            ["2024-01-02", 105, 7, "Y", 3, "N", 1],  # 105 + 7 = 112, but the next day's reading is 120: a note
            ["2024-01-03", 120, 4, "N", 1, "?", 1],
        ],
    )
    assert detect_format(export, own=[profile]).NAME == "grouped_test"
    frame, notes = profile.read_with_report(export, ean=[EAN, "871687140000000002"])
    got = [(r.source_row, r.unit, r.quantity, r.estimated) for r in frame.itertuples()]
    assert got == [
        (3, "kWh", 5.0, False), (3, "m3", 2.0, True),
        (4, "kWh", 7.0, True), (4, "m3", 3.0, False),
        (5, "kWh", 4.0, False), (5, "m3", 1.0, pd.NA),  # "?" is no word of the flag: left empty, with a note
    ]
    assert [n.row for n in notes if n.kind == "usage_mismatch"] == [4]
    assert "Stroom [kWh] / Stand 105 -> 120 (a difference of 15)" in next(
        n.message for n in notes if n.kind == "usage_mismatch"
    )
    ignored = [n.message for n in notes if n.kind == "ignored_column"]
    assert len(ignored) == 1 and "'Warmte [GJ]'" in ignored[0]
    assert any(n.kind == "unknown_word" and "Gas [m3] / Geschat?" in n.message for n in notes)


def test_a_two_row_header_is_for_workbooks(tmp_path: Path) -> None:
    text = GROUPED.replace("type: xlsx", "type: csv")
    with pytest.raises(ConfigError, match="header_rows: 2 .* is for workbooks"):
        profile_format(_write(tmp_path, "grouped.yaml", text))
