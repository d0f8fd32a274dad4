"""Own factor lists: the template, reading a filled one (CSV and XLSX), refusals, and storing it.

Figures are the ones seen in public sources for earlier years (reference README): diesel 3.262 kg/l,
natural gas 2.134 kg/Nm3, grey electricity 0.536 kg/kWh (2024).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from factor_helpers import EditWorkbook, OwnList, table_snapshot
from python_calamine import CalamineWorkbook

from footprint.errors import FactorError
from footprint.factors.loader import (
    load_factor_list,
    read_factor_list,
    shipped_list_path,
)
from footprint.factors.own import is_own_list, read_own_list, write_factor_template

VERSION = date(2024, 3, 1)
OWN_ID = "own-2024-20240301"
DIESEL_AND_GAS: dict[str, dict[str, object]] = {
    "fuel:diesel": {"kg CO2e per unit": "3,262", "source": "Leverancier Brandstof B.V., jaaropgave 2024"},
    "natural_gas": {"kg CO2e per unit": "2.134", "source": "co2emissiefactoren.nl 2024 (website)"},
}
TEMPLATE_ROWS = [
    ["fuel:diesel", "Fossiele brandstoffen met bio-bijmenging", "Diesel B7", "liter"],
    ["fuel:petrol", "Fossiele brandstoffen met bio-bijmenging", "Benzine E10", "liter"],
    ["fuel:lpg", "Fossiele brandstoffen", "LPG", "liter"],
    ["fuel:cng", "Fossiele brandstoffen", "CNG (aardgas)", "kg"],
    ["fuel:hvo100", "Hernieuwbare brandstoffen", "Biodiesel HVO", "liter"],
    ["natural_gas", "Gasvormige brandstoffen", "Aardgas (G-gas)", "Nm3"],
    ["electricity:grey", "Elektriciteit", "Grijze Stroom", "kWh"],
    ["electricity:green_gvo_nl", "Elektriciteit", "Windkracht", "kWh"],
    ["electricity:supplier_mix", "Elektriciteit", "Stroom (onbekend) gridmix", "kWh"],
    ["district_heat", "Warmtelevering", "Gemiddelde Warmtenetten", "GJ"],
    ["flight:short", "Vliegtuig", "Regionaal (<700 km)", "reizigerskilometer"],
    ["flight:medium", "Vliegtuig", "Europees (700 - 2.500 km)", "reizigerskilometer"],
    ["flight:long", "Vliegtuig", "Intercontinentaal (> 2.500 km)", "reizigerskilometer"],
    ["private_car:unknown", "Auto", "Gemiddelde auto Brandstofsoort onbekend", "voertuigkilometer"],
    ["private_car:petrol", "Auto", "Benzine Middel", "voertuigkilometer"],
    ["private_car:diesel", "Auto", "Diesel Middel", "voertuigkilometer"],
    ["private_car:electric", "Auto", "Elektrisch Grijze stroom", "voertuigkilometer"],
    ["train:electric", "Openbaar vervoer", "Trein (elektrisch)", "reizigerskilometer"],
]


def test_template_csv_lists_every_factor_footprint_uses(tmp_path: Path) -> None:
    csv_path, xlsx_path = write_factor_template(tmp_path, 2024, VERSION)
    assert (csv_path.name, xlsx_path.name) == ("footprint_factor_list_2024.csv", "footprint_factor_list_2024.xlsx")
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbffootprint factor list;2024;version 01-03-2024;")
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == ["footprint factor list", "2024", "version 01-03-2024", "laat deze regel staan / keep this line"]
    assert rows[1] == ["activity", "subsection", "name", "unit", "kg CO2e per unit", "MJ per unit", "source"]
    assert rows[2:] == [[*row, "", "", ""] for row in TEMPLATE_ROWS]


def test_template_xlsx_holds_the_same_rows(tmp_path: Path) -> None:
    _, xlsx_path = write_factor_template(tmp_path, 2024, VERSION)
    workbook = CalamineWorkbook.from_path(str(xlsx_path))
    assert workbook.sheet_names == ["Factoren", "Toelichting"]
    rows = workbook.get_sheet_by_name("Factoren").to_python(skip_empty_area=False)
    assert rows[0][:3] == ["footprint factor list", "2024", "version 01-03-2024"]
    assert [r[:4] for r in rows[2:]] == TEMPLATE_ROWS
    assert all(r[4:7] == ["", "", ""] for r in rows[2:])


def test_template_year_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FactorError, match=r"list year 1999 is out of range \(2000-2100\)"):
        write_factor_template(tmp_path, 1999)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_empty_template_is_recognised_but_refused(tmp_path: Path, suffix: str) -> None:
    path = next(p for p in write_factor_template(tmp_path, 2024, VERSION) if p.suffix == suffix)
    assert is_own_list(path)
    with pytest.raises(FactorError, match=rf"{path.name}: no factor is filled in \(column 'kg CO2e per unit'\)"):
        read_own_list(path)


def test_the_official_list_is_not_an_own_list() -> None:
    assert not is_own_list(shipped_list_path())


@pytest.mark.parametrize(
    ("suffix", "figures"),
    [
        (".csv", DIESEL_AND_GAS),
        (
            ".xlsx",
            {
                "fuel:diesel": {"kg CO2e per unit": 3.262, "source": "Leverancier Brandstof B.V., jaaropgave 2024"},
                "natural_gas": {"kg CO2e per unit": 2.134, "source": "co2emissiefactoren.nl 2024 (website)"},
            },
        ),
    ],
    ids=["csv-decimal-comma-and-point", "xlsx-typed-numbers"],
)
def test_a_filled_list_reads_only_its_filled_rows(own_list: OwnList, suffix: str, figures: dict) -> None:
    sheet = read_own_list(own_list(2024, VERSION, figures, suffix))
    assert (sheet.kind, sheet.list_year, sheet.version) == ("own", 2024, VERSION)
    assert sheet.title == "own factor list 2024, version 01-03-2024"
    got = sheet.factors[["subsection", "name", "unit", "value_kg_co2e_per_unit", "source_row"]]
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        ("Fossiele brandstoffen met bio-bijmenging", "Diesel B7", "liter", 3.262, 3),
        ("Gasvormige brandstoffen", "Aardgas (G-gas)", "Nm3", 2.134, 8),
    ]
    assert sheet.factors["mj_per_unit"].isna().all()
    assert sheet.factors["value_basis"].tolist() == ["WTW", "WTW"]
    assert len(sheet.skipped) == 16
    assert set(sheet.skipped["reason"]) == {"left empty"}


def test_a_stated_calorific_value_is_kept(own_list: OwnList) -> None:
    figures = {"natural_gas": {"kg CO2e per unit": "2,134", "MJ per unit": "35,17", "source": "leverancier"}}
    sheet = read_own_list(own_list(2024, VERSION, figures))
    assert sheet.factors["mj_per_unit"].tolist() == [35.17]


BAD = [
    ({"fuel:diesel": {"kg CO2e per unit": "3,262 kg", "source": "x"}}, None,
     r"row 3, column 'kg CO2e per unit': '3,262 kg' is not a number"),
    ({"fuel:diesel": {"kg CO2e per unit": "1.234,5", "source": "x"}}, None,
     r"row 3, column 'kg CO2e per unit': '1\.234,5' is not a number"),
    ({"fuel:lpg": {"kg CO2e per unit": "-1,792", "source": "x"}}, None,
     r"row 5, column 'kg CO2e per unit': '-1,792' is negative"),
    ({"fuel:lpg": {"kg CO2e per unit": "1,792", "unit": "l", "source": "x"}}, None,
     r"row 5, column 'unit': 'l' differs from the unit of 'LPG' in the mapping \('liter'\)"),
    ({"fuel:diesel": {"kg CO2e per unit": "3,262", "name": "Diesel", "source": "x"}}, None,
     (r"row 3, column 'name': 'Diesel' in 'Fossiele brandstoffen met bio-bijmenging' is not a factor footprint's "
     r"activity mapping uses \(fuel:diesel uses 'Diesel B7' in 'Fossiele brandstoffen met bio-bijmenging'\)")),
    ({"natural_gas": {"kg CO2e per unit": "2,134", "subsection": "Aardgas", "source": "x"}}, None,
     r"row 8, column 'name': 'Aardgas \(G-gas\)' in 'Aardgas' is not a factor"),
    ({"natural_gas": {"kg CO2e per unit": "2,134", "MJ per unit": "0", "source": "x"}}, None,
     r"row 8, column 'MJ per unit': '0' is not above zero"),
    ({"natural_gas": {"MJ per unit": "31,65"}}, None,
     r"row 8, column 'MJ per unit': '31,65' is given without kg CO2e per unit"),
    ({"natural_gas": {"kg CO2e per unit": "2,134"}}, None, r"row 8, column 'source': '' is empty"),
    ({"fuel:diesel": {"kg CO2e per unit": "3,262", "source": "x"},
      "fuel:petrol": {"kg CO2e per unit": "3,262", "name": "Diesel B7", "source": "x"}}, None,
     r"row 4, column 'name': 'Diesel B7' repeats a factor of an earlier row"),
    (DIESEL_AND_GAS, ["footprint factor list", "1999", "version 01-03-2024"],
     r"row 1, column 2 \(list year\): list year 1999 is out of range \(2000-2100\)"),
    (DIESEL_AND_GAS, ["footprint factor list", "2101", "version 01-03-2024"],
     r"row 1, column 2 \(list year\): list year 2101 is out of range"),
    (DIESEL_AND_GAS, ["footprint factor list", "24", "version 01-03-2024"],
     r"row 1, column 2 \(list year\): '24' is not a year"),
    (DIESEL_AND_GAS, ["footprint factor list", "2024", "version 31-02-2024"],
     r"row 1, column 3 \(version\): 'version 31-02-2024' is not a version date"),
]


@pytest.mark.parametrize(
    ("figures", "marker", "message"),
    BAD,
    ids=["text-in-figure", "thousands-separator", "negative", "other-unit", "unknown-name", "unknown-subsection",
         "zero-calorific-value", "calorific-value-alone", "no-source", "repeated-factor", "year-too-early",
         "year-too-late", "year-not-four-digits", "impossible-version-date"],
)
def test_a_bad_cell_is_refused_naming_file_row_and_column(
    own_list: OwnList, engine: sa.Engine, figures: dict, marker: list[object] | None, message: str
) -> None:
    path = own_list(2024, VERSION, figures, marker=marker)
    with pytest.raises(FactorError, match=rf"{path.name}, {message}"):
        load_factor_list(engine, path)
    assert table_snapshot(engine) == {"factor_lists": [], "factors": []}


def test_an_xlsx_with_a_negative_figure_names_its_row(own_list: OwnList) -> None:
    path = own_list(2024, VERSION, {"fuel:cng": {"kg CO2e per unit": -2.831, "source": "x"}}, ".xlsx")
    with pytest.raises(FactorError, match=r"\.xlsx, row 6, column 'kg CO2e per unit': '-2\.831' is negative"):
        read_own_list(path)


def test_a_text_file_that_is_neither_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "factoren.csv"
    path.write_text("naam;waarde\nDiesel;3,262\n", encoding="utf-8")
    with pytest.raises(FactorError, match=r"factoren\.csv: neither an own factor list \(line 1 `footprint factor list"):
        read_factor_list(path)


def test_loading_stores_an_own_list(own_list: OwnList, engine: sa.Engine) -> None:
    path = own_list(2024, VERSION, DIESEL_AND_GAS)
    result = load_factor_list(engine, path)
    assert (result.list_id, result.kind, result.list_year, result.version) == (OWN_ID, "own", 2024, VERSION)
    assert (result.factors_loaded, result.skipped, result.already_loaded, result.is_current) == (2, 16, False, True)
    assert result.covered_keys == ("fuel:diesel", "natural_gas")
    assert result.fallback_keys == tuple(r[0] for r in TEMPLATE_ROWS if r[0] not in ("fuel:diesel", "natural_gas"))
    with engine.connect() as conn:
        listed = conn.execute(sa.text("SELECT * FROM factor_lists")).one()
        rows = conn.execute(sa.text("SELECT * FROM factors ORDER BY factor_id")).all()
    assert (listed.list_id, listed.kind, listed.list_year, listed.valid_from, listed.superseded_at) == (
        OWN_ID, "own", 2024, date(2024, 1, 1), None
    )
    assert listed.source == f"own factor list 2024, version 01-03-2024, {path.name}"
    assert (listed.source_file, listed.factor_count) == (path.name, 2)
    assert [(r.factor_id, r.section, r.subsection, r.name, r.unit, r.value_kg_co2e_per_unit, r.wtw_kg_co2e_per_unit,
             r.value_basis, r.mj_per_unit, r.source_row) for r in rows] == [
        (f"{OWN_ID}-r0003", "own list", "Fossiele brandstoffen met bio-bijmenging", "Diesel B7", "liter", 3.262,
         3.262, "WTW", None, 3),
        (f"{OWN_ID}-r0008", "own list", "Gasvormige brandstoffen", "Aardgas (G-gas)", "Nm3", 2.134, 2.134, "WTW",
         None, 8),
    ]
    assert rows[0].source == f"{listed.source}, row 3: Leverancier Brandstof B.V., jaaropgave 2024"
    assert rows[1].source == f"{listed.source}, row 8: co2emissiefactoren.nl 2024 (website)"


def test_reloading_an_own_list_changes_nothing_and_a_silent_change_is_refused(
    own_list: OwnList, engine: sa.Engine
) -> None:
    path = own_list(2024, VERSION, DIESEL_AND_GAS)
    load_factor_list(engine, path)
    before = table_snapshot(engine)
    again = load_factor_list(engine, path)
    assert (again.list_id, again.already_loaded, again.kind) == (OWN_ID, True, "own")
    assert table_snapshot(engine) == before
    changed = own_list(2024, VERSION, {"fuel:diesel": {"kg CO2e per unit": "3,3", "source": "x"}})
    with pytest.raises(FactorError, match="list 2024 version 2024-03-01 is already loaded from another file.*line 1"):
        load_factor_list(engine, changed)
    with pytest.raises(FactorError, match="list year 2025 was asked for but line 1 says 2024"):
        load_factor_list(engine, path, list_year=2025)


def test_a_later_own_version_supersedes_the_own_list_only(
    own_list: OwnList, engine: sa.Engine, edit_workbook: EditWorkbook
) -> None:
    official_2024 = edit_workbook("factoren_2024.xlsx", title="Factoren 2024 dd 15-03-2024")
    load_factor_list(engine, official_2024)
    load_factor_list(engine, own_list(2024, VERSION, DIESEL_AND_GAS))
    correction = load_factor_list(engine, own_list(2024, date(2024, 6, 1), DIESEL_AND_GAS, ".xlsx"))
    assert (correction.list_id, correction.superseded_list_ids) == ("own-2024-20240601", (OWN_ID,))
    with engine.connect() as conn:
        lists = conn.execute(sa.text("SELECT list_id, kind, superseded_at FROM factor_lists ORDER BY list_id")).all()
        superseded = conn.execute(
            sa.text("SELECT list_id, count(*) FROM factors WHERE superseded_at IS NOT NULL GROUP BY list_id")
        ).all()
    assert [tuple(r) for r in lists] == [
        ("co2ef-2024-20240315", "official", None),
        (OWN_ID, "own", date(2024, 6, 1)),
        ("own-2024-20240601", "own", None),
    ]
    assert [tuple(r) for r in superseded] == [(OWN_ID, 2)]


def test_an_own_list_loads_beside_the_shipped_list(own_list: OwnList, engine: sa.Engine) -> None:
    load_factor_list(engine, shipped_list_path())
    result = load_factor_list(engine, own_list(2026, date(2026, 9, 1), DIESEL_AND_GAS))
    assert (result.list_id, result.is_current, result.superseded_list_ids) == ("own-2026-20260901", True, ())
    with engine.connect() as conn:
        current = conn.execute(
            sa.text("SELECT list_id FROM factor_lists WHERE superseded_at IS NULL ORDER BY list_id")
        ).scalars().all()
    assert current == ["co2ef-2026-20260820", "own-2026-20260901"]


def test_a_filled_template_matches_the_factor_columns(own_list: OwnList) -> None:
    sheet = read_own_list(own_list(2024, VERSION, DIESEL_AND_GAS))
    official = read_factor_list(shipped_list_path())
    assert dict(sheet.factors.dtypes.drop("source")) == dict(official.factors.dtypes)
    assert pd.api.types.is_string_dtype(sheet.factors["source"])
