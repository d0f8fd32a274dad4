"""Many clients, one schedule: every client of the list is pulled and ingested, a failing one stops no other."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from company_files import ALL_FILES, PERIOD, write_company
from typer.testing import CliRunner

from footprint.config.clients import load_clients
from footprint.errors import ConfigError
from footprint_cli import app


def _clients(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clients.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_clients_file_names_each_client_once(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    listed = _clients(tmp_path, "clients:\n  - {name: a, config: a/footprint.yaml}\n"
                                "  - {name: b, config: /srv/b/footprint.yaml, active: false}\n")
    assert load_clients(listed) == [("a", (tmp_path / "a" / "footprint.yaml").resolve())]
    with pytest.raises(ConfigError, match="client a listed twice"):
        load_clients(_clients(tmp_path, "clients:\n  - {name: a, config: x.yaml}\n  - {name: a, config: y.yaml}\n"))
    with pytest.raises(ConfigError, match="configuration of two clients"):
        load_clients(_clients(tmp_path, "clients:\n  - {name: a, config: x.yaml}\n  - {name: b, config: ./x.yaml}\n"))


def test_a_broken_client_fails_alone(prefect_harness: None, tmp_path: Path) -> None:
    write_company(tmp_path / "good", ALL_FILES)
    broken = write_company(tmp_path / "broken", ALL_FILES)
    broken.write_text(broken.read_text(encoding="utf-8").replace("base_year: 2025", "base_year: 1999"),
                      encoding="utf-8")
    listed = _clients(tmp_path, "clients:\n  - {name: broken, config: broken/footprint.yaml}\n"
                                "  - {name: good, config: good/footprint.yaml}\n")
    result = CliRunner().invoke(app, ["clients", "--file", str(listed), "--period", PERIOD])
    assert result.exit_code == 1, result.output
    assert "1 of 2 client(s) failed for 2025-03: broken:" in result.output
    assert "base_year" in result.output
    engine = sa.create_engine(f"duckdb:///{tmp_path / 'good' / 'warehouse.duckdb'}")
    with engine.connect() as conn:
        files = conn.execute(sa.text("SELECT COUNT(*) FROM raw_files")).scalar_one()
    engine.dispose()
    assert files == len(ALL_FILES)
    assert not (tmp_path / "broken" / "warehouse.duckdb").exists()


def test_two_clients_on_one_warehouse_are_refused_before_either_runs(prefect_harness: None, tmp_path: Path) -> None:
    write_company(tmp_path / "a", ALL_FILES)
    write_company(tmp_path / "b", ALL_FILES, locations={"warehouse": "../a/warehouse.duckdb"})
    listed = _clients(tmp_path, "clients:\n  - {name: a, config: a/footprint.yaml}\n"
                                "  - {name: b, config: b/footprint.yaml}\n")
    result = CliRunner().invoke(app, ["clients", "--file", str(listed), "--period", PERIOD])
    assert result.exit_code == 2, result.output
    assert "clients a, b share the warehouse duckdb:///" in result.output
    assert not (tmp_path / "a" / "warehouse.duckdb").exists()
