from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from footprint.config.common import normalise_plate
from footprint.config.organisation import OrganisationConfig, load_org_config
from footprint.config.workspace import Settings, open_workspace
from footprint.demo.generator import write_demo
from footprint.demo.manifest import DemoManifest
from footprint.ean import ean_check_digit_ok
from footprint.sources.registry import detect_format

KNOWN_PRODUCTS = {"Diesel", "V-Power Diesel", "Euro 95", "HVO100", "LPG", "AdBlue", "Wasstraat", "Shop"}
PLANTED_KINDS = {
    "quantity_not_a_number",
    "date_before_base_year",
    "unknown_product",
    "unknown_plate",
    "duplicate_transaction",
    "quantity_exceeds_tank",
    "ean_check_digit",
    "unknown_ean",
    "negative_quantity",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return write_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def org(demo: DemoManifest) -> OrganisationConfig:
    return load_org_config(demo.config_path)


@pytest.fixture(scope="module")
def parsed(demo: DemoManifest) -> dict[str, pd.DataFrame]:
    """Every inbox file parsed by the format detected from its content, keyed by relative path."""
    return {f.path: detect_format(demo.workdir / f.path).read(demo.workdir / f.path) for f in demo.inbox_files}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_runs_write_identical_bytes(demo: DemoManifest, tmp_path: Path) -> None:
    again = write_demo(tmp_path / "again")
    assert _tree(again.workdir) == _tree(demo.workdir)
    assert again.planted == demo.planted
    assert [f.path for f in again.files] == [f.path for f in demo.files]


def test_manifest_lists_every_file_written(demo: DemoManifest) -> None:
    assert sorted(f.path for f in demo.files) == sorted(_tree(demo.workdir))


def test_every_month_has_its_regular_files(demo: DemoManifest) -> None:
    months = pd.period_range("2022-01", "2026-06", freq="M").strftime("%Y-%m")
    by_month: dict[str, set[str]] = {}
    for f in demo.inbox_files:
        by_month.setdefault(f.path.split("/")[1], set()).add(f.format or "")
    assert sorted(by_month) == list(months)
    for month, formats in by_month.items():
        assert {"fuelcard_nl_portal", "meter_interval_csv", "meter_monthly_csv", "mileage_csv"} <= formats, month
        assert ("supplier_statement_csv" in formats) == (int(month[5:]) % 3 == 0), month
    assert sum("flights_csv" in formats for formats in by_month.values()) >= 10


def test_configuration_validates(org: OrganisationConfig) -> None:
    assert org.base_year == 2022
    assert sorted(org.years) == [2022, 2023, 2024, 2025, 2026]
    revenue = [org.years[y].revenue_eur for y in sorted(org.years)]
    assert all(1.04 < later / earlier < 1.08 for earlier, later in zip(revenue, revenue[1:], strict=False))
    assert len(org.sites) == 3
    assert len(org.meters) == 6
    assert all(ean_check_digit_ok(m.ean) for m in org.meters)
    assert {m.direction for m in org.meters} == {"consumption", "generation"}
    assert {m.carrier for m in org.meters} == {"electricity", "natural_gas", "district_heat"}
    assert 11 <= len(org.vehicles) <= 14
    assert all(v.tank_litres for v in org.vehicles)
    assert {(t.ladder_scope, t.reduction_pct, t.basis) for t in org.targets} >= {
        (1, 30.0, "per_revenue"),
        (2, 100.0, "per_revenue"),
    }
    assert org.factor_policy.mode == "per_year"


def test_hq_power_goes_green_mid_2024_and_the_depot_stays_grey(org: OrganisationConfig) -> None:
    power = {m.site: m for m in org.meters if m.carrier == "electricity" and m.direction == "consumption"}
    hq, depot = power["hq"], power["depot"]
    assert (hq.contract_in("2024-06"), hq.contract_in("2024-07")) == ("grey", "green_gvo_nl")
    assert depot.contract_in("2026-06") == "grey"


def test_workspace_reads_the_demo_key_from_env_file(demo: DemoManifest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FOOTPRINT_PSEUDONYM_KEY", raising=False)
    workspace = open_workspace(demo.config_path, Settings())
    assert workspace.pseudonym_key.startswith("glansrijk-demo")
    assert "Demo only" in (demo.workdir / ".env").read_text(encoding="utf-8")


def test_every_file_is_detected_as_its_format_and_parses(demo: DemoManifest, parsed: dict[str, pd.DataFrame]) -> None:
    for f in demo.inbox_files:
        assert detect_format(demo.workdir / f.path).NAME == f.format, f.path
        assert len(parsed[f.path]) > 0, f.path


def test_interval_files_follow_daylight_saving(demo: DemoManifest, parsed: dict[str, pd.DataFrame]) -> None:
    counts = {f.path.split("/")[1]: len(parsed[f.path]) for f in demo.inbox_files if f.format == "meter_interval_csv"}
    assert counts["2024-01"] == 31 * 96
    assert counts["2024-03"] == 31 * 96 - 4
    assert counts["2024-10"] == 31 * 96 + 4
    assert counts["2024-02"] == 29 * 96
    october = next(
        parsed[f.path] for f in demo.inbox_files if f.path.endswith("_2024-10.csv") and f.format == "meter_interval_csv"
    )
    assert october["interval_start"].is_unique
    assert ((october["interval_end"] - october["interval_start"]) == pd.Timedelta(minutes=15)).all()


def _planted_problem(kind: str, row: pd.Series, frame: pd.DataFrame, org: OrganisationConfig, period: str) -> bool:
    plates = {v.plate: v for v in org.vehicles}
    eans = {m.ean for m in org.meters}
    if kind == "quantity_not_a_number":
        return pd.isna(row["quantity"])
    if kind == "date_before_base_year":
        return row["transaction_at"].year < org.base_year
    if kind == "unknown_product":
        return row["product"] not in KNOWN_PRODUCTS
    if kind == "unknown_plate":
        return row["plate"] not in plates
    if kind == "duplicate_transaction":
        earlier = frame[frame["source_row"] < row["source_row"]].drop(columns="source_row")
        return bool((earlier == row.drop("source_row")).all(axis=1).any())
    if kind == "quantity_exceeds_tank":
        tank = plates[row["plate"]].tank_litres
        return tank is not None and row["quantity"] > tank
    if kind == "ean_check_digit":
        return not ean_check_digit_ok(row["ean"])
    if kind == "unknown_ean":
        return ean_check_digit_ok(row["ean"]) and row["ean"] not in eans
    if kind == "negative_quantity":
        return row["quantity"] < 0
    raise AssertionError(f"unknown planted kind {kind}")


def test_planted_rows_are_where_the_manifest_says(
    demo: DemoManifest, parsed: dict[str, pd.DataFrame], org: OrganisationConfig
) -> None:
    assert {p.kind for p in demo.planted} == PLANTED_KINDS
    assert len(demo.planted) == len(PLANTED_KINDS)
    for planted in demo.planted:
        frame = parsed[f"inbox/{planted.period}/{planted.file_name}"]
        row = frame[frame["source_row"] == planted.source_row]
        assert len(row) == 1, planted
        assert _planted_problem(planted.kind, row.iloc[0], frame, org, planted.period), planted
        if planted.column is not None:
            assert planted.column in frame.columns


def test_no_other_row_has_a_planted_problem(
    demo: DemoManifest, parsed: dict[str, pd.DataFrame], org: OrganisationConfig
) -> None:
    planted = {(f"inbox/{p.period}/{p.file_name}", p.source_row) for p in demo.planted}
    planted |= {(f"inbox/{a.period}/{a.file_name}", a.source_row) for a in demo.anomalies if a.source_row}
    plates = {normalise_plate(v.plate): v.tank_litres for v in org.vehicles}
    eans = {m.ean for m in org.meters}
    for f in demo.inbox_files:
        frame = parsed[f.path]
        clean = frame[[(f.path, r) not in planted for r in frame["source_row"]]]
        assert clean["quantity"].notna().all(), f.path
        if f.format == "fuelcard_nl_portal":
            assert clean["plate"].isin(list(plates)).all(), f.path
            assert clean["product"].isin(list(KNOWN_PRODUCTS)).all(), f.path
            assert (clean["transaction_at"].dt.strftime("%Y-%m") == f.path.split("/")[1]).all(), f.path
            assert (clean["quantity"] <= clean["plate"].map(plates).astype(float)).all(), f.path
            assert not clean.drop(columns="source_row").duplicated().any(), f.path
        if f.format in ("meter_interval_csv", "meter_monthly_csv"):
            assert clean["ean"].isin(list(eans)).all(), f.path
            assert (clean["quantity"] >= 0).all(), f.path


def test_credit_notes_match_an_earlier_transaction(parsed: dict[str, pd.DataFrame]) -> None:
    fuel = [frame for path, frame in parsed.items() if "tankpas" in path]
    credits = 0
    for frame in fuel:
        for _, credit in frame[frame["quantity"] < 0].iterrows():
            earlier = frame[
                (frame["source_row"] < credit["source_row"])
                & (frame["plate"] == credit["plate"])
                & (frame["quantity"] == -credit["quantity"])
                & (frame["amount_eur"] == -credit["amount_eur"])
            ]
            assert len(earlier) >= 1
            credits += 1
    assert credits >= 5


# 2026 list values from DOMAIN.md (kg CO2e per unit, WTW): enough to check the demo's story.
FUEL_KG = {"Diesel": 3.251, "V-Power Diesel": 3.251, "Euro 95": 2.794, "LPG": 1.792, "HVO100": 0.468}
CAR_KG = {"petrol": 0.196, "diesel": 0.224, "unknown": 0.190, "electric": 0.111}


def _half_year_intensity(parsed: dict[str, pd.DataFrame], org: OrganisationConfig, year: int) -> tuple[float, float]:
    """Scope 1 and ladder scope 2 kg CO2e per EUR of revenue over January to June, market-based."""
    meters = {m.ean: m for m in org.meters}
    scope1 = scope2 = 0.0
    for path, frame in parsed.items():
        month = path.split("/")[1]
        if not (month.startswith(str(year)) and int(month[5:]) <= 6):
            continue
        if "tankpas" in path:
            fuel = frame[frame["product"].isin(list(FUEL_KG)) & (frame["quantity"].abs() < 200)]
            scope1 += float((fuel["quantity"] * fuel["product"].map(FUEL_KG).astype(float)).sum())
        elif "quantity" in frame and "ean" in frame:
            usage = frame[frame["ean"].isin(list(meters)) & (frame["quantity"] >= 0)]
            for ean, quantity in usage.groupby("ean")["quantity"].sum().items():
                meter = meters[ean]
                if meter.carrier == "natural_gas":
                    scope1 += quantity * 2.134
                elif meter.carrier == "district_heat":
                    scope2 += quantity * 40.45
                elif meter.direction == "consumption" and meter.contract_in(month) == "grey":
                    scope2 += quantity * 0.483
        elif "activity_type" in frame:
            cars = frame[frame["activity_type"] == "private_car"]
            scope2 += float((cars["quantity"] * cars["description"].map(CAR_KG).astype(float)).sum())
            trains = frame[frame["activity_type"] == "train"]
            scope2 += float(trains["quantity"].sum()) * 0.019
            flights = frame[frame["activity_type"] == "flight"]
            band = flights["distance_km"].map(lambda km: 0.234 if km < 700 else 0.172 if km <= 2500 else 0.157)
            scope2 += float((flights["quantity"] * band).sum())
    revenue = org.years[year].revenue_eur
    return scope1 / revenue, scope2 / revenue


def test_emissions_move_towards_the_targets_but_not_all_the_way(
    parsed: dict[str, pd.DataFrame], org: OrganisationConfig
) -> None:
    base1, base2 = _half_year_intensity(parsed, org, 2022)
    last1, last2 = _half_year_intensity(parsed, org, 2026)
    assert 0.70 <= last1 / base1 <= 0.82
    assert 0.2 <= last2 / base2 <= 0.6
