"""footprint alerts list / explain / dismiss / send, and the alert a factor list raises."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from company_files import ALL_FILES, PERIOD, write_company, write_list_copy
from typer.testing import CliRunner

from footprint import alert_store
from footprint.alert_record import Alert
from footprint.config.workspace import open_workspace
from footprint.emissions import compute_emissions
from footprint.ingest.load import load_files
from footprint.resources import close_warehouses, warehouse
from footprint_cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_footprint_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in [n for n in os.environ if n.startswith("FOOTPRINT_")]:
        monkeypatch.delenv(name)
    yield
    close_warehouses()


@pytest.fixture
def company(tmp_path: Path) -> Path:
    config = write_company(tmp_path / "co", {})
    alert_store.record(open_workspace(config), [
        Alert("missing", "871687120000000004", "2025-02", "warning", "Meter 8716: no delivery since 2025-01",
              "Meter 8716 delivered every month up to 2025-01.", {"observed": 0.0, "threshold": 1.0}),
        Alert("tank_exceeded", "VGH42K", "2025-03", "critical", "Vehicle VGH42K: a fuelling of 95.0 l exceeds its 80 l tank",
              "Vehicle VGH42K fuelled 95 l at once.", {"observed": 95.0, "threshold": 80.0, "unit": "l"}),
    ])
    close_warehouses()
    return config


def test_list_shows_the_alerts_and_json_carries_the_evidence(company: Path) -> None:
    table = runner.invoke(app, ["alerts", "list", "--config", str(company)], env={"COLUMNS": "160"})
    assert table.exit_code == 0, table.output
    assert "tank_exceeded" in table.output and "a fuelling of 95.0 l exceeds its 80 l tank" in table.output
    as_json = runner.invoke(app, ["alerts", "list", "--json", "--config", str(company)])
    assert as_json.exit_code == 0, as_json.output
    listed = json.loads(as_json.output)
    assert [(a["alert_id"], a["rule"], a["period"], a["status"]) for a in listed] == [
        (1, "missing", "2025-02", "open"), (2, "tank_exceeded", "2025-03", "open")]
    assert listed[1]["evidence"] == {"observed": 95.0, "threshold": 80.0, "unit": "l"}


def test_explain_and_dismiss_record_the_note_and_who(company: Path) -> None:
    explained = runner.invoke(app, ["alerts", "explain", "2", "--note", "Jerrycan for the floor machine.",
                                    "--config", str(company)], env={"FOOTPRINT_USER": "kam.officer"})
    assert explained.exit_code == 0, explained.output
    assert "explained" in explained.output
    dismissed = runner.invoke(app, ["alerts", "dismiss", "1", "--note", "Meter removed in the renovation.",
                                    "--config", str(company)])
    assert dismissed.exit_code == 0, dismissed.output
    listed = json.loads(runner.invoke(app, ["alerts", "list", "--json", "--config", str(company)]).output)
    assert [(a["status"], a["note"]) for a in listed] == [
        ("dismissed", "Meter removed in the renovation."), ("explained", "Jerrycan for the floor machine.")]
    assert listed[1]["noted_by"] == "kam.officer"
    assert listed[0]["noted_by"]  # the operating-system user
    only = json.loads(runner.invoke(app, ["alerts", "list", "--status", "explained", "--json",
                                          "--config", str(company)]).output)
    assert [a["alert_id"] for a in only] == [2]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["explain", "9", "--note", "x"], "no alert 9", id="unknown-id"),
        pytest.param(["dismiss", "1", "--note", "  "], "needs a --note", id="empty-note"),
        pytest.param(["list", "--status", "closed"], "status 'closed'", id="unknown-status"),
    ],
)
def test_wrong_use_exits_2_with_one_line(company: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["alerts", *args, "--config", str(company)])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_send_delivers_pending_alerts_to_the_outbox(company: Path) -> None:
    result = runner.invoke(app, ["alerts", "send", "--config", str(company)])
    assert result.exit_code == 0, result.output
    assert "Delivered 2 alert message(s) via outbox" in result.output
    assert len(list((company.parent / "outbox").glob("*.eml"))) == 2
    assert "Nothing pending" in runner.invoke(app, ["alerts", "send", "--config", str(company)]).output


def test_a_factor_list_that_moves_the_base_year_beyond_significance_raises_one_alert(tmp_path: Path) -> None:
    config = write_company(tmp_path / "co", ALL_FILES)
    ws = open_workspace(config)
    load_files(ws, PERIOD, [str(path) for path in sorted((config.parent / "inbox" / PERIOD).iterdir())])
    compute_emissions(ws, PERIOD)
    with warehouse(ws).connect() as conn:
        before = conn.exec_driver_sql("SELECT sum(emissions_kg_co2e) FROM emissions").scalar()
    close_warehouses()
    listing = tmp_path / "co2emissiefactoren_2025.xlsx"
    write_list_copy(listing, title="Factoren 2025 dd 15-01-2025", grey_kwh=0.9)

    result = runner.invoke(app, ["factors", "load", str(listing), "--year", "2025", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "factor_restatement" in result.output and "Delivered 1 alert message(s) via outbox" in result.output
    (alert,) = alert_store.list_alerts(open_workspace(config))
    assert (alert.rule, alert.period, alert.severity) == ("factor_restatement", "2025-01", "critical")
    expected_pct = 1000 * (0.9 - 0.483) / before * 100  # 1,000 kWh of grey electricity in the base year
    assert alert.evidence["change_pct"] == pytest.approx(expected_pct)
    assert alert.evidence["threshold"] == 5.0
    assert len(list((config.parent / "outbox").glob("*factor_restatement*.eml"))) == 1
    close_warehouses()

    again = runner.invoke(app, ["factors", "load", str(listing), "--config", str(config)])
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert len(alert_store.list_alerts(open_workspace(config))) == 1
