from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import flights_csv, mileage_csv, supplier_statement_csv

WriteFile = Callable[..., Path]
CANONICAL = schemas.COLUMNS[schemas.SUPPLIER_ACTIVITY]

FLIGHTS = """
Vertrekdatum;Van (IATA);Naar (IATA);Afstand km;Klasse;Reizigers
18-09-2023;ams;BCN;1.240;Economy;3
21-09-2023;BCN;AMS;1240;;3
30-09-2023;AMS;JFK;5851;Business;-
"""


def test_flights(write_file: WriteFile) -> None:
    frame = flights_csv.read(write_file(FLIGHTS))
    assert frame.dtypes.astype(str).to_dict() == CANONICAL
    assert frame["source_row"].tolist() == [2, 3, 4]
    assert frame["activity_date"].tolist() == [
        pd.Timestamp("2023-09-18"),
        pd.Timestamp("2023-09-21"),
        pd.Timestamp("2023-09-30"),
    ]
    assert frame["period"].tolist() == [pd.Timestamp("2023-09-01")] * 3
    assert frame["description"].tolist() == ["AMS-BCN Economy", "BCN-AMS", "AMS-JFK Business"]
    assert frame["quantity"].iloc[:2].tolist() == [3720.0, 3720.0]
    assert math.isnan(frame["quantity"].iloc[2])
    assert frame["distance_km"].tolist() == [1240.0, 1240.0, 5851.0]
    assert frame["unit"].tolist() == ["pkm"] * 3
    assert frame["activity_type"].tolist() == ["flight"] * 3
    assert frame["supplier"].tolist() == ["travel agency"] * 3
    assert frame["ghg_category"].tolist() == [6, 6, 6]
    assert frame["method"].tolist() == ["travel agency statement"] * 3
    assert frame["data_quality"].tolist() == ["primary"] * 3
    assert frame["reported_kg_co2e"].isna().all()


MILEAGE = """
Datum;Medewerker;Vervoer;Brandstof;Kilometers;Omschrijving
11-03-2024;Esther de Wit;Auto;Elektrisch;48,8;Klantbezoek Houten
12-03-2024;Bart Kuipers;Trein;;96;Overleg Rotterdam
13-03-2024;Chantal Dekker;auto;Benzine;142,5;Offerte Zeist
14-03-2024;Dirk Brouwer;Auto;;57;Inspectie Woerden
15-03-2024;Frank Peters;Auto;Waterstof;20;Beurs
16-03-2024;Gerda Bos;Fiets;;12;Bezoek
"""


def test_mileage_carries_car_fuel_in_description(write_file: WriteFile) -> None:
    frame = mileage_csv.read(write_file(MILEAGE))
    assert frame.dtypes.astype(str).to_dict() == CANONICAL
    assert frame["activity_type"].tolist()[:5] == ["private_car", "train", "private_car", "private_car", "private_car"]
    assert pd.isna(frame["activity_type"].iloc[5])
    assert frame["description"].tolist()[:4] == ["electric", pd.NA, "petrol", "unknown"]
    assert pd.isna(frame["description"].iloc[4])
    assert frame["unit"].tolist()[:3] == ["km", "pkm", "km"]
    assert frame["quantity"].tolist() == [48.8, 96.0, 142.5, 57.0, 20.0, 12.0]
    assert frame["supplier"].unique().tolist() == ["staff declarations"]
    assert frame["method"].unique().tolist() == ["expense declaration"]
    assert frame["ghg_category"].unique().tolist() == [6]
    assert frame["period"].unique().tolist() == [pd.Timestamp("2024-03-01")]


def test_mileage_drops_employee_names_and_free_text(write_file: WriteFile) -> None:
    frame = mileage_csv.read(write_file(MILEAGE))
    text = frame.to_string()
    assert "Esther" not in text and "Kuipers" not in text and "Houten" not in text


STATEMENT = """
Leverancier;Periode;Categorie;Omschrijving;Hoeveelheid;Eenheid;kg CO2e;Methode;Datakwaliteit
Hygiëna Groothandel B.V.;2024-01;1;Schoonmaakmiddelen;1.112;kg;1.979,36;leverancierspecifiek (LCA);primair
Hygiëna Groothandel B.V.;2024-02;Cat. 1;Werkkleding;;;319,20;;Secundair
Hygiëna Groothandel B.V.;2024-13;4;Transport;12;ritten;abc;LCA;onbekend
"""


def test_supplier_statement(write_file: WriteFile) -> None:
    frame = supplier_statement_csv.read(write_file(STATEMENT))
    assert frame.dtypes.astype(str).to_dict() == CANONICAL
    assert frame["period"].iloc[:2].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")]
    assert pd.isna(frame["period"].iloc[2])
    assert frame["activity_date"].isna().all()
    assert frame["supplier"].iloc[0] == "Hygiëna Groothandel B.V."
    assert frame["description"].tolist() == ["Schoonmaakmiddelen (1.112 kg)", "Werkkleding", "Transport (12 ritten)"]
    assert frame["quantity"].iloc[:2].tolist() == [1979.36, 319.2]
    assert frame["reported_kg_co2e"].iloc[:2].tolist() == [1979.36, 319.2]
    assert math.isnan(frame["quantity"].iloc[2])
    assert frame["unit"].unique().tolist() == ["kg_co2e"]
    assert frame["activity_type"].unique().tolist() == ["supplier_reported"]
    assert frame["ghg_category"].tolist() == [1, 1, 4]
    assert frame["method"].tolist() == ["leverancierspecifiek (LCA)", "supplier statement", "LCA"]
    assert frame["data_quality"].tolist()[:2] == ["primary", "secondary"]
    assert pd.isna(frame["data_quality"].iloc[2])


@pytest.mark.parametrize(
    ("module", "text", "column"),
    [
        pytest.param(
            flights_csv, "Vertrekdatum;Van;Naar;Klasse\n18-09-2023;AMS;BCN;Economy\n", "Afstand km", id="flights"
        ),
        pytest.param(mileage_csv, "Datum;Vervoer;Kilometers\n11-03-2024;Auto;12\n", None, id="mileage-complete"),
        pytest.param(
            supplier_statement_csv,
            "Leverancier;Periode;Categorie;kg CO2e\nX;2024-01;1;5\n",
            "Datakwaliteit",
            id="statement",
        ),
    ],
)
def test_required_columns(write_file: WriteFile, module: object, text: str, column: str | None) -> None:
    path = write_file(text)
    if column is None:
        assert len(module.read(path)) == 1  # type: ignore[attr-defined]
        return
    with pytest.raises(InputFileError) as caught:
        module.read(path)  # type: ignore[attr-defined]
    assert caught.value.column == column
