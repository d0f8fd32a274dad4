from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from factor_helpers import (
    EXTRACT_CSV,
    EditWorkbook,
    empty_factor_tables,
    table_snapshot,
)

from footprint.config.assets import FactorPolicy
from footprint.errors import FactorError
from footprint.factors.loader import (
    ensure_default_factors,
    load_factor_list,
    shipped_list_path,
)
from footprint.factors.official import FactorSheet, read_factor_workbook
from footprint.factors.resolve import resolve_factors

FIRST_ID = "co2ef-2026-20260820"
CORRECTION_ID = "co2ef-2026-20261015"
CORRECTION_TITLE = "Factoren 2026 dd 15-10-2026"
LIST_2024_TITLE = "Factoren 2024 dd 15-03-2024"

BASIS_IN_EXTRACT = {"WTW (well-to-wheel)": "WTW", "TTW (combustion only, no WTW reported)": "TTW"}

with EXTRACT_CSV.open(encoding="utf-8") as _handle:
    EXTRACT_ROWS = list(csv.DictReader(_handle))


@pytest.fixture(scope="module")
def sheet() -> FactorSheet:
    return read_factor_workbook(shipped_list_path())


def _factor(sheet: FactorSheet, subsection: str, name: str) -> pd.Series:
    match = sheet.factors[(sheet.factors["subsection"] == subsection) & (sheet.factors["name"] == name)]
    assert len(match) == 1, f"{subsection} / {name}: {len(match)} rows"
    return match.iloc[0]


def _optional(text: str) -> float | None:
    return float(text) if text else None


def _same(actual: object, expected: float | None) -> bool:
    if expected is None:
        return actual is pd.NA
    return actual == pytest.approx(expected, abs=1e-9)


def test_extract_has_63_rows() -> None:
    assert len(EXTRACT_ROWS) == 63


@pytest.mark.parametrize("row", EXTRACT_ROWS, ids=[r["name"] for r in EXTRACT_ROWS])
def test_workbook_matches_extract(sheet: FactorSheet, row: dict[str, str]) -> None:
    factor = _factor(sheet, row["subsection"], row["name"])
    assert factor["unit"] == row["unit"]
    assert factor["value_kg_co2e_per_unit"] == pytest.approx(float(row["value_kg_co2e_per_unit"]), abs=1e-9)
    assert factor["value_basis"] == BASIS_IN_EXTRACT[row["value_basis"]]
    assert _same(factor["wtt_kg_co2e_per_unit"], _optional(row["wtt_kg_co2e_per_unit"]))
    if row["subsection"] == "Elektriciteit":
        # The extract fills its biogenic column for electricity from the sheet's fifth column, which the
        # electricity block heads "Infrastructuur (LCA benadering)": not biogenic, so not stored as such.
        assert factor["biogenic_kg_co2e_per_unit"] is pd.NA
    else:
        assert _same(factor["biogenic_kg_co2e_per_unit"], _optional(row["biogenic_kg_co2e_per_unit"]))


def test_sheet_title_gives_year_and_version(sheet: FactorSheet) -> None:
    assert sheet.title == "Factoren 2026 dd 20-08-2026"
    assert sheet.list_year == 2026
    assert sheet.version == date(2026, 8, 20)


def test_sections_and_counts(sheet: FactorSheet) -> None:
    assert sheet.sections == [
        "Brandstoffen voertuigen en schepen",
        "Brandstoffen energieopwekking",
        "Elektriciteit",
        "Warmtelevering",
        "Koudemiddelen",
        "Overige Emissies",
        "Personenvervoer",
        "Goederenvervoer",
        "Afval",
    ]
    assert sheet.factors["subsection"].nunique() == 33
    assert len(sheet.factors) == 215
    assert sheet.skipped_by_reason == {"Vervallen (withdrawn)": 13, "Variabel (no fixed factor)": 1}
    assert sheet.skipped.loc[sheet.skipped["reason"] == "Variabel (no fixed factor)", "name"].tolist() == ["Stroometiket"]
    assert sheet.factors["value_basis"].value_counts().to_dict() == {
        "WTW": 121,
        "GWP100": 39,
        "GHG protocol": 30,
        "TTW": 24,
        "Totaal": 1,
    }


def test_names_are_stripped_and_subsections_keep_repeated_names_apart(sheet: FactorSheet) -> None:
    assert not sheet.factors["name"].str.contains(r"^\s|\s$", regex=True).any()
    touringcar = _factor(sheet, "Touringcar", "Diesel")
    minibus = _factor(sheet, "Minibus (max. 8 personen)", "Diesel")
    assert (touringcar["value_kg_co2e_per_unit"], touringcar["unit"]) == (0.888, "voertuigkilometer")
    assert (minibus["value_kg_co2e_per_unit"], minibus["unit"]) == (0.295, "voertuigkilometer")


@pytest.mark.parametrize(
    ("subsection", "name", "value", "basis", "wtw", "ttw", "wtt", "source_row"),
    [
        ("Fossiele brandstoffen met bio-bijmenging", "Diesel B7", 3.251, "WTW", 3.251, 2.462, 0.788, 21),
        ("Hernieuwbare brandstoffen", "Ad Blue (additief)", 0.26, "TTW", None, 0.26, None, 35),
        ("Elektriciteit", "Grijze Stroom", 0.483, "WTW", 0.483, 0.401, 0.082, 85),
        ("Warmtelevering", "Gemiddelde Warmtenetten", 40.45, "WTW", 40.45, 34.31, 6.14, 95),
        ("Blends", "R404a", 4728.0, "GWP100", None, None, None, 100),
        ("Overige Emissies", "Zwavel Hexafluoride (SF6)", 24300.0, "GWP100", None, None, None, 144),
        ("Recycling", "Papier en karton", 7.0, "GHG protocol", None, None, None, 271),
        ("Finale afvalverwerking  (AVI zonder energieterugwinning)", "Gevaarlijk afval (indicatief)", 2420.0,
         "GHG protocol", None, None, None, 304),
        ("Afvalwater", "Afvalwater", 26.27, "Totaal", None, None, None, 307),
    ],
    ids=["diesel-b7", "adblue-ttw-only", "grey-electricity", "district-heat", "refrigerant", "sf6", "waste",
         "waste-no-recovery", "waste-water"],
)
def test_each_layout_is_read_through_its_header(
    sheet: FactorSheet,
    subsection: str,
    name: str,
    value: float,
    basis: str,
    wtw: float | None,
    ttw: float | None,
    wtt: float | None,
    source_row: int,
) -> None:
    factor = _factor(sheet, subsection, name)
    assert factor["value_kg_co2e_per_unit"] == pytest.approx(value)
    assert factor["value_basis"] == basis
    assert _same(factor["wtw_kg_co2e_per_unit"], wtw)
    assert _same(factor["ttw_kg_co2e_per_unit"], ttw)
    assert _same(factor["wtt_kg_co2e_per_unit"], wtt)
    assert factor["source_row"] == source_row


@pytest.mark.parametrize(
    ("subsection", "name", "source_row", "mj_per_unit"),
    [
        ("Gasvormige brandstoffen", "Aardgas (G-gas)", 46, 31.65),
        ("Elektriciteit", "Grijze Stroom", 85, 3.6),
        ("Fossiele brandstoffen", "CNG (aardgas)", 10, 38.0),
        ("Fossiele brandstoffen", "LPG", 12, 24.23),
        ("Fossiele brandstoffen met bio-bijmenging", "Diesel B7", 21, 35.9),
        ("Warmtelevering", "Gemiddelde Warmtenetten", 95, 1000.0),
        ("Auto", "Elektrisch Grijze stroom", 164, 0.81),
        ("Hernieuwbare brandstoffen", "Ad Blue (additief)", 35, None),
        ("Blends", "R404a", 100, None),
        ("Afvalwater", "Afvalwater", 307, None),
    ],
    ids=["natural-gas", "grey-electricity", "cng", "lpg", "diesel-b7", "district-heat", "car-per-km", "adblue-empty",
         "refrigerant-empty", "waste-water-empty"],
)
def test_calorific_value_per_factor(
    sheet: FactorSheet, subsection: str, name: str, source_row: int, mj_per_unit: float | None
) -> None:
    factor = _factor(sheet, subsection, name)
    assert factor["source_row"] == source_row
    assert _same(factor["mj_per_unit"], mj_per_unit)


def test_calorific_values_counted(sheet: FactorSheet) -> None:
    # Counted by hand in the sheet: 144 of the 215 factors have a "Conversie MJ" figure (fuels,
    # electricity, heat, passenger and goods transport); refrigerants, other gases and waste have none.
    assert int(sheet.factors["mj_per_unit"].notna().sum()) == 144


def test_a_moved_calorific_column_is_followed(edit_workbook: EditWorkbook) -> None:
    # The "Gasvormige brandstoffen" block (rows 45-54) with its Eenheid and Conversie MJ columns swapped.
    units = ["Nm3"] * 5 + ["liter"] * 2 + ["Nm3"] * 2
    calorific = [31.65] * 5 + [25.41] * 2 + [31.65] * 2
    moved: dict[str, object] = {"F45": "Conversie MJ", "G45": "Eenheid"}
    for row, unit, mj in zip(range(46, 55), units, calorific, strict=True):
        moved |= {f"F{row}": mj, f"G{row}": unit}
    sheet = read_factor_workbook(edit_workbook("mj.xlsx", cells=moved))
    gas = _factor(sheet, "Gasvormige brandstoffen", "Aardgas (G-gas)")
    propane = _factor(sheet, "Gasvormige brandstoffen", "Propaan")
    assert (gas["unit"], gas["mj_per_unit"], gas["value_kg_co2e_per_unit"]) == ("Nm3", 31.65, 2.134)
    assert (propane["unit"], propane["mj_per_unit"], propane["value_kg_co2e_per_unit"]) == ("liter", 25.41, 1.725)


def test_text_in_the_calorific_column_names_row_and_column(edit_workbook: EditWorkbook) -> None:
    path = edit_workbook("mj_tekst.xlsx", cells={"G46": "ca. 31"})
    with pytest.raises(FactorError, match=r"mj_tekst\.xlsx, row 46, column 'Conversie MJ': 'ca\. 31' is not a number"):
        read_factor_workbook(path)


def test_moved_columns_are_followed(edit_workbook: EditWorkbook) -> None:
    moved: dict[str, object] = {"B6": "Verbrandingsemissies (TTW)", "C6": "Totaal (WTW)", "B8": 2.646, "C8": 3.462}
    sheet = read_factor_workbook(edit_workbook("moved.xlsx", cells=moved))
    diesel = _factor(sheet, "Fossiele brandstoffen", "Diesel (fossiel) B0")
    assert (diesel["value_kg_co2e_per_unit"], diesel["ttw_kg_co2e_per_unit"]) == (3.462, 2.646)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "factors.csv"
    path.write_text("name;value\nDiesel;3,251\n", encoding="utf-8")
    with pytest.raises(FactorError, match=r"factors\.csv: not an Excel workbook.*Factoren YYYY dd DD-MM-YYYY"):
        read_factor_workbook(path)


def test_a_workbook_without_the_factor_sheet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Blad1"
    workbook.save(path)
    with pytest.raises(FactorError, match=r"other\.xlsx: no sheet titled like 'Factoren 2026 dd 20-08-2026'.*Blad1"):
        read_factor_workbook(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FactorError, match="nothere.xlsx: no such file"):
        read_factor_workbook(tmp_path / "nothere.xlsx")


def test_text_in_a_value_cell_names_row_and_column(edit_workbook: EditWorkbook) -> None:
    path = edit_workbook("bad.xlsx", cells={"B21": "3.251 kg"})
    with pytest.raises(FactorError, match=r"bad\.xlsx, row 21, column 'Totaal \(WTW\)': '3\.251 kg' is not a number"):
        read_factor_workbook(path)


def test_a_block_without_its_column_header_row_is_refused(edit_workbook: EditWorkbook) -> None:
    path = edit_workbook("geen_kop.xlsx", cells={f"{col}6": None for col in "BCDEFG"})
    with pytest.raises(FactorError, match=r"geen_kop\.xlsx, row 7: factor row 'Benzine \(fossiel\) E0' comes before a column-header row"):
        read_factor_workbook(path)


def test_first_load(engine: sa.Engine) -> None:
    result = load_factor_list(engine, shipped_list_path())
    assert (result.list_id, result.list_year, result.version) == (FIRST_ID, 2026, date(2026, 8, 20))
    assert (result.factors_loaded, result.skipped, result.already_loaded, result.is_current) == (215, 14, False, True)
    assert result.superseded_list_ids == ()
    with engine.connect() as conn:
        listed = conn.execute(sa.text("SELECT * FROM factor_lists")).one()
        diesel = conn.execute(sa.text("SELECT * FROM factors WHERE name = 'Diesel B7'")).one()
    assert listed.valid_from == date(2026, 1, 1)
    assert listed.superseded_at is None
    assert listed.source == "co2emissiefactoren.nl, Factoren 2026 dd 20-08-2026, co2emissiefactoren_nl_2026.xlsx"
    assert listed.source_file == "co2emissiefactoren_nl_2026.xlsx"
    assert len(listed.source_sha256) == 64
    assert listed.factor_count == 215
    assert diesel.factor_id == "co2ef-2026-20260820-r0021"
    assert (diesel.value_kg_co2e_per_unit, diesel.value_basis, diesel.unit) == (3.251, "WTW", "liter")
    assert diesel.biogenic_kg_co2e_per_unit == 0.176
    assert diesel.mj_per_unit == 35.9
    assert diesel.source == listed.source
    assert listed.kind == "official"
    assert result.kind == "official"
    with engine.connect() as conn:
        gas, adblue = conn.execute(
            sa.text("SELECT mj_per_unit FROM factors WHERE factor_id IN (:gas, :adblue) ORDER BY factor_id"),
            {"gas": f"{FIRST_ID}-r0046", "adblue": f"{FIRST_ID}-r0035"},
        ).scalars()
    assert (gas, adblue) == (None, 31.65)  # r0035 (AdBlue) sorts first: the sheet states no MJ for it


def test_reload_changes_nothing(engine: sa.Engine) -> None:
    load_factor_list(engine, shipped_list_path())
    before = table_snapshot(engine)
    again = load_factor_list(engine, shipped_list_path(), list_year=2026)
    assert (again.list_id, again.already_loaded, again.factors_loaded) == (FIRST_ID, True, 0)
    assert table_snapshot(engine) == before


def test_loading_afresh_gives_identical_tables(engine: sa.Engine) -> None:
    load_factor_list(engine, shipped_list_path())
    before = table_snapshot(engine)
    empty_factor_tables(engine)
    load_factor_list(engine, shipped_list_path())
    assert table_snapshot(engine) == before


def test_given_year_must_match_the_title(engine: sa.Engine) -> None:
    with pytest.raises(FactorError, match="list year 2025 was asked for but the sheet title .* says 2026"):
        load_factor_list(engine, shipped_list_path(), list_year=2025)


def test_a_correction_supersedes_the_earlier_version(engine: sa.Engine, edit_workbook: EditWorkbook) -> None:
    correction = edit_workbook("correctie.xlsx", title=CORRECTION_TITLE, cells={"B21": 3.3})
    load_factor_list(engine, shipped_list_path())
    result = load_factor_list(engine, correction)
    assert (result.list_id, result.version, result.is_current) == (CORRECTION_ID, date(2026, 10, 15), True)
    assert result.superseded_list_ids == (FIRST_ID,)
    with engine.connect() as conn:
        lists = conn.execute(sa.text("SELECT list_id, valid_from, superseded_at FROM factor_lists ORDER BY list_id")).all()
        per_list = conn.execute(
            sa.text("SELECT list_id, superseded_at, COUNT(*) FROM factors GROUP BY list_id, superseded_at ORDER BY list_id")
        ).all()
    assert [tuple(r) for r in lists] == [
        (FIRST_ID, date(2026, 1, 1), date(2026, 10, 15)),
        (CORRECTION_ID, date(2026, 1, 1), None),
    ]
    assert [tuple(r) for r in per_list] == [(FIRST_ID, date(2026, 10, 15), 215), (CORRECTION_ID, None, 215)]
    resolved = resolve_factors(engine, 2026, FactorPolicy())
    assert (resolved.list_id, resolved.version) == (CORRECTION_ID, date(2026, 10, 15))
    diesel = resolved.table.set_index("activity_key").loc["fuel:diesel"]
    assert diesel["factor_kg_co2e_per_unit"] == 3.3
    assert diesel["factor_id"] == "co2ef-2026-20261015-r0021"


def test_load_order_does_not_matter(engine: sa.Engine, edit_workbook: EditWorkbook) -> None:
    correction = edit_workbook("correctie.xlsx", title=CORRECTION_TITLE, cells={"B21": 3.3})
    load_factor_list(engine, shipped_list_path())
    load_factor_list(engine, correction)
    in_order = table_snapshot(engine)
    empty_factor_tables(engine)
    load_factor_list(engine, correction)
    late_original = load_factor_list(engine, shipped_list_path())
    assert (late_original.is_current, late_original.superseded_list_ids) == (False, ())
    assert table_snapshot(engine) == in_order


def test_same_version_from_another_file_is_refused(engine: sa.Engine, edit_workbook: EditWorkbook) -> None:
    load_factor_list(engine, shipped_list_path())
    changed = edit_workbook("stil_gewijzigd.xlsx", cells={"B21": 3.3})
    with pytest.raises(FactorError, match="list 2026 version 2026-08-20 is already loaded from another file"):
        load_factor_list(engine, changed)


def test_each_year_uses_its_own_list_under_per_year(engine: sa.Engine, edit_workbook: EditWorkbook) -> None:
    list_2024 = edit_workbook("factoren_2024.xlsx", title=LIST_2024_TITLE, cells={"B85": 0.536, "B86": 0.328})
    load_factor_list(engine, shipped_list_path())
    load_factor_list(engine, list_2024)

    per_year = resolve_factors(engine, 2024, FactorPolicy())
    assert (per_year.list_year, per_year.version, per_year.is_fallback) == (2024, date(2024, 3, 15), False)
    grey = per_year.table.set_index("activity_key").loc["electricity:grey"]
    assert (grey["factor_kg_co2e_per_unit"], grey["location_factor_kg_co2e_per_unit"]) == (0.536, 0.328)

    restated = resolve_factors(engine, 2024, FactorPolicy(mode="single_list", list_year=2026))
    assert restated.list_year == 2026
    grey = restated.table.set_index("activity_key").loc["electricity:grey"]
    assert (grey["factor_kg_co2e_per_unit"], grey["location_factor_kg_co2e_per_unit"]) == (0.483, 0.244)


@pytest.mark.parametrize(
    ("year", "list_year"),
    [(2023, 2024), (2024, 2024), (2025, 2024), (2026, 2026), (2030, 2026)],
    ids=["before-all-takes-earliest-later", "own", "gap-takes-nearest-earlier", "own-2026", "after-all"],
)
def test_per_year_falls_back_to_the_nearest_list(
    engine: sa.Engine, edit_workbook: EditWorkbook, year: int, list_year: int
) -> None:
    load_factor_list(engine, shipped_list_path())
    load_factor_list(engine, edit_workbook("factoren_2024.xlsx", title=LIST_2024_TITLE))
    resolved = resolve_factors(engine, year, FactorPolicy())
    assert (resolved.year, resolved.list_year) == (year, list_year)
    assert resolved.is_fallback == (year != list_year)


def test_ensure_default_factors_loads_the_shipped_list_once(engine: sa.Engine) -> None:
    ensure_default_factors(engine)
    first = table_snapshot(engine)
    assert [r[0] for r in first["factor_lists"]] == [FIRST_ID]
    assert len(first["factors"]) == 215
    ensure_default_factors(engine)
    assert table_snapshot(engine) == first


def test_ensure_default_factors_leaves_a_filled_warehouse_alone(
    engine: sa.Engine, edit_workbook: EditWorkbook
) -> None:
    load_factor_list(engine, edit_workbook("factoren_2024.xlsx", title=LIST_2024_TITLE))
    ensure_default_factors(engine)
    assert [r[0] for r in table_snapshot(engine)["factor_lists"]] == ["co2ef-2024-20240315"]
