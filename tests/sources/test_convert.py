"""footprint parse: a provider's file to the canonical meter-usage CSV (footprint.sources.convert)."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from footprint.errors import InputFileError, UsageError
from footprint.sources import meter_interval_csv
from footprint.sources.convert import (
    CANONICAL_HEADER,
    iso_text,
    parse_file,
    write_canonical_csv,
)
from footprint.sources.meter_eans import assign_eans, parse_ean_option
from footprint.sources.registry import FORMATS

SAMPLES = Path(__file__).parent / "real_samples"
SMP_GAS = SAMPLES / "SlimmeMeterPortal" / "data_2023_871687140002948685.xlsx"
SMP_ELECTRICITY = SAMPLES / "SlimmeMeterPortal" / "data_2023_871687120058657526.xlsx"
LIANDER = SAMPLES / "Liander" / "csv_bijlage.csv"
ENGIE = SAMPLES / "Engie" / "Export.verbruiken.ENGIE.csv"
GAS_EAN = "871687140002948685"
ELECTRICITY_EAN = "871687120058657526"
WriteFile = Callable[..., Path]


def test_iso_text_keeps_the_offset_of_each_instant() -> None:
    moments = pd.Series(
        pd.to_datetime(
            ["2023-10-29T02:00:00+02:00", "2023-10-29T02:00:00+01:00", None, "2023-03-26T03:00:00+02:00"], utc=True
        )
    ).dt.tz_convert("Europe/Amsterdam")
    assert iso_text(moments).tolist() == [
        "2023-10-29T02:00:00+02:00",
        "2023-10-29T02:00:00+01:00",
        "",
        "2023-03-26T03:00:00+02:00",
    ]


def test_parse_file_detects_the_format_and_returns_notes(tmp_path: Path) -> None:
    parsed = parse_file(SMP_GAS, ean=GAS_EAN)
    assert parsed.format_name == "slimmemeterportal_xlsx"
    assert parsed.dataset == "meter_usage"
    assert len(parsed.frame) == 8759
    assert [n.kind for n in parsed.notes] == ["carrier", "gap"]
    out = tmp_path / "out" / "gas.csv"
    assert write_canonical_csv(parsed.frame, out, SMP_GAS.name) == 8759
    with out.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CANONICAL_HEADER
    assert rows[1] == [
        GAS_EAN,
        "2023-01-01T00:00:00+01:00",
        "2023-01-01T01:00:00+01:00",
        "0.0",
        "m3",
        "consumption",
        "single",
        "false",
        SMP_GAS.name,
        "2",
    ]
    autumn = [r for r in rows[1:] if r[1].startswith("2023-10-29T0")]
    assert [r[1] for r in autumn[:4]] == [
        "2023-10-29T00:00:00+02:00",
        "2023-10-29T01:00:00+02:00",
        "2023-10-29T02:00:00+01:00",  # the file lacks 02:00+02:00 (reported as a gap)
        "2023-10-29T03:00:00+01:00",
    ]
    total = sum(float(r[3]) for r in rows[1:])
    assert total == pytest.approx(parsed.frame["quantity"].sum())


def test_the_first_line_is_the_plain_header(tmp_path: Path) -> None:
    parsed = parse_file(LIANDER)
    out = tmp_path / "liander.csv"
    write_canonical_csv(parsed.frame, out, "csv_bijlage.csv")
    header = "ean,start,end,quantity,unit,direction,tariff,estimated,source_file,source_row"
    assert out.read_text().splitlines()[0] == header


def test_missing_values_are_empty_fields_and_odd_text_is_quoted(tmp_path: Path) -> None:
    parsed = parse_file(LIANDER)
    frame = parsed.frame.head(3).copy()
    frame.loc[0, "quantity"] = np.nan
    frame.loc[1, "tariff"] = pd.NA
    frame.loc[2, "estimated"] = pd.NA
    out = tmp_path / "odd.csv"
    write_canonical_csv(frame, out, 'map "a", b.csv')
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["quantity"] == ""
    assert rows[1]["tariff"] == ""
    assert rows[2]["estimated"] == ""
    assert {r["source_file"] for r in rows} == {'map "a", b.csv'}


def test_forced_format(tmp_path: Path) -> None:
    parsed = parse_file(ENGIE, format_name="engie_csv", ean="871687140013926764")
    assert parsed.format_name == "engie_csv"
    assert set(parsed.frame["ean"]) == {"871687140013926764"}
    with pytest.raises(InputFileError, match="not a greenchoice_csv file"):
        parse_file(ENGIE, format_name="greenchoice_csv", ean=ELECTRICITY_EAN)
    with pytest.raises(UsageError, match="unknown format 'eneco'"):
        parse_file(ENGIE, format_name="eneco")


def test_the_ean_requirement_reaches_the_user() -> None:
    with pytest.raises(InputFileError, match="no EAN in this file: give it with `footprint parse --ean`"):
        parse_file(SMP_ELECTRICITY)


def test_an_interval_file_takes_ean_only_where_it_names_none(write_file: WriteFile) -> None:
    rows = "Begin;Einde;Verbruik;Eenheid;Status\n2024-01-01T00:00:00+01:00;2024-01-01T00:15:00+01:00;1,2;kWh;Gemeten\n"
    own = write_file("EAN;871687120001042300\n" + rows)
    assert meter_interval_csv.read(own, ean=ELECTRICITY_EAN)["ean"].tolist() == ["871687120001042300"]
    assert parse_file(own, ean="871687120001042300").frame["ean"].tolist() == ["871687120001042300"]
    with pytest.raises(InputFileError, match="EAN 871687120058657526 is not in this file"):
        parse_file(own, ean=ELECTRICITY_EAN)  # --ean also selects: an EAN the file neither holds nor needs
    bare = write_file(rows)
    with pytest.raises(InputFileError, match="--ean"):
        parse_file(bare)
    assert parse_file(bare, ean=ELECTRICITY_EAN).frame["ean"].tolist() == [ELECTRICITY_EAN]


def test_an_unsupported_file_says_which_formats_exist_and_how_to_add_one(write_file: WriteFile) -> None:
    path = write_file("Datum;Omschrijving;Bedrag\n01-01-2024;Koffie;3,50\n")
    with pytest.raises(InputFileError) as caught:
        parse_file(path)
    for fmt in FORMATS:
        assert fmt.NAME in caught.value.reason
    assert "footprint/sources/README.md" in caught.value.reason


def test_writing_a_non_meter_table_is_a_usage_error(write_file: WriteFile, tmp_path: Path) -> None:
    path = write_file("Vertrekdatum;Van;Naar;Afstand km;Klasse;Reizigers\n18-09-2023;AMS;BCN;1240;Economy;1\n")
    parsed = parse_file(path)
    with pytest.raises(UsageError, match="meter usage"):
        write_canonical_csv(parsed.frame, tmp_path / "x.csv", path.name)
    assert not (tmp_path / "x.csv").exists()


def test_a_year_of_quarter_hours_is_written_quickly(tmp_path: Path) -> None:
    parsed = parse_file(SMP_ELECTRICITY, ean=ELECTRICITY_EAN)
    started = time.perf_counter()
    written = write_canonical_csv(parsed.frame, tmp_path / "year.csv", SMP_ELECTRICITY.name)
    assert written == 70080
    assert time.perf_counter() - started < 3.0


# --- --ean forms --------------------------------------------------------------------------------


def test_ean_option_forms() -> None:
    assert parse_ean_option(None) == []
    assert parse_ean_option(" 871687120058657526 ") == [(None, ELECTRICITY_EAN)]
    assert parse_ean_option(["stroom=871687120058657526", "Gas=871687140002948685"]) == [
        ("electricity", ELECTRICITY_EAN),
        ("gas", GAS_EAN),
    ]
    assert parse_ean_option("electricity=871687120058657526,gas=871687140002948685") == [
        ("electricity", ELECTRICITY_EAN),
        ("gas", GAS_EAN),
    ]
    assert parse_ean_option({"aardgas": GAS_EAN}) == [("gas", GAS_EAN)]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        pytest.param("12345", "is not 18 digits", id="short"),
        pytest.param("871687120058657527", "check digit", id="check-digit"),
        pytest.param("water=871687120058657526", "unknown carrier 'water'", id="carrier"),
    ],
)
def test_malformed_ean_options_are_usage_errors(option: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_ean_option(option)


def test_assigning_eans_to_carriers() -> None:
    both = ["electricity", "gas"]
    assert assign_eans([GAS_EAN, ELECTRICITY_EAN], both, "f") == {"gas": GAS_EAN, "electricity": ELECTRICITY_EAN}
    other = "871694840000000001"
    assert assign_eans(other, ["electricity"], "f") == {"electricity": other}
    assert assign_eans([f"gas={other}", ELECTRICITY_EAN], both, "f") == {"gas": other, "electricity": ELECTRICITY_EAN}
    with pytest.raises(InputFileError, match="two EANs for the electricity data"):
        assign_eans([ELECTRICITY_EAN, f"electricity={other}"], both, "f")
    with pytest.raises(InputFileError, match=r"write --ean electricity=871687140002948685"):
        assign_eans(GAS_EAN, ["electricity"], "f")
