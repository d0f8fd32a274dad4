"""`footprint formats suggest`: a draft profile of a real export, with only the edits a user would type,
reads the export to the totals a different route gives (the csv module's or python-calamine's cells).

Real samples (tests/sources/real_samples, see LICENSE-samples.txt beside them): DSMR-reader hour totals
(2024), a SlimmeMeterPortal quarter-hour workbook (2023), GreenChoice daily meter readings (2023) and a
Fluvius 15-minute long-layout export (2023-2025).
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from footprint.errors import ConfigError, InputFileError
from footprint.sources.meter_profile import load_profile, profile_format
from footprint.sources.profile_preview import preview
from footprint.sources.suggest import profile_name, suggest_profile

SAMPLES = Path(__file__).parent / "real_samples"
DSMR = SAMPLES / "DSMR-reader" / "dsmrreader-data-export-hour.csv"
SMP = SAMPLES / "SlimmeMeterPortal" / "data_2023_871687120058657526.xlsx"
GREENCHOICE = SAMPLES / "GreenChoice" / "meterstanden_stroom_2023.csv"
FLUVIUS = (
    SAMPLES / "Fluvius" / "Consumption_history_electricity_541448820052377134_20231022_20250426_15 minute totals.csv"
)
# No real EAN is in these files: stand-ins with valid check digits, in the electricity and gas ranges.
ELECTRICITY_EAN, GAS_EAN = "871687120000000004", "871687140000000002"


def typed(text: str, after: str, old: str, new: str) -> str:
    """A user's edit: `old` replaced by `new` at its first place below the line holding `after`."""
    start = text.index(after)
    at = text.index(old, start)
    return text[:at] + new + text[at + len(old) :]


def drafted(tmp_path: Path, sample: Path, edits: list[tuple[str, str, str, str]]) -> Path:
    """The draft of `sample` as suggest writes it, with the edits typed into it."""
    text = suggest_profile(sample).text
    for why, after, old, new in edits:
        assert why
        text = typed(text, after, old, new)
    path = tmp_path / f"{sample.stem}.profile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def assert_totals(frame: pd.DataFrame, expected: dict[tuple[str, str, str], tuple[int, float]]) -> None:
    """Rows and total per (direction, tariff, unit) of the canonical frame against the other route's."""
    grouped = frame.groupby(["direction", "tariff", "unit"])["quantity"]
    got = {key: (int(rows), float(total)) for key, rows, total in
           zip(grouped.size().index, grouped.size(), grouped.sum(), strict=True)}
    assert sorted(got) == sorted(expected)
    for key, (rows, total) in expected.items():
        assert got[key][0] == rows, key
        assert got[key][1] == pytest.approx(total, abs=1e-6), key


# --- DSMR-reader: hourly usage, electricity and gas, no EAN in the file -----------------------------

DSMR_CHANNELS = {  # column -> (direction, tariff, unit), from DSMR-reader's documentation of its export
    "Electricity 1 (Dutch Users: Low Tariff)": ("consumption", "low", "kWh"),
    "Electricity 2 (Dutch Users: Normal Tariff)": ("consumption", "high", "kWh"),
    "Electricity 1 Returned (Dutch Users: Low Tariff)": ("feed_in", "low", "kWh"),
    "Electricity 2 Returned (Dutch Users: Normal Tariff)": ("feed_in", "high", "kWh"),
    "Gas": ("consumption", "single", "m3"),
}
DSMR_EDITS = [
    # The header names no unit: the user writes the one DSMR-reader documents for each register.
    *((f"electricity in kWh ({column})", f'- column: "{column}"', "unit: TODO", f"unit: {unit}")
      for column, (_, _, unit) in DSMR_CHANNELS.items() if column != "Gas"),
    ("gas in m3", "- column: Gas", "unit: TODO", "unit: m3"),
]


def test_dsmr_reader_draft_reads_the_csv_sums(tmp_path: Path) -> None:
    profile = drafted(tmp_path, DSMR, DSMR_EDITS)
    loaded = load_profile(profile)
    assert (loaded.table.delimiter, loaded.table.decimal, loaded.values) == (",", ".", "usage")
    assert (loaded.time.column, loaded.time.formats, loaded.time.marks, loaded.time.interval) == (
        "Hour Start", ("iso",), "start", "1h"
    )
    frame, _ = profile_format(profile).read_with_report(DSMR, ean=[f"electricity={ELECTRICITY_EAN}", f"gas={GAS_EAN}"])
    expected: dict[tuple[str, str, str], tuple[int, float]] = {}
    with DSMR.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for column, key in DSMR_CHANNELS.items():
        cells = [float(row[column]) for row in rows if row[column] != ""]
        expected[key] = (len(cells), round(sum(cells), 6))
    assert_totals(frame, expected)
    assert set(frame.loc[frame["unit"] == "m3", "ean"]) == {GAS_EAN}


# --- SlimmeMeterPortal: quarter hours ending at the timestamp, decimal commas, a workbook ------------

SMP_CHANNELS = {  # column -> (direction, tariff): levering is consumption, normaal the high tariff
    "levering_normaal": ("consumption", "high"),
    "levering_laag": ("consumption", "low"),
    "teruglevering_normaal": ("feed_in", "high"),
    "teruglevering_laag": ("feed_in", "low"),
}
SMP_EDITS = [
    # The header names no unit: the portal's quarter hours are kWh (its download page says so).
    (f"kWh ({column})", f"- column: {column}", "unit: TODO", "unit: kWh") for column in SMP_CHANNELS
]


def test_slimmemeterportal_draft_reads_the_calamine_sums(tmp_path: Path) -> None:
    profile = drafted(tmp_path, SMP, SMP_EDITS)
    loaded = load_profile(profile)
    assert (loaded.table.type, loaded.table.decimal, loaded.time.formats) == ("xlsx", ",", ("dutch",))
    assert (loaded.time.marks, loaded.time.interval) == ("end", "15min")
    frame, _ = profile_format(profile).read_with_report(SMP, ean="871687120058657526")
    rows = CalamineWorkbook.from_path(str(SMP)).get_sheet_by_index(0).to_python()
    header = rows[0]
    expected: dict[tuple[str, str, str], tuple[int, float]] = defaultdict(lambda: (0, 0.0))
    for column, (direction, tariff) in SMP_CHANNELS.items():
        at = header.index(column)
        cells = [float(str(row[at]).replace(",", ".")) for row in rows[1:] if str(row[at]) not in ("", "-")]
        expected[(direction, tariff, "kWh")] = (len(cells), round(sum(cells), 6))
    assert_totals(frame, dict(expected))
    # The first cell is "01-01-2023 00:15:00 +0100", the END of the year's first quarter hour.
    first = frame.sort_values("interval_start").iloc[0]
    assert first["interval_start"] == pd.Timestamp("2023-01-01 00:00", tz="Europe/Amsterdam")
    assert first["interval_end"] == pd.Timestamp("2023-01-01 00:15", tz="Europe/Amsterdam")


def test_suggest_on_the_year_workbook_takes_a_few_seconds() -> None:
    began = time.perf_counter()
    suggest_profile(SMP)
    assert time.perf_counter() - began < 10


# --- GreenChoice: cumulative daily readings, newest first -------------------------------------------

GREENCHOICE_REGISTERS = {
    "StandNormaal": ("consumption", "high"),
    "StandDal": ("consumption", "low"),
    "TerugleveringNormaal": ("feed_in", "high"),
    "TerugleveringDal": ("feed_in", "low"),
}
GREENCHOICE_EDITS = [
    # The header names no unit: GreenChoice's electricity readings are whole kWh.
    (f"kWh ({column})", f"- column: {column}", "unit: TODO", "unit: kWh") for column in GREENCHOICE_REGISTERS
]


def test_greenchoice_draft_turns_readings_into_usage(tmp_path: Path) -> None:
    profile = drafted(tmp_path, GREENCHOICE, GREENCHOICE_EDITS)
    loaded = load_profile(profile)
    assert loaded.values == "cumulative"
    assert (loaded.time.date_column, loaded.time.formats) == ("OpnameDatum", ("%Y-%m-%d",))
    assert {c.carrier for c in loaded.channels} == {"electricity"}
    frame, notes = profile_format(profile).read_with_report(GREENCHOICE, ean=ELECTRICITY_EAN)
    with GREENCHOICE.open(newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle, delimiter=";"), key=lambda row: row["OpnameDatum"])
    expected = {
        (direction, tariff, "kWh"): (len(rows) - 1, float(rows[-1][column]) - float(rows[0][column]))
        for column, (direction, tariff) in GREENCHOICE_REGISTERS.items()
    }
    assert_totals(frame, expected)
    assert not [n for n in notes if n.kind in ("counter_reset", "spans_months")]


# --- Fluvius: a long layout (a Register column naming the channels), units from a Unit column -------


def test_fluvius_long_layout_draft_loads_without_edits(tmp_path: Path) -> None:
    profile = drafted(tmp_path, FLUVIUS, [])
    loaded = load_profile(profile)
    assert loaded.long is not None and (loaded.long.type_column, loaded.long.value_column) == ("Register", "Volume")
    axis = loaded.time
    assert (axis.date_column, axis.time_column, axis.marks) == ("From (date)", "From (time)", "start")
    # The EAN code column holds a placeholder whose check digit fails: the draft says so and asks for --ean.
    assert "fail their check digit" in profile.read_text(encoding="utf-8")
    frame, _ = profile_format(profile).read_with_report(FLUVIUS, ean="541448820052377134")
    words = {"Offtake": "consumption", "Injection": "feed_in", "Day": "high", "Night": "low"}
    expected: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    with FLUVIUS.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            if row["Volume"]:
                flow, period = row["Register"].split()
                expected[(words[flow], words[period], row["Unit"])].append(float(row["Volume"].replace(",", ".")))
    assert_totals(frame, {k: (len(v), round(sum(v), 6)) for k, v in expected.items()})


# --- unknown files written inline -------------------------------------------------------------------


def _quarter_hours(first_day: int, days: int, at_end: bool = False) -> list[str]:
    moments = pd.date_range(f"2024-03-{first_day:02d} 00:00", periods=96 * days, freq="15min")
    if at_end:
        moments = moments + pd.Timedelta(minutes=15)
    return [f"{m:%d-%m-%Y};{m:%H:%M}" for m in moments]


def test_suggest_marks_every_guess_and_the_draft_reads(write_file: Callable[..., Path], tmp_path: Path) -> None:
    lines = [f"{stamp};0,25;0,00" for stamp in _quarter_hours(13, 2)]
    export = write_file("Datum;Tijd;Levering (kWh);Teruglevering (kWh)\n" + "\n".join(lines) + "\n", name="meter.csv")
    text = suggest_profile(export).text
    for line in (
        'delimiter: ";"  # GUESS:',
        'decimal: ","  # GUESS:',
        "date_column: Datum  # GUESS:",
        "time_column: Tijd  # GUESS:",
        'formats: ["%d-%m-%Y %H:%M"]  # GUESS:',
        "marks: start  # GUESS: the first row is at 00:00",
        "interval: 15min  # GUESS:",
        "unit: kWh  # GUESS: the word 'kwh'",
        "direction: feed_in  # GUESS: the word 'teruglevering'",
        "direction: consumption  # GUESS: the word 'levering'",
    ):
        assert line in text
    guessed = ("delimiter", "decimal", "date_column", "time_column", "formats", "marks", "interval", "values",
               "carrier", "direction", "tariff", "unit")
    for line in text.splitlines():
        key = line.strip().removeprefix("- ").split(":")[0]
        if key in guessed:
            assert "# GUESS:" in line or "# TODO:" in line, line
    profile = tmp_path / "meter.profile.yaml"
    profile.write_text(text, encoding="utf-8")
    shown = preview(profile_format(profile), export, ELECTRICITY_EAN)
    # 2 days x 96 quarter hours of 0.25 kWh consumption and 0.00 feed-in
    by_direction = {(t.direction, t.unit): (t.rows, t.total) for t in shown.totals}
    assert by_direction == {("consumption", "kWh"): (192, pytest.approx(48.0)), ("feed_in", "kWh"): (192, 0.0)}
    assert shown.intervals == [(pd.Timedelta(minutes=15), 384)]
    assert shown.gaps == [] and shown.clock_days == []


def test_first_row_one_step_after_midnight_is_guessed_the_end(write_file: Callable[..., Path]) -> None:
    lines = [f"{stamp};1,5" for stamp in _quarter_hours(13, 1, at_end=True)]
    export = write_file("Datum;Tijd;Verbruik kWh\n" + "\n".join(lines) + "\n")
    assert "marks: end  # GUESS: the first row is at 00:15, one step after midnight" in suggest_profile(export).text


def test_unknown_unit_is_a_todo_the_profile_check_names(write_file: Callable[..., Path], tmp_path: Path) -> None:
    export = write_file(
        "Tijdstip,Waarde\n" + "".join(f"2024-05-01T{h:02d}:00:00+02:00,{h % 3 + 0.5}\n" for h in range(24))
    )
    text = suggest_profile(export).text
    assert "unit: TODO  # TODO: the file names no unit" in text
    assert "carrier: TODO  # TODO: nothing says the carrier" in text
    profile = tmp_path / "waarde.profile.yaml"
    profile.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_profile(profile)
    assert "key channels.0.unit" in str(refused.value) and "key channels.0.carrier" in str(refused.value)


def test_a_header_with_yaml_and_terminal_characters_stays_one_column(
    write_file: Callable[..., Path], tmp_path: Path
) -> None:
    odd = 'Stroom kWh: "net" # \x1b[31m'
    body = "".join(f"2024-05-01 {h:02d}:00;{h % 4},5\n" for h in range(1, 24))  # rising and falling: usage
    export = write_file(f'Moment;"{odd.replace(chr(34), chr(34) * 2)}"\n{body}')
    text = suggest_profile(export).text
    assert "\x1b" not in text
    profile = tmp_path / "odd.profile.yaml"
    profile.write_text(text, encoding="utf-8")
    loaded = load_profile(profile)
    assert [c.column for c in loaded.channels] == [odd]
    frame, _ = profile_format(profile).read_with_report(export, ean=ELECTRICITY_EAN)
    assert frame["quantity"].sum() == pytest.approx(sum(h % 4 + 0.5 for h in range(1, 24)))


def test_a_preamble_above_the_header_is_skipped(write_file: Callable[..., Path]) -> None:
    body = "".join(f"{d:02d}-01-2024;{d},5\n" for d in range(1, 20))
    export = write_file(f"EAN;871687120058657526\nPeriode;2024\n\nDatum;Verbruik (kWh)\n{body}")
    text = suggest_profile(export).text
    assert "header on line 4" in text
    assert "date_column: Datum  # GUESS: every cell is a date (the first number reaches 19: day first)" in text


def test_a_wrong_column_in_the_profile_is_one_message_naming_the_key(tmp_path: Path) -> None:
    profile = drafted(tmp_path, DSMR, [*DSMR_EDITS, ("a typo", "- column: Gas", "Gas", "Gaz")])
    with pytest.raises(InputFileError) as refused:
        profile_format(profile).read_with_report(DSMR, ean=[f"electricity={ELECTRICITY_EAN}", f"gas={GAS_EAN}"])
    message = str(refused.value)
    assert "missing column 'Gaz'" in message and "key channels.4.column" in message and profile.name in message


def test_a_file_without_a_header_is_refused(write_file: Callable[..., Path]) -> None:
    export = write_file("1;2;3\n4;5;6\n7;8;9\n")
    with pytest.raises(InputFileError, match="no header line"):
        suggest_profile(export)


@pytest.mark.parametrize(
    ("stem", "name"),
    [
        ("data_2023_871687120058657526", "data_2023"),
        ("Consumption_history_electricity_541448820052377134_20231022_20250426_15 minute totals",
         "consumption_history_electricity_15_minute_totals"),
        ("2024 export", "export_2024_export"),
    ],
)
def test_profile_name_from_the_file_name(stem: str, name: str) -> None:
    assert profile_name(stem) == name
