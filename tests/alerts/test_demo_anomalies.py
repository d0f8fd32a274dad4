"""The demo's planted anomalies are in its files where the manifest says, and nowhere else."""

from __future__ import annotations

import pytest

from footprint.demo.generator import write_demo
from footprint.demo.manifest import DemoManifest
from footprint.sources.registry import detect_format


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return write_demo(tmp_path_factory.mktemp("demo"))


def read(demo: DemoManifest, period: str, prefix: str):  # noqa: ANN201 - a parsed frame
    (path,) = (demo.workdir / "inbox" / period).glob(f"{prefix}*.csv")
    return detect_format(path).read(path)


def test_manifest_names_one_anomaly_of_each_kind_with_its_alert(demo: DemoManifest) -> None:
    assert [(a.kind, a.rule) for a in demo.anomalies] == [
        ("silent_meter", "missing"), ("fuel_spike", "tank_exceeded"), ("gas_jump", "outlier")]
    assert {a.alert_key for a in demo.anomalies} <= demo.expected_alerts


def test_the_fuel_spike_is_one_fuelling_beyond_the_tank(demo: DemoManifest) -> None:
    spike = next(a for a in demo.anomalies if a.kind == "fuel_spike")
    fuel = read(demo, spike.period, "tankpas")
    row = fuel[fuel["source_row"] == spike.source_row].iloc[0]
    assert (row["plate"], row["quantity"]) == (spike.subject, 120.0)
    assert spike.file_name == f"tankpas_transacties_{spike.period}.csv"


def test_the_silent_meter_stops_in_the_last_months_only(demo: DemoManifest) -> None:
    silent = next(a for a in demo.anomalies if a.kind == "silent_meter")
    delivered = {p: silent.subject in set(read(demo, p, "maandoverzicht")["ean"]) for p in
                 ("2026-03", "2026-04", "2026-05", "2026-06")}
    assert delivered == {"2026-03": True, "2026-04": True, "2026-05": False, "2026-06": False}
    assert silent.period == "2026-05"


def test_the_gas_jump_is_beyond_a_cold_january(demo: DemoManifest) -> None:
    jump = next(a for a in demo.anomalies if a.kind == "gas_jump")

    def january(year: int) -> dict[str, float]:
        frame = read(demo, f"{year}-01", "maandoverzicht")
        return frame.groupby("ean")["quantity"].sum().to_dict()

    now, before = january(2026), january(2025)
    other_gas = next(e for e in now if e != jump.subject and e.startswith("8716871400"))
    assert now[jump.subject] / before[jump.subject] > 1.5
    assert 0.9 < now[other_gas] / before[other_gas] < 1.15  # the other gas meter: an ordinary January
