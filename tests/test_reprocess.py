"""`footprint reprocess` (issue 14, point 6): after a mapping or a meter is added, the stored file is read
again, its quarantined rows load, the month is restated with old and new kg, the quarantine entries
close, and the file's quarantine-rate alert is closed as resolved. Figures written out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from company_files import FUEL, METERS, PERIOD, write_company
from typer.testing import CliRunner

from footprint.config.workspace import open_workspace
from footprint.resources import close_warehouses, warehouse
from footprint_cli import app

runner = CliRunner()
DIESEL_PER_L = 3.251  # Diesel B7, co2emissiefactoren.nl 2026
PETROL_PER_L = 2.794  # Benzine E10

# 25 fuellings of "Premium Diesel X", a product nobody mapped, and one Diesel row: the file is 96 % quarantined.
HEADER = FUEL.splitlines()[0]
UNMAPPED = "\n".join(
    [HEADER]
    + [f"{day:02d}-03-2025;08:{day:02d};7083540100012001;VGH-42-K;Jan de Vries;Shell Utrecht;Premium Diesel X;"
       f"40,00;L;1,899;75,96;EUR;-" for day in range(1, 26)]
    + ["28-03-2025;09:00;7083540100012001;VGH-42-K;Jan de Vries;Shell Utrecht;Diesel;10,00;L;1,859;18,59;EUR;-"]
) + "\n"


def _query(config: Path, sql: str) -> list[tuple]:
    try:
        with warehouse(open_workspace(config)).connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql)).all()]
    finally:
        close_warehouses()


@pytest.fixture
def ingested(prefect_harness: None, tmp_path: Path) -> Path:
    config = write_company(tmp_path / "co", {"fuel.csv": UNMAPPED, "meters.csv": METERS})
    result = runner.invoke(app, ["ingest", "--period", PERIOD, "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "fuel.csv: 26 read, 1 loaded, 25 quarantined" in result.output
    # Every quarantine hint names the command that reads the file again.
    assert "footprint reprocess --file fuel.csv" in result.output
    return config


def test_a_mapping_added_then_reprocess_loads_the_rows_and_records_the_restatement(ingested: Path) -> None:
    config = ingested
    [(alert_id, status)] = _query(config, "SELECT alert_id, status FROM alerts WHERE rule = 'quarantine_rate'")
    assert status == "open"
    data = yaml.safe_load(config.read_text())
    data["fuel_cards"] = {"products": {"Premium Diesel X": "diesel"}}
    config.write_text(yaml.safe_dump(data))

    result = runner.invoke(app, ["reprocess", "--file", "fuel.csv", "--config", str(config)])

    assert result.exit_code == 0, result.output
    assert "fuel.csv: 26 read, 26 loaded, 0 quarantined" in result.output
    old_kg, new_kg = 10 * DIESEL_PER_L, (25 * 40 + 10) * DIESEL_PER_L  # 32.51 -> 3,283.51 kg
    assert f"restated 2025-03 fuel.csv: {old_kg:,.3f} -> {new_kg:,.3f} kg CO2e" in result.output
    assert "25 quarantine entries closed" in result.output
    [(kind, old, new)] = _query(config, "SELECT kind, old_kg_co2e, new_kg_co2e FROM restatements")
    assert kind == "reprocessed" and old == pytest.approx(old_kg) and new == pytest.approx(new_kg)
    fuel_kg = _query(config, "SELECT sum(emissions_kg_co2e) FROM emissions WHERE source = 'diesel'")[0][0]
    assert fuel_kg == pytest.approx(new_kg)
    closed = _query(config, "SELECT count(*), min(closed_reason) FROM quarantine WHERE closed_at IS NOT NULL")
    assert closed[0][0] == 25 and "reprocess" in closed[0][1]
    assert _query(config, "SELECT count(*) FROM quarantine WHERE closed_at IS NULL") == [(0,)]
    [(status, note)] = _query(config, f"SELECT status, note FROM alerts WHERE alert_id = {alert_id}")
    assert status == "resolved" and "reprocess" in note


def test_reprocess_with_nothing_changed_restates_nothing(ingested: Path) -> None:
    result = runner.invoke(app, ["reprocess", "--period", PERIOD, "--config", str(ingested)])
    assert result.exit_code == 0, result.output
    assert "2 file(s) read again, 0 month(s) restated, 0 quarantine entries closed; no figure moved" in result.output
    assert _query(ingested, "SELECT count(*) FROM restatements") == [(0,)]
    assert _query(ingested, "SELECT count(*) FROM quarantine WHERE closed_at IS NULL") == [(25,)]
    again = runner.invoke(app, ["reprocess", "--file", "no-such-*.csv", "--config", str(ingested)])
    assert again.exit_code == 2 and "no loaded file matches (file no-such-*.csv)" in again.output


def test_a_renamed_copy_is_named_with_the_command_instead_of_skipped_silently(ingested: Path) -> None:
    inbox = ingested.parent / "inbox" / PERIOD
    (inbox / "fuel copy.csv").write_bytes((inbox / "fuel.csv").read_bytes())
    result = runner.invoke(app, ["ingest", "--period", PERIOD, "--config", str(ingested)])
    assert result.exit_code == 0, result.output
    assert "fuel copy.csv skipped, same content as fuel.csv (2025-03), already loaded" in result.output
    assert "footprint reprocess --file fuel.csv" in result.output


def test_a_corrected_file_closes_its_predecessors_quarantine_and_alert(ingested: Path) -> None:
    """Point 12: the quarantine-rate alert of fuel.csv is resolved when a corrected fuel.csv (same name,
    same month) replaces it; its quarantine entries are closed, the month restated by the correction."""
    inbox = ingested.parent / "inbox" / PERIOD
    (inbox / "fuel.csv").write_text(UNMAPPED.replace("Premium Diesel X", "Diesel"), encoding="utf-8")
    result = runner.invoke(app, ["ingest", "--period", PERIOD, "--config", str(ingested)])
    assert result.exit_code == 0, result.output
    assert "fuel.csv: 26 read, 26 loaded, 0 quarantined (corrected file: restates" in result.output
    [(status, who)] = _query(ingested, "SELECT status, noted_by FROM alerts WHERE rule = 'quarantine_rate'")
    assert (status, who) == ("resolved", "footprint")
    assert _query(ingested, "SELECT count(*) FROM quarantine WHERE closed_at IS NULL") == [(0,)]
    closed = _query(ingested, "SELECT count(*), min(closed_reason) FROM quarantine WHERE closed_at IS NOT NULL")
    assert closed[0][0] == 25 and "the corrected file fuel.csv" in closed[0][1]
    [(kind, old, new)] = _query(ingested, "SELECT kind, old_kg_co2e, new_kg_co2e FROM restatements")
    assert kind == "corrected_file"
    assert old == pytest.approx(10 * DIESEL_PER_L) and new == pytest.approx((25 * 40 + 10) * DIESEL_PER_L)
