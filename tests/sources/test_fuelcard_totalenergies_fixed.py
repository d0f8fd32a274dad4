from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources.fuelcard_profile import builtin_format, skipped_records
from footprint.sources.registry import detect_format

fuelcard_totalenergies_fixed = builtin_format("fuelcard_totalenergies_fixed")

WriteFile = Callable[..., Path]
AMS = "Europe/Amsterdam"

# The assumed layout, written out again here (1-based start, length) so the test checks the profile.
POSITIONS = {
    "type": (1, 2),
    "date": (3, 8),
    "time": (11, 6),
    "card": (17, 19),
    "plate": (36, 12),
    "driver": (48, 30),
    "station": (78, 40),
    "country": (118, 2),
    "code": (120, 4),
    "product": (124, 30),
    "unit": (154, 3),
    "quantity": (157, 10),
    "price": (167, 9),
    "net": (176, 11),
    "vat": (187, 11),
    "gross": (198, 11),
    "currency": (209, 3),
    "odometer": (212, 8),
}


def record(**fields: str) -> str:
    line = [" "] * 500
    for name, value in fields.items():
        start, length = POSITIONS[name]
        assert len(value) <= length, name
        line[start - 1 : start - 1 + len(value)] = value
    return "".join(line)


FILE = "\n".join(
    [
        record(type="HD", date="20240201"),
        record(
            type="BR", date="20240103", time="074210", card="700212******5678", plate="VGH-42-K",
            driver="Jan de Vries", station="TotalEnergies Utrecht Kanaalweg", country="NL", code="0101",
            product="Excellium Diesel", unit="L", quantity="000006235+", price="000001859",
            net="0000009579+", vat="0000002012+", gross="0000011591+", currency="EUR", odometer="00123456",
        ),
        record(
            type="BR", date="20240105", time="100000", card="700212******5678", plate="VGH-42-K",
            product="Excellium Diesel", unit="L", quantity="000006235-", price="000001859",
            gross="0000011591-", currency="EUR",
        ),
        "",
        record(type="ST", date="20240131"),
        record(
            type="BR", date="20240108", time="", card="700212******9012", plate="VHT-17-P",
            product="Lavage", unit="ST", quantity="000000100+", price="000014950", gross="0000001495+",
            currency="EUR", odometer="",
        ),
        record(
            type="BR", date="20240231", time="1200", card="700212******9012", plate="VHT-17-P",
            product="Premium Diesel X", unit="L", quantity="0000040,0+", gross="0000008400+", currency="CHF",
        ),
        record(type="TR", date="20240201"),
        record(type="ST", date="20240229"),
    ]
) + "\n"


@pytest.fixture
def parsed(write_file: WriteFile) -> pd.DataFrame:
    return fuelcard_totalenergies_fixed.read(write_file(FILE, name="TE_2024_01.dat"))


def test_detected_and_canonical(write_file: WriteFile, parsed: pd.DataFrame) -> None:
    assert detect_format(write_file(FILE, name="export.txt")).NAME == "fuelcard_totalenergies_fixed"
    assert parsed.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.FUEL_TRANSACTIONS]
    assert parsed["source_row"].tolist() == [2, 3, 6, 7]  # line 4 is blank, lines 1, 5, 8, 9 are other records


def test_other_record_types_are_skipped_and_counted(parsed: pd.DataFrame) -> None:
    assert skipped_records(parsed) == {"HD": 1, "ST": 2, "TR": 1}


def test_transaction_values(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[0]
    assert row["transaction_at"] == pd.Timestamp("2024-01-03 07:42:10", tz=AMS)
    assert row["period"] == pd.Timestamp("2024-01-01")
    assert row["card_number"] == "700212******5678"
    assert row["driver"] == "Jan de Vries"
    assert row["plate"] == "VGH42K"
    assert row["station"] == "TotalEnergies Utrecht Kanaalweg"
    assert row["product"] == "Excellium Diesel"
    assert row["quantity"] == 62.35
    assert row["unit"] == "l"
    assert row["unit_price_eur"] == 1.859
    assert row["amount_eur"] == 115.91
    assert row["odometer_km"] == 123456.0


def test_sign_after_the_number_is_a_credit(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[1]
    assert row["quantity"] == -62.35
    assert row["amount_eur"] == -115.91
    assert pd.isna(row["driver"]) and pd.isna(row["station"])
    assert math.isnan(row["odometer_km"])


def test_empty_time_is_midnight_and_pieces(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[2]
    assert row["transaction_at"] == pd.Timestamp("2024-01-08 00:00", tz=AMS)
    assert row["unit"] == "pcs"
    assert row["quantity"] == 1.0
    assert row["unit_price_eur"] == 14.95
    assert row["amount_eur"] == 14.95


def test_unreadable_cells_become_missing(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[3]
    assert pd.isna(row["transaction_at"])  # 31 February
    assert math.isnan(row["quantity"])  # a comma in a whole-number field
    assert math.isnan(row["amount_eur"])  # CHF: no euro amount
    assert row["product"] == "Premium Diesel X"


def test_crlf_and_trimmed_trailing_spaces(write_file: WriteFile) -> None:
    line = record(type="BR", date="20240103", plate="AB-12-CD", product="Diesel", unit="L", quantity="000004000+")
    frame = fuelcard_totalenergies_fixed.read(write_file(line.rstrip() + "\n", newline="\r\n"))
    assert frame["quantity"].tolist() == [40.0]
    assert frame["plate"].tolist() == ["AB12CD"]


def test_only_other_records_gives_an_empty_frame(write_file: WriteFile) -> None:
    frame = fuelcard_totalenergies_fixed.read(write_file(record(type="HD") + "\n" + record(type="TR") + "\n"))
    assert frame.empty
    assert skipped_records(frame) == {"HD": 1, "TR": 1}


def test_a_csv_forced_as_fixed_width_is_a_file_error(write_file: WriteFile) -> None:
    path = write_file("Datum;Kenteken;Product;Hoeveelheid;Eenheid\n03-01-2024;AB-12-CD;Diesel;40;L\n")
    with pytest.raises(InputFileError, match="not a fuelcard_totalenergies_fixed file: no line is a record"):
        fuelcard_totalenergies_fixed.read(path)


def test_a_first_line_longer_than_a_record_is_a_file_error(write_file: WriteFile) -> None:
    path = write_file(" \n" + "BR" + "0" * 600 + "\n")
    with pytest.raises(InputFileError, match="line 2 is not a record of at most 500 characters") as caught:
        fuelcard_totalenergies_fixed.read(path)
    assert caught.value.row == 2


def test_not_sniffed_from_short_or_separated_lines() -> None:
    assert not fuelcard_totalenergies_fixed.sniff("BRU;AMS;18-09-2023\nBRU;AMS;19-09-2023\n")
    assert not fuelcard_totalenergies_fixed.sniff("x" * 501 + "\n")
    assert fuelcard_totalenergies_fixed.sniff(record(type="BR", date="20240103", product="Diesel", quantity="1+") + "\n")
