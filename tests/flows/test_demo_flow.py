"""The demo company through the Prefect flow, checked against a computation that shares no code with it.

The expected figures are computed here from the raw inbox files with the csv module and factors
written out by hand from the 2026 co2emissiefactoren.nl list (kg CO2e per unit, WTW).
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from footprint import queries
from footprint.config.workspace import open_workspace
from footprint.demo.manifest import DemoManifest
from footprint.resources import close_warehouses, warehouse

FUEL_FACTORS = {"Diesel": 3.251, "V-Power Diesel": 3.251, "Euro 95": 2.794, "HVO100": 0.468, "LPG": 1.792}
NON_FUEL = {"AdBlue", "Wasstraat", "Shop"}
GAS_PER_M3 = 2.134
GREY_PER_KWH = 0.483
GREEN_GVO_PER_KWH = 0.0
HEAT_PER_GJ = 40.45
CAR_PER_KM = {"Benzine": 0.196, "Diesel": 0.224, "Elektrisch": 0.111, "Onbekend": 0.190, "": 0.190}
TRAIN_PER_PKM = 0.019


def flight_factor(distance_km: float) -> float:
    if distance_km < 700:
        return 0.234
    return 0.172 if distance_km <= 2500 else 0.157


def number(text: str) -> float:
    """Dutch notation as the demo writes it: '.' groups thousands, ',' is the decimal sign."""
    return float(text.replace(".", "").replace(",", "."))


def read_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return list(csv.reader(text.splitlines(), delimiter=";"))


def independent_totals(manifest: DemoManifest) -> dict[tuple[int, int], float]:
    """kg CO2e per (year, ladder scope), from the inbox files, skipping the planted bad rows."""
    config = yaml.safe_load(manifest.config_path.read_text(encoding="utf-8"))
    meters = {m["ean"]: m for m in config["meters"]}
    planted = {(p.file_name, p.source_row) for p in manifest.planted}
    totals: dict[tuple[int, int], float] = defaultdict(float)
    for path in sorted((manifest.workdir / "inbox").rglob("*.csv")):
        rows = read_rows(path)
        header_at = next(i for i, row in enumerate(rows) if len(row) > 3)
        header = rows[header_at]
        preamble = {row[0]: row[1] for row in rows[:header_at] if len(row) >= 2}
        for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
            if not row or (path.name, line) in planted:
                continue
            cell = dict(zip(header, row))
            if "Product" in cell and "Kenteken" in cell:
                if cell["Product"] in NON_FUEL:
                    continue
                year = int(cell["Datum"][-4:])
                totals[(year, 1)] += number(cell["Hoeveelheid"]) * FUEL_FACTORS[cell["Product"]]
            elif "Begin" in cell:
                meter = meters[preamble["EAN"]]
                year = int(cell["Begin"][:4])
                totals[(year, 2)] += number(cell["Verbruik"]) * contract_factor(meter, cell["Begin"][:7])
            elif "Periode van" in cell:
                meter = meters[cell["EAN"]]
                year = int(cell["Periode van"][-4:])
                month = f"{year}-{cell['Periode van'][3:5]}"
                if cell["Richting"] != "Levering":
                    continue
                quantity = number(cell["Verbruik"])
                if meter["carrier"] == "natural_gas":
                    totals[(year, 1)] += quantity * GAS_PER_M3
                elif meter["carrier"] == "district_heat":
                    totals[(year, 2)] += quantity * HEAT_PER_GJ
                else:
                    totals[(year, 2)] += quantity * contract_factor(meter, month)
            elif "Vertrekdatum" in cell:
                distance = number(cell["Afstand km"])
                totals[(int(cell["Vertrekdatum"][-4:]), 2)] += int(cell["Reizigers"]) * distance * flight_factor(distance)
            elif "Vervoer" in cell:
                km = number(cell["Kilometers"])
                factor = CAR_PER_KM[cell["Brandstof"]] if cell["Vervoer"] == "Auto" else TRAIN_PER_PKM
                totals[(int(cell["Datum"][-4:]), 2)] += km * factor
            elif "Leverancier" in cell:
                totals[(int(cell["Periode"][:4]), 3)] += number(cell["kg CO2e"])
            else:
                raise AssertionError(f"{path.name}: a layout this test does not know")
    return dict(totals)


def contract_factor(meter: dict, month: str) -> float:
    contract = meter["contract"]
    for start, changed in sorted(meter.get("contract_from", {}).items()):
        if start <= month:
            contract = changed
    return {"grey": GREY_PER_KWH, "green_gvo_nl": GREEN_GVO_PER_KWH}[contract]


def _workspace(manifest: DemoManifest):
    return open_workspace(manifest.config_path)


def test_year_totals_equal_an_independent_computation(demo: DemoManifest) -> None:
    expected = independent_totals(demo)
    printed = queries.year_totals(_workspace(demo))
    assert [row["year"] for row in printed] == [2022, 2023, 2024, 2025, 2026]
    for row in printed:
        for scope in (1, 2, 3):
            assert row[f"scope_{scope}_kg_co2e"] == pytest.approx(expected[(row["year"], scope)], rel=1e-9), (
                row["year"],
                scope,
            )


def test_every_planted_bad_row_is_quarantined_with_file_line_and_column(demo: DemoManifest) -> None:
    with warehouse(_workspace(demo)).connect() as conn:
        found = conn.execute(
            sa.text("SELECT file_name, source_row, column_name, reason FROM quarantine")
        ).all()
    quarantined = {(f, r) for f, r, _, _ in found}
    assert quarantined == {(p.file_name, p.source_row) for p in demo.planted}
    for planted in demo.planted:
        columns = {c for f, r, cs, _ in found if (f, r) == (planted.file_name, planted.source_row) for c in cs.split(", ")}
        if planted.column is not None:
            assert planted.column in columns, planted
    assert all(reason for *_, reason in found)


def test_counts_reconcile_per_file(demo: DemoManifest) -> None:
    with warehouse(_workspace(demo)).connect() as conn:
        files = conn.execute(sa.text("SELECT dataset, file_sha256, rows_read, rows_loaded, rows_quarantined FROM raw_files")).all()
        assert len(files) == len(demo.inbox_files)
        for dataset, sha, read, loaded, quarantined in files:
            assert read == loaded + quarantined
            in_table = conn.execute(sa.text(f"SELECT count(*) FROM {dataset} WHERE file_sha256 = :s"), {"s": sha}).scalar_one()
            assert in_table == loaded


def _snapshot(manifest: DemoManifest) -> dict[str, list[tuple]]:
    """Every table but the run log, sorted, so row order inside the engine does not matter."""
    tables = [
        "raw_files", "fuel_transactions", "meter_usage", "supplier_activity", "quarantine",
        "factor_lists", "factors", "emissions", "schema_migrations", "alerts", "alert_deliveries",
    ]
    with warehouse(_workspace(manifest)).connect() as conn:
        return {t: sorted(map(tuple, conn.execute(sa.text(f"SELECT * FROM {t}")).all()), key=repr) for t in tables}


def test_ingesting_months_again_changes_nothing(demo: DemoManifest) -> None:
    from flows.monthly_ingest import monthly_ingest

    before = _snapshot(demo)
    # 2024-03 holds a quarterly supplier statement that reaches back to January and February.
    summary = monthly_ingest("2024-03", str(demo.config_path))
    assert summary.files == []
    assert summary.emissions is not None and summary.emissions.periods == ["2024-01", "2024-02", "2024-03"]
    assert _snapshot(demo) == before


def test_the_view_answers_from_the_duckdb_command_line(demo: DemoManifest) -> None:
    duckdb_cli = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    assert duckdb_cli, "the duckdb command is installed with footprint's dev dependencies"
    ws = _workspace(demo)
    expected = {row["year"]: row for row in queries.year_totals(ws)}
    close_warehouses()
    database = ws.warehouse_url.removeprefix("duckdb:///")
    out = subprocess.run(
        [duckdb_cli, "-readonly", database, "-csv", "-noheader", "-c",
         "SELECT year, ladder_scope, sum(emissions_kg_co2e) FROM v_emissions_monthly GROUP BY ALL ORDER BY ALL"],
        capture_output=True, text=True, check=True,
    ).stdout
    rows = list(csv.reader(out.splitlines()))
    assert len(rows) == 15
    for year, scope, kg in rows:
        assert float(kg) == pytest.approx(expected[int(year)][f"scope_{scope}_kg_co2e"], rel=1e-12)
    all_columns = subprocess.run(
        [duckdb_cli, "-readonly", database, "-csv", "-c", "SELECT * FROM v_emissions_monthly LIMIT 1"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()[0]
    assert all_columns.startswith("period,year,month,ladder_scope,ghg_scope,ghg_category,site_id,source")


def test_targets_move_but_are_not_met(demo: DemoManifest) -> None:
    """The demo is meant to show progress that falls short: scope 1 and 2 intensity fall, not to target."""
    ws = _workspace(demo)
    totals = {row["year"]: row for row in queries.year_totals(ws)}
    revenue = {year: figures.revenue_eur for year, figures in ws.org.years.items()}
    with warehouse(ws).connect() as conn:
        first_half = dict(
            conn.execute(
                sa.text(
                    "SELECT year * 10 + ladder_scope, sum(emissions_kg_co2e) FROM v_emissions_monthly "
                    "WHERE month <= 6 AND year IN (2022, 2026) GROUP BY ALL"
                )
            ).all()
        )
    for scope, target in ((1, 0.30), (2, 1.00)):
        base = first_half[2022 * 10 + scope] / revenue[2022]
        now = first_half[2026 * 10 + scope] / revenue[2026]
        assert 0 < 1 - now / base < target, (scope, 1 - now / base)
    assert totals[2025]["scope_2_kg_co2e"] < totals[2022]["scope_2_kg_co2e"]


def test_every_total_decomposes_into_raw_rows(demo: DemoManifest) -> None:
    ws = _workspace(demo)
    with warehouse(ws).connect() as conn:
        reported = dict(
            conn.execute(sa.text(
                "SELECT period || ':' || ladder_scope || ':' || source, sum(emissions_kg_co2e) "
                "FROM v_emissions_monthly GROUP BY ALL"
            )).all()
        )
        traced = dict(
            conn.execute(sa.text(
                "SELECT period || ':' || ladder_scope || ':' || source, sum(emissions_kg_co2e) FROM v_lineage GROUP BY ALL"
            )).all()
        )
        counts = conn.execute(sa.text("SELECT (SELECT count(*) FROM emissions), (SELECT count(*) FROM v_lineage)")).one()
        files = conn.execute(sa.text("SELECT DISTINCT file_sha256, stored_path FROM v_lineage")).all()
        fuel = conn.execute(sa.text(
            "SELECT stored_path, source_row, quantity FROM v_lineage WHERE activity_table = 'fuel_transactions'"
        )).all()
    assert counts[0] == counts[1]
    assert traced.keys() == reported.keys()
    for key, kg in reported.items():
        assert traced[key] == pytest.approx(kg, rel=1e-12, abs=1e-9), key
    for sha, stored in files:
        assert hashlib.sha256(Path(stored).read_bytes()).hexdigest() == sha
    lines = {stored: Path(stored).read_bytes().decode("cp1252").splitlines() for stored, _, _ in fuel}
    for stored, row, quantity in fuel:
        assert f"{quantity:.2f}".replace(".", ",") in lines[stored][row - 1].split(";"), (stored, row)


def test_explain_leads_from_a_month_to_file_lines(demo: DemoManifest) -> None:
    from typer.testing import CliRunner

    from footprint_cli import app

    result = CliRunner().invoke(
        app, ["explain", "--period", "2024-03", "--source", "diesel", "--limit", "3", "--config", str(demo.config_path)]
    )
    assert result.exit_code == 0, result.output
    assert "tankpas_transacties_2024-03.csv line" in result.output
    assert "x 3.251 kg CO2e/liter (Diesel B7, list 2026 version 2026-08-20)" in result.output


def test_the_demo_raises_exactly_its_planted_anomalies_and_story_alerts(demo: DemoManifest) -> None:
    """Each planted anomaly raises its alert, nothing is raised for the clean months, and all went out."""
    from footprint.alert_store import list_alerts, pending

    ws = _workspace(demo)
    raised = list_alerts(ws)
    assert {(a.rule, a.subject, a.period) for a in raised} == demo.expected_alerts
    assert len(raised) == len(demo.expected_alerts)
    by_kind = {a.kind: a for a in demo.anomalies}
    spike = next(a for a in raised if a.rule == "tank_exceeded")
    assert (spike.evidence["file_name"], spike.evidence["source_row"]) == (
        by_kind["fuel_spike"].file_name, by_kind["fuel_spike"].source_row)
    assert spike.evidence["observed"] == 120.0 and spike.evidence["threshold"] == 80.0
    gas = next(a for a in raised if a.rule == "outlier")
    assert gas.evidence["change_pct"] > 50 and gas.evidence["series"][-1]["period"] == "2026-01"
    silent = next(a for a in raised if a.rule == "missing")
    assert silent.evidence["last_delivered"] == "2026-04"
    assert pending(ws, ["outbox"]) == []
    assert len(list(ws.outbox.glob("*.eml"))) == len(raised)


def test_ingesting_the_anomalous_months_again_raises_nothing_new(demo: DemoManifest) -> None:
    from flows.monthly_ingest import ingest_months
    from footprint.alert_store import list_alerts

    before = list_alerts(_workspace(demo))
    ingest_months(["2023-06", "2025-11", "2026-01", "2026-05", "2026-06"], str(demo.config_path))
    assert list_alerts(_workspace(demo)) == before
