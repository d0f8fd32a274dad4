from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources.fuelcard_profile import builtin_format

fuelcard_nl_portal = builtin_format("fuelcard_nl_portal")

WriteFile = Callable[..., Path]
AMS = "Europe/Amsterdam"
HEADER = "Datum;Tijd;Kaartnummer;Kenteken;Bestuurder;Station;Product;Hoeveelheid;Eenheid;Prijs per eenheid;Bedrag;Valuta;Kilometerstand"
PORTAL_FILE = f"""
{HEADER}
03-01-2024;07:42;7083540100012001;vgh-42-k;Jan de Vries;Shell Utrecht Papendorp;Diesel;62,35;L;1,859;115,91;EUR;123456
05-01-2024;10:00;7083540100012001;VGH-42-K;Jan de Vries;Shell Utrecht Papendorp;Diesel;-62,35;liter;1,859;-115,91;EUR;-

08-01-2024;;7083540100012019;VHT 17 P;-;Tango Utrecht Overvecht;Wasstraat;1;st;14,95;14,95;EUR;
09-01-2024;11:05;7083540100012019;VHT-17-P;Mohamed El Amrani;Tinq Nieuwegein;HVO100;1.050,5;L;2,10;2.206,05;EUR;1.234.567
31-01-2024;25:99;7083540100012019;VHT-17-P;Mohamed El Amrani;Shell;Euro 95;abc;ltr;x;-;USD;12
32-01-2024;12:00;7083540100012019;VHT-17-P;;;AdBlue;10;kilo;0,89;8,90;eur;5000
"""


@pytest.fixture
def parsed(write_file: WriteFile) -> pd.DataFrame:
    return fuelcard_nl_portal.read(write_file(PORTAL_FILE))


def test_columns_and_dtypes_are_canonical(parsed: pd.DataFrame) -> None:
    assert list(parsed.columns) == list(schemas.COLUMNS[schemas.FUEL_TRANSACTIONS])
    assert parsed.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.FUEL_TRANSACTIONS]


def test_source_row_is_the_line_a_person_sees(parsed: pd.DataFrame) -> None:
    assert parsed["source_row"].tolist() == [2, 3, 5, 6, 7, 8]


def test_first_row_values(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[0]
    assert row["transaction_at"] == pd.Timestamp("2024-01-03 07:42", tz=AMS)
    assert row["period"] == pd.Timestamp("2024-01-01")
    assert row["card_number"] == "7083540100012001"
    assert row["driver"] == "Jan de Vries"
    assert row["plate"] == "VGH42K"
    assert row["station"] == "Shell Utrecht Papendorp"
    assert row["product"] == "Diesel"
    assert row["quantity"] == 62.35
    assert row["unit"] == "l"
    assert row["unit_price_eur"] == 1.859
    assert row["amount_eur"] == 115.91
    assert row["odometer_km"] == 123456.0


def test_credit_note_is_negative_and_dash_is_missing(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[1]
    assert row["quantity"] == -62.35
    assert row["amount_eur"] == -115.91
    assert row["unit"] == "l"
    assert math.isnan(row["odometer_km"])


def test_missing_time_is_midnight_and_dash_driver_is_missing(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[2]
    assert row["transaction_at"] == pd.Timestamp("2024-01-08 00:00", tz=AMS)
    assert row["plate"] == "VHT17P"
    assert pd.isna(row["driver"])
    assert row["unit"] == "pcs"
    assert math.isnan(row["odometer_km"])


def test_thousands_dots_with_decimal_comma(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[3]
    assert row["quantity"] == 1050.5
    assert row["amount_eur"] == 2206.05
    assert row["odometer_km"] == 1234567.0


def test_unreadable_cells_become_missing(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[4]
    assert pd.isna(row["transaction_at"]) and pd.isna(row["period"])
    assert math.isnan(row["quantity"])
    assert row["unit"] == "l"
    assert math.isnan(row["unit_price_eur"]) and math.isnan(row["amount_eur"])
    assert row["odometer_km"] == 12.0


def test_impossible_date_is_missing_and_currency_case_is_ignored(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[5]
    assert pd.isna(row["transaction_at"])
    assert row["unit"] == "kg"
    assert row["amount_eur"] == 8.90


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        pytest.param("31-03-2024;02:30", "2024-03-31 03:30:00+02:00", id="skipped-spring-hour-moves-forward"),
        pytest.param("27-10-2024;02:30", "2024-10-27 02:30:00+02:00", id="doubled-autumn-hour-takes-summer-time"),
        pytest.param("27-10-2024;03:30", "2024-10-27 03:30:00+01:00", id="after-autumn-change-is-winter-time"),
    ],
)
def test_local_times_around_daylight_saving(write_file: WriteFile, clock: str, expected: str) -> None:
    frame = fuelcard_nl_portal.read(write_file(f"{HEADER}\n{clock};1;AB-12-CD;;;Diesel;40;L;;;;\n"))
    assert frame["transaction_at"].iloc[0] == pd.Timestamp(expected).tz_convert(AMS)


def test_cp1252_with_crlf(write_file: WriteFile) -> None:
    path = write_file(
        f"{HEADER}\n03-01-2024;07:42;1;VGH-42-K;Emre Özdemir;Café Station;Diesel;62,35;L;;;;\n",
        encoding="cp1252",
        newline="\r\n",
    )
    frame = fuelcard_nl_portal.read(path)
    assert frame["driver"].tolist() == ["Emre Özdemir"]
    assert frame["station"].tolist() == ["Café Station"]
    assert frame["source_row"].tolist() == [2]


def test_utf8_bom_header_is_recognised(write_file: WriteFile) -> None:
    path = write_file(f"{HEADER}\n03-01-2024;07:42;1;VGH-42-K;Zoë;;Diesel;62,35;L;;;;\n", encoding="utf-8-sig")
    assert fuelcard_nl_portal.sniff(path.read_bytes()[:4096].decode("utf-8-sig"))
    assert fuelcard_nl_portal.read(path)["driver"].tolist() == ["Zoë"]


def test_optional_columns_may_be_absent(write_file: WriteFile) -> None:
    frame = fuelcard_nl_portal.read(
        write_file("Datum;Kenteken;Product;Hoeveelheid;Eenheid\n03-01-2024;AB-12-CD;Diesel;40;L\n")
    )
    row = frame.iloc[0]
    assert row["transaction_at"] == pd.Timestamp("2024-01-03", tz=AMS)
    assert pd.isna(row["card_number"]) and pd.isna(row["driver"])
    assert math.isnan(row["amount_eur"])


def test_missing_required_column_names_file_and_column(write_file: WriteFile) -> None:
    path = write_file("Datum;Tijd;Kenteken;Product;Hoeveelheid;Bedrag\n03-01-2024;07:42;AB-12-CD;Diesel;40;80\n")
    with pytest.raises(InputFileError) as caught:
        fuelcard_nl_portal.read(path)
    assert caught.value.column == "Eenheid"
    assert caught.value.file == str(path)
    assert caught.value.row == 1


def test_header_only_gives_an_empty_frame(write_file: WriteFile) -> None:
    frame = fuelcard_nl_portal.read(write_file(f"{HEADER}\n"))
    assert frame.empty
    assert list(frame.columns) == list(schemas.COLUMNS[schemas.FUEL_TRANSACTIONS])
