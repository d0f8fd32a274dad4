"""Per-key fallback along the factor policy: partial own lists, years without a list, calorific values.

The own 2024 list holds diesel 3.262 kg/l and natural gas 2.134 kg/Nm3 (figures from the reference
README), without calorific values; the shipped 2026 list holds everything (LPG 1.792 kg/l, diesel
3.251 kg/l, Diesel B7 35.9 MJ/l, Aardgas (G-gas) 31.65 MJ/Nm3).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from factor_helpers import EditWorkbook, OwnList

from footprint.config.assets import FactorPolicy
from footprint.factors.loader import (
    ensure_default_factors,
    load_factor_list,
    shipped_list_path,
)
from footprint.factors.resolve import resolve_factors

NA = pd.NA
OWN = "own factor list 2024 (version 01-03-2024)"
OFFICIAL_2026 = "co2emissiefactoren.nl 2026 (version 20-08-2026)"
OWN_ID = "own-2024-20240301"
OFFICIAL_ID = "co2ef-2026-20260820"
DIESEL_AND_GAS: dict[str, dict[str, object]] = {
    "fuel:diesel": {"kg CO2e per unit": "3,262", "source": "jaaropgave leverancier"},
    "natural_gas": {"kg CO2e per unit": "2,134", "source": "co2emissiefactoren.nl 2024"},
}
PER_YEAR = FactorPolicy()
FALLING_BACK = [
    "fuel:petrol", "fuel:cng", "fuel:hvo100", "electricity:grey", "electricity:green_gvo_nl",
    "electricity:supplier_mix", "district_heat", "flight:short", "flight:medium", "flight:long", "private_car:unknown",
    "private_car:petrol", "private_car:diesel", "private_car:electric", "train:electric",
]


@pytest.fixture
def partial(engine: sa.Engine, own_list: OwnList) -> sa.Engine:
    """The shipped 2026 list and an own 2024 list of two factors."""
    load_factor_list(engine, shipped_list_path())
    load_factor_list(engine, own_list(2024, date(2024, 3, 1), DIESEL_AND_GAS))
    return engine


def _row(table: pd.DataFrame, key: str) -> pd.Series:
    return table.set_index("activity_key").loc[key]


def test_a_2024_month_takes_lpg_from_2026_with_a_note(partial: sa.Engine) -> None:
    resolved = resolve_factors(partial, 2024, PER_YEAR)
    assert (resolved.list_id, resolved.list_year, resolved.version, resolved.kind) == (
        OWN_ID, 2024, date(2024, 3, 1), "own"
    )
    assert resolved.label == f"own factor list 2024, version 01-03-2024 ({OWN_ID})"
    assert not resolved.is_fallback
    lpg = _row(resolved.table, "fuel:lpg")
    assert (lpg["factor_id"], lpg["factor_kg_co2e_per_unit"], lpg["list_id"], lpg["list_year"], lpg["list_unit"]) == (
        f"{OFFICIAL_ID}-r0012", 1.792, OFFICIAL_ID, 2026, "liter"
    )
    assert lpg["fallback_note"] == f"{OWN} has no factor for fuel:lpg; taken from {OFFICIAL_2026}"
    assert lpg["unresolved"] is NA


def test_the_own_figures_win_and_their_calorific_values_come_from_2026(partial: sa.Engine) -> None:
    table = resolve_factors(partial, 2024, PER_YEAR).table
    diesel, gas = _row(table, "fuel:diesel"), _row(table, "natural_gas")
    assert (diesel["factor_id"], diesel["factor_kg_co2e_per_unit"], diesel["location_factor_kg_co2e_per_unit"]) == (
        f"{OWN_ID}-r0003", 3.262, 3.262
    )
    assert (diesel["list_id"], diesel["list_year"], diesel["mj_per_unit"], diesel["mj_factor_id"]) == (
        OWN_ID, 2024, 35.9, f"{OFFICIAL_ID}-r0021"
    )
    assert diesel["fallback_note"] == (
        f"{OWN} states no calorific value for 'Diesel B7' (35.9 MJ/liter); taken from {OFFICIAL_2026}"
    )
    assert (gas["factor_id"], gas["factor_kg_co2e_per_unit"], gas["list_unit"], gas["mj_per_unit"]) == (
        f"{OWN_ID}-r0008", 2.134, "Nm3", 31.65
    )
    assert gas["mj_factor_id"] == f"{OFFICIAL_ID}-r0046"


def test_the_fallbacks_are_summed_up_per_list(partial: sa.Engine) -> None:
    assert resolve_factors(partial, 2024, PER_YEAR).fallbacks == (
        (f"{OWN} states no calorific value for 'Diesel B7' (35.9 MJ/liter), 'Aardgas (G-gas)' (31.65 MJ/Nm3); "
        f"taken from {OFFICIAL_2026}"),
        f"{OWN} has no factor for fuel:petrol, fuel:lpg, {', '.join(FALLING_BACK[1:])}; taken from {OFFICIAL_2026}",
    )


def test_2025_picks_the_2024_own_list_first_and_says_so(partial: sa.Engine) -> None:
    resolved = resolve_factors(partial, 2025, PER_YEAR)
    year_note = f"no list for 2025 is loaded; {OWN} applies (per_year policy falls back to the nearest list)"
    assert (resolved.list_id, resolved.is_fallback, resolved.fallbacks[0]) == (OWN_ID, True, year_note)
    diesel, lpg = _row(resolved.table, "fuel:diesel"), _row(resolved.table, "fuel:lpg")
    assert diesel["factor_kg_co2e_per_unit"] == 3.262
    assert lpg["factor_kg_co2e_per_unit"] == 1.792
    assert lpg["fallback_note"] == f"{year_note}; {OWN} has no factor for fuel:lpg; taken from {OFFICIAL_2026}"


def test_2026_uses_its_own_list_without_notes(partial: sa.Engine) -> None:
    resolved = resolve_factors(partial, 2026, PER_YEAR)
    assert (resolved.list_id, resolved.fallbacks) == (OFFICIAL_ID, ())
    assert resolved.table["fallback_note"].isna().all()
    assert _row(resolved.table, "fuel:diesel")["factor_kg_co2e_per_unit"] == 3.251


def test_a_year_before_every_list_takes_the_earliest_later_one(partial: sa.Engine) -> None:
    resolved = resolve_factors(partial, 2023, PER_YEAR)
    assert resolved.list_id == OWN_ID
    assert resolved.fallbacks[0] == (
        f"no list for 2023 is loaded; {OWN} applies (per_year policy falls back to the nearest list)"
    )


def test_a_year_with_only_the_shipped_list_says_so(engine: sa.Engine) -> None:
    load_factor_list(engine, shipped_list_path())
    resolved = resolve_factors(engine, 2024, PER_YEAR)
    note = f"no list for 2024 is loaded; {OFFICIAL_2026} applies (per_year policy falls back to the nearest list)"
    assert resolved.fallbacks == (note,)
    assert set(resolved.table["fallback_note"].dropna()) == {note}
    assert resolved.table.set_index("activity_key")["fallback_note"].isna().tolist() == [
        key == "supplier_reported" for key in resolved.table["activity_key"]
    ]


def test_single_list_2026_restates_2024_with_the_2026_list_only(partial: sa.Engine) -> None:
    resolved = resolve_factors(partial, 2024, FactorPolicy(mode="single_list", list_year=2026))
    assert (resolved.list_id, resolved.fallbacks) == (OFFICIAL_ID, ())
    assert _row(resolved.table, "fuel:diesel")["factor_kg_co2e_per_unit"] == 3.251


def test_single_list_2024_starts_the_chain_at_the_own_list(partial: sa.Engine) -> None:
    resolved = resolve_factors(partial, 2026, FactorPolicy(mode="single_list", list_year=2024))
    assert resolved.list_id == OWN_ID
    assert _row(resolved.table, "fuel:diesel")["factor_kg_co2e_per_unit"] == 3.262
    lpg = _row(resolved.table, "fuel:lpg")
    assert lpg["fallback_note"] == f"{OWN} has no factor for fuel:lpg; taken from {OFFICIAL_2026}"
    assert not any(note.startswith("no list for") for note in resolved.fallbacks)


def test_within_a_year_the_own_list_comes_before_the_official_one(
    partial: sa.Engine, edit_workbook: EditWorkbook
) -> None:
    # An official 2024 list: a copy of the 2026 one with LPG 1.80 kg/l (B12) and Diesel B7 35.8 MJ/l (G21).
    load_factor_list(partial, edit_workbook("factoren_2024.xlsx", "Factoren 2024 dd 15-03-2024", {"B12": 1.8, "G21": 35.8}))
    table = resolve_factors(partial, 2024, PER_YEAR).table
    diesel, lpg = _row(table, "fuel:diesel"), _row(table, "fuel:lpg")
    assert (diesel["factor_kg_co2e_per_unit"], diesel["mj_per_unit"], diesel["mj_factor_id"]) == (
        3.262, 35.8, "co2ef-2024-20240315-r0021"
    )
    assert (lpg["factor_kg_co2e_per_unit"], lpg["list_id"]) == (1.8, "co2ef-2024-20240315")
    assert lpg["fallback_note"] == (
        f"{OWN} has no factor for fuel:lpg; taken from co2emissiefactoren.nl 2024 (version 15-03-2024)"
    )


def test_a_grid_average_factor_falls_back_on_its_own(engine: sa.Engine, own_list: OwnList) -> None:
    load_factor_list(engine, shipped_list_path())
    grey_only = {"electricity:grey": {"kg CO2e per unit": "0,536", "MJ per unit": "3,6", "source": "2024 (README)"}}
    load_factor_list(engine, own_list(2024, date(2024, 3, 1), grey_only))
    grey = _row(resolve_factors(engine, 2024, PER_YEAR).table, "electricity:grey")
    assert (grey["factor_kg_co2e_per_unit"], grey["location_factor_kg_co2e_per_unit"]) == (0.536, 0.244)
    assert (grey["location_factor_id"], grey["mj_factor_id"]) == (f"{OFFICIAL_ID}-r0086", f"{OWN_ID}-r0009")
    assert grey["fallback_note"] == f"{OWN} has no grid-average factor for electricity:grey; taken from {OFFICIAL_2026}"


def test_an_own_grid_average_serves_every_electricity_key(engine: sa.Engine, own_list: OwnList) -> None:
    load_factor_list(engine, shipped_list_path())
    gridmix = {"electricity:supplier_mix": {"kg CO2e per unit": "0,328", "MJ per unit": "3,6", "source": "2024"}}
    load_factor_list(engine, own_list(2024, date(2024, 3, 1), gridmix))
    table = resolve_factors(engine, 2024, PER_YEAR).table
    grey, mix = _row(table, "electricity:grey"), _row(table, "electricity:supplier_mix")
    assert (grey["factor_kg_co2e_per_unit"], grey["location_factor_kg_co2e_per_unit"]) == (0.483, 0.328)
    assert grey["fallback_note"] == f"{OWN} has no factor for electricity:grey; taken from {OFFICIAL_2026}"
    assert (mix["factor_kg_co2e_per_unit"], mix["location_factor_kg_co2e_per_unit"], mix["fallback_note"]) == (
        0.328, 0.328, NA
    )


def test_a_factor_no_list_holds_is_unresolved(engine: sa.Engine, own_list: OwnList) -> None:
    load_factor_list(engine, own_list(2024, date(2024, 3, 1), DIESEL_AND_GAS))
    table = resolve_factors(engine, 2024, PER_YEAR).table
    lpg, diesel = _row(table, "fuel:lpg"), _row(table, "fuel:diesel")
    assert lpg["unresolved"] == (
        f"activity fuel:lpg: factor 'LPG' in 'Fossiele brandstoffen' is in none of the loaded lists ({OWN})"
    )
    assert (lpg["factor_id"], lpg["list_id"], lpg["fallback_note"]) == (NA, NA, NA)
    assert (diesel["factor_kg_co2e_per_unit"], diesel["mj_per_unit"], diesel["fallback_note"]) == (3.262, NA, NA)
    assert table.loc[table["unresolved"].notna(), "activity_key"].tolist() == [
        "fuel:petrol", "fuel:lpg", *FALLING_BACK[1:]
    ]
    supplier = _row(table, "supplier_reported")
    assert (supplier["factor_id"], supplier["unresolved"], supplier["fallback_note"]) == (NA, NA, NA)


def test_a_stated_own_calorific_value_is_used_without_a_note(engine: sa.Engine, own_list: OwnList) -> None:
    load_factor_list(engine, shipped_list_path())
    gas = {"natural_gas": {"kg CO2e per unit": "2,134", "MJ per unit": "35,17", "source": "leverancier, H-gas"}}
    load_factor_list(engine, own_list(2024, date(2024, 3, 1), gas))
    row = _row(resolve_factors(engine, 2024, PER_YEAR).table, "natural_gas")
    assert (row["mj_per_unit"], row["mj_factor_id"], row["fallback_note"]) == (35.17, f"{OWN_ID}-r0008", NA)


def test_a_later_own_version_replaces_the_earlier_one(partial: sa.Engine, own_list: OwnList) -> None:
    corrected = {"fuel:diesel": {"kg CO2e per unit": "3,3", "source": "gecorrigeerde jaaropgave"}}
    load_factor_list(partial, own_list(2024, date(2024, 6, 1), corrected))
    table = resolve_factors(partial, 2024, PER_YEAR).table
    assert _row(table, "fuel:diesel")["factor_id"] == "own-2024-20240601-r0003"
    assert _row(table, "fuel:diesel")["factor_kg_co2e_per_unit"] == 3.3
    assert _row(table, "natural_gas")["list_id"] == OFFICIAL_ID  # the correction dropped gas: 2026 it is


def test_the_shipped_list_is_loaded_beside_a_lone_own_list(engine: sa.Engine, own_list: OwnList) -> None:
    load_factor_list(engine, own_list(2024, date(2024, 3, 1), DIESEL_AND_GAS))
    ensure_default_factors(engine)
    with engine.connect() as conn:
        lists = conn.execute(sa.text("SELECT list_id, kind FROM factor_lists ORDER BY list_id")).all()
    assert [tuple(r) for r in lists] == [(OFFICIAL_ID, "official"), (OWN_ID, "own")]
    assert _row(resolve_factors(engine, 2024, PER_YEAR).table, "fuel:lpg")["unresolved"] is NA
