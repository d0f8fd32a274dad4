"""`footprint factors template`, filled in as a user would, then `footprint factors load`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from factor_helpers import fill_own_list
from typer.testing import CliRunner

from footprint_cli import app

runner = CliRunner()
FALLING_BACK = (
    "fuel:petrol, fuel:lpg, fuel:cng, fuel:hvo100, electricity:grey, electricity:green_gvo_nl, "
    "electricity:supplier_mix, district_heat, flight:short, flight:medium, flight:long, private_car:unknown, "
    "private_car:petrol, private_car:diesel, private_car:electric, train:electric"
)


@pytest.fixture
def company(tmp_path: Path) -> Path:
    result = runner.invoke(app, ["init", str(tmp_path / "co"), "--organisation", "Test B.V."])
    assert result.exit_code == 0, result.output
    return tmp_path / "co" / "footprint.yaml"


def _template(folder: Path) -> list[Path]:
    result = runner.invoke(app, ["factors", "template", "--year", "2024", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.output.split() if line.endswith((".csv", ".xlsx"))]
    assert [p.name for p in written] == ["footprint_factor_list_2024.csv", "footprint_factor_list_2024.xlsx"]
    return written


def test_template_then_load_the_filled_xlsx(company: Path, tmp_path: Path) -> None:
    _, xlsx = _template(tmp_path / "t")
    fill_own_list(xlsx, {
        "fuel:diesel": {"kg CO2e per unit": 3.262, "source": "jaaropgave leverancier"},
        "natural_gas": {"kg CO2e per unit": 2.134, "source": "co2emissiefactoren.nl 2024"},
    })
    result = runner.invoke(app, ["factors", "load", str(xlsx), "--config", str(company)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        f"footprint_factor_list_2024.xlsx: loaded own list 2024 version {date.today().isoformat()}: 2 factors "
        "(16 rows left empty)"
    )
    assert lines[1] == "  covers: fuel:diesel, natural_gas"
    assert lines[2] == (
        f"  falls back for 2024 (per_year policy): {FALLING_BACK} -> co2emissiefactoren.nl 2026 (version 20-08-2026)"
    )
    assert "nothing restated" in lines[3]
    again = runner.invoke(app, ["factors", "load", str(xlsx), "--config", str(company)])
    assert again.exit_code == 0
    assert "own list 2024 version" in again.output and "nothing changed" in again.output


def test_a_wrong_unit_in_the_filled_csv_exits_1_naming_row_and_column(company: Path, tmp_path: Path) -> None:
    csv_path, _ = _template(tmp_path / "t")
    fill_own_list(csv_path, {"fuel:lpg": {"kg CO2e per unit": "1,792", "unit": "l", "source": "x"}})
    result = runner.invoke(app, ["factors", "load", str(csv_path), "--config", str(company)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "footprint_factor_list_2024.csv, row 5, column 'unit': 'l' differs" in " ".join(result.output.split())


def test_template_refuses_a_year_out_of_range(tmp_path: Path) -> None:
    result = runner.invoke(app, ["factors", "template", "--year", "1990", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "list year 1990 is out of range (2000-2100)" in result.output
