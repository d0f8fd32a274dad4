from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from footprint import schemas
from footprint.sources import meter_monthly_csv

WriteFile = Callable[..., Path]
AMS = "Europe/Amsterdam"

OVERVIEW = """
EAN;Product;Periode van;Periode tot;Verbruik;Eenheid;Richting;Tarief;Status
871687120002084552;Elektriciteit;01-03-2024;01-04-2024;2.464;kWh;Levering;Normaal;Gemeten
871687120002084552;Elektriciteit;01-03-2024;01-04-2024;1.690,5;kWh;Levering;Dal;Gemeten
871687140002084567;Gas;01-03-2024;01-04-2024;1.149;m3;Levering;Enkel;Geschat
871687160003118726;Warmte;01-03-2024;01-04-2024;31,42;GJ;Levering;Enkel;Gemeten
871687120002084637;Elektriciteit;01-03-2024;01-04-2024;2.104;kWh;Opwek;Enkel;Gemeten
871687120002084552;Elektriciteit;01-03-2024;01-04-2024;-;kWh;Teruglevering;;Gemeten
871687120002084552;Elektriciteit;01-03-2024;31-04-2024;12;liter;Levering;Piek;Gemeten
"""


@pytest.fixture
def overview(write_file: WriteFile) -> pd.DataFrame:
    return meter_monthly_csv.read(write_file(OVERVIEW))


def test_columns_and_dtypes_are_canonical(overview: pd.DataFrame) -> None:
    assert overview.dtypes.astype(str).to_dict() == schemas.COLUMNS[schemas.METER_USAGE]
    assert overview["source_row"].tolist() == [2, 3, 4, 5, 6, 7, 8]


def test_period_runs_from_local_midnight_to_the_exclusive_end(overview: pd.DataFrame) -> None:
    first = overview.iloc[0]
    assert first["interval_start"] == pd.Timestamp("2024-03-01 00:00", tz=AMS)
    assert first["interval_end"] == pd.Timestamp("2024-04-01 00:00", tz=AMS)
    assert first["interval_end"].utcoffset() == pd.Timedelta(hours=2)
    assert first["period"] == pd.Timestamp("2024-03-01")


def test_quantities_with_thousands_dots_and_decimal_commas(overview: pd.DataFrame) -> None:
    assert overview["quantity"].iloc[:5].tolist() == [2464.0, 1690.5, 1149.0, 31.42, 2104.0]
    assert math.isnan(overview["quantity"].iloc[5])
    assert overview["unit"].iloc[:5].tolist() == ["kWh", "kWh", "m3", "GJ", "kWh"]


def test_dutch_words_become_canonical_codes(overview: pd.DataFrame) -> None:
    assert overview["direction"].tolist()[:6] == ["consumption"] * 4 + ["generation", "feed_in"]
    assert overview["tariff"].tolist()[:5] == ["high", "low", "single", "single", "single"]
    assert pd.isna(overview["tariff"].iloc[5])
    assert overview["estimated"].tolist()[:4] == [False, False, True, False]


def test_unreadable_cells_are_missing(overview: pd.DataFrame) -> None:
    row = overview.iloc[6]
    assert pd.isna(row["interval_end"])
    assert pd.isna(row["unit"])
    assert row["tariff"] == "high"
    assert row["quantity"] == 12.0
