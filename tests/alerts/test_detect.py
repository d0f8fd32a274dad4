"""Detection against a real warehouse (DuckDB and PostgreSQL): seeded rows with hand-written numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from company_files import ELECTRICITY_EAN, GAS_EAN, make_company

from footprint import alert_store
from footprint.alert_record import Alert
from footprint.alerts.detect import detect
from footprint.config.workspace import Workspace
from footprint.ingest.datasets.meter import series_id
from footprint.periods import add_months, format_period
from footprint.resources import close_warehouses, warehouse
from footprint.warehouse.bulk import insert_frame

FIRST = dt.date(2024, 1, 1)
VEHICLES = [
    {"plate": "VGH-42-K", "site": "hq", "fuel": "diesel", "tank_litres": 80},
    {"plate": "VHT-17-P", "site": "hq", "fuel": "diesel", "tank_litres": 80},
]


@pytest.fixture
def ws(tmp_path: Path, warehouse_url: str) -> Iterator[Workspace]:
    yield make_company(
        tmp_path / "co", warehouse_url, {}, vehicles=VEHICLES, base_year=2024,
        years={2024: {"revenue_eur": 2_000_000, "fte": 20}, 2025: {"revenue_eur": 2_100_000, "fte": 20}},
        targets=[{"id": "s2", "ladder_scope": 2, "target_year": 2026, "reduction_pct": 50, "basis": "absolute"}],
    )
    close_warehouses()


def _raw_file(name: str, dataset: str, month: dt.date, rows: int, quarantined: int = 0) -> dict[str, object]:
    return {
        "file_sha256": f"{name:0<64}"[:64], "file_name": name, "source_format": "test", "dataset": dataset,
        "period": month, "size_bytes": 1, "stored_path": f"/raw/{name}", "rows_read": rows + quarantined,
        "rows_loaded": rows, "rows_quarantined": quarantined, "rows_excluded": 0,
        "loaded_at": pd.Timestamp("2025-04-05", tz="UTC"),
    }


def seed(ws: Workspace, last: dt.date, electricity: dict[str, float], fuel: dict[str, dict[str, list[float]]],
         quarantined: dict[str, int]) -> None:
    """One meter file and one fuel file per month from FIRST to last; emissions for the electricity (scope 2)."""
    raw, series, readings, fuels, applied = [], [], [], [], []
    month = FIRST
    while month <= last:
        period = format_period(month)
        meter_file = _raw_file(f"meters_{period}.csv", "meter_usage", month, 2)
        fuel_rows = [(plate, q) for plate, by_month in fuel.items() for q in by_month.get(period, [])]
        fuel_file = _raw_file(f"fuel_{period}.csv", "fuel_transactions", month, len(fuel_rows),
                              quarantined.get(period, 0))
        raw += [meter_file, fuel_file]
        kwh = electricity.get(period, 1000.0)
        for row, (ean, carrier, quantity, unit) in enumerate(
            [(ELECTRICITY_EAN, "electricity", kwh, "kWh"), (GAS_EAN, "natural_gas", 100.0, "m3")], start=2
        ):
            sha = str(meter_file["file_sha256"])
            series.append({
                "series_id": series_id(sha, ean, "consumption", None, unit), "file_sha256": sha, "ean": ean,
                "site_id": "hq", "carrier": carrier, "unit": unit, "direction": "consumption",
                "activity_key": "electricity:grey" if carrier == "electricity" else None,
            })
            readings.append({
                "series_id": series[-1]["series_id"], "source_row": row, "period": month,
                "interval_start": pd.Timestamp(month, tz="UTC"), "interval_end": pd.Timestamp(add_months(month, 1), tz="UTC"),
                "quantity": quantity, "estimated": False,
            })
        applied.append({  # emissions for the electricity only: 0.483 kg/kWh, 0.244 location-based
            "period": month, "activity_table": "meter_usage", "activity_key": "electricity:grey",
            "source": "electricity", "ladder_scope": 2, "ghg_scope": 2, "factor_kg_co2e_per_unit": 0.483,
            "location_factor_kg_co2e_per_unit": 0.244, "unit": "kWh", "list_unit": "kWh", "unit_multiplier": 1.0,
        })
        for row, (plate, litres) in enumerate(fuel_rows, start=2):
            fuels.append({
                "activity_id": f"f-{period}-{row}", "file_sha256": fuel_file["file_sha256"], "source_row": row,
                "period": month, "transaction_at": pd.Timestamp(month, tz="UTC") + pd.Timedelta(days=row),
                "plate": plate, "site_id": "hq", "station": "Shell Utrecht", "product": "Diesel", "fuel": "diesel",
                "quantity": litres, "unit": "l", "activity_key": "fuel:diesel",
            })
        month = add_months(month, 1)
    with warehouse(ws).begin() as conn:
        for table, rows in (("raw_files", raw), ("meter_series", series), ("meter_readings", readings),
                            ("fuel_transactions", fuels), ("applied_factors", applied)):
            insert_frame(conn, table, pd.DataFrame(rows))


def keys(found: list[Alert]) -> set[tuple[str, str, str]]:
    return {(a.rule, a.subject, a.period) for a in found}


def months_until(last: str) -> list[str]:
    out, month = [], FIRST
    while format_period(month) <= last:
        out.append(format_period(month))
        month = add_months(month, 1)
    return out


def test_detect_finds_each_deviation_once_and_a_rerun_adds_nothing(ws: Workspace) -> None:
    regular = [50.0, 50.0, 50.0, 50.0]
    seed(
        ws, dt.date(2025, 4, 1),
        electricity={"2025-03": 1800.0},
        fuel={
            "VGH42K": {p: regular for p in months_until("2025-04")} | {"2025-03": [50.0, 50.0, 50.0, 95.0]},
            "VHT17P": {p: regular for p in months_until("2025-02")},
        },
        quarantined={"2025-03": 20},
    )
    found = detect(ws, "2025-03", ["2025-03"])
    assert keys(found) == {
        ("outlier", ELECTRICITY_EAN, "2025-03"),
        ("tank_exceeded", "VGH42K", "2025-03"),
        ("missing", "VHT17P", "2025-03"),
        ("quarantine_rate", "fuel_2025-03.csv", "2025-03"),
    }
    by_rule = {a.rule: a for a in found}
    power = by_rule["outlier"]
    assert [a["rule"] for a in power.evidence["also"]] == ["year_on_year", "month_on_month"]
    assert power.evidence["observed"] == 1800.0 and power.evidence["unit"] == "kWh"
    assert power.evidence["series"][-2:] == [{"period": "2025-02", "value": 1000.0}, {"period": "2025-03", "value": 1800.0}]
    assert power.message.startswith("Meter 871687120000000004 (electricity, hq) recorded 1,800 kWh in 2025-03")
    assert power.message.endswith("Also: +80 % on the same month last year; +80 % on the month before.")
    assert by_rule["tank_exceeded"].evidence["observed"] == 95.0
    assert by_rule["quarantine_rate"].evidence["observed"] == pytest.approx(20 / 24 * 100)
    assert by_rule["missing"].evidence["last_delivered"] == "2025-02"

    stored = alert_store.record(ws, found)
    assert len(stored) == 4
    assert alert_store.record(ws, detect(ws, "2025-03", ["2025-03"])) == []
    # April is back to normal, VHT17P still silent: its missing alert keeps its key (due 2025-03).
    assert alert_store.record(ws, detect(ws, "2025-04", [])) == []


def test_clean_months_raise_nothing_and_the_target_sql_runs(ws: Workspace) -> None:
    regular = {p: [50.0, 50.0, 50.0, 50.0] for p in months_until("2025-06")}
    seed(ws, dt.date(2025, 6, 1), electricity={}, fuel={"VGH42K": regular, "VHT17P": regular}, quarantined={})
    for period in months_until("2025-05"):  # 2024-06 and 2024-12 check the base year's target: on its path
        assert detect(ws, period, [period]) == [], period


def test_target_path_from_the_warehouse(ws: Workspace) -> None:
    regular = {p: [50.0, 50.0] for p in months_until("2025-06")}
    # Electricity flat at 1000 kWh: the straight path to -50 % in 2026 asks -25 % in 2025.
    seed(ws, dt.date(2025, 6, 1), electricity={}, fuel={"VGH42K": regular}, quarantined={})
    found = detect(ws, "2025-06", ["2025-06"])
    assert keys(found) == {("target_path", "s2", "2025-06")}
    assert found[0].evidence["observed"] == pytest.approx(6 * 1000 * 0.483)
    assert found[0].evidence["threshold"] == pytest.approx(6 * 1000 * 0.483 * 0.75)


def test_detection_can_be_switched_off(ws: Workspace) -> None:
    off = ws.model_copy(update={"org": ws.org.model_copy(update={"alerts": ws.org.alerts.model_copy(
        update={"enabled": False})})})
    seed(ws, dt.date(2025, 3, 1), electricity={"2025-03": 5000.0}, fuel={}, quarantined={})
    assert detect(off, "2025-03", ["2025-03"]) == []
