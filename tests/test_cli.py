"""The command line: exit codes 0 / 1 / 2 and one clear line instead of a traceback."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from footprint.cli import app

runner = CliRunner()


@pytest.fixture
def company(tmp_path: Path) -> Path:
    result = runner.invoke(app, ["init", str(tmp_path / "co"), "--organisation", "Test B.V."])
    assert result.exit_code == 0, result.output
    return tmp_path / "co" / "footprint.yaml"


def test_init_writes_a_valid_config_and_never_overwrites(company: Path) -> None:
    assert (company.parent / ".env").read_text().startswith("FOOTPRINT_PSEUDONYM_KEY=")
    again = runner.invoke(app, ["init", str(company.parent)])
    assert again.exit_code == 2
    assert "never overwrites" in again.output
    status = runner.invoke(app, ["status", "--config", str(company)])
    assert status.exit_code == 0, status.output


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["ingest", "--period", "2024-13"], id="month-13"),
        pytest.param(["ingest", "--period", "2024-01", "--from", "2024-01"], id="period-and-range"),
        pytest.param(["ingest", "--from", "2024-05", "--to", "2024-01"], id="range-backwards"),
        pytest.param(["ingest"], id="no-period"),
    ],
)
def test_bad_usage_exits_2_without_traceback(company: Path, args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--config", str(company)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "error:" in result.output


def test_bad_configuration_exits_2_naming_the_key(company: Path) -> None:
    company.write_text(company.read_text().replace("base_year: 2024", "base_year: 2019"))
    result = runner.invoke(app, ["status", "--config", str(company)])
    assert result.exit_code == 2
    assert "base year 2019" in result.output


def test_missing_config_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such configuration file" in result.output


def test_factor_file_that_is_not_a_list_exits_with_message(company: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "factors.xlsx"
    bogus.write_bytes(b"not a spreadsheet")
    result = runner.invoke(app, ["factors", "load", str(bogus), "--config", str(company)])
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.output
    assert "factors.xlsx" in result.output


def test_ingest_prints_one_line_per_file_and_warns_on_quarantine(prefect_harness: None, tmp_path: Path) -> None:
    from company_files import FUEL, METERS, write_company

    config = write_company(tmp_path / "co", {"fuel.csv": FUEL.replace("-10,00;L", "tien;L"), "meters.csv": METERS})
    result = runner.invoke(app, ["ingest", "--period", "2025-03", "--config", str(config)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "2025-03 " in line]
    assert len(lines) == 2
    assert any("fuel.csv: 3 read, 2 loaded, 1 quarantined, 1 non-fuel excluded" in line for line in lines)
    again = runner.invoke(app, ["ingest", "--period", "2025-03", "--config", str(config)])
    assert again.exit_code == 0
    assert "0 file(s) loaded" in again.output


def test_factors_load_an_older_list_once(company: Path, tmp_path: Path) -> None:
    from company_files import write_list_copy

    older = tmp_path / "co2emissiefactoren_2024.xlsx"
    write_list_copy(older, title="Factoren 2024 dd 15-01-2024", grey_kwh=0.536)  # 2024 value from the reference README
    first = runner.invoke(app, ["factors", "load", str(older), "--year", "2024", "--config", str(company)])
    assert first.exit_code == 0, first.output
    assert "loaded list 2024 version 2024-01-15" in first.output
    again = runner.invoke(app, ["factors", "load", str(older), "--config", str(company)])
    assert again.exit_code == 0
    assert "nothing changed" in again.output
    wrong_year = runner.invoke(app, ["factors", "load", str(older), "--year", "2023", "--config", str(company)])
    assert wrong_year.exit_code == 1
    assert "2023" in wrong_year.output and "Traceback" not in wrong_year.output


def test_template_supplier_writes_files_footprint_reads_back(tmp_path: Path) -> None:
    from footprint.sources import detect_format

    result = runner.invoke(app, ["template", "supplier", "--dir", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.output.split() if line.endswith((".csv", ".xlsx"))]
    assert {p.suffix for p in written} == {".csv", ".xlsx"}
    assert all(detect_format(p).NAME == "supplier_template" for p in written)


REAL = Path(__file__).parent / "sources" / "real_samples"


def test_parse_writes_canonical_rows_of_a_real_export(tmp_path: Path) -> None:
    out = tmp_path / "gc.csv"
    sample = REAL / "GreenChoice" / "meterstanden_stroom_2023.csv"
    missing = runner.invoke(app, ["parse", str(sample), "--out", str(out)])
    assert missing.exit_code == 2 and "--ean" in missing.output
    result = runner.invoke(app, ["parse", str(sample), "--ean", "871687120058657526", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "ean,start,end,quantity,unit,direction,tariff,estimated,source_file,source_row"
    totals: dict[tuple[str, str], float] = {}
    for row in csv.DictReader(lines):
        key = (row["direction"], row["tariff"])
        totals[key] = totals.get(key, 0.0) + float(row["quantity"])
    readings = list(csv.DictReader(sample.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    register = {
        ("consumption", "high"): "StandNormaal",
        ("consumption", "low"): "StandDal",
        ("feed_in", "high"): "TerugleveringNormaal",
        ("feed_in", "low"): "TerugleveringDal",
    }
    # Usage by differencing must add up to the last reading minus the first, per register.
    expected = {k: float(readings[0][col]) - float(readings[-1][col]) for k, col in register.items()}
    assert totals == pytest.approx(expected)
    assert "note:" in result.output


def test_parse_of_an_unknown_file_lists_the_formats_and_exits_2(tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("Kolom A;Kolom B\n1;2\n", encoding="utf-8")
    result = runner.invoke(app, ["parse", str(odd), "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2
    assert "slimmemeterportal_xlsx" in result.output and "Adding a format" in result.output


def test_report_writes_the_half_year_artefacts_through_the_flow(prefect_harness: None, tmp_path: Path) -> None:
    from company_files import ALL_FILES, write_company

    config = write_company(tmp_path / "co", ALL_FILES)
    assert runner.invoke(app, ["ingest", "--period", "2025-03", "--config", str(config)]).exit_code == 0
    bad = runner.invoke(app, ["report", "--half", "2025-1", "--config", str(config)])
    assert bad.exit_code == 2 and "2025H1" in bad.output
    result = runner.invoke(app, ["report", "--half", "2025H1", "--lang", "en", "--config", str(config)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "co" / "reports" / "2025H1"
    assert {p.name for p in out.iterdir()} >= {"summary.json", "report.xlsx", "report.html", "charts"}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["half"] == "2025H1"
    assert "First report of this half year: archived." in result.output
    again = runner.invoke(app, ["report", "--half", "2025H1", "--lang", "en", "--config", str(config)])
    assert "Same figures as the archived report of" in again.output
    corrected = tmp_path / "co" / "inbox" / "2025-03" / "fuel.csv"
    corrected.write_text(corrected.read_text(encoding="utf-8").replace("Diesel;50,00;L", "Diesel;40,00;L"), encoding="utf-8")
    assert runner.invoke(app, ["ingest", "--period", "2025-03", "--config", str(config)]).exit_code == 0
    changed = runner.invoke(app, ["report", "--half", "2025H1", "--lang", "en", "--config", str(config)])
    assert "Changed since the archived report of" in changed.output
    assert "input files: 1 new, 1 no longer used" in changed.output
    archived = sorted((tmp_path / "co" / "raw" / "reports" / "2025H1").iterdir())
    assert len(archived) == 3
    assert all(p.stat().st_mode & 0o222 == 0 for p in archived[0].rglob("*") if p.is_file())


def test_a_query_the_warehouse_cannot_finish_is_one_line_not_a_traceback(
    company: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa

    from footprint import queries

    def out_of_memory(*_args: object, **_kwargs: object) -> None:
        raise sa.exc.OperationalError(
            "SELECT * FROM v_lineage", {}, Exception("Out of Memory Error: failed to allocate data of size 4.0 KiB\nmore")
        )

    monkeypatch.setattr(queries, "lineage", out_of_memory)
    result = runner.invoke(app, ["explain", "--period", "2025-03", "--config", str(company)])
    assert result.exit_code == 1, result.output
    assert "error: the warehouse could not answer: Out of Memory Error: failed to allocate" in result.output
    assert "Traceback" not in result.output and "more" not in result.output
