"""footprint's supplier and staff template: written, filled in as a person would, read back."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import airports, supplier_template
from footprint.sources.airports import great_circle_km
from footprint.sources.registry import detect_format, get_format
from footprint.sources.supplier_template_writer import write_supplier_template

WriteFile = Callable[..., Path]
COMPUTED = "flight list (footprint template); distance computed: great circle between the IATA airports (footprint airports.csv)"


@pytest.fixture
def templates(tmp_path: Path) -> dict[str, Path]:
    paths = write_supplier_template(tmp_path / "templates")
    return {p.name: p for p in paths}


def _append_csv(path: Path, rows: str) -> Path:
    path.write_text(path.read_text(encoding="utf-8-sig") + rows, encoding="utf-8-sig")
    return path


def _fill_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    for row in rows:
        sheet.append(row)
    filled = path.with_name("filled_" + path.name)
    workbook.save(filled)
    return filled


def test_template_files(templates: dict[str, Path]) -> None:
    assert sorted(templates) == [
        "footprint_template_README.txt",
        "footprint_template_flights.csv",
        "footprint_template_flights.xlsx",
        "footprint_template_mileage.csv",
        "footprint_template_mileage.xlsx",
        "footprint_template_supplier_statements.csv",
        "footprint_template_supplier_statements.xlsx",
    ]
    lines = templates["footprint_template_mileage.csv"].read_text(encoding="utf-8-sig").splitlines()
    assert lines == [
        "footprint template;mileage;version 1;laat deze regel staan / keep this line",
        "Datum;Vervoer;Brandstof auto;Zakelijke km",
    ]
    workbook = openpyxl.load_workbook(templates["footprint_template_flights.xlsx"])
    assert workbook.sheetnames == ["Gegevens", "Toelichting"]
    notes = [str(c.value) for row in workbook["Toelichting"].iter_rows() for c in row if c.value]
    assert any("Regionaal (<700 km)" in n for n in notes)  # the factor list's distance bands, from the mapping
    assert "Europees" in templates["footprint_template_README.txt"].read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["supplier_statements", "mileage", "flights"])
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_empty_template_is_detected_and_reads_no_rows(templates: dict[str, Path], name: str, suffix: str) -> None:
    path = templates[f"footprint_template_{name}.{suffix}"]
    assert detect_format(path).NAME == "supplier_template"
    frame = supplier_template.read(path)
    assert frame.empty
    assert list(frame.columns) == list(schemas.COLUMNS[schemas.SUPPLIER_ACTIVITY])


def test_statements_csv_round_trip(templates: dict[str, Path]) -> None:
    path = _append_csv(
        templates["footprint_template_supplier_statements.csv"],
        "Hygiëna B.V.;2024-01;1;Schoonmaakmiddelen;1.112;kg;1.979,36;leverancierspecifiek (LCA);primair\r\n"
        "Hygiëna B.V.;2024-02;Cat. 1;Werkkleding;;;319,20;;secundair\r\n"
        "Transport Oost;2024-02;4;Vrachtritten;5.200;km;;;primair\r\n",
    )
    frame = detect_format(path).read(path)
    assert frame["source_row"].tolist() == [3, 4, 5]
    assert frame["period"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-01")]
    assert frame["supplier"].tolist() == ["Hygiëna B.V.", "Hygiëna B.V.", "Transport Oost"]
    assert frame["activity_type"].tolist() == ["supplier_reported"] * 3
    assert frame["description"].tolist() == ["Schoonmaakmiddelen (1.112 kg)", "Werkkleding", "Vrachtritten (5.200 km)"]
    assert frame["quantity"].tolist()[:2] == [1979.36, 319.2]
    assert frame["reported_kg_co2e"].tolist()[:2] == [1979.36, 319.2]
    assert math.isnan(frame["reported_kg_co2e"].iloc[2])  # activity only: quarantined until the figure is added
    assert frame["unit"].tolist() == ["kg_co2e"] * 3
    assert frame["ghg_category"].tolist() == [1, 1, 4]
    assert frame["method"].tolist() == [
        "leverancierspecifiek (LCA)",
        "supplier statement (footprint template)",
        "supplier statement (footprint template)",
    ]
    assert frame["data_quality"].tolist() == ["primary", "secondary", "primary"]


def test_statements_xlsx_round_trip_with_typed_cells(templates: dict[str, Path]) -> None:
    path = _fill_xlsx(
        templates["footprint_template_supplier_statements.xlsx"],
        [
            ["Hygiëna B.V.", "2024-01", 1, "Schoonmaakmiddelen", 1112, "kg", 1979.36, "LCA", "primair"],
            [],
            ["Hygiëna B.V.", "2024-02", "1", "Doeken", None, None, "1,125", None, "Secundair"],
        ],
    )
    frame = detect_format(path).read(path)
    assert frame["source_row"].tolist() == [3, 5]
    assert frame["description"].tolist() == ["Schoonmaakmiddelen (1112 kg)", "Doeken"]
    assert frame["quantity"].tolist() == [1979.36, 1.125]
    assert frame["ghg_category"].tolist() == [1, 1]
    assert frame["period"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    assert frame["data_quality"].tolist() == ["primary", "secondary"]


def test_mileage_round_trip(templates: dict[str, Path]) -> None:
    path = _append_csv(
        templates["footprint_template_mileage.csv"],
        "11-03-2024;Auto;Elektrisch;48,8\r\n12-03-2024;Trein;;96\r\n13-03-2024;Auto;;12\r\n14-03-2024;Fiets;;5\r\n",
    )
    frame = supplier_template.read(path)
    assert frame["activity_type"].tolist() == ["private_car", "train", "private_car", pd.NA]
    assert frame["description"].tolist() == ["electric", pd.NA, "unknown", pd.NA]
    assert frame["quantity"].tolist() == [48.8, 96.0, 12.0, 5.0]
    assert frame["unit"].tolist() == ["km", "pkm", "km", pd.NA]
    assert frame["supplier"].tolist() == ["staff declarations"] * 4
    assert frame["activity_date"].iloc[0] == pd.Timestamp("2024-03-11")
    assert frame["ghg_category"].tolist() == [6] * 4


def test_flights_xlsx_round_trip_computes_missing_distances(templates: dict[str, Path]) -> None:
    path = _fill_xlsx(
        templates["footprint_template_flights.xlsx"],
        [
            ["18-09-2023", "AMS", "LHR", None, "Economy", 2, None],
            ["19-09-2023", "lhr", "ams", 371, None, None, "Zakenreizen Noord B.V."],
            ["20-09-2023", "AMS", "ZZZ", None, "Business", 1, None],
            [dt.date(2023, 9, 21), "AMS", "JFK", "abc", None, 1, None],
        ],
    )
    frame = supplier_template.read(path)
    ams_lhr = frame["distance_km"].iloc[0]
    assert abs(ams_lhr - 371) <= 5
    assert frame["quantity"].iloc[0] == pytest.approx(2 * ams_lhr)
    assert frame["method"].iloc[0] == COMPUTED
    assert frame["description"].tolist()[:2] == ["AMS-LHR Economy", "LHR-AMS"]
    assert frame["distance_km"].iloc[1] == 371.0  # written distance wins
    assert frame["quantity"].iloc[1] == 371.0  # passengers empty: one
    assert frame["method"].iloc[1] == "flight list (footprint template)"
    assert frame["supplier"].tolist()[:2] == ["travel agency", "Zakenreizen Noord B.V."]
    assert math.isnan(frame["distance_km"].iloc[2])  # unknown airport: quarantined for its distance
    assert math.isnan(frame["distance_km"].iloc[3])  # unreadable distance is not replaced by a computed one
    assert frame["activity_type"].tolist() == ["flight"] * 4
    assert frame["activity_date"].tolist() == [pd.Timestamp(f"2023-09-{day}") for day in (18, 19, 20, 21)]


def test_flights_csv_round_trip(templates: dict[str, Path]) -> None:
    path = _append_csv(templates["footprint_template_flights.csv"], "18-09-2023;AMS;BCN;;Economy;3;\r\n")
    frame = supplier_template.read(path)
    assert 1230 <= frame["distance_km"].iloc[0] <= 1250
    assert frame["quantity"].iloc[0] == pytest.approx(3 * frame["distance_km"].iloc[0])
    assert frame["method"].iloc[0] == COMPUTED


@pytest.mark.parametrize(
    ("origin", "destination", "low", "high"),
    [
        pytest.param("AMS", "LHR", 366, 376, id="AMS-LHR"),
        pytest.param("AMS", "AMS", 0, 0, id="same-airport"),
        pytest.param("AMS", "JFK", 5830, 5870, id="AMS-JFK"),
        pytest.param("AMS", "CUR", 7790, 7860, id="AMS-CUR"),
    ],
)
def test_great_circle_distances(origin: str, destination: str, low: float, high: float) -> None:
    distance = great_circle_km(pd.Series([origin], dtype="string"), pd.Series([destination], dtype="string"))[0]
    assert low <= distance <= high


def test_unknown_or_missing_code_has_no_distance() -> None:
    distances = great_circle_km(pd.Series(["AMS", pd.NA], dtype="string"), pd.Series(["XXX", "LHR"], dtype="string"))
    assert math.isnan(distances[0]) and math.isnan(distances[1])


def test_airport_table_is_small_and_complete() -> None:
    table = airports.airports()
    assert 60 <= len(table) <= 120
    assert table.index.is_unique
    assert table["lat"].between(-90, 90).all() and table["lon"].between(-180, 180).all()
    assert {"AMS", "RTM", "EIN", "LHR", "BRU", "CDG", "FRA", "JFK", "CUR"} <= set(table.index)


def test_header_without_marker_line_is_not_the_template(write_file: WriteFile) -> None:
    path = write_file("Datum;Vervoer;Brandstof auto;Zakelijke km\n11-03-2024;Auto;Diesel;40\n")
    assert not supplier_template.sniff(path.read_text(encoding="utf-8"))
    with pytest.raises(InputFileError, match="not a filled-in supplier_template"):
        get_format("supplier_template").read(path)


def test_marker_without_a_required_column_names_it(write_file: WriteFile) -> None:
    path = write_file("footprint template;mileage;version 1\nDatum;Vervoer;Brandstof auto\n11-03-2024;Auto;Diesel\n")
    with pytest.raises(InputFileError, match="not a filled-in supplier_template"):
        supplier_template.read(path)
    path = write_file("footprint template;flights;version 1\nVertrekdatum;Vertrekluchthaven (IATA);Aankomstluchthaven (IATA)\n")
    assert supplier_template.read(path).empty


def test_xlsx_missing_column_is_a_file_error(templates: dict[str, Path]) -> None:
    workbook = openpyxl.load_workbook(templates["footprint_template_supplier_statements.xlsx"])
    sheet = workbook.worksheets[0]
    sheet.delete_cols(9)  # Datakwaliteit
    path = templates["footprint_template_supplier_statements.xlsx"].with_name("broken.xlsx")
    workbook.save(path)
    with pytest.raises(InputFileError, match="missing column 'Datakwaliteit'") as caught:
        supplier_template.read(path)
    assert (caught.value.row, caught.value.column) == (2, "Datakwaliteit")


def test_csv_missing_column_is_a_file_error(write_file: WriteFile) -> None:
    path = write_file("footprint template;supplier_statements;version 1\nLeverancier;Periode;Scope 3 categorie;Gerapporteerd kg CO2e\n")
    with pytest.raises(InputFileError, match="missing column 'Datakwaliteit'") as caught:
        supplier_template.read(path)
    assert (caught.value.row, caught.value.column) == (2, "Datakwaliteit")
