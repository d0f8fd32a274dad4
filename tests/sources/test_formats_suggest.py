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

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from footprint.errors import ConfigError, InputFileError
from footprint.sources import suggest_table
from footprint.sources.cell_text import excel_text
from footprint.sources.meter_profile import load_profile, profile_format
from footprint.sources.profile_preview import preview
from footprint.sources.suggest import profile_name, suggest_profile
from footprint.sources.suggest_columns import read_words

SAMPLES = Path(__file__).parent / "real_samples"
DSMR = SAMPLES / "DSMR-reader" / "dsmrreader-data-export-hour.csv"
SMP = SAMPLES / "SlimmeMeterPortal" / "data_2023_871687120058657526.xlsx"
GREENCHOICE = SAMPLES / "GreenChoice" / "meterstanden_stroom_2023.csv"
FLUVIUS = (
    SAMPLES / "Fluvius" / "Consumption_history_electricity_541448820052377134_20231022_20250426_15 minute totals.csv"
)
# Stand-in EANs for files that name none (valid check digits, in the electricity and gas ranges); the
# SlimmeMeterPortal and Fluvius tests pass the EAN their file's name holds.
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
    assert (shown.gaps, shown.doubled, shown.clock_days) == (0, [], [])


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
    assert "date_column: Datum  # GUESS: the cells are dates (the first number reaches 19: day first)" in text


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


# --- odd files: a totals line, junk, placeholder EANs, register codes, resets, UTC, 24:00, doubled channels --


def _hours(count: int, first: str = "2024-01-01 00:00") -> pd.DatetimeIndex:
    return pd.date_range(first, periods=count, freq="h")


def _profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "draft.profile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_totals_line_keeps_the_time_axis_and_becomes_drop_rows(write_file: Callable[..., Path], tmp_path: Path) -> None:
    rows = [f"{m:%d-%m-%Y %H:%M};{h % 3},5;0,{h % 2}" for h, m in enumerate(_hours(100))]
    export = write_file("Datum;Levering (kWh);Teruglevering (kWh)\n" + "\n".join(rows) + "\nTotaal;200,0;5,0\n")
    text = suggest_profile(export).text
    assert 'column: Datum  # GUESS' in text and "interval: 1h  # GUESS" in text
    assert "drop_rows:  # GUESS: rows whose 'Datum' holds 'Totaal'" in text and "values: [Totaal]" in text
    frame, notes = profile_format(_profile(tmp_path, text)).read_with_report(export, ean=ELECTRICITY_EAN)
    with export.open(newline="", encoding="utf-8") as handle:
        cells = [row for row in csv.DictReader(handle, delimiter=";") if row["Datum"] != "Totaal"]
    for column, direction in (("Levering (kWh)", "consumption"), ("Teruglevering (kWh)", "feed_in")):
        got = frame.loc[frame["direction"] == direction, "quantity"]
        assert (len(got), got.sum()) == (100, pytest.approx(sum(float(r[column].replace(",", ".")) for r in cells)))
    assert not [n for n in notes if n.kind == "unreadable_time"]


def test_two_junk_lines_in_sixty_keep_the_time_axis(write_file: Callable[..., Path]) -> None:
    rows = "".join(f"{m:%Y-%m-%d %H:%M};{h % 3},5\n" for h, m in enumerate(_hours(60)))
    text = suggest_profile(write_file(f"Tijdstip;Verbruik kWh\n{rows}einde export;\nexport door portaal;\n")).text
    assert "column: Tijdstip  # GUESS" in text  # 2 of 62 time cells (3%) without a shape: within the 5% allowed


def test_a_file_whose_number_column_is_mostly_junk_is_refused_naming_the_header(write_file: Callable[..., Path]) -> None:
    rows = "".join(f"{m:%Y-%m-%d %H:%M};{h % 3},5\n" for h, m in enumerate(_hours(30)))
    export = write_file("Datum;Verbruik kWh\n" + rows + "x;y;z\n" * 3)  # 3 of 33 value cells (9%) are words
    with pytest.raises(InputFileError, match="no register column found.*the header: 'Datum', 'Verbruik kWh'"):
        suggest_profile(export)


def test_without_a_time_column_every_placeholder_is_a_todo(write_file: Callable[..., Path]) -> None:
    text = suggest_profile(write_file("Naam;Verbruik kWh\n" + "".join(f"kamer {i};{i},5\n" for i in range(1, 20)))).text
    assert "column: TODO  # TODO:" in text
    assert "formats: [TODO]  # TODO: its format" in text


def test_one_timestamp_gets_its_own_interval_todo(write_file: Callable[..., Path]) -> None:
    text = suggest_profile(write_file("Tijdstip;Verbruik kWh\n2024-01-01 00:00;1,5\n")).text
    line = next(line for line in text.splitlines() if line.startswith("  interval:"))
    assert "fewer than two timestamps, so no step to go by" in line and "month" not in line


# Check digits by GS1 (weights 3 and 1 from the right over the first 17 digits): ...0127 sums to 83, check 7;
# ...0134 to 86, check 4; ...0999 to 112, check 8, not the 9 written: a placeholder.
METER_A, METER_B, PLACEHOLDER = "871687120000000127", "871687120000000134", "871687120000000999"


def test_one_placeholder_ean_keeps_the_ean_column_and_the_meters_apart(
    write_file: Callable[..., Path], tmp_path: Path
) -> None:
    rows = [f"{ean};{m:%Y-%m-%d %H:%M};{h % 3},5" for ean in (METER_A, METER_B) for h, m in enumerate(_hours(24))]
    export = write_file("EAN;Tijdstip;Levering kWh\n" + "\n".join([*rows, f"{PLACEHOLDER};2024-01-02 00:00;1,0"]) + "\n")
    text = suggest_profile(export).text
    assert f"ean:\n  column: EAN  # GUESS: 18-digit codes with valid check digits, e.g. {METER_A}" in text
    assert f"fail their check digit (e.g. {PLACEHOLDER})" in text
    shown = preview(profile_format(_profile(tmp_path, text)), export)
    expected: dict[str, list[float]] = defaultdict(list)
    with export.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            expected[row["EAN"]].append(float(row["Levering kWh"].replace(",", ".")))
    got = {t.ean: (t.rows, t.total) for t in shown.totals}
    assert got == {ean: (len(cells), pytest.approx(sum(cells))) for ean, cells in expected.items()}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_register_codes_in_the_header_name_direction_and_tariff(tmp_path: Path, kind: str) -> None:
    header = ["Tijdstip", "1.8.1 kWh", "1.8.2 kWh", "2.8.1 kWh", "2.8.2 kWh"]
    rows = [[f"{m:%Y-%m-%d %H:%M}", 1000 + 0.25 * h, 2000.0 + 0.5 * (h // 10), 10 + 0.1 * h, 20.0] for h, m in
            enumerate(pd.date_range("2024-01-01", periods=48, freq="15min"))]
    export = tmp_path / f"obis.{kind}"
    if kind == "csv":
        export.write_text("\n".join(";".join(map(str, r)) for r in [header, *rows]) + "\n", encoding="utf-8")
    else:
        book = openpyxl.Workbook()
        for row in [header, *rows]:
            book.active.append(row)
        book.save(export)
    loaded = load_profile(_profile(tmp_path, suggest_profile(export).text))
    assert [(c.column, c.direction, c.tariff, c.unit) for c in loaded.channels] == [
        ("1.8.1 kWh", "consumption", "low", "kWh"), ("1.8.2 kWh", "consumption", "high", "kWh"),
        ("2.8.1 kWh", "feed_in", "low", "kWh"), ("2.8.2 kWh", "feed_in", "high", "kWh"),
    ]
    assert loaded.values == "cumulative"


def test_readings_with_one_meter_exchange_stay_readings(write_file: Callable[..., Path], tmp_path: Path) -> None:
    # 60 daily readings rising 8.5 kWh a day; the meter is exchanged after day 30 and the new one starts at 3.0
    readings = [15000 + 8.5 * d for d in range(30)] + [3.0 + 8.5 * d for d in range(30)]
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    export = write_file("Datum;Meterstand (kWh)\n" + "".join(
        f"{day:%d-%m-%Y};{str(value).replace('.', ',')}\n" for day, value in zip(days, readings, strict=True)
    ))
    text = suggest_profile(export).text
    assert "values: cumulative  # GUESS:" in text and "falls 1 time (a reset or meter exchange?)" in text
    frame, _ = profile_format(_profile(tmp_path, text)).read_with_report(export, ean=ELECTRICITY_EAN)
    assert frame["quantity"].sum() == pytest.approx(58 * 8.5)  # 29 rises on each meter; the exchange day is unknown


def test_a_reading_header_over_numbers_that_rise_and_fall_is_a_todo(write_file: Callable[..., Path]) -> None:
    text = suggest_profile(write_file("Datum;Meterstand (kWh)\n" + "".join(f"{d:02d}-01-2024;{d % 4 + 1},5\n" for d in range(1, 29)))).text
    assert "values: usage  # TODO: the header 'Meterstand (kWh)' says 'meterstand' (a meter reading)" in text


def test_utc_stamps_are_judged_by_their_written_clock(write_file: Callable[..., Path]) -> None:
    rows = "".join(f"{m:%Y-%m-%dT%H:%M:%S}Z,{h % 3 + 0.5}\n" for h, m in enumerate(_hours(48)))
    text = suggest_profile(write_file("timestamp,consumption_kwh\n" + rows)).text
    # 00:00 UTC is 01:00 in Amsterdam in January: a start by the file's clock, one step after midnight by the local
    assert "marks: start  # TODO: the first row is written at 00:00 (UTC), 01:00 in local time" in text


def test_unix_time_at_local_midnight_is_a_start(write_file: Callable[..., Path]) -> None:
    days = pd.date_range("2024-01-01", periods=20, freq="D", tz="Europe/Amsterdam")
    text = suggest_profile(write_file(
        "Moment;Verbruik kWh\n" + "".join(f"{int(m.timestamp())};{d % 3},5\n" for d, m in enumerate(days))
    )).text
    assert "marks: start  # GUESS: the first row is written at 23:00 (UTC" in text and "by the local clock" in text


def test_a_time_column_writing_24_00_is_a_todo(write_file: Callable[..., Path]) -> None:
    # end-marked quarter hours of 1 and 2 January: each day's last one is written 24:00 of that day
    lines = [f"{day:02d}-01-2024;{15 * q // 60:02d}:{15 * q % 60:02d};1,25" for day in (1, 2) for q in range(1, 97)]
    text = suggest_profile(write_file("Datum;Tijd;Verbruik kWh\n" + "\n".join(lines) + "\n")).text
    assert "time_column: Tijd  # TODO: 2 cells read 24:00" in text


def test_date_and_time_that_do_not_read_together_are_a_todo(write_file: Callable[..., Path]) -> None:
    # 48 hours; at 03:00 and 13:00 each day the hour is written 25: 4 of 48 rows (8%) do not read
    lines = [f"{d:02d}-01-2024;{25 if h in (3, 13) else h:02d}:00;1,5" for d in (1, 2) for h in range(24)]
    text = suggest_profile(write_file("Datum;Tijd;Verbruik kWh\n" + "\n".join(lines) + "\n")).text
    assert "# TODO: only 92% of the rows' date and time read in this format" in text


def test_two_columns_of_one_channel_are_a_todo_and_the_preview_shows_the_doubled_intervals(
    write_file: Callable[..., Path], tmp_path: Path
) -> None:
    rows = "".join(f"{m:%Y-%m-%d %H:%M};{h % 3},5;{h % 2},25\n" for h, m in enumerate(_hours(24)))
    text = suggest_profile(write_file("Tijdstip;Verbruik kWh meter 1;Verbruik kWh meter 2\n" + rows)).text
    assert text.count("# TODO: reads as the same carrier, direction, tariff and unit as") == 2
    shown = preview(profile_format(_profile(tmp_path, text)), tmp_path / "export.csv", ELECTRICITY_EAN)
    # each of the 24 hours is read once from either column of its row (the first data row is line 2)
    assert [(d.count, d.times, d.rows, d.first_start) for d in shown.doubled] == [
        (24, 2, (2,), pd.Timestamp("2024-01-01 00:00", tz="Europe/Amsterdam"))
    ]


def test_a_net_column_is_left_out_with_its_reason(write_file: Callable[..., Path], tmp_path: Path) -> None:
    rows = "".join(f"{m:%Y-%m-%d %H:%M};{h % 3},5;0,5;{h % 3 - 0.5}\n".replace(".", ",") for h, m in enumerate(_hours(24)))
    text = suggest_profile(write_file("Tijdstip;Afname kWh;Invoeding kWh;Afname minus invoeding kWh\n" + rows)).text
    assert "column 'Afname minus invoeding kWh' is a net column (both 'afname' and 'invoeding')" in text
    assert [c.column for c in load_profile(_profile(tmp_path, text)).channels] == ["Afname kWh", "Invoeding kWh"]


def test_terug_levering_written_apart_is_feed_in_not_net() -> None:
    words = read_words("Terug levering kWh")
    assert (words.direction, words.net) == (("feed_in", "terug levering"), None)


def test_every_column_not_read_is_named(write_file: Callable[..., Path]) -> None:
    rows = "".join(f"{d:02d}-01-2024;E001;ok;{1000 + 8.5 * d}\n".replace(".", ",") for d in range(1, 29))
    text = suggest_profile(write_file("Datum;Meternummer;Opmerking;Meterstand (kWh)\n" + rows)).text
    assert "# TODO: column 'Meternummer' (e.g. 'E001') may be the meter's number" in text
    assert "# column 'Opmerking' holds text (e.g. 'ok'): not read" in text


def test_the_delimiter_names_the_route_that_chose_it(write_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    export = write_file("Tijdstip;Verbruik kWh\n" + "".join(f"{m:%Y-%m-%d %H:%M};{h % 3},5\n" for h, m in enumerate(_hours(24))))
    monkeypatch.setattr(suggest_table, "_duckdb_sniff", lambda data, path: None)
    assert "the first lines the same number of ways (DuckDB's sniff_csv could not tell)" in suggest_profile(export).text
    # DuckDB's default for a file it cannot split (a space-separated one): a character no line holds
    monkeypatch.setattr(suggest_table, "_duckdb_sniff", lambda data, path: ("|", 0))
    text = suggest_profile(export).text
    assert 'delimiter: ";"' in text and "DuckDB's sniff_csv chose '|', which splits too few of the first lines" in text


def test_excel_text_cells_are_the_text_inside() -> None:
    cells = pd.Series(['="871687120000000127"', "=871687120000000134", "871687120000000999", None], dtype="string")
    assert excel_text(cells).tolist() == [METER_A, METER_B, PLACEHOLDER, pd.NA]
