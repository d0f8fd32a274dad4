"""Fuel-card profiles as data: a user's own profile and product names from footprint.yaml."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from footprint.activity_mapping import classify_products, known_products
from footprint.config.organisation import load_org_config
from footprint.errors import ConfigError
from footprint.sources import fuelcard_profile
from footprint.sources.fuelcard_products import (
    ORG_NON_FUEL_REASON,
    product_mapping,
    product_yaml_line,
    unmapped_product_hint,
    unmapped_product_hints,
)
from footprint.sources.fuelcard_profile import load_profile, user_formats

AMS = "Europe/Amsterdam"
ORG = {
    "organisation": "Test B.V.",
    "base_year": 2022,
    "years": {2022: {"revenue_eur": 1_000_000, "fte": 12}},
    "sites": [{"id": "hq", "name": "Head office"}],
}
PROFILE = {
    "name": "mijn_tankpas",
    "description": "pipe-separated export of a regional fuel-card company",
    "layout": "delimited",
    "delimiter": "|",
    "decimal": ",",
    "date_formats": ["%d-%m-%Y"],
    "time_formats": ["%H:%M"],
    "signature": ["transaction_date", "plate", "product", "quantity"],
    "credit": {"marked_by": "flag", "credit_values": ["Credit"], "debit_values": ["Debet"]},
    "unit": {"default": "l"},
    "fields": {
        "transaction_date": {"header": "Transactiedatum", "required": True},
        "transaction_time": {"header": "Tijdstip"},
        "plate": {"header": "Kenteken", "required": True},
        "product": {"header": "Artikel", "required": True},
        "quantity": {"header": "Liters", "required": True},
        "amount": {"header": "Totaal"},
        "credit_flag": {"header": "Soort"},
    },
    "fuel_products": {"Diesel Premium Plus": "diesel"},
    "non_fuel_products": {"Ruitensproeier": "windscreen fluid"},
}
EXPORT = (
    "Transactiedatum|Tijdstip|Kenteken|Artikel|Liters|Totaal|Soort\n"
    "03-01-2024|07:42|VGH-42-K|Diesel Premium Plus|62,35|115,91|Debet\n"
    "04-01-2024|08:00|VGH-42-K|Diesel Premium Plus|62,35|115,91|Credit\n"
    "05-01-2024||VGH-42-K|Ruitenvloeistof|1|4,95|Debet\n"
)


def _workspace(tmp_path: Path, profile: dict | None = None, **fuel_cards: object) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir(exist_ok=True)
    (folder / "mijn_tankpas.yaml").write_text(yaml.safe_dump(profile or PROFILE), encoding="utf-8")
    config = tmp_path / "footprint.yaml"
    cards = {"profiles": ["profiles/mijn_tankpas.yaml"], **fuel_cards}
    config.write_text(yaml.safe_dump({**ORG, "fuel_cards": cards}), encoding="utf-8")
    return config


def test_user_profile_from_footprint_yaml_reads_its_export(tmp_path: Path) -> None:
    config = _workspace(tmp_path)
    formats = user_formats(load_org_config(config), config.parent)
    assert [f.NAME for f in formats] == ["mijn_tankpas"]
    export = tmp_path / "export.txt"
    export.write_text(EXPORT, encoding="utf-8")
    fmt = formats[0]
    assert fmt.sniff(export.read_text(encoding="utf-8"))
    frame = fmt.read(export)
    assert frame["source_row"].tolist() == [2, 3, 4]
    assert frame["transaction_at"].tolist() == [
        pd.Timestamp("2024-01-03 07:42", tz=AMS),
        pd.Timestamp("2024-01-04 08:00", tz=AMS),
        pd.Timestamp("2024-01-05 00:00", tz=AMS),
    ]
    assert frame["quantity"].tolist() == [62.35, -62.35, 1.0]
    assert frame["amount_eur"].tolist() == [115.91, -115.91, 4.95]
    assert frame["unit"].tolist() == ["l", "l", "l"]
    assert frame["plate"].tolist() == ["VGH42K"] * 3


def test_products_from_profiles_and_footprint_yaml_extend_the_shipped_ones(tmp_path: Path) -> None:
    config = _workspace(tmp_path, products={"Premium Diesel X": "diesel", "Ruitenvloeistof": "non_fuel", "Wasstraat": "non_fuel"})
    mapping = product_mapping(load_org_config(config), config.parent)
    products = pd.Series(
        ["Diesel Premium Plus", "ruitensproeier", "PREMIUM  DIESEL X", "Ruitenvloeistof", "Wasstraat", "Shell FuelSave Diesel",
         "Excellium 98", "Euro 95", "Koffie"]
    )
    classified = classify_products(products, mapping)
    assert classified["fuel"].tolist() == ["diesel", pd.NA, "diesel", pd.NA, pd.NA, "diesel", "petrol", "petrol", pd.NA]
    assert classified["excluded_reason"].tolist() == [
        pd.NA, "windscreen fluid", pd.NA, ORG_NON_FUEL_REASON, ORG_NON_FUEL_REASON, pd.NA, pd.NA, pd.NA, pd.NA
    ]
    assert classified["known"].tolist() == [True] * 8 + [False]
    assert "Premium Diesel X" in known_products(mapping)


def test_without_organisation_the_shipped_profiles_products_count() -> None:
    mapping = product_mapping()
    assert mapping.fuel_products["Shell FuelSave Diesel"] == "diesel"
    assert mapping.fuel_products["Excellium Diesel"] == "diesel"
    assert mapping.non_fuel_products["Shell Car Wash"] == "car wash"
    assert mapping.fuel_products["Diesel"] == "diesel"  # the shipped activity_factors.yaml names stay


@pytest.mark.parametrize(
    "product",
    ["Premium X", 'Diesel "Extra"', "Back\\slash", "Ruitenvloeistof: 5 l", "Café #1", "- dash", "yes"],
)
def test_yaml_line_maps_exactly_that_product(product: str) -> None:
    line = product_yaml_line(product, "diesel")
    assert yaml.safe_load(line) == {"fuel_cards": {"products": {product: "diesel"}}}


def test_example_yaml_line_from_the_brief() -> None:
    assert product_yaml_line("Premium X", "diesel") == 'fuel_cards: {products: {"Premium X": diesel}}'


def test_unmapped_product_hint_names_the_line_with_a_likely_fuel() -> None:
    hint = unmapped_product_hint("Premium Diesel X")
    assert 'fuel_cards: {products: {"Premium Diesel X": diesel}}' in hint
    assert 'fuel_cards: {products: {"Koffie": non_fuel}}' in unmapped_product_hint("Koffie")
    assert "diesel" in unmapped_product_hint("Koffie")  # the fuels a user can choose instead
    hints = unmapped_product_hints(pd.Series(["Koffie", "Premium Diesel X", "Koffie"]))
    assert hints.iloc[0] == hints.iloc[2] and "Premium Diesel X" in hints.iloc[1]


def test_missing_profile_file_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "footprint.yaml"
    config.write_text(yaml.safe_dump({**ORG, "fuel_cards": {"profiles": ["nowhere.yaml"]}}), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"fuel_cards.profiles.0: .*nowhere.yaml: no such fuel-card profile file"):
        user_formats(load_org_config(config), tmp_path)


def test_user_profile_may_not_take_a_shipped_name(tmp_path: Path) -> None:
    config = _workspace(tmp_path, profile={**PROFILE, "name": "fuelcard_shell_csv"})
    with pytest.raises(ConfigError, match="already used by"):
        user_formats(load_org_config(config), tmp_path)


def test_profile_product_must_map_to_a_fuel(tmp_path: Path) -> None:
    config = _workspace(tmp_path, profile={**PROFILE, "name": "other_card", "fuel_products": {"Kerosine": "kerosene"}})
    with pytest.raises(ConfigError, match="'Kerosine' maps to 'kerosene', which is not a fuel"):
        product_mapping(load_org_config(config), tmp_path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({"delimiter": None}, "layout delimited needs delimiter", id="no-delimiter"),
        pytest.param({"unit": {"default": "gallon"}}, "unit 'gallon' is not one of", id="unit"),
        pytest.param({"credit": {"marked_by": "flag"}}, "needs credit_values and debit_values", id="flag-values"),
        pytest.param({"signature": ["odometer"]}, "signature: odometer is not one of the fields", id="signature"),
        pytest.param({"layout": "fixed_width"}, "needs line_length and record_type", id="fixed-needs-lines"),
        pytest.param({"fields": {"plate": {"header": "Kenteken"}}}, "transaction_date is needed", id="date-field"),
        pytest.param({"colour": "red"}, "colour: Extra inputs are not permitted", id="unknown-key"),
        pytest.param({"name": "Mijn Tankpas"}, "name: String should match pattern", id="name"),
    ],
)
def test_invalid_profiles_name_file_and_key(tmp_path: Path, change: dict, expected: str) -> None:
    path = tmp_path / f"profile_{len(change)}_{abs(hash(str(change)))}.yaml"
    path.write_text(yaml.safe_dump({**PROFILE, **change}), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_fixed_width_field_beyond_the_line_is_an_error(tmp_path: Path) -> None:
    shipped = yaml.safe_load((fuelcard_profile.builtin_profile_dir() / "fuelcard_totalenergies_fixed.yaml").read_text())
    shipped["name"] = "te_copy"
    shipped["fields"]["odometer"] = {"start": 495, "length": 8}
    path = tmp_path / "te_copy.yaml"
    path.write_text(yaml.safe_dump(shipped), encoding="utf-8")
    with pytest.raises(ConfigError, match="fields.odometer: ends at 502, beyond line_length 500"):
        load_profile(path)


def test_not_yaml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    assert str(caught.value) == (
        f"{path}: not a YAML fuel-card profile (line 2, column 1: while parsing a flow sequence: "
        "did not find expected ',' or ']')"
    )


def test_every_shipped_profile_is_valid_and_named_after_its_file() -> None:
    names = [fuelcard_profile.builtin_format(p.stem).NAME for p in fuelcard_profile.builtin_profile_paths()]
    assert names == ["fuelcard_nl_portal", "fuelcard_shell_csv", "fuelcard_totalenergies_fixed"]
