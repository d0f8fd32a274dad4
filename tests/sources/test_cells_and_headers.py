from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from footprint.sources import flights_csv
from footprint.sources.cell_numbers import decimal
from footprint.sources.cell_times import local_date
from footprint.sources.text_head import Column

WriteFile = Callable[..., Path]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("12,5", 12.5, id="decimal-comma"),
        pytest.param("-62,35", -62.35, id="negative"),
        pytest.param(" 7 ", 7.0, id="padded-integer"),
        pytest.param("1.250,5", 1250.5, id="thousands-and-decimals"),
        pytest.param("1.234.567", 1234567.0, id="thousands-only"),
        pytest.param("1.250", 1250.0, id="dot-before-three-digits-groups"),
        pytest.param("45.23", 45.23, id="decimal-point"),
        pytest.param(".5", 0.5, id="leading-point"),
        pytest.param("-", math.nan, id="dash-is-missing"),
        pytest.param("", math.nan, id="empty-is-missing"),
        pytest.param("6O,25", math.nan, id="letter-o"),
        pytest.param("1,2,3", math.nan, id="two-commas"),
        pytest.param("12.5,0.1", math.nan, id="mixed"),
        # Kept as written, so that validation quarantines them by their bounds (issue 15, point 10).
        pytest.param("inf", math.inf, id="infinity"),
        pytest.param("1e400", math.inf, id="overflow"),
        pytest.param("1e5", 100000.0, id="exponent"),
        pytest.param("nan", math.nan, id="nan-is-missing"),
        pytest.param("1_000", math.nan, id="underscore"),
        pytest.param("1 250", math.nan, id="space-grouping"),
    ],
)
def test_decimal(text: str, expected: float) -> None:
    result = decimal(pa.array([text]))[0]
    assert (math.isnan(result) and math.isnan(expected)) or result == expected


def test_decimal_of_an_absent_column_is_all_missing() -> None:
    assert np.isnan(decimal(pa.nulls(3, pa.string()))).all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("03-01-2024", "2024-01-03", id="dd-mm-yyyy"),
        pytest.param("3-1-2024", "2024-01-03", id="unpadded"),
        pytest.param("03/01/2024", "2024-01-03", id="slashes"),
        pytest.param("2024-01-03", "2024-01-03", id="iso"),
        pytest.param("29-02-2024", "2024-02-29", id="leap-day"),
        pytest.param("29-02-2023", None, id="no-leap-day"),
        pytest.param("31-04-2024", None, id="april-31"),
        pytest.param("03-01-24", None, id="two-digit-year"),
        pytest.param("-", None, id="dash"),
    ],
)
def test_local_date(text: str, expected: str | None) -> None:
    value = local_date(pa.array([text])).iloc[0]
    if expected is None:
        assert value is pd.NaT
    else:
        assert value == pd.Timestamp(expected)


def test_blank_and_ragged_lines_keep_line_numbers(write_file: WriteFile) -> None:
    path = write_file(
        "Vertrekdatum;Van;Naar;Afstand km;Klasse;Reizigers\n"
        "18-09-2023;AMS;BCN;1240;Economy;1\n"
        "\n"
        "19-09-2023;AMS;LHR;371\n"
        "20-09-2023;AMS;CPH;629;Economy;2;extra;fields\n"
        ";;;;;\n"
        "21-09-2023;AMS;MAD;1460;Economy;1\n"
    )
    frame = flights_csv.read(path)
    assert frame["source_row"].tolist() == [2, 4, 5, 7]
    assert frame["distance_km"].tolist() == [1240.0, 371.0, 629.0, 1460.0]
    assert math.isnan(frame["quantity"].iloc[1])
    assert frame["quantity"].iloc[2] == 1258.0


def test_quoted_fields(write_file: WriteFile) -> None:
    path = write_file(
        '"Vertrekdatum";"Van";"Naar";"Afstand km";"Klasse";"Reizigers"\n"18-09-2023";"AMS";"BCN";"1.240";"Economy; flex";"2"\n'
    )
    frame = flights_csv.read(path)
    assert frame["description"].tolist() == ["AMS-BCN Economy; flex"]
    assert frame["quantity"].tolist() == [2480.0]


def test_header_columns_match_ignoring_case_and_punctuation() -> None:
    column = Column("Afstand km", aliases=("Afstand",))
    assert column.accepts(" AFSTAND (KM) ")
    assert column.accepts("afstand")
    assert not column.accepts("Afstand mijl")


def test_a_reexported_file_with_another_separator_reads_the_same(tmp_path: Path) -> None:
    from footprint.sources import meter_monthly_csv
    from footprint.sources.meter_profile import builtin_format
    from footprint.sources.registry import detect_format

    engie_csv = builtin_format("engie_csv")

    monthly = (
        "EAN;Product;Periode van;Periode tot;Verbruik;Eenheid;Richting;Tarief;Status\n"
        "871687120002084552;Elektriciteit;01-03-2024;01-04-2024;2.464;kWh;Levering;Normaal;Gemeten\n"
    )
    semicolons = tmp_path / "a.csv"
    tabs = tmp_path / "b.csv"
    semicolons.write_text(monthly, encoding="utf-8")
    tabs.write_text(monthly.replace(";", "\t"), encoding="utf-8")
    assert detect_format(tabs) is meter_monthly_csv
    assert meter_monthly_csv.read(tabs).equals(meter_monthly_csv.read(semicolons))
    engie = tmp_path / "engie.tsv"
    engie.write_text(
        "Datum\tEAN\tVerbruik\tType\tPiek\n2021-12-25T00:00:00+01:00\t871687120061402458\t0.742\tElektriciteit\tfalse\n",
        encoding="utf-8",
    )
    assert detect_format(engie).NAME == "engie_csv"
    assert engie_csv.read(engie)["quantity"].tolist() == [0.742]
