"""Charts, workbook, HTML and write_halfyear_report on the tiny company."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pypdf
import pytest
import sqlalchemy as sa
from company_files import ALL_FILES, CONFIG, ELECTRICITY_EAN, GAS_EAN, make_company

from footprint.emissions import compute_emissions
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.periods import Half
from footprint.reports.charts import write_charts
from footprint.reports.html import render_halfyear_html
from footprint.reports.lineage import emission_lines
from footprint.reports.project import project_summary
from footprint.reports.sheets import table_sheet
from footprint.reports.summary import build_summary
from footprint.reports.texts import labels, tonnes
from footprint.reports.workbook import write_halfyear_workbook
from footprint.reports.write import write_halfyear_report
from footprint.resources import close_warehouses, warehouse
from footprint.verify import check_sizes

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def summary(report_ws):
    return build_summary(report_ws, "2025H1")


def test_charts_are_png(summary, tmp_path: Path) -> None:
    charts = write_charts(summary, tmp_path / "charts")
    assert set(charts) == {"monthly_emissions", "target_paths", "energy_per_carrier"}
    for path in charts.values():
        data = path.read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000


EN = labels("en")
COLUMN = {text: key.removeprefix("col.") for key, text in EN.items() if key.startswith("col.")}
DATASET = {EN[f"dataset.{d}"]: d for d in ("fuel_transactions", "meter_usage", "supplier_activity")}


def _emission_lines(book: openpyxl.Workbook) -> tuple[list[str], list[dict]]:
    """The notes above the Emission rows table, and its lines as dicts by column name (the English headers
    read back as the summary's keys, datasets as their codes)."""
    rows = list(book["Emission rows"].values)
    header_at = next(i for i, row in enumerate(rows) if row[0] == EN["col.period"])
    notes = [row[0] for row in rows[:header_at] if row[0]]
    header = [COLUMN.get(name, name) for name in rows[header_at]]
    lines = [dict(zip(header, row)) for row in rows[header_at + 1:]]
    return notes, [{**line, "activity_table": DATASET[line["activity_table"]]} for line in lines]


def test_workbook_round_trip(report_ws, tmp_path: Path) -> None:
    paths = write_halfyear_report(report_ws, "2025H1", tmp_path / "out", lang="en",
                                  raw_store_check=check_sizes(report_ws).as_summary())
    book = openpyxl.load_workbook(paths["report.xlsx"])
    assert "1 Overview" in book.sheetnames and "Emission rows" in book.sheetnames
    assert {"3 Targets", "5 Missing", "6 Factor lists", "7 Measures", "8 Projects"} <= set(book.sheetnames)
    notes, data = _emission_lines(book)
    assert notes[0].startswith("One line per emission row, except interval meter rows")
    summary = json.loads(paths["summary.json"].read_text())
    assert len(data) == 7  # no interval data: every row a line of its own
    assert {(r["activity_table"], r["activity_rows"]) for r in data} == {
        ("fuel_transactions", 1), ("meter_usage", 1), ("supplier_activity", 1)}
    assert all(r["activity_id"] and r["source_row"] == r["last_source_row"] for r in data)
    meters = {r["subject"]: r for r in data if r["activity_table"] == "meter_usage"}
    assert meters[ELECTRICITY_EAN]["emissions_kg_co2e"] == pytest.approx(1000 * 0.483)  # grey, 2026 list
    assert meters[GAS_EAN]["emissions_kg_co2e"] == pytest.approx(100 * 2.134)
    assert meters[GAS_EAN]["source_row"] == 3 and meters[GAS_EAN]["file_name"] == "meters.csv"
    assert sum(r["emissions_kg_co2e"] for r in data) == pytest.approx(summary["emissions"]["total_kg_co2e"], abs=1e-9)
    overview = {r[0]: r[1] for r in book["1 Overview"].values}
    # The summary's own figure, not a rounded one: a cell holds 15 significant digits, as Excel does,
    # and the warehouse's parallel sum may differ from run to run beyond them.
    assert overview["Total, market-based (kg CO2e)"] == float(f'{summary["emissions"]["total_kg_co2e"]:.15g}')
    assert book["7 Measures"]["A1"].value == "no measures configured"
    checks = list(book["Checks"].values)
    assert checks[0] == ("Check", "Holds", "Detail") and len(checks) == 1 + len(summary["checks"])
    assert checks[1] == (EN["check_rows_quantity_times_factor"], True, "7 rows checked, 0 differ")


# The 15-minute files and the tariff readings are of two more electricity meters at the same site: files
# of one meter for the same moments would be one energy counted once (footprint.overlaps).
QUARTER_EAN = "871687120000000011"  # check digit by hand: weighted sum 79 -> 1
TARIFF_EAN = "871687120000000028"  # 82 -> 8
MORE_METERS = [*CONFIG["meters"], *({"ean": e, "carrier": "electricity", "site": "hq", "contract": "grey"}
                                    for e in (QUARTER_EAN, TARIFF_EAN))]


def _quarter_hours(day: int, values: list[float], statuses: list[str]) -> str:
    """A 15-minute export of an electricity meter: its EAN on line 1, the header on line 2, rows from line 3."""
    start = pd.Timestamp(f"2025-03-{day:02d}").tz_localize("Europe/Amsterdam")
    lines = [f"EAN;{QUARTER_EAN}", "Begin;Einde;Verbruik;Eenheid;Richting;Status"]
    for i, (value, status) in enumerate(zip(values, statuses, strict=True)):
        begin, end = start + pd.Timedelta(minutes=15 * i), start + pd.Timedelta(minutes=15 * (i + 1))
        lines.append(f"{begin.isoformat()};{end.isoformat()};{value:.2f}".replace(".", ",") + f";kWh;Levering;{status}")
    return "\n".join(lines) + "\n"


DAY = [0.5 + 0.1 * (i % 13) for i in range(96)]  # a day of quarter hours, all measured
MIXED = [1.5, 2.25, 0.75, 3.0]  # measured, estimated, measured, estimated
GREY, GREY_LOCATION = 0.483, 0.244  # grey electricity, market- and location-based, 2026 list
TARIFFS = f"""EAN;Product;Periode van;Periode tot;Verbruik;Eenheid;Richting;Tarief;Status
{TARIFF_EAN};Elektriciteit;01-03-2025;01-04-2025;300;kWh;Levering;Normaal;Gemeten
{TARIFF_EAN};Elektriciteit;01-03-2025;01-04-2025;200;kWh;Levering;Laag;Gemeten
"""


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def interval_ws(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres_database):
    """The tiny company with two 15-minute files of its electricity meter beside its monthly readings."""
    files = {**ALL_FILES, "kwartier_03.csv": _quarter_hours(3, DAY, ["Gemeten"] * 96),
             "kwartier_04.csv": _quarter_hours(4, MIXED, ["Gemeten", "Geschat"] * 2), "tarieven.csv": TARIFFS}
    root = tmp_path_factory.mktemp("interval") / "co"

    def ingest(url: str):
        ws = make_company(root, url, files, meters=MORE_METERS, projects=[{"id": "p1", "name": "Half the office",
                                                       "sites": [{"site": "hq", "share_pct": 50}]}])
        load_files(ws, "2025-03", pull_inbox(ws, "2025-03").paths)
        compute_emissions(ws, "2025-03")
        return ws

    if request.param == "duckdb":
        yield ingest(f"duckdb:///{root.parent / 'warehouse.duckdb'}")
    else:
        with postgres_database(f"footprint_interval_{os.getpid()}") as url:
            yield ingest(url)
            close_warehouses()
    close_warehouses()


def test_workbook_sums_interval_rows_per_meter_file_and_month(interval_ws, tmp_path: Path) -> None:
    summary = build_summary(interval_ws, "2025H1")
    lines = emission_lines(interval_ws, Half.parse("2025H1"))
    notes, data = _emission_lines(openpyxl.load_workbook(write_halfyear_workbook(summary, lines, tmp_path / "r.xlsx")))
    assert len(notes) == 4 and "footprint explain --period YYYY-MM --meter EAN" in notes[3]
    lines = {(r["file_name"], r["data_quality"]): r for r in data}
    day = lines[("kwartier_03.csv", "primary")]
    assert (day["subject"], day["activity_rows"], day["source_row"], day["last_source_row"]) == (
        QUARTER_EAN, 96, 3, 98)
    assert day["activity_id"] is None and day["factor_kg_co2e_per_unit"] == GREY
    assert day["quantity"] == pytest.approx(sum(round(q, 2) for q in DAY))
    assert day["emissions_kg_co2e"] == pytest.approx(sum(round(q, 2) * GREY for q in DAY))
    assert day["location_emissions_kg_co2e"] == pytest.approx(sum(round(q, 2) * GREY_LOCATION for q in DAY))
    measured, estimated = lines[("kwartier_04.csv", "primary")], lines[("kwartier_04.csv", "secondary")]
    assert (measured["activity_rows"], measured["source_row"], measured["last_source_row"]) == (2, 3, 5)
    assert (estimated["activity_rows"], estimated["source_row"], estimated["last_source_row"]) == (2, 4, 6)
    assert measured["emissions_kg_co2e"] == pytest.approx(1.5 * GREY + 0.75 * GREY)
    assert estimated["emissions_kg_co2e"] == pytest.approx(2.25 * GREY + 3.0 * GREY)
    tariffs = sorted((r["source_row"], r["activity_rows"], r["last_source_row"], r["quantity"], r["emissions_kg_co2e"])
                     for r in data if r["file_name"] == "tarieven.csv")  # monthly readings: a line each
    assert tariffs == [(2, 1, 2, 300, pytest.approx(300 * GREY)), (3, 1, 3, 200, pytest.approx(200 * GREY))]
    assert all(r["activity_id"] for r in data if r["file_name"] == "tarieven.csv")
    assert len(data) == 7 + 3 + 2  # the tiny company's seven rows, three interval lines, two monthly readings
    assert sum(r["activity_rows"] for r in data) == 7 + 96 + 4 + 2
    assert sum(r["emissions_kg_co2e"] for r in data) == pytest.approx(summary["emissions"]["total_kg_co2e"], abs=1e-9)


def test_period_lineage_is_v_lineage(interval_ws) -> None:
    """v_lineage's line and subject (from the view emissions) are those of each row's activity row and raw file."""
    columns = "activity_table, activity_id, subject, source_row, file_name, factor_name, emissions_kg_co2e"
    sql = f"""
        WITH activities AS (
            SELECT 'fuel_transactions' AS activity_table, activity_id, source_row, plate AS subject FROM fuel_transactions
            UNION ALL SELECT 'meter_usage', activity_id, source_row, ean FROM meter_usage
            UNION ALL SELECT 'supplier_activity', activity_id, source_row, supplier FROM supplier_activity
        ),
        lineage AS (
            SELECT e.activity_table, e.activity_id, a.subject, a.source_row, r.file_name, f.name AS factor_name,
                   e.emissions_kg_co2e
            FROM emissions e
            JOIN activities a ON a.activity_table = e.activity_table AND a.activity_id = e.activity_id
            JOIN raw_files r ON r.file_sha256 = e.file_sha256
            LEFT JOIN factors f ON f.factor_id = e.factor_id
            WHERE e.period >= :start AND e.period <= :end
        )
        SELECT {columns} FROM lineage"""
    march = {"start": dt.date(2025, 3, 1), "end": dt.date(2025, 3, 1)}
    with warehouse(interval_ws).connect() as conn:
        ours = sorted(tuple(r) for r in conn.execute(sa.text(sql), march))
        view = sorted(tuple(r) for r in conn.execute(sa.text(f"SELECT {columns} FROM v_lineage")))
    assert len(ours) == 7 + 96 + 4 + 2 and ours == view


def test_project_site_share_of_interval_rows(interval_ws) -> None:
    s = project_summary(interval_ws, "p1", dt.date(2025, 3, 1), dt.date(2025, 3, 1))
    electricity = sum(round(q, 2) for q in DAY) + sum(MIXED) + 1000 + 300 + 200  # kWh: 15-minute, monthly readings
    assert s["emissions"]["total_kg_co2e"] == pytest.approx(0.5 * (electricity * GREY + 100 * 2.134))
    assert s["emissions"]["total_before_share_kg_co2e"] == pytest.approx(electricity * GREY + 100 * 2.134)


def test_formula_like_text_stays_text(tmp_path: Path) -> None:
    book = openpyxl.Workbook(write_only=True)
    rows = [{"text": t} for t in ["=SUM(A1:A9)", "+31 6", "-x", "@cmd"]] + [{"text": -3.5}]
    table_sheet(book, "Sheet", rows, "empty")
    book.save(tmp_path / "x.xlsx")
    back = openpyxl.load_workbook(tmp_path / "x.xlsx")["Sheet"]
    assert [back.cell(i, 1).data_type for i in range(2, 6)] == ["s"] * 4
    assert back["A2"].value == "=SUM(A1:A9)" and back["A6"].value == -3.5


def test_tonnes_rounding() -> None:
    assert tonnes(1277.538) == "1.28 t CO2e"
    assert tonnes(1277.538, "nl") == "1,28 t CO2e"
    assert tonnes(123456.7) == "123.5 t CO2e"
    assert tonnes(348.01) == "0.348 t CO2e"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Half-year report", "1. Energy use and emissions", "8. Per-project emissions", "No alerts recorded for this period",
                "No measures configured", "Data missing", "1.28 t CO2e", "1,277.5 kg CO2e"]),
        ("nl", ["Halfjaarrapportage", "1. Energieverbruik en emissies", "8. Emissies per project",
                "Geen signaleringen", "Geen maatregelen ingesteld", "Ontbrekende gegevens", "1,28 t CO2e",
                "1.277,5 kg CO2e"]),
    ],
)
def test_html_both_languages(summary, tmp_path: Path, lang: str, words: list[str]) -> None:
    charts = write_charts(summary, tmp_path / "charts")
    html = render_halfyear_html(summary, charts, lang)
    for word in words:
        assert word in html, word
    for n in range(1, 9):
        assert f"<h2>{n}. " in html
    assert html.count("data:image/png;base64,") == 3 and 'src="charts/' not in html
    assert "2025-01" in html and "2025-06" in html  # missing months listed
    assert "Factoren 2026" in html  # factor list named
    assert "0.348 t CO2e" in html.replace("0,348", "0.348")  # scope 1 in tonnes


def test_write_report_outputs(report_ws, tmp_path: Path) -> None:
    paths = write_halfyear_report(report_ws, "2025H2", tmp_path / "full", lang="nl",
                                  raw_store_check=check_sizes(report_ws).as_summary())
    assert set(paths) == {"manifest.json", "summary.json", "report.xlsx", "report.html", "report.pdf",
                          "charts/monthly_emissions.png", "charts/target_paths.png", "charts/energy_per_carrier.png"}
    manifest = json.loads(paths["manifest.json"].read_text())
    archived = Path(manifest["location"])
    assert archived.parent == Path(report_ws.raw_store) / "reports" / "2025H2"
    assert sorted(p.name for p in archived.iterdir()) == ["charts", "manifest.json", "report.html", "report.pdf",
                                                          "report.xlsx", "summary.json"]
    assert json.loads((archived / "manifest.json").read_text()) == manifest
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths.values())
    assert json.loads(paths["summary.json"].read_text())["period"] == {
        **json.loads(paths["summary.json"].read_text())["period"], "from": "2025-01", "to": "2025-12", "months": 12}


def test_pdf_has_every_section_and_chart(report_ws, tmp_path: Path) -> None:
    paths = write_halfyear_report(report_ws, "2025H1", tmp_path / "pdf", lang="en",
                                  raw_store_check=check_sizes(report_ws).as_summary())
    reader = pypdf.PdfReader(paths["report.pdf"])
    text = " ".join(page.extract_text() for page in reader.pages)
    for heading in ("1. Energy use and emissions", "2. Comparison with base year", "3. Progress towards the targets",
                    "4. Unexpected changes", "5. Data quality", "6. Emission factors", "7. Review of measures",
                    "8. Per-project emissions", "Approved by (management)"):
        assert heading in text, heading
    assert "1.28 t CO2e" in text  # scope 1 of the tiny company, by hand: 50 x 3.251 - 10 x 2.794 + 100 x 2.134
    images = {hashlib.sha256(image.data).hexdigest() for page in reader.pages for image in page.images}
    assert len(images) == 3  # the three charts, each drawn once
    assert f"/ {len(reader.pages)}" in text  # page numbers "n / N" in the footer


def test_checks_hold_and_catch_a_row_that_is_not_quantity_times_factor(report_ws) -> None:
    import sqlalchemy as sa

    from footprint.resources import warehouse

    assert all(c["holds"] for c in build_summary(report_ws, "2025H1")["checks"])
    # A month computed with a diesel factor that is not the list's value.
    update = ("UPDATE applied_factors SET factor_kg_co2e_per_unit = factor_kg_co2e_per_unit + {d} "
              "WHERE source = 'diesel' AND period = DATE '2025-03-01'")
    with warehouse(report_ws).begin() as conn:
        conn.execute(sa.text(update.format(d=0.5)))
    try:
        failed = [c["id"] for c in build_summary(report_ws, "2025H1")["checks"] if not c["holds"]]
    finally:
        with warehouse(report_ws).begin() as conn:
            conn.execute(sa.text(update.format(d=-0.5)))
    assert failed == ["rows_quantity_times_factor"]


def test_every_label_has_both_languages() -> None:
    import yaml

    from footprint.reports.texts import LABELS_FILE

    entries = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
    incomplete = [key for key, texts in entries.items() if set(texts) != {"en", "nl"} or not all(texts.values())]
    assert incomplete == []


def test_formula_like_text_in_a_text_column_stays_text(tmp_path: Path) -> None:
    import pandas as pd

    from footprint.reports.sheets import frame_sheet

    book = openpyxl.Workbook(write_only=True)
    frame = pd.DataFrame({"file_name": pd.Series(["=HYPERLINK(\"x\")", "fuel.csv", "+31", None], dtype="str"),
                          "kg": [1.5, 2.0, None, 4.0]})
    frame_sheet(book, "Rows", frame, "empty")
    book.save(tmp_path / "rows.xlsx")
    rows = openpyxl.load_workbook(tmp_path / "rows.xlsx")["Rows"]
    assert [(c.value, c.data_type) for c in rows["A"]][1:4] == [
        ('=HYPERLINK("x")', "s"), ("fuel.csv", "s"), ("+31", "s")]
    assert rows["B2"].value == 1.5


def test_project_workbook_sums_interval_rows_per_meter_file_and_month(interval_ws, tmp_path: Path) -> None:
    from footprint.reports.project import project_emission_rows
    from footprint.reports.project_workbook import write_project_workbook

    s = project_summary(interval_ws, "p1", dt.date(2025, 3, 1), dt.date(2025, 3, 1))
    book = openpyxl.load_workbook(write_project_workbook(s, project_emission_rows(interval_ws, s), tmp_path / "p.xlsx"))
    header, *rows = book["Emission rows"].values
    data = [dict(zip(header, row)) for row in rows]
    day = next(r for r in data if r["file_name"] == "kwartier_03.csv")
    assert (day["activity_rows"], day["source_row"], day["last_source_row"], day["activity_id"]) == (96, 3, 98, None)
    assert day["allocated_kg_co2e"] == pytest.approx(0.5 * sum(round(q, 2) * GREY for q in DAY))
    # the site's meters: electricity (two interval files, one with two data qualities, two monthly readings,
    # the monthly reading of the tiny company) and gas; one line each but for the interval rows
    assert len(data) == 3 + 2 + 1 + 1
    assert sum(r["activity_rows"] for r in data) == 96 + 4 + 2 + 1 + 1
    assert sum(r["allocated_kg_co2e"] for r in data) == pytest.approx(s["emissions"]["total_kg_co2e"], abs=1e-9)
