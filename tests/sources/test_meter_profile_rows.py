"""The profile keys that let a row's own cells or its order say what it measures and when (Fluvius, Liander):
`time.ambiguous: order`, `time.end_date_column`, `table.aliases`, `unit: {column, prefer}` and `row_carrier`.

Expected figures are counted here from the cells with the csv module or written out by hand.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from footprint.errors import ConfigError
from footprint.sources.meter_profile import (
    builtin_format,
    builtin_profile_dir,
    profile_format,
)

fluvius_csv = builtin_format("fluvius_csv")
liander_csv = builtin_format("liander_csv")
WriteFile = Callable[..., Path]

SAMPLES = Path(__file__).parent / "real_samples" / "Fluvius"
ELECTRICITY = SAMPLES / "Consumption_history_electricity_541448820052377134_20231022_20250426_15 minute totals.csv"
ELECTRICITY_EAN = "541448820052377134"
FLUVIUS_HEADER = (
    "From (date);From (time);Until (date);Until (time);EAN code;Meter;Meter type;Register;Volume;Unit;"
    "Validation status;Description\n"
)
METER = '="";1SAG1;Digital meter'


def _quarter(start: str, end: str, register: str, volume: str) -> str:
    return f"29/10/2023;{start}:00;29/10/2023;{end}:00;{METER};{register};{volume};kWh;Read;\n"


# --- time.ambiguous: order -----------------------------------------------------------------------


def test_an_interval_whose_order_places_it_wrongly_loses_both_times_with_a_note(write_file: WriteFile) -> None:
    """The last quarter of the doubled hour in the wrong order: "02:45-03:00" first makes it summer time,
    02:45+02:00 to 03:00+01:00 (03:00 is after the change, so winter time): 75 minutes; then "02:45-02:00"
    is 02:45+01:00 to 02:00+01:00, 45 minutes backwards. Neither is the usual quarter hour."""
    path = write_file(
        FLUVIUS_HEADER
        + _quarter("02:30", "02:45", "Offtake Night", "0,1")
        + _quarter("02:45", "03:00", "Offtake Night", "0,2")
        + _quarter("02:45", "02:00", "Offtake Night", "0,3")
        + _quarter("03:00", "03:15", "Offtake Night", "0,4")
    )
    frame, notes = fluvius_csv.read_with_report(path, ean=ELECTRICITY_EAN)
    assert frame["quantity"].tolist() == [0.1, 0.2, 0.3, 0.4]  # every figure kept, for validation to show
    placed = [None if pd.isna(s) else s.isoformat() for s in frame["interval_start"]]
    assert placed == ["2023-10-29T02:30:00+02:00", None, None, "2023-10-29T03:00:00+01:00"]
    assert frame["interval_end"].isna().tolist() == [False, True, True, False]
    odd = [n.message for n in notes if n.kind == "unreadable_time" and "usual interval" in n.message]
    assert len(odd) == 1 and odd[0].startswith("2 rows whose start and end") and "first on row 3" in odd[0]


def test_without_order_the_doubled_hour_is_left_empty(tmp_path: Path) -> None:
    """The same export read by a profile that refuses ambiguous times: the rows starting in 02:00-02:59 on
    29-10-2023 (each written twice) lose their start, counted from the file."""
    text = (builtin_profile_dir() / "fluvius_csv.yaml").read_text(encoding="utf-8")
    assert "  ambiguous: order\n" in text
    profile = tmp_path / "fluvius_refused.yaml"
    profile.write_text(text.replace("  ambiguous: order\n", "").replace("name: fluvius_csv", "name: fluvius_refused"))
    frame, _ = profile_format(profile).read_with_report(ELECTRICITY, ean=ELECTRICITY_EAN)
    with ELECTRICITY.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    doubled = [r for r in rows if r["Volume"] and r["From (date)"] == "29/10/2023" and r["From (time)"][:2] == "02"]
    assert len(doubled) == 16  # 4 quarters x 2 registers x twice
    assert int(frame["interval_start"].isna().sum()) == len(doubled)
    assert len(frame) == sum(1 for r in rows if r["Volume"])


# --- table.aliases, row_carrier.header_has and unit: {column, prefer}: the Dutch gas export ----------

# The first hours of Verbruikshistoriek_gas_123456789123456789_20220110_20240929_uurtotalen.csv (Fluvius' Dutch
# gas export, patrickvorgers/Home-Assistant-Import-Energy-Data, MIT, commit 0fe0a25), the 12-01 rows shortened.
DUTCH_GAS = """\
Van datum;Van tijdstip;Tot datum;Tot tijdstip;EAN-code;Meter;Metertype;Register;Volume;Eenheid;Validatiestatus;Calorische Bovenwaarde
10-01-2022;06:00:00;10-01-2022;07:00:00;="123456789123456789";7FLO12345678;Digitale Meter;Afname;;kWh;Geen verbruik;
10-01-2022;06:00:00;10-01-2022;07:00:00;="123456789123456789";7FLO12345678;Digitale Meter;Afname;;m³;Geen verbruik;
10-01-2022;07:00:00;10-01-2022;08:00:00;="123456789123456789";7FLO12345678;Digitale Meter;Afname;5,445;kWh;Gevalideerd;Voorlopig
10-01-2022;07:00:00;10-01-2022;08:00:00;="123456789123456789";7FLO12345678;Digitale Meter;Afname;0,495;m³;Gevalideerd;
12-01-2022;06:00:00;12-01-2022;07:00:00;="123456789123456789";7FLO12345678;Digitale Meter;Afname;3,664;kWh;Geschat;Definitief
12-01-2022;06:00:00;12-01-2022;07:00:00;="123456789123456789";7FLO12345678;Digitale Meter;Afname;0,321;m³;Geschat;
12-01-2022;07:00:00;12-01-2022;08:00:00;="123456789123456789";7FLO12345678;Digitale Meter;Afname;2,801;kWh;Geschat;Definitief
"""
# Unlike the electricity sample's 123456879123456789, this placeholder's check digit holds: by the one meter
# rule it is the file's own EAN, whatever is given.
DUTCH_SAMPLE_EAN = "123456789123456789"


def test_the_dutch_gas_export_keeps_m3_and_the_hour_given_only_in_kwh(write_file: WriteFile) -> None:
    path = write_file(DUTCH_GAS, name="verbruikshistoriek.csv")
    frame, notes = fluvius_csv.read_with_report(path, ean="541448860018322037")
    # Lines 5 and 7 are m3; line 4 and 6 repeat them in kWh; line 8 (07:00-08:00 on 12-01) is only in kWh.
    got = [(r.source_row, r.quantity, r.unit, r.estimated) for r in frame.itertuples()]
    assert got == [(5, 0.495, "m3", False), (7, 0.321, "m3", True), (8, 2.801, "kWh", True)]
    assert set(zip(frame["ean"], frame["direction"], frame["tariff"], strict=True)) == {
        (DUTCH_SAMPLE_EAN, "consumption", "single")
    }
    assert frame.iloc[0]["interval_start"].isoformat() == "2022-01-10T07:00:00+01:00"
    messages = [n.message for n in notes if n.kind == "duplicate_unit"]
    assert any("the 2 kWh rows that repeat them are left out" in m for m in messages)
    assert any(m.startswith("1 Offtake/Afname intervals given only in kWh") and "row 8" in m for m in messages)
    assert [n.message for n in notes if n.kind == "no_reading"] == [
        "2 rows with an empty Volume (status 'Geen verbruik'): no reading, so no row"
    ]


def test_a_unit_the_vocabulary_does_not_know_is_left_empty_and_wh_is_converted(write_file: WriteFile) -> None:
    path = write_file(
        FLUVIUS_HEADER
        + "01/02/2024;00:00:00;01/02/2024;00:15:00;" + METER + ";Offtake Day;250;Wh;Read;\n"
        + "01/02/2024;00:15:00;01/02/2024;00:30:00;" + METER + ";Offtake Day;0,3;kcal;Read;\n"
    )
    frame, notes = fluvius_csv.read_with_report(path, ean=ELECTRICITY_EAN)
    assert frame["quantity"].tolist() == [0.25, 0.3]  # 250 Wh = 0.25 kWh; the unknown unit keeps its figure
    assert frame["unit"].iloc[0] == "kWh" and pd.isna(frame["unit"].iloc[1])
    unknown = [n for n in notes if n.kind == "unknown_word"]
    assert len(unknown) == 1 and "Unit 'kcal'" in unknown[0].message and unknown[0].row == 3


# --- row_carrier: Liander's meter letter, else the EAN's range ----------------------------------------

LIANDER_HEADER = "eancodeasn,meternummer,meterreadingdate,reading1,reading2,reading3,reading4\n"


def test_a_meter_number_without_e_or_g_takes_the_carrier_of_its_ean(write_file: WriteFile) -> None:
    path = write_file(
        LIANDER_HEADER
        + "871687140000000002,M01,01-03-2024,50,,,\n"
        + "871687140000000002,M01,02-03-2024,52.5,,,\n"
        + "871687120000000004,,01-03-2024,100,200,0,0\n"
        + "871687120000000004,,02-03-2024,103,201,0,0\n",
        name="liander.csv",
    )
    frame = liander_csv.read(path)
    # Gas by the 871687140 range: 52.5 - 50; electricity by the 871687120 range: reading1 103 - 100 low, ...
    assert frame.set_index(["ean", "unit", "direction", "tariff"])["quantity"].to_dict() == {
        ("871687140000000002", "m3", "consumption", "single"): 2.5,
        ("871687120000000004", "kWh", "consumption", "low"): 3.0,
        ("871687120000000004", "kWh", "consumption", "high"): 1.0,
        ("871687120000000004", "kWh", "feed_in", "low"): 0.0,
        ("871687120000000004", "kWh", "feed_in", "high"): 0.0,
    }


def test_a_row_no_rule_places_keeps_its_figure_with_an_empty_unit(write_file: WriteFile) -> None:
    outside = "871690000000000003"  # a valid EAN outside both ranges, on a meter number without E or G
    path = write_file(
        LIANDER_HEADER + f"{outside},X01,01-03-2024,10,,,\n{outside},X01,02-03-2024,12,,,\n", name="liander.csv"
    )
    frame, notes = liander_csv.read_with_report(path)
    assert frame["quantity"].tolist() == [2.0] and frame["source_row"].tolist() == [3]
    assert pd.isna(frame["unit"].iloc[0])
    carrier = [n for n in notes if n.kind == "carrier"]
    assert len(carrier) == 1 and carrier[0].row == 3 and carrier[0].message.startswith("1 row of no known carrier")
    assert not [n for n in notes if n.kind == "no_readings" and "consumption" in n.message and "gas" in n.message]


def test_a_gas_only_file_gets_no_note_for_the_electricity_registers(write_file: WriteFile) -> None:
    path = write_file(
        LIANDER_HEADER + "871687140000000002,G01,01-03-2024,50,,,\n871687140000000002,G01,02-03-2024,51,,,\n",
        name="liander.csv",
    )
    frame, notes = liander_csv.read_with_report(path)
    assert frame["unit"].tolist() == ["m3"] and frame["quantity"].tolist() == [1.0]
    assert [n.kind for n in notes if n.kind in ("no_readings", "carrier", "skipped_reading")] == []


# --- what a profile may not say --------------------------------------------------------------------

WIDE = """name: rows_test
description: a constructed layout
source: constructed for this test (2026)
table:
  signature: [Datum, Stand]
time:
  column: Datum
  formats: ["%d-%m-%Y"]
values: cumulative
channels:
  - column: Stand
    carrier: electricity
    direction: consumption
    unit: kWh
  - column: Gasstand
    carrier: gas
    direction: consumption
    unit: m3
"""


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        pytest.param("  - column: Gasstand\n", "  - column: Stand\n",
                     "two channels share a column or type word only with row_carrier", id="shared-column"),
        pytest.param("  - column: Gasstand\n    carrier: gas\n", "  - column: Stand\n    carrier: electricity\n",
                     "channels.1: 'Stand' is channels.0's too", id="same-carrier"),
        pytest.param("values: cumulative\n", "values: cumulative\nrow_carrier: {ean_range: true}\n",
                     "row_carrier.ean_range reads the row's EAN: give ean.column", id="range-without-ean"),
        pytest.param("values: cumulative\n", "values: cumulative\nrow_carrier: {column: Meter}\n",
                     "column and starts_with go together", id="column-without-letters"),
        pytest.param("    unit: m3\n", "    unit: {column: Eenheid, prefer: m3}\n",
                     "unit.prefer compares the rows of a long layout", id="prefer-in-a-wide-layout"),
        pytest.param("    unit: m3\n", "    unit: {column: Eenheid, prefer: litre}\n", "unknown unit 'litre'",
                     id="unknown-preferred-unit"),
        pytest.param('  formats: ["%d-%m-%Y"]\n', '  formats: [iso]\n  ambiguous: order\n',
                     "ambiguous: order places local times written without offset", id="order-with-iso"),
        pytest.param("  column: Datum\n", "  column: Datum\n  end_time_column: Tot\n",
                     "end_time_column needs end_date_column", id="end-time-alone"),
        pytest.param("  column: Datum\n", "  column: Datum\n  end_column: Tot\n  end_date_column: Tot\n",
                     "give end_column (one timestamp) or end_date_column", id="two-ends"),
    ],
)
def test_a_profile_that_cannot_say_which_channel_reads_a_row_is_refused(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    path = tmp_path / "rows_test.yaml"
    path.write_text(WIDE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        profile_format(path)
    assert problem in str(caught.value)


def test_row_carrier_lets_two_channels_share_a_column(tmp_path: Path, write_file: WriteFile) -> None:
    path = tmp_path / "rows_test.yaml"
    path.write_text(
        WIDE.replace("values: cumulative\n", "values: cumulative\nrow_carrier: {column: Soort, starts_with: "
                     "{S: electricity, G: gas}}\n").replace("column: Gasstand", "column: Stand"),
        encoding="utf-8",
    )
    export = write_file("Datum;Soort;Stand\n01-03-2024;Stroom;10\n01-03-2024;Gas;5\n02-03-2024;Stroom;12\n"
                        "02-03-2024;Gas;6\n")
    frame = profile_format(path).read(export, ean=["871687120000000004", "871687140000000002"])
    assert frame.set_index("unit")["quantity"].to_dict() == {"kWh": 2.0, "m3": 1.0}
    assert frame.set_index("unit")["ean"].to_dict() == {"kWh": "871687120000000004", "m3": "871687140000000002"}
