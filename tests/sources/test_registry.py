from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from footprint.errors import InputFileError, UsageError
from footprint.sources.registry import FORMATS, detect_format, get_format

WriteFile = Callable[..., Path]

SAMPLES = {
    "fuelcard_nl_portal": (
        "Datum;Tijd;Kaartnummer;Kenteken;Bestuurder;Station;Product;Hoeveelheid;Eenheid;Prijs per eenheid;Bedrag;Valuta;Kilometerstand\n"
        "03-01-2024;07:42;7083540100012001;VGH-42-K;Jan de Vries;Shell;Diesel;62,35;L;1,859;115,91;EUR;123456\n"
    ),
    "meter_interval_csv": (
        "EAN;871687120001042300\nAansluiting;Hoofdkantoor\nBegin;Einde;Verbruik;Eenheid;Richting;Status\n"
        "2024-01-01T00:00:00+01:00;2024-01-01T00:15:00+01:00;1,2;kWh;Levering;Gemeten\n"
    ),
    "meter_monthly_csv": (
        "EAN;Product;Periode van;Periode tot;Verbruik;Eenheid;Richting;Tarief;Status\n"
        "871687140001042315;Gas;01-01-2024;01-02-2024;1.204;m3;Levering;Enkel;Gemeten\n"
    ),
    "flights_csv": "Vertrekdatum;Van;Naar;Afstand km;Klasse;Reizigers\n18-09-2023;AMS;BCN;1240;Economy;1\n",
    "mileage_csv": "Datum;Medewerker;Vervoer;Brandstof;Kilometers;Omschrijving\n11-03-2024;A;Auto;Diesel;40;x\n",
    "supplier_statement_csv": (
        "Leverancier;Periode;Categorie;Omschrijving;Hoeveelheid;Eenheid;kg CO2e;Methode;Datakwaliteit\n"
        "Hygiëna;2024-01;1;Doeken;10;st;1,2;LCA;primair\n"
    ),
    "fuelcard_shell_csv": (
        "transactionDate,transactionTime,cardPAN,vehicleRegistration,productName,quantity,creditDebitCode\n"
        "20240103,07:42:10,7002********1234,VGH-42-K,Shell FuelSave Diesel,62.35,D\n"
    ),
    "supplier_template": (
        "footprint template;mileage;version 1\nDatum;Vervoer;Brandstof auto;Zakelijke km\n11-03-2024;Auto;Diesel;40\n"
    ),
    "fuelcard_totalenergies_fixed": "HD20240201".ljust(500)
    + "\n"
    + ("BR20240103074200".ljust(35) + "VGH-42-K".ljust(88) + "Excellium Diesel".ljust(30) + "L  000006235+").ljust(500)
    + "\n",
}
FIRST_DATA_ROW = {"meter_interval_csv": 4, "supplier_template": 3}
SAMPLES["engie_csv"] = '"Datum","EAN","Verbruik","Type","Piek"\n"2024-01-01T00:00:00+01:00","871687120001042300","0.742","Elektriciteit","false"\n'
# Their smallest file needs an --ean, two readings or a workbook: detected and read from real exports
# in test_utility_exports.py.
TESTED_WITH_REAL_EXPORTS = {"greenchoice_csv", "liander_csv", "slimmemeterportal_xlsx", "energy_overview_xlsx"}
# The second batch, detected and read from real exports in test_<name>.py (one file per format).
TESTED_WITH_REAL_EXPORTS |= {"dsmr_reader_csv", "emo_site_csv", "emo_api_csv", "fluvius_csv", "p1mon_xlsx"}
# Publicly documented layouts, read in test_public_layouts.py from public files (VanOns, HomeWizard gas) or
# from files built from the documented columns (HomeWizard electricity, Zonneplan): not all real exports.
TESTED_WITH_PUBLIC_LAYOUTS = {
    "homewizard_p1_electricity_csv", "homewizard_p1_gas_csv", "vanons_daily_readings_csv", "zonneplan_hourly_xlsx"
}

# What the pull connectors fetch from metering APIs (JSON), detected and read in tests/pull/test_<kind>.py
# from responses in the documented shapes (partly ASSUMED where the documentation is silent).
TESTED_AS_PULLED = {"meetbedrijf_json", "energiemissie_json", "meterbeheer_hub_json"}


def test_every_registered_format_has_a_sample() -> None:
    tested = SAMPLES.keys() | TESTED_WITH_REAL_EXPORTS | TESTED_WITH_PUBLIC_LAYOUTS | TESTED_AS_PULLED
    assert sorted(tested) == sorted(f.NAME for f in FORMATS)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_detected_from_content_not_name(write_file: WriteFile, name: str, encoding: str) -> None:
    path = write_file(
        SAMPLES[name], name="tankpas_export.csv" if name != "fuelcard_nl_portal" else "meterdata.txt", encoding=encoding
    )
    fmt = detect_format(path)
    assert fmt.NAME == name
    frame = fmt.read(path)
    assert len(frame) == 1
    assert frame["source_row"].tolist() == [FIRST_DATA_ROW.get(name, 2)]


def test_get_format_by_name() -> None:
    assert get_format("flights_csv").NAME == "flights_csv"


def test_get_format_unknown_name_lists_known_ones() -> None:
    with pytest.raises(UsageError, match="fuelcard_nl_portal"):
        get_format("shell_api")


def test_unknown_file_lists_known_formats(write_file: WriteFile) -> None:
    path = write_file("Datum;Omschrijving;Bedrag\n01-01-2024;Koffie;3,50\n")
    with pytest.raises(InputFileError) as caught:
        detect_format(path)
    assert caught.value.file == str(path)
    for fmt in FORMATS:
        assert fmt.NAME in caught.value.reason


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"\xef\xbb\xbf\r\n\r\n", "empty", id="bom-and-blank-lines"),
        pytest.param(b"PK\x03\x04\x00\x00binary", "binary", id="xlsx-zip"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=reason):
        detect_format(path)
    with pytest.raises(InputFileError, match=reason):
        get_format("flights_csv").read(path)


def test_undecodable_text_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(SAMPLES["flights_csv"].encode() + b"18-09-2023;AMS;\x81\x8d;1240;Economy;1\n")
    with pytest.raises(InputFileError, match="UTF-8"):
        get_format("flights_csv").read(path)


def test_forced_format_on_the_wrong_file_names_the_missing_header(write_file: WriteFile) -> None:
    path = write_file(SAMPLES["flights_csv"])
    with pytest.raises(InputFileError, match="not a mileage_csv file"):
        get_format("mileage_csv").read(path)
