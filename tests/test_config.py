from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from company_files import write_company
from footprint.config.organisation import load_org_config
from footprint.config.workspace import Settings, open_workspace
from footprint.errors import ConfigError
from footprint.resources import inbox

VALID = {
    "organisation": "Test B.V.",
    "base_year": 2022,
    "years": {2022: {"revenue_eur": 1_000_000, "fte": 12}},
    "sites": [{"id": "hq", "name": "Head office"}],
    "meters": [
        {
            "ean": "871687120000000004",
            "carrier": "electricity",
            "site": "hq",
            "contract": "grey",
            "contract_from": {"2024-07": "green_gvo_nl"},
        }
    ],
    "vehicles": [{"plate": "v-123-ab", "site": "hq", "fuel": "diesel", "tank_litres": 70}],
    "targets": [{"id": "s1", "ladder_scope": 1, "target_year": 2026, "reduction_pct": 30, "basis": "per_revenue"}],
}


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "footprint.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_valid_config_loads_with_normalised_plates_and_contract_history(tmp_path: Path) -> None:
    org = load_org_config(_write(tmp_path, VALID))
    assert org.vehicles[0].plate == "V123AB"
    meter = org.meters[0]
    assert (meter.contract_in("2024-06"), meter.contract_in("2024-07"), meter.contract_in("2026-01")) == (
        "grey",
        "green_gvo_nl",
        "green_gvo_nl",
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({"meters": [{**VALID["meters"][0], "ean": "871687120000000005"}]}, "meters.0.ean", id="check-digit"),
        pytest.param({"meters": [{**VALID["meters"][0], "carrier": "coal"}]}, "meters.0.carrier", id="carrier-enum"),
        pytest.param({"meters": [{**VALID["meters"][0], "contract": None}]}, "meters.0", id="electricity-needs-contract"),
        pytest.param({"vehicles": [{**VALID["vehicles"][0], "site": "nowhere"}]}, "vehicles.0.site", id="unknown-site"),
        pytest.param({"targets": [{**VALID["targets"][0], "basis": "per_m2"}]}, "targets.0.basis", id="target-basis"),
        pytest.param({"factor_policy": {"mode": "single_list"}}, "factor_policy", id="single-list-needs-year"),
        pytest.param({"base_year": 2021}, "base year 2021", id="base-year-figures"),
        pytest.param({"colour": "green"}, "colour: is not a known key", id="unknown-key"),
    ],
)
def test_wrong_values_name_their_key_path(tmp_path: Path, change: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_org_config(_write(tmp_path, {**VALID, **change}))
    assert expected in str(info.value)


def test_enum_error_lists_what_is_allowed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_org_config(_write(tmp_path, {**VALID, "meters": [{**VALID["meters"][0], "carrier": "coal"}]}))
    assert "'electricity'" in str(info.value) and "'district_heat'" in str(info.value)


def test_missing_file_and_bad_yaml_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_org_config(tmp_path / "absent.yaml")
    bad = tmp_path / "footprint.yaml"
    bad.write_text("organisation: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_org_config(bad)


def test_workspace_defaults_beside_the_config_and_env_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, VALID)
    (tmp_path / ".env").write_text("FOOTPRINT_PSEUDONYM_KEY=from-dotenv\n")
    monkeypatch.delenv("FOOTPRINT_PSEUDONYM_KEY", raising=False)
    ws = open_workspace(path, Settings())
    assert ws.inbox == tmp_path / "inbox"
    assert ws.warehouse_url == f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert ws.pseudonym_key == "from-dotenv"
    monkeypatch.setenv("FOOTPRINT_PSEUDONYM_KEY", "from-env")
    monkeypatch.setenv("FOOTPRINT_WAREHOUSE_URL", "postgresql://postgres@127.0.0.1/x")
    ws = open_workspace(path, Settings())
    assert (ws.pseudonym_key, ws.warehouse_url) == ("from-env", "postgresql://postgres@127.0.0.1/x")


def test_missing_pseudonym_key_stops_instead_of_defaulting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FOOTPRINT_PSEUDONYM_KEY", raising=False)
    with pytest.raises(ConfigError, match="FOOTPRINT_PSEUDONYM_KEY"):
        open_workspace(_write(tmp_path, VALID), Settings())


def test_fuel_cards_profiles_and_products_load(tmp_path: Path) -> None:
    fuel_cards = {"profiles": ["profiles/my_card.yaml"], "products": {"Premium Diesel X": "diesel", "Ruitenvloeistof": "non_fuel"}}
    org = load_org_config(_write(tmp_path, {**VALID, "fuel_cards": fuel_cards}))
    assert org.fuel_cards.profiles == ["profiles/my_card.yaml"]
    assert org.fuel_cards.products == {"Premium Diesel X": "diesel", "Ruitenvloeistof": "non_fuel"}
    assert load_org_config(_write(tmp_path, VALID)).fuel_cards.products == {}


@pytest.mark.parametrize(
    ("fuel_cards", "expected"),
    [
        pytest.param(
            {"products": {"Premium X": "kerosene"}},
            "fuel_cards.products: product 'Premium X' maps to 'kerosene': use one of cng, diesel, hvo100, lpg, petrol or non_fuel",
            id="unknown-fuel",
        ),
        pytest.param(
            {"products": {"Premium X": "diesel", "premium  x": "petrol"}},
            "product 'premium  x' is listed twice (also as 'Premium X')",
            id="same-product-twice",
        ),
        pytest.param({"products": {" ": "diesel"}}, "a product name is empty", id="empty-name"),
        pytest.param({"profiles": [""]}, "fuel_cards.profiles.0", id="empty-profile-path"),
        pytest.param({"cards": []}, "fuel_cards.cards: is not a known key", id="unknown-key"),
    ],
)
def test_wrong_fuel_cards_name_the_key_and_what_is_allowed(tmp_path: Path, fuel_cards: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_org_config(_write(tmp_path, {**VALID, "fuel_cards": fuel_cards}))
    assert expected in str(info.value)


def test_the_inbox_waits_the_one_settle_default_unless_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One default (30 s, footprint.config.workspace): the settings', the workspace's and the inbox's agree."""
    monkeypatch.delenv("FOOTPRINT_INBOX_SETTLE_SECONDS", raising=False)
    config = write_company(tmp_path / "co", {})
    ws = open_workspace(config, Settings(warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}", pseudonym_key="k"))
    assert (Settings().inbox_settle_seconds, ws.inbox_settle_seconds, inbox(ws).settle_seconds) == (30.0, 30.0, 30.0)
    monkeypatch.setenv("FOOTPRINT_INBOX_SETTLE_SECONDS", "0")
    ws = open_workspace(config, Settings(warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}", pseudonym_key="k"))
    assert inbox(ws).settle_seconds == 0.0
