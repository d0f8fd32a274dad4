"""Per-project report: allocation rules, figures by hand (quantity x factor x share), artefacts and CLI."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from company_files import ALL_FILES, ELECTRICITY_EAN, FUEL, GAS_EAN, write_company
from pypdf import PdfReader
from typer.testing import CliRunner

from footprint.config.organisation import load_org_config
from footprint.config.workspace import Settings, Workspace, open_workspace
from footprint.demo.company import ean
from footprint.emissions import compute_emissions
from footprint.errors import ConfigError, UsageError
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.reports.project import project_summary, projects_overview
from footprint.reports.write import write_project_report
from footprint.resources import close_warehouses, warehouse
from footprint_cli import app

HEAT_EAN = ean("87168716000000001")  # configured, never delivers: a data gap every month
OTHER_VAN = "04-03-2025;08:00;7083540100012035;VKF-63-R;Piotr;Total;Diesel;40,00;L;1,859;74,36;EUR;5000\n"
CONFIG = {
    "sites": [{"id": "hq", "name": "Kantoor"}, {"id": "depot", "name": "Depot"}],
    "meters": [
        {"ean": ELECTRICITY_EAN, "carrier": "electricity", "site": "hq", "contract": "grey"},
        {"ean": GAS_EAN, "carrier": "natural_gas", "site": "hq"},
        {"ean": HEAT_EAN, "carrier": "district_heat", "site": "hq"},
    ],
    "vehicles": [{"plate": "VGH-42-K", "site": "hq", "fuel": "diesel"},
                 {"plate": "VKF-63-R", "site": "depot", "fuel": "diesel"}],
}
PROJECT = {
    "id": "gouda", "name": "Schoonmaak Gouda", "client": "=HYPERLINK(\"x\")", "start": "2025-02",
    "vehicles": [{"plate": "VGH-42-K"}],
    "sites": [{"site": "hq", "share_pct": 30}],
    "suppliers": [{"supplier": "hygiena b.v.", "source": "supplier_reported", "share_pct": 40},
                  {"source": "flights", "share_pct": 50}],
}

# March 2025 of tests/company_files.py by hand: quantity x factor (2026 list) x share.
VEHICLE = 50 * 3.251 * 1.00 + -10 * 2.794 * 1.00  # VGH-42-K: diesel and a petrol credit note, 100 %
SITE_GAS = 100 * 2.134 * 0.30  # hq natural gas, 30 %
SITE_POWER = 1000 * 0.483 * 0.30  # hq grey electricity, 30 % (location-based: 0.244 per kWh)
SUPPLIER = 250.5 * 0.40  # Hygiena's own kg CO2e, 40 %
FLIGHTS = 2 * 371 * 0.234 * 0.50  # AMS-LHR for two, under 700 km, 50 %
SCOPE_1 = VEHICLE + SITE_GAS
SCOPE_2 = SITE_POWER + FLIGHTS  # flights are business travel: ladder scope 2, GHG scope 3 category 6
SCOPE_3 = SUPPLIER
BEFORE_SHARE = VEHICLE + 100 * 2.134 + 1000 * 0.483 + 250.5 + 2 * 371 * 0.234
# Not allocated: VKF-63-R's 40 l diesel and the 100 km private-car declaration.

runner = CliRunner()


def _write(root: Path, projects: list[dict[str, object]]) -> Path:
    files = {**ALL_FILES, "fuel.csv": FUEL + OTHER_VAN}
    return write_company(root, files, **CONFIG, projects=projects)


@pytest.fixture(scope="module")
def project_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("project") / "co"
    config = _write(root, [PROJECT])
    ws = open_workspace(config, Settings(pseudonym_key="test-key"))  # default warehouse beside it, as the CLI
    load_files(ws, "2025-03", pull_inbox(ws, "2025-03").paths)
    compute_emissions(ws, "2025-03")
    yield ws
    close_warehouses()


@pytest.fixture(scope="module")
def summary(project_ws: Workspace) -> dict:
    return project_summary(project_ws, "gouda", dt.date(2025, 1, 1), dt.date(2025, 3, 1))


def test_project_kg_equal_hand_computation(summary: dict) -> None:
    e = summary["emissions"]
    assert e["scope_1_kg_co2e"] == pytest.approx(SCOPE_1, abs=1e-9)
    assert e["scope_2_kg_co2e"] == pytest.approx(SCOPE_2, abs=1e-9)
    assert e["scope_3_kg_co2e"] == pytest.approx(SCOPE_3, abs=1e-9)
    assert e["total_kg_co2e"] == pytest.approx(SCOPE_1 + SCOPE_2 + SCOPE_3, abs=1e-9)
    assert e["total_before_share_kg_co2e"] == pytest.approx(BEFORE_SHARE, abs=1e-9)
    assert e["total_location_based_kg_co2e"] == pytest.approx(SCOPE_1 + 1000 * 0.244 * 0.30 + FLIGHTS + SCOPE_3)
    ghg = {(r["ghg_scope"], r["ghg_category"]): r["allocated_kg_co2e"] for r in e["by_ghg_scope"]}
    assert ghg == {(1, None): pytest.approx(SCOPE_1), (2, None): pytest.approx(SITE_POWER),
                   (3, 1): pytest.approx(SUPPLIER), (3, 6): pytest.approx(FLIGHTS)}
    items = {r["text"]: (r["before_share_kg_co2e"], r["allocated_kg_co2e"]) for r in summary["items"]}
    assert items == {
        "vehicle VGH42K 100 %": (pytest.approx(VEHICLE), pytest.approx(VEHICLE)),
        "site hq 30 %": (pytest.approx(100 * 2.134 + 1000 * 0.483), pytest.approx(SITE_GAS + SITE_POWER)),
        "supplier hygiena b.v., source supplier_reported 40 %": (pytest.approx(250.5), pytest.approx(SUPPLIER)),
        "supplier (any), source flights 50 %": (pytest.approx(2 * 371 * 0.234), pytest.approx(FLIGHTS)),
    }
    json.dumps(summary)  # plain JSON values only


def test_lines_are_quantity_times_factor_times_share(summary: dict) -> None:
    lines = summary["lines"]
    assert {(r["item"], r["source"]) for r in lines} == {
        ("VGH42K", "diesel"), ("VGH42K", "petrol"), ("hq", "natural_gas"), ("hq", "electricity"),
        ("hygiena b.v.", "supplier_reported"), (None, "flights")}
    for line in lines:
        if line["factor_kg_co2e_per_unit"] is not None:
            assert line["before_share_kg_co2e"] == pytest.approx(line["quantity"] * line["factor_kg_co2e_per_unit"])
            assert line["factor_list_year"] == 2026 and isinstance(line["factor_list_year"], int)
        assert line["allocated_kg_co2e"] == pytest.approx(line["before_share_kg_co2e"] * line["share_pct"] / 100)
    assert sum(r["allocated_kg_co2e"] for r in lines) == pytest.approx(summary["emissions"]["total_kg_co2e"])
    energy = {r["carrier"]: (r["quantity_before_share"], r["quantity"], r["unit"]) for r in summary["energy"]}
    assert energy == {"diesel": (50, 50, "l"), "petrol": (-10, -10, "l"), "electricity": (1000, 300, "kWh"),
                      "natural_gas": (100, pytest.approx(30), "m3")}
    assert [f["factor_list_year"] for f in summary["factor_lists"]] == [2026]
    assert {f["factor_name"] for f in summary["factors"]} == {
        "Diesel B7", "Benzine E10", "Aardgas (G-gas)", "Grijze Stroom", "Regionaal (<700 km)"}


def test_vehicle_figure_equals_the_lineage_view(project_ws: Workspace, summary: dict) -> None:
    with warehouse(project_ws).connect() as conn:
        kg = conn.execute(sa.text("SELECT sum(emissions_kg_co2e) FROM v_lineage WHERE subject = 'VGH42K'")).scalar()
    vehicle = next(r for r in summary["items"] if r["kind"] == "vehicle")
    assert vehicle["allocated_kg_co2e"] == pytest.approx(float(kg), abs=1e-9)


def test_period_clipped_to_the_project_and_gaps_named(summary: dict) -> None:
    assert summary["period"] | {"generated_at": None} == {
        "from": "2025-02", "to": "2025-03", "requested_from": "2025-01", "requested_to": "2025-03", "months": 2,
        "generated_at": None}
    assert [(m["period"], m["total_kg_co2e"], m["data_gaps"]) for m in summary["monthly"]] == [
        ("2025-02", 0.0, True), ("2025-03", pytest.approx(SCOPE_1 + SCOPE_2 + SCOPE_3), True)]
    gaps = {(g["period"], g["kind"], g["item"], g["meter"]) for g in summary["data_gaps"]["items"]}
    assert gaps == {
        ("2025-02", "vehicle", "VGH42K", None),
        ("2025-02", "site", "hq", ELECTRICITY_EAN), ("2025-02", "site", "hq", GAS_EAN),
        ("2025-02", "site", "hq", HEAT_EAN), ("2025-03", "site", "hq", HEAT_EAN),
        ("2025-02", "supplier", "hygiena b.v.", None), ("2025-02", "supplier", None, None),
    }
    assert summary["data_gaps"]["count"] == 7 and summary["data_gaps"]["months"] == ["2025-02", "2025-03"]


def test_month_without_data_is_a_gap_not_a_zero(project_ws: Workspace) -> None:
    s = project_summary(project_ws, "gouda", dt.date(2025, 2, 1), dt.date(2025, 2, 1))
    assert s["emissions"]["total_kg_co2e"] == 0.0 and s["lines"] == [] and s["energy"] == []
    assert [i["activity_rows"] for i in s["items"]] == [0, 0, 0, 0]
    assert s["monthly"][0]["data_gaps"] is True and s["data_gaps"]["count"] == 6


def test_same_figures_on_duckdb_and_postgresql(tmp_path: Path, warehouse_url: str) -> None:
    ws = open_workspace(_write(tmp_path / "co", [PROJECT]), Settings(warehouse_url=warehouse_url,
                                                                     pseudonym_key="test-key"))
    try:
        load_files(ws, "2025-03", pull_inbox(ws, "2025-03").paths)
        compute_emissions(ws, "2025-03")
        s = project_summary(ws, "gouda", dt.date(2025, 1, 1), dt.date(2025, 3, 1))
    finally:
        close_warehouses()
    assert s["emissions"]["total_kg_co2e"] == pytest.approx(SCOPE_1 + SCOPE_2 + SCOPE_3, abs=1e-9)
    assert s["emissions"]["scope_3_kg_co2e"] == pytest.approx(SUPPLIER, abs=1e-9)
    assert s["data_gaps"]["count"] == 7 and len(s["lines"]) == 6


def test_overview_for_the_half_year_report(project_ws: Workspace) -> None:
    [gouda] = projects_overview(project_ws, dt.date(2025, 1, 1), dt.date(2025, 6, 1))
    # Gaps: six items (a van, three meters, two supplier rules) in Feb, Apr, May, Jun; the heat meter in Mar.
    assert (gouda["id"], gouda["from"], gouda["to"], gouda["data_gaps"]) == ("gouda", "2025-02", "2025-06", 4 * 6 + 1)
    assert gouda["total_kg_co2e"] == pytest.approx(SCOPE_1 + SCOPE_2 + SCOPE_3)
    assert gouda["rules"][1] == "site hq 30 %"
    assert projects_overview(project_ws, dt.date(2024, 1, 1), dt.date(2024, 12, 1)) == []  # not running then


def test_unknown_project_and_period_outside_it(project_ws: Workspace) -> None:
    with pytest.raises(UsageError, match="'nope' is not in the configuration; projects: gouda"):
        project_summary(project_ws, "nope", dt.date(2025, 1, 1), dt.date(2025, 3, 1))
    with pytest.raises(UsageError, match="lies outside it"):
        project_summary(project_ws, "gouda", dt.date(2024, 1, 1), dt.date(2024, 12, 1))


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_write_project_report_artefacts(project_ws: Workspace, tmp_path: Path) -> None:
    paths = write_project_report(project_ws, "gouda", dt.date(2025, 1, 1), dt.date(2025, 3, 1), tmp_path, "en")
    assert set(paths) == {"project.json", "project.html", "project.pdf", "project.xlsx"}
    data = json.loads(paths["project.json"].read_text())
    assert data["emissions"]["total_kg_co2e"] == pytest.approx(SCOPE_1 + SCOPE_2 + SCOPE_3)
    text = _pdf_text(paths["project.pdf"])
    for heading in ("Project emissions report", "1. Emissions per scope", "2. Allocation to the project",
                    "3. Activity lines", "4. Emissions per month", "5. Energy use", "6. Emission factors",
                    "7. Data gaps", "Schoonmaak Gouda", "vehicle VGH42K", "30.0 %", HEAT_EAN, "Diesel B7"):
        assert heading in text, heading
    book = openpyxl.load_workbook(paths["project.xlsx"])
    assert {"Overview", "Allocation rules", "Activity lines", "Monthly", "Data gaps", "Emission rows"} <= set(
        book.sheetnames)
    overview = {r[0]: book["Overview"].cell(i + 1, 2) for i, r in enumerate(book["Overview"].values)}
    assert overview["project.client"].value == '=HYPERLINK("x")' and overview["project.client"].data_type == "s"
    # exact kg, as far as a cell holds it (15 significant digits, as Excel)
    assert overview["emissions.total_kg_co2e"].value == float(f'{data["emissions"]["total_kg_co2e"]:.15g}')
    rows = list(book["Emission rows"].values)
    kg = rows[0].index("allocated_kg_co2e")
    assert len(rows) - 1 == 6 and sum(r[kg] for r in rows[1:]) == pytest.approx(SCOPE_1 + SCOPE_2 + SCOPE_3)


def test_project_html_in_dutch(project_ws: Workspace, tmp_path: Path) -> None:
    paths = write_project_report(project_ws, "gouda", dt.date(2025, 3, 1), dt.date(2025, 3, 1), tmp_path, "nl")
    html = paths["project.html"].read_text()
    for words in ("Emissierapportage project", "2. Toerekening aan het project", "voertuig VGH42K", "30,0 %",
                  "7. Ontbrekende gegevens", "3,251 kg CO2e/l"):
        assert words in html, words


@pytest.mark.parametrize(
    ("projects", "message"),
    [
        pytest.param([{**PROJECT, "vehicles": [{"plate": "XX-123-B"}]}], "plate 'XX123B' is not one of the vehicles",
                     id="unknown-plate"),
        pytest.param([{**PROJECT, "sites": [{"site": "gouda"}]}], "site 'gouda' is not one of the sites",
                     id="unknown-site"),
        pytest.param([{**PROJECT, "sites": [{"site": "hq", "share_pct": 130}]}], "share_pct 130 is outside 0-100",
                     id="share-above-100"),
        pytest.param([{**PROJECT, "vehicles": [{"plate": "VGH-42-K", "share_pct": -5}]}],
                     "share_pct -5 is outside 0-100", id="share-negative"),
        pytest.param([{**PROJECT, "vehicles": [{"plate": "VGH-42-K", "share_pct": 60}]},
                      {"id": "b", "name": "B", "start": "2025-03", "vehicles": [{"plate": "VGH42K", "share_pct": 50}]}],
                     "vehicle VGH42K is allocated beyond 100 % (gouda 60 %, b 50 %) from 2025-03",
                     id="vehicle-over-100"),
        pytest.param([PROJECT, {"id": "b", "name": "B", "sites": [{"site": "hq", "share_pct": 80}]}],
                     "site hq is allocated beyond 100 %", id="site-over-100"),
        pytest.param([{**PROJECT, "suppliers": [{"supplier": "X"}, {"supplier": "x", "source": "flights"}]}],
                     "two rules can match the same rows", id="overlapping-supplier-rules"),
        pytest.param([{**PROJECT, "suppliers": [{"source": "diesel"}]}], "'diesel' is not a supplier source",
                     id="unknown-supplier-source"),
        pytest.param([{**PROJECT, "vehicles": [{"plate": "VGH-42-K"}, {"plate": "VGH42K"}]}], "VGH42K listed twice",
                     id="plate-twice"),
        pytest.param([{**PROJECT, "end": "2025-01"}], "end 2025-01 lies before start 2025-02", id="end-before-start"),
        pytest.param([{**PROJECT, "start": "2025-2"}], "'2025-2' is not a month written as YYYY-MM", id="bad-month"),
        pytest.param([{"id": "empty", "name": "E"}], "allocates nothing", id="no-rules"),
        pytest.param([PROJECT, {**PROJECT, "vehicles": [], "sites": [{"site": "depot"}], "suppliers": []}],
                     "a project id is listed twice", id="id-twice"),
    ],
)
def test_bad_allocation_is_a_clear_config_error(tmp_path: Path, projects: list[dict], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_org_config(_write(tmp_path / "co", projects))
    assert message in str(error.value)
    assert "projects" in str(error.value)


def test_projects_are_optional_and_may_follow_each_other(tmp_path: Path) -> None:
    assert load_org_config(write_company(tmp_path / "a", {}, **CONFIG)).projects == []
    before = {**PROJECT, "id": "before", "start": None, "end": "2025-01",
              "vehicles": [{"plate": "VGH-42-K", "share_pct": 100}]}
    config = load_org_config(_write(tmp_path / "b", [before, PROJECT]))  # VGH-42-K 100 % each, one after the other
    assert [p.id for p in config.projects] == ["before", "gouda"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--project", "gouda"], "--project needs --from YYYY-MM and --to YYYY-MM", id="no-months"),
        pytest.param(["--project", "gouda", "--half", "2025H1", "--from", "2025-01", "--to", "2025-03"],
                     "leave out --half", id="project-and-half"),
        pytest.param(["--from", "2025-01", "--to", "2025-03"], "--from and --to go with --project", id="months-alone"),
        pytest.param(["--public"], "give --half", id="public-without-half"),
        pytest.param(["--project", "nope", "--from", "2025-01", "--to", "2025-03"],
                     "'nope' is not in the configuration", id="unknown-project"),
        pytest.param(["--project", "gouda", "--from", "2025-03", "--to", "2025-01"], "lies before --from",
                     id="backwards"),
    ],
)
def test_report_cli_usage_errors(project_ws: Workspace, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["report", *args, "--config", str(project_ws.config_path)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_report_cli_project(prefect_harness: None, project_ws: Workspace, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--project", "gouda", "--from", "2025-01", "--to", "2025-03", "--lang", "en",
                                 "--out", str(tmp_path / "out"), "--config", str(project_ws.config_path)])
    assert result.exit_code == 0, result.output
    for name in ("project.json", "project.html", "project.pdf", "project.xlsx"):
        assert f"{name}: {tmp_path / 'out' / name}" in result.output
    data = json.loads((tmp_path / "out" / "project.json").read_text())
    assert data["emissions"]["total_kg_co2e"] == pytest.approx(SCOPE_1 + SCOPE_2 + SCOPE_3)
