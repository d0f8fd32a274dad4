from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml
from factor_helpers import EditWorkbook

from footprint.activity_mapping import (
    classify_products,
    flight_activity_key,
    known_products,
    load_activity_mapping,
)
from footprint.config.assets import FactorPolicy
from footprint.errors import FactorError
from footprint.factors.loader import load_factor_list, shipped_list_path
from footprint.factors.resolve import resolve_factors

NA = pd.NA

# activity key: market factor, grid-average factor, ladder scope, GHG scope, GHG category, source, unit
EXPECTED_2026 = {
    "fuel:diesel": (3.251, 3.251, 1, 1, NA, "diesel", "l"),
    "fuel:petrol": (2.794, 2.794, 1, 1, NA, "petrol", "l"),
    "fuel:lpg": (1.792, 1.792, 1, 1, NA, "lpg", "l"),
    "fuel:cng": (2.831, 2.831, 1, 1, NA, "cng", "kg"),
    "fuel:hvo100": (0.468, 0.468, 1, 1, NA, "hvo100", "l"),
    "natural_gas": (2.134, 2.134, 1, 1, NA, "natural_gas", "m3"),
    "electricity:grey": (0.483, 0.244, 2, 2, NA, "electricity", "kWh"),
    "electricity:green_gvo_nl": (0.0, 0.244, 2, 2, NA, "electricity", "kWh"),
    "electricity:supplier_mix": (0.244, 0.244, 2, 2, NA, "electricity", "kWh"),
    "district_heat": (40.45, 40.45, 2, 2, NA, "district_heat", "GJ"),
    "flight:short": (0.234, 0.234, 2, 3, 6, "flights", "pkm"),
    "flight:medium": (0.172, 0.172, 2, 3, 6, "flights", "pkm"),
    "flight:long": (0.157, 0.157, 2, 3, 6, "flights", "pkm"),
    "private_car:unknown": (0.190, 0.190, 2, 3, 6, "private_car", "km"),
    "private_car:petrol": (0.196, 0.196, 2, 3, 6, "private_car", "km"),
    "private_car:diesel": (0.224, 0.224, 2, 3, 6, "private_car", "km"),
    "private_car:electric": (0.111, 0.111, 2, 3, 6, "private_car", "km"),
    "train:electric": (0.019, 0.019, 2, 3, 6, "train", "pkm"),
    "supplier_reported": (NA, NA, 3, 3, NA, "supplier_reported", "kg_co2e"),
}


@pytest.fixture
def loaded(engine: sa.Engine) -> sa.Engine:
    load_factor_list(engine, shipped_list_path())
    return engine


def test_mapping_has_exactly_the_contract_keys() -> None:
    assert set(load_activity_mapping().activities) == set(EXPECTED_2026)


@pytest.mark.parametrize("key", list(EXPECTED_2026))
def test_resolved_2026_factors(loaded: sa.Engine, key: str) -> None:
    resolved = resolve_factors(loaded, 2026, FactorPolicy())
    row = resolved.table.set_index("activity_key").loc[key]
    market, location, ladder, ghg, category, source, unit = EXPECTED_2026[key]
    actual = (
        row["factor_kg_co2e_per_unit"],
        row["location_factor_kg_co2e_per_unit"],
        row["ladder_scope"],
        row["ghg_scope"],
        row["ghg_category"],
        row["source"],
        row["unit"],
    )
    assert actual == (market, location, ladder, ghg, category, source, unit)
    if key == "supplier_reported":
        assert row["factor_id"] is NA and row["location_factor_id"] is NA
    elif not key.startswith("electricity:"):
        assert row["location_factor_id"] == row["factor_id"]


def test_resolved_table_says_which_list(loaded: sa.Engine) -> None:
    resolved = resolve_factors(loaded, 2026, FactorPolicy())
    assert (resolved.list_id, resolved.list_year, resolved.is_fallback) == ("co2ef-2026-20260820", 2026, False)
    assert resolved.label == "co2emissiefactoren.nl 2026, version 20-08-2026 (co2ef-2026-20260820)"
    assert list(resolved.table.columns) == [
        "activity_key",
        "factor_id",
        "factor_kg_co2e_per_unit",
        "location_factor_id",
        "location_factor_kg_co2e_per_unit",
        "ladder_scope",
        "ghg_scope",
        "ghg_category",
        "source",
        "unit",
        "list_id",
        "list_year",
        "list_unit",
        "mj_per_unit",
        "mj_factor_id",
        "fallback_note",
        "unresolved",
    ]
    assert resolved.table["activity_key"].is_unique
    assert resolved.fallbacks == ()
    gas = resolved.table.set_index("activity_key").loc["natural_gas"]
    assert (gas["list_id"], gas["list_year"], gas["list_unit"], gas["mj_per_unit"]) == (
        "co2ef-2026-20260820", 2026, "Nm3", 31.65
    )
    assert (gas["mj_factor_id"], gas["fallback_note"], gas["unresolved"]) == ("co2ef-2026-20260820-r0046", NA, NA)


def test_grey_and_gridmix_factor_ids(loaded: sa.Engine) -> None:
    grey = resolve_factors(loaded, 2026, FactorPolicy()).table.set_index("activity_key").loc["electricity:grey"]
    assert (grey["factor_id"], grey["location_factor_id"]) == ("co2ef-2026-20260820-r0085", "co2ef-2026-20260820-r0086")


def test_a_mapped_factor_missing_from_every_list_is_unresolved_not_an_error(
    engine: sa.Engine, edit_workbook: EditWorkbook
) -> None:
    load_factor_list(engine, edit_workbook("hernoemd.xlsx", cells={"A21": "Diesel B8"}))
    table = resolve_factors(engine, 2026, FactorPolicy()).table.set_index("activity_key")
    diesel = table.loc["fuel:diesel"]
    assert diesel["unresolved"] == (
        "activity fuel:diesel: factor 'Diesel B7' in 'Fossiele brandstoffen met bio-bijmenging' is in none of the "
        "loaded lists (co2emissiefactoren.nl 2026 (version 20-08-2026))"
    )
    assert (diesel["factor_id"], diesel["factor_kg_co2e_per_unit"], diesel["list_id"]) == (NA, NA, NA)
    assert table.drop(index="fuel:diesel")["unresolved"].isna().all()
    assert table.loc["fuel:petrol", "factor_kg_co2e_per_unit"] == 2.794


def test_a_factor_in_another_unit(engine: sa.Engine, edit_workbook: EditWorkbook) -> None:
    load_factor_list(engine, edit_workbook("eenheid.xlsx", cells={"F21": "kg"}))
    with pytest.raises(FactorError, match=r"activity fuel:diesel: factor 'Diesel B7' .* is per 'kg', but the mapping expects per 'liter'"):
        resolve_factors(engine, 2026, FactorPolicy())


def test_no_list_loaded(engine: sa.Engine) -> None:
    with pytest.raises(FactorError, match="no factor list is loaded"):
        resolve_factors(engine, 2026, FactorPolicy())


def test_single_list_year_not_loaded(loaded: sa.Engine) -> None:
    with pytest.raises(FactorError, match="single_list asks for the 2022 list, which is not loaded"):
        resolve_factors(loaded, 2026, FactorPolicy(mode="single_list", list_year=2022))


@pytest.mark.parametrize(
    ("product", "fuel", "reason", "known"),
    [
        ("Diesel", "diesel", NA, True),
        ("  diesel ", "diesel", NA, True),
        ("DIESEL B7", "diesel", NA, True),
        ("V-Power Diesel", "diesel", NA, True),
        ("Ultimate Diesel", "diesel", NA, True),
        ("Euro 95", "petrol", NA, True),
        ("euro  95", "petrol", NA, True),
        ("Euro95 E10", "petrol", NA, True),
        ("Super Plus 98", "petrol", NA, True),
        ("V-Power 98", "petrol", NA, True),
        ("LPG", "lpg", NA, True),
        ("Autogas", "lpg", NA, True),
        ("CNG", "cng", NA, True),
        ("HVO100", "hvo100", NA, True),
        ("hvo 100", "hvo100", NA, True),
        ("AdBlue", NA, "additive, not a fuel", True),
        ("Wasstraat", NA, "car wash", True),
        ("CARWASH", NA, "car wash", True),
        ("Shop", NA, "shop purchase", True),
        ("Winkel", NA, "shop purchase", True),
        ("Olie", NA, "lubricant", True),
        ("Motorolie", NA, "lubricant", True),
        ("Euro 98", NA, NA, False),
        ("", NA, NA, False),
        (None, NA, NA, False),
    ],
    ids=lambda v: repr(v),
)
def test_classify_products(product: str | None, fuel: object, reason: object, known: bool) -> None:
    result = classify_products(pd.Series([product], dtype="string"))
    assert (result.at[0, "fuel"], result.at[0, "excluded_reason"], result.at[0, "known"]) == (fuel, reason, known)


def test_classify_products_keeps_index_and_input() -> None:
    products = pd.Series(["Diesel", "AdBlue", "Koffie"], index=[10, 20, 30], dtype="string")
    before = products.copy()
    result = classify_products(products)
    pd.testing.assert_series_equal(products, before)
    assert list(result.index) == [10, 20, 30]
    assert list(result.columns) == ["fuel", "excluded_reason", "known"]
    assert result["known"].tolist() == [True, True, False]
    assert result["known"].dtype == bool


def test_known_products() -> None:
    assert sorted(known_products()) == sorted(
        [
            "Diesel", "Diesel B7", "V-Power Diesel", "Ultimate Diesel", "Euro 95", "Euro95 E10", "Super Plus 98",
            "V-Power 98", "LPG", "Autogas", "CNG", "HVO100", "HVO 100", "AdBlue", "Wasstraat", "Carwash", "Shop",
            "Winkel", "Olie", "Motorolie",
        ]
    )


@pytest.mark.parametrize(
    ("distance_km", "key"),
    [
        (120.0, "flight:short"),
        (699.9, "flight:short"),
        (700.0, "flight:medium"),
        (1650.0, "flight:medium"),
        (2500.0, "flight:medium"),
        (2500.1, "flight:long"),
        (9300.0, "flight:long"),
        (0.0, NA),
        (-50.0, NA),
        (None, NA),
    ],
    ids=lambda v: repr(v),
)
def test_flight_bands(distance_km: float | None, key: object) -> None:
    result = flight_activity_key(pd.Series([distance_km], dtype="Float64")).iloc[0]
    assert (result is NA) if key is NA else (result == key)


def test_flight_activity_key_keeps_index_and_input() -> None:
    distances = pd.Series([500.0, 3000.0], index=["a", "b"])
    before = distances.copy()
    result = flight_activity_key(distances)
    pd.testing.assert_series_equal(distances, before)
    assert result.to_dict() == {"a": "flight:short", "b": "flight:long"}


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ("fuel_products:\n  Kerosine: kerosine\n", "maps to 'kerosine' but there is no activity fuel:kerosine"),
        ("non_fuel_products:\n  DIESEL: not diesel\n", "product 'DIESEL' is listed twice"),
        ("flight_bands:\n  - {activity_key: 'flight:short', below_km: 700}\n", "every band but the last needs a bound"),
    ],
    ids=["unknown-fuel", "duplicate-product", "open-last-band-missing"],
)
def test_a_broken_mapping_file_is_refused(tmp_path: Path, broken: str, message: str) -> None:
    shipped = load_activity_mapping()
    data = shipped.model_dump(mode="json")
    patch = yaml.safe_load(broken)
    for section, value in patch.items():
        data[section] = {**data[section], **value} if isinstance(value, dict) else value
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FactorError, match=message):
        load_activity_mapping(path)


def test_the_core_does_not_import_prefect() -> None:
    code = "import sys, footprint.factors; sys.exit('prefect' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
