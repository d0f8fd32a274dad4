"""Charts, workbook, HTML and write_report on the tiny company."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
import pypdf
import pytest

from footprint.reports import build_summary, write_report
from footprint.reports.charts import write_charts
from footprint.reports.html import render_html, tonnes
from footprint.reports.workbook import _table_sheet

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


def test_workbook_round_trip(report_ws, tmp_path: Path) -> None:
    paths = write_report(report_ws, "2025H1", tmp_path / "out", lang="en")
    book = openpyxl.load_workbook(paths["report.xlsx"])
    assert "1 Overview" in book.sheetnames and "Emission rows" in book.sheetnames
    assert {"3 Targets", "5 Missing", "6 Factor lists", "7 Measures", "8 Projects"} <= set(book.sheetnames)
    rows = list(book["Emission rows"].values)
    header, data = rows[0], rows[1:]
    kg = header.index("emissions_kg_co2e")
    summary = json.loads(paths["summary.json"].read_text())
    assert len(data) == 7
    assert sum(r[kg] for r in data) == pytest.approx(summary["emissions"]["total_kg_co2e"], abs=1e-9)
    overview = {r[0]: r[1] for r in book["1 Overview"].values}
    assert overview["emissions.total_kg_co2e"] == summary["emissions"]["total_kg_co2e"]  # exact kg
    assert book["7 Measures"]["A1"].value == "no measures configured"
    checks = list(book["Checks"].values)
    assert checks[0] == ("id", "check", "holds", "detail") and len(checks) == 1 + len(summary["checks"])


def test_formula_like_text_stays_text(tmp_path: Path) -> None:
    book = openpyxl.Workbook(write_only=True)
    rows = [{"text": t} for t in ["=SUM(A1:A9)", "+31 6", "-x", "@cmd"]] + [{"text": -3.5}]
    _table_sheet(book, "Sheet", rows, "empty")
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
    html = render_html(summary, charts, lang)
    for word in words:
        assert word in html, word
    for n in range(1, 9):
        assert f"<h2>{n}. " in html
    assert html.count("data:image/png;base64,") == 3 and 'src="charts/' not in html
    assert "2025-01" in html and "2025-06" in html  # missing months listed
    assert "Factoren 2026" in html  # factor list named
    assert "0.348 t CO2e" in html.replace("0,348", "0.348")  # scope 1 in tonnes


def test_write_report_outputs(report_ws, tmp_path: Path) -> None:
    paths = write_report(report_ws, "2025H2", tmp_path / "full", lang="nl")
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
    paths = write_report(report_ws, "2025H1", tmp_path / "pdf", lang="en")
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

    from footprint.pipeline import warehouse

    assert all(c["holds"] for c in build_summary(report_ws, "2025H1")["checks"])
    update = ("UPDATE emissions SET emissions_kg_co2e = emissions_kg_co2e + {d} "
              "WHERE source = 'diesel' AND period = DATE '2025-03-01'")
    with warehouse(report_ws).begin() as conn:
        conn.execute(sa.text(update.format(d=1.0)))
    try:
        failed = [c["id"] for c in build_summary(report_ws, "2025H1")["checks"] if not c["holds"]]
    finally:
        with warehouse(report_ws).begin() as conn:
            conn.execute(sa.text(update.format(d=-1.0)))
    assert failed == ["rows_quantity_times_factor"]


def test_every_label_has_both_languages() -> None:
    import yaml

    from footprint.reports import html

    entries = yaml.safe_load(html._LABELS_FILE.read_text(encoding="utf-8"))
    incomplete = [key for key, texts in entries.items() if set(texts) != {"en", "nl"} or not all(texts.values())]
    assert incomplete == []


def test_formula_like_text_in_a_text_column_stays_text(tmp_path: Path) -> None:
    import pandas as pd

    from footprint.reports.workbook import _frame_sheet

    book = openpyxl.Workbook(write_only=True)
    frame = pd.DataFrame({"file_name": pd.Series(["=HYPERLINK(\"x\")", "fuel.csv", "+31", None], dtype="str"),
                          "kg": [1.5, 2.0, None, 4.0]})
    _frame_sheet(book, "Rows", frame, "empty")
    book.save(tmp_path / "rows.xlsx")
    rows = openpyxl.load_workbook(tmp_path / "rows.xlsx")["Rows"]
    assert [(c.value, c.data_type) for c in rows["A"]][1:4] == [
        ('=HYPERLINK("x")', "s"), ("fuel.csv", "s"), ("+31", "s")]
    assert rows["B2"].value == 1.5
