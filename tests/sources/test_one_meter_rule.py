"""Issue 14: a figure is right or refused with a reason; never a guessed meter or direction.

One meter rule: a row's EAN is the file's own only where it is valid (18 digits, check digit, no
placeholder); other rows take the `ean` argument, placed by carrier; without one the file is refused
with the routes that give it. Directions and units are read through the vocabulary, never assumed.
The small files are written here; every expected figure is added up by hand in the comments.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from footprint.errors import InputFileError
from footprint.sources import (
    meter_interval_csv,
    meter_monthly_csv,
)
from footprint.sources.convert import parse_file
from footprint.sources.meter_profile import builtin_format

energy_overview_xlsx = builtin_format("energy_overview_xlsx")
engie_csv = builtin_format("engie_csv")
liander_csv = builtin_format("liander_csv")

WriteFile = Callable[..., Path]
PLACEHOLDER = "XXXXXXXXXXXXXXXXXX"
GIVEN = "871687120000000004"  # valid: 18 digits, GS1 check digit 4
GIVEN_GAS = "871687140000000002"
OWN = "871687120061402458"  # the Engie sample's electricity connection

ENGIE_HEADER = '"Datum","EAN","Verbruik","Type","Piek"\n'


def engie(rows: list[tuple[str, str, str, str, str]]) -> str:
    return ENGIE_HEADER + "".join(",".join(f'"{cell}"' for cell in row) + "\n" for row in rows)


PLACEHOLDER_ENGIE = engie(
    [
        ("2024-01-01T00:00:00+01:00", PLACEHOLDER, "0.5", "Elektriciteit", "true"),
        ("2024-01-01T01:00:00+01:00", PLACEHOLDER, "0.75", "Elektriciteit", "false"),
        ("2024-01-01T02:00:00+01:00", PLACEHOLDER, "0.25", "Elektriciteit", "false"),
    ]
)


# --- the one meter rule -------------------------------------------------------------------------


def test_a_placeholder_ean_without_ean_is_refused_naming_both_routes(write_file: WriteFile) -> None:
    path = write_file(PLACEHOLDER_ENGIE, "engie.csv")
    with pytest.raises(InputFileError) as caught:
        parse_file(path)
    message = str(caught.value)
    assert PLACEHOLDER in message
    assert "--ean" in message
    assert "footprint.yaml" in message and "meters" in message and "files" in message
    assert caught.value.column == "EAN"


def test_a_placeholder_ean_takes_the_given_one_on_every_row(write_file: WriteFile) -> None:
    path = write_file(PLACEHOLDER_ENGIE, "engie.csv")
    frame = parse_file(path, ean=GIVEN).frame
    assert frame["ean"].tolist() == [GIVEN] * 3
    assert frame["quantity"].sum() == pytest.approx(0.5 + 0.75 + 0.25)
    assert engie_csv.read(path, ean=GIVEN)["ean"].tolist() == [GIVEN] * 3


def test_placeholders_are_placed_by_carrier_and_own_eans_win(write_file: WriteFile) -> None:
    path = write_file(
        engie(
            [
                ("2024-01-01T00:00:00+01:00", PLACEHOLDER, "0.5", "Elektriciteit", "true"),
                ("2024-01-01T00:00:00+01:00", "000000000000000000", "1.5", "Gas", "0"),
                ("2024-01-01T00:00:00+01:00", OWN, "2.0", "Elektriciteit", "true"),
            ]
        )
    )
    frame = engie_csv.read(path, ean=[f"electricity={GIVEN}", f"gas={GIVEN_GAS}"])
    assert frame["ean"].tolist() == [GIVEN, GIVEN_GAS, OWN]
    assert frame["unit"].tolist() == ["kWh", "m3", "kWh"]


def test_without_ean_rows_lacking_one_keep_their_cell_when_others_have_one(write_file: WriteFile) -> None:
    """Only a file where no row names a meter is refused; single bad cells go to validation as written."""
    path = write_file(
        engie(
            [
                ("2024-01-01T00:00:00+01:00", OWN, "0.5", "Elektriciteit", "true"),
                ("2024-01-01T01:00:00+01:00", PLACEHOLDER, "0.75", "Elektriciteit", "true"),
            ]
        )
    )
    assert engie_csv.read(path)["ean"].tolist() == [OWN, PLACEHOLDER]


INTERVAL_ROWS = (
    "Begin;Einde;Verbruik;Eenheid;Status\n"
    "2024-01-01T00:00:00+01:00;2024-01-01T00:15:00+01:00;1,25;kWh;Gemeten\n"
    "2024-01-01T00:15:00+01:00;2024-01-01T00:30:00+01:00;0,75;kWh;Gemeten\n"
)


def test_an_interval_file_with_a_placeholder_ean_line(write_file: WriteFile) -> None:
    path = write_file(f"EAN;{PLACEHOLDER}\n" + INTERVAL_ROWS)
    with pytest.raises(InputFileError, match="--ean"):
        parse_file(path)
    frame = parse_file(path, ean=GIVEN).frame
    assert frame["ean"].tolist() == [GIVEN, GIVEN]
    assert frame["quantity"].sum() == pytest.approx(2.0)  # 1,25 + 0,75
    (many,) = meter_interval_csv.read_many([path], [GIVEN])
    pd.testing.assert_frame_equal(many, meter_interval_csv.read(path, ean=GIVEN))
    (refused,) = meter_interval_csv.read_many([path])
    assert isinstance(refused, InputFileError) and PLACEHOLDER in str(refused)


def test_a_valid_ean_line_wins_over_the_given_ean(write_file: WriteFile) -> None:
    path = write_file(f"EAN;{OWN}\n" + INTERVAL_ROWS)
    assert meter_interval_csv.read(path, ean=GIVEN)["ean"].tolist() == [OWN, OWN]


def test_liander_placeholder_eans_are_placed_by_the_meter_letter(write_file: WriteFile) -> None:
    path = write_file(
        "eancodeasn,meternummer,meterreadingdate,reading1,reading2,reading3,reading4\n"
        f"{PLACEHOLDER},E01,01-03-2024,100,200,0,0\n"
        f"{PLACEHOLDER},E01,02-03-2024,103,201,0,0\n"
        f"{PLACEHOLDER},G01,01-03-2024,50,,,\n"
        f"{PLACEHOLDER},G01,02-03-2024,52.5,,,\n",
        "liander.csv",
    )
    with pytest.raises(InputFileError, match="--ean"):
        liander_csv.read(path)
    frame = liander_csv.read(path, ean=[GIVEN, GIVEN_GAS])  # plain EANs, told apart by their prefixes
    gas = frame[frame["unit"] == "m3"]
    assert gas["ean"].tolist() == [GIVEN_GAS] and gas["quantity"].tolist() == [2.5]  # 52.5 - 50
    electricity = frame[frame["unit"] == "kWh"]
    assert set(electricity["ean"]) == {GIVEN}
    # reading1 low 103 - 100 = 3, reading2 high 201 - 200 = 1, feed-in 0 and 0
    assert electricity.set_index(["direction", "tariff"])["quantity"].to_dict() == {
        ("consumption", "low"): 3.0,
        ("consumption", "high"): 1.0,
        ("feed_in", "low"): 0.0,
        ("feed_in", "high"): 0.0,
    }


def test_monthly_overview_places_a_given_ean_by_its_product(write_file: WriteFile) -> None:
    path = write_file(
        "EAN;Product;Periode van;Periode tot;Verbruik;Eenheid;Richting;Tarief;Status\n"
        f"{PLACEHOLDER};Elektriciteit;01-03-2024;01-04-2024;2.464;kWh;Levering;Normaal;Gemeten\n"
        f"{PLACEHOLDER};Gas;01-03-2024;01-04-2024;31,5;m3;Levering;Enkel;Gemeten\n"
    )
    frame = meter_monthly_csv.read(path, ean=[f"gas={GIVEN_GAS}", f"electricity={GIVEN}"])
    assert frame["ean"].tolist() == [GIVEN, GIVEN_GAS]
    assert frame["quantity"].tolist() == [2464.0, 31.5]


# --- directions and units read, never assumed -----------------------------------------------------


def test_engie_type_column_gives_carrier_and_direction(write_file: WriteFile) -> None:
    path = write_file(
        engie(
            [
                ("2024-01-01T00:00:00+01:00", OWN, "0.5", "Elektriciteit", "true"),
                ("2024-01-01T00:00:00+01:00", OWN, "0.25", "Teruglevering", "true"),
                ("2024-01-01T01:00:00+01:00", OWN, "0.75", "Elektriciteit", "false"),
                ("2024-01-01T01:00:00+01:00", OWN, "0.125", "teruglevering", "false"),
                ("2024-01-01T00:00:00+01:00", "871687140013926764", "1.5", "Gas", "true"),
                ("2024-01-01T01:00:00+01:00", OWN, "9", "Warmte", "false"),
                ("2024-01-01T02:00:00+01:00", OWN, "4", "Opwek", "false"),
            ]
        )
    )
    frame, notes = engie_csv.read_with_report(path)
    got = [
        (r.source_row, r.direction if pd.notna(r.direction) else None, r.unit if pd.notna(r.unit) else None,
         r.tariff if pd.notna(r.tariff) else None, r.quantity)
        for r in frame.itertuples()
    ]
    assert got == [
        (2, "consumption", "kWh", "high", 0.5),
        (3, "feed_in", "kWh", "high", 0.25),
        (4, "consumption", "kWh", "low", 0.75),
        (5, "feed_in", "kWh", "low", 0.125),
        (6, "consumption", "m3", "single", 1.5),
        (7, None, None, None, 9.0),  # Warmte: no word footprint knows for this column
        (8, None, None, None, 4.0),  # Opwek: generation, which the Type column cannot place on a carrier
    ]
    feed_in = frame[frame["direction"] == "feed_in"]
    assert feed_in["quantity"].sum() == pytest.approx(0.375)  # 0.25 + 0.125
    assert feed_in["unit"].notna().all()
    words = {n.row: n.message for n in notes if n.kind == "unknown_word"}
    assert set(words) == {7, 8}
    assert "'Warmte'" in words[7] and "'Opwek'" in words[8]


def test_interval_file_direction_comes_from_richting_or_the_column_name(write_file: WriteFile) -> None:
    named = write_file(f"EAN;{OWN}\n" + INTERVAL_ROWS, "named.csv")
    assert meter_interval_csv.read(named)["direction"].tolist() == ["consumption", "consumption"]
    unnamed = write_file(f"EAN;{OWN}\n" + INTERVAL_ROWS.replace("Verbruik", "Hoeveelheid"), "unnamed.csv")
    with pytest.raises(InputFileError, match="names no direction") as caught:
        meter_interval_csv.read(unnamed)
    assert caught.value.column == "Richting"
    stated = write_file(
        f"EAN;{OWN}\nBegin;Einde;Hoeveelheid;Eenheid;Status;Richting\n"
        "2024-01-01T00:00:00+01:00;2024-01-01T00:15:00+01:00;1,25;kWh;Gemeten;Teruglevering\n",
        "stated.csv",
    )
    assert meter_interval_csv.read(stated)["direction"].tolist() == ["feed_in"]


def _workbook(tmp_path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / "overview.xlsx"
    workbook.save(path)
    return path


def test_energy_overview_group_without_a_unit_is_not_read(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path,
        [
            [None, "Stroom [kWh]", None, "Gas", None],
            ["Datum", "Verbruik laag tarief", "Verbruik hoog tarief", "Verbruik", "Geschat?"],
            ["2024-01-01", 3, 8, 2, "N"],
            ["2024-01-02", 4, 6, 3, "N"],
        ],
    )
    frame, notes = energy_overview_xlsx.read_with_report(path, ean=GIVEN)
    assert set(frame["unit"]) == {"kWh"}
    assert frame["quantity"].sum() == 21.0  # 3 + 8 + 4 + 6; the gas column (2 + 3) is not read
    ignored = [n.message for n in notes if n.kind == "ignored_column"]
    # The profile names "Gas [m3] / Verbruik": a block "Gas" without a unit is none of its columns.
    assert len(ignored) == 1 and "'Gas'" in ignored[0] and "names none of its columns (Verbruik, Geschat?)" in ignored[0]


def test_absent_wide_cells_give_no_rows_and_an_empty_direction_one_note(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path,
        [
            [None, "Stroom [kWh]", None, None, "Stroom teruglevering[kWh]", None],
            ["Datum", "Verbruik laag tarief", "Verbruik hoog tarief", "Geschat?", "Teruglevering laag tarief",
             "Teruglevering hoog tarief"],
            ["2024-01-01", 3, None, "N", None, None],
            ["2024-01-02", "-", "x", "N", "", "-"],
            ["2024-01-03", 1, 2, "N", None, None],
        ],
    )
    frame, notes = energy_overview_xlsx.read_with_report(path, ean=GIVEN)
    got = [(r.source_row, r.tariff, None if np.isnan(r.quantity) else r.quantity) for r in frame.itertuples()]
    assert got == [(3, "low", 3.0), (4, "high", None), (5, "low", 1.0), (5, "high", 2.0)]
    assert (frame["direction"] == "consumption").all()
    assert [n.kind for n in notes].count("no_readings") == 1
    # "values", not "readings": the cells are usage per day (the profile's values: usage)
    assert "no feed-in values in this file" in next(n.message for n in notes if n.kind == "no_readings")
