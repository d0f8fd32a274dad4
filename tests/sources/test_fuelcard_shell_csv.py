from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from footprint import schemas
from footprint.activity_mapping import classify_products
from footprint.errors import InputFileError
from footprint.sources.fuelcard_products import product_mapping
from footprint.sources.fuelcard_profile import builtin_format
from footprint.sources.registry import detect_format

fuelcard_nl_portal = builtin_format("fuelcard_nl_portal")
fuelcard_shell_csv = builtin_format("fuelcard_shell_csv")

WriteFile = Callable[..., Path]
AMS = "Europe/Amsterdam"
HEADER = (
    "transactionDate,transactionTime,cardPAN,driverName,vehicleRegistration,odometerInput,siteName,siteCountry,"
    "productCode,productName,productGroupName,fuelProduct,quantity,unitPriceInTransactionCurrency,"
    "transactionNetAmount,transactionGrossAmount,creditDebitCode,refundFlag,correctionFlag"
)
SHELL_FILE = f"""
{HEADER}
20240103,07:42:10,7002********1234,Jan de Vries,VGH-42-K,123456,"Shell Utrecht, Papendorp",NL,0021,Shell FuelSave Diesel,Diesel,true,62.35,1.859,95.79,115.91,D,false,false
20240105,10:00:00,7002********1234,Jan de Vries,VGH-42-K,,"Shell Utrecht, Papendorp",NL,0021,Shell FuelSave Diesel,Diesel,true,62.35,1.859,95.79,115.91,C,true,false
20240108,08:15:00,7002********9876,,VHT-17-P,,Shell A12 Bunnik,NL,0090,Shell Car Wash,Car wash,false,1,14.95,12.36,14.95,D,false,false
20240109,11:05:30,7002********9876,Mohamed El Amrani,VHT-17-P,98001,Shell A12 Bunnik,NL,0050,Shell CNG,CNG,true,12.5,1.499,15.49,18.74,D,false,false
20240110,25:00:00,7002********9876,Mohamed El Amrani,VHT-17-P,98.5x,Shell A12 Bunnik,NL,0031,Premium Diesel X,Diesel,true,40,2.10,69.42,84.00,X,false,true
20240111,09:00:00,7002********9876,Mohamed El Amrani,VHT-17-P,,Shell A12 Bunnik,NL,0031,Shell V-Power Diesel,Diesel,true,"1,050.50",2.10,1823.1,2206.05,c,false,false
"""


@pytest.fixture
def parsed(write_file: WriteFile) -> pd.DataFrame:
    return fuelcard_shell_csv.read(write_file(SHELL_FILE))


def test_detected_and_canonical(write_file: WriteFile, parsed: pd.DataFrame) -> None:
    assert detect_format(write_file(SHELL_FILE)).NAME == "fuelcard_shell_csv"
    assert parsed.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.FUEL_TRANSACTIONS]
    assert parsed["source_row"].tolist() == [2, 3, 4, 5, 6, 7]


def test_debit_row_values(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[0]
    assert row["transaction_at"] == pd.Timestamp("2024-01-03 07:42:10", tz=AMS)
    assert row["period"] == pd.Timestamp("2024-01-01")
    assert row["card_number"] == "7002********1234"  # masked as Shell sends it, kept as given
    assert row["driver"] == "Jan de Vries"
    assert row["plate"] == "VGH42K"
    assert row["station"] == "Shell Utrecht, Papendorp"
    assert row["product"] == "Shell FuelSave Diesel"
    assert row["quantity"] == 62.35
    assert row["unit"] == "l"
    assert row["unit_price_eur"] == 1.859
    assert row["amount_eur"] == 115.91  # the gross amount
    assert row["odometer_km"] == 123456.0


def test_credit_flag_makes_quantity_and_amount_negative(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[1]
    assert row["quantity"] == -62.35
    assert row["amount_eur"] == -115.91
    assert row["unit_price_eur"] == 1.859
    assert math.isnan(row["odometer_km"])
    lower_case_credit = parsed.iloc[5]
    assert lower_case_credit["quantity"] == -1050.5
    assert lower_case_credit["amount_eur"] == -2206.05


def test_non_fuel_item_stays_a_row_in_pieces(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[2]
    assert row["product"] == "Shell Car Wash"
    assert row["unit"] == "pcs"
    assert row["quantity"] == 1.0
    assert pd.isna(row["driver"])
    classified = classify_products(parsed["product"], product_mapping())
    assert classified["excluded_reason"].iloc[2] == "car wash"
    assert classified["fuel"].tolist()[:2] == ["diesel", "diesel"]


def test_cng_is_in_kg(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[3]
    assert row["unit"] == "kg"
    assert row["quantity"] == 12.5
    assert row["odometer_km"] == 98001.0


def test_unreadable_cells_become_missing_and_unknown_product_is_kept(parsed: pd.DataFrame) -> None:
    row = parsed.iloc[4]
    assert pd.isna(row["transaction_at"])
    assert math.isnan(row["quantity"])  # creditDebitCode X: neither D nor C, the sign is unknown
    assert math.isnan(row["amount_eur"])
    assert math.isnan(row["odometer_km"])
    assert row["product"] == "Premium Diesel X"
    assert not classify_products(parsed["product"], product_mapping())["known"].iloc[4]


def test_decimal_comma_is_not_a_shell_number(write_file: WriteFile) -> None:
    body = "20240103,07:42:10,1,AB-12-CD,Shell FuelSave Diesel,\"62,35\",D\n"
    frame = fuelcard_shell_csv.read(
        write_file("transactionDate,transactionTime,cardPAN,vehicleRegistration,productName,quantity,creditDebitCode\n" + body)
    )
    assert math.isnan(frame["quantity"].iloc[0])
    assert frame["unit"].iloc[0] == "l"  # no unit column: fuel is in litres


def test_missing_credit_flag_column_is_a_file_error(write_file: WriteFile) -> None:
    path = write_file("transactionDate,vehicleRegistration,productName,quantity\n20240103,AB-12-CD,Diesel,40\n")
    with pytest.raises(InputFileError) as caught:
        fuelcard_shell_csv.read(path)
    assert caught.value.file == str(path)
    assert "creditDebitCode" in caught.value.reason


def test_dutch_portal_file_is_not_shell_and_back(write_file: WriteFile) -> None:
    shell = write_file(SHELL_FILE, name="shell.csv")
    portal = write_file("Datum;Kenteken;Product;Hoeveelheid;Eenheid\n03-01-2024;AB-12-CD;Diesel;40;L\n", name="nl.csv")
    head = shell.read_text(encoding="utf-8")
    assert not fuelcard_nl_portal.sniff(head)
    assert not fuelcard_shell_csv.sniff(portal.read_text(encoding="utf-8"))
