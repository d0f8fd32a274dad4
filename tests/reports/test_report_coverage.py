"""Coverage by the months the rows cover (issue 14): a year file, a meter that stops on 6 March 14:00,
expected supplier and travel sources, a comparison year without data, restatements that moved nothing.

Expected figures are written out by hand from the files below.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from company_files import ELECTRICITY_EAN, FLIGHTS, FUEL, GAS_EAN, make_company

from footprint import queries
from footprint.emissions import compute_emissions
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.periods import Half
from footprint.reports.charts import write_charts
from footprint.reports.html import render_halfyear_html
from footprint.reports.lineage import emission_lines
from footprint.reports.summary import build_summary
from footprint.reports.workbook import write_halfyear_workbook
from footprint.resources import close_warehouses, warehouse

QUARTER_EAN = "871687120000000011"  # check digit by hand: weighted sum 79 -> 1
FIRST_HALF = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
NOT_MARCH = ["2025-01", "2025-02", "2025-04", "2025-05", "2025-06"]


def _year_file() -> str:
    """Monthly readings of both meters for January to December 2025, one file delivered in January's folder."""
    lines = ["EAN;Product;Periode van;Periode tot;Verbruik;Eenheid;Richting;Tarief;Status"]
    for month in range(1, 13):
        start = f"01-{month:02d}-2025"
        end = f"01-{month % 12 + 1:02d}-{2025 + (month == 12)}"
        lines.append(f"{ELECTRICITY_EAN};Elektriciteit;{start};{end};1.000;kWh;Levering;Enkel;Gemeten")
        lines.append(f"{GAS_EAN};Gas;{start};{end};100;m3;Levering;Enkel;Gemeten")
    return "\n".join(lines) + "\n"


def _quarter_hours_until_6_march_14h() -> str:
    """15-minute rows of QUARTER_EAN from 1 March 00:00 to 6 March 14:00 local time: 5 x 96 + 14 x 4 = 536 rows."""
    start = pd.Timestamp("2025-03-01").tz_localize("Europe/Amsterdam")
    lines = [f"EAN;{QUARTER_EAN}", "Begin;Einde;Verbruik;Eenheid;Richting;Status"]
    for i in range(536):
        begin, end = start + pd.Timedelta(minutes=15 * i), start + pd.Timedelta(minutes=15 * (i + 1))
        lines.append(f"{begin.isoformat()};{end.isoformat()};0,25;kWh;Levering;Gemeten")
    return "\n".join(lines) + "\n"


SUPPLIER_FEBRUARY = """Leverancier;Periode;Categorie;Omschrijving;Hoeveelheid;Eenheid;kg CO2e;Methode;Datakwaliteit
Hygiena B.V.;2025-02;1;Schoonmaakmiddelen;100;kg;250,5;leverancierspecifiek;primair
"""
METERS = [
    {"ean": ELECTRICITY_EAN, "carrier": "electricity", "site": "hq", "contract": "grey"},
    {"ean": GAS_EAN, "carrier": "natural_gas", "site": "hq"},
    {"ean": QUARTER_EAN, "carrier": "electricity", "site": "hq", "contract": "grey"},
]
EXPECTED = [{"source": "flights"}, {"source": "supplier_reported", "rhythm": "quarterly"}]


def _ingest(ws, period: str) -> None:
    load_files(ws, period, pull_inbox(ws, period).paths)
    compute_emissions(ws, period)


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def year_ws(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres_database):
    """Base year 2025: the year file in inbox/2025-01, the 15-minute file, fuel, a flight and a February
    supplier statement in inbox/2025-03; flights expected monthly, supplier figures quarterly."""
    root = tmp_path_factory.mktemp("coverage") / "co"

    def build(url: str):
        # maart.csv repeats the year file's March readings: held as already counted, not a failed row.
        march_again = "\n".join(line for line in _year_file().splitlines() if "01-03-2025;01-04-2025" in line
                                 or line.startswith("EAN;")) + "\n"
        march = {"kwartier.csv": _quarter_hours_until_6_march_14h(), "fuel.csv": FUEL, "flights.csv": FLIGHTS,
                 "co2.csv": SUPPLIER_FEBRUARY, "maart.csv": march_again}
        ws = make_company(root, url, march, meters=METERS, expected_sources=EXPECTED)
        january = Path(ws.inbox) / "2025-01"
        january.mkdir(parents=True)
        (january / "jaaroverzicht_2025.csv").write_text(_year_file(), encoding="utf-8")
        _ingest(ws, "2025-01")
        _ingest(ws, "2025-03")
        return ws

    if request.param == "duckdb":
        yield build(f"duckdb:///{root / 'warehouse.duckdb'}")
    else:
        with postgres_database(f"footprint_coverage_{os.getpid()}") as url:
            yield build(url)
            close_warehouses()
    close_warehouses()


def _items(summary: dict) -> set[tuple]:
    return {(i["period"], i["kind"], i.get("ean") or i.get("dataset") or i.get("source")) for i in
            summary["missing"]["items"]}


def test_a_year_file_delivered_in_january_covers_every_month(year_ws) -> None:
    for half in ("2025H1", "2025H2"):
        s = build_summary(year_ws, half)
        gaps = {(p, ean) for p, kind, ean in _items(s) if kind == "meter"}
        assert not {ean for _, ean in gaps} & {ELECTRICITY_EAN, GAS_EAN}, half
    coverage = {(r["period"], r["dataset"]): r for r in build_summary(year_ws, "2025H1")["data_quality"]["coverage"]}
    # January: the year file alone, two rows; March: the year file and the 15-minute file, 2 + 536 rows.
    assert (coverage[("2025-01", "meter_usage")]["files"], coverage[("2025-01", "meter_usage")]["rows_loaded"]) == (1, 2)
    assert (coverage[("2025-03", "meter_usage")]["files"], coverage[("2025-03", "meter_usage")]["rows_loaded"]) == (
        2, 538)
    assert all(coverage[(p, "meter_usage")]["status"] == "ok" for p in FIRST_HALF)


def test_rows_another_file_counts_already_are_no_failed_rows(year_ws) -> None:
    """maart.csv repeats the two March readings the year file counts: held (already counted), not failed.

    On PostgreSQL through psycopg2 this once lost the two quarantine entries (an empty first COPY chunk).
    """
    march = {(r["period"], r["dataset"]): r for r in build_summary(year_ws, "2025H1")["data_quality"]["coverage"]}[
        ("2025-03", "meter_usage")]
    assert (march["rows_loaded"], march["rows_quarantined"], march["rows_already_counted"]) == (538, 0, 2)
    assert march["status"] == "ok"


def test_a_meter_whose_rows_stop_on_6_march_14h_is_partial(year_ws) -> None:
    s = build_summary(year_ws, "2025H1")
    [partial] = s["missing"]["partial"]
    assert (partial["period"], partial["ean"], partial["last_end_local"]) == ("2025-03", QUARTER_EAN, "06-03-2025 14:00")
    assert (partial["ends_early"], partial["starts_late"], partial["rows_loaded"]) == (True, False, 536)
    assert partial["last_end"] == "2025-03-06T14:00:00+01:00"
    # It has no rows in the other five months: missing there, not partial.
    assert {p for p, kind, ean in _items(s) if ean == QUARTER_EAN} == set(NOT_MARCH)
    html = render_halfyear_html(s, write_charts(s, Path(str(year_ws.staging)) / "c1"), "nl")
    assert "gegevens tot 06-03-2025 14:00" in html and "Gedeeltelijke maanden" in html
    assert "data to 06-03-2025 14:00" in render_halfyear_html(s, write_charts(s, Path(str(year_ws.staging)) / "c2"), "en")


def test_expected_sources_are_missing_at_their_rhythm(year_ws) -> None:
    s = build_summary(year_ws, "2025H1")
    items = _items(s)
    # Flights monthly: only March has one. Supplier figures quarterly: February's statement covers the first
    # quarter, the second quarter has none (one item, in June).
    assert {p for p, kind, source in items if source == "flights"} == set(NOT_MARCH)
    quarterly = [i for i in s["missing"]["items"] if i.get("source") == "supplier_reported"]
    assert [(i["period"], i["months"], i["rhythm"]) for i in quarterly] == [
        ("2025-06", ["2025-04", "2025-05", "2025-06"], "quarterly")]
    assert {p for p, kind, d in items if d == "fuel_transactions"} == set(NOT_MARCH)
    assert s["missing"]["count"] == 5 + 1 + 5 + 5  # flights, second quarter, fuel cards, the 15-minute meter
    html = render_halfyear_html(s, write_charts(s, Path(str(year_ws.staging)) / "c3"), "nl")
    assert "Opgegeven door leveranciers (per kwartaal, 2025-04 tot en met 2025-06)" in html
    assert "Vliegreizen (maandelijks)" in html


def test_without_expected_sources_supplier_and_travel_are_never_missing(year_ws) -> None:
    bare = year_ws.model_copy(update={"org": year_ws.org.model_copy(update={"expected_sources": []})})
    s = build_summary(bare, "2025H1")
    assert not [i for i in s["missing"]["items"] if i["kind"] == "source"]
    coverage = {(r["period"], r["dataset"]): r["status"] for r in s["data_quality"]["coverage"]}
    # January has no supplier or travel row and nothing is expected of them; February has the statement.
    assert (coverage[("2025-01", "supplier_activity")], coverage[("2025-02", "supplier_activity")]) == (
        "not_expected", "ok")
    html = render_halfyear_html(s, write_charts(s, Path(str(year_ws.staging)) / "c4"), "en")
    assert "Suppliers and travel" in html and "Flights (monthly)" not in html


def test_status_counts_rows_in_their_own_months(year_ws) -> None:
    rows = queries.status(year_ws, dt.date(2025, 1, 1), dt.date(2025, 3, 1))
    meter_data = {r["period"]: (r["files"], r["loaded"], r["status"]) for r in rows if r["source"] == "meter data"}
    assert meter_data == {"2025-01": (1, 2, "ok"), "2025-02": (1, 2, "ok"), "2025-03": (2, 538, "ok")}
    partial = [r for r in rows if r["status"].startswith("partial")]
    assert [(r["period"], r["status"], r["loaded"]) for r in partial] == [
        ("2025-03", "partial: data to 06-03-2025 14:00", 536)]
    assert ("2025-02", "supplier_reported (quarterly)") not in {(r["period"], r["source"]) for r in rows}


def test_a_comparison_year_without_data_says_so(year_ws, tmp_path: Path) -> None:
    s = build_summary(year_ws, "2025H1")
    previous = s["comparison"]["previous_year"]
    assert previous["year"] == 2024 and previous["has_data"] is False
    assert previous["total_kg_co2e"] is None and previous["scope_1_kg_co2e"] is None
    assert previous["intensity"]["total_kg_co2e"] == {"kg_co2e_per_million_eur": None, "kg_co2e_per_fte": None}
    assert s["comparison"]["vs_previous_year"]["absolute_change_pct"]["total_kg_co2e"] is None
    for lang, words in (("nl", "geen gegevens"), ("en", "no data")):
        html = render_halfyear_html(s, write_charts(s, tmp_path / lang), lang)
        comparison = html[html.index("<h2>2. "):html.index("<h2>3. ")]
        assert comparison.count(words) == 4 * 3  # three scopes and the total, each in kg, per M EUR and per FTE
        assert "0.000 t" not in comparison.replace(",", ".")
        lines = emission_lines(year_ws, Half.parse("2025H1"))
        book = openpyxl.load_workbook(write_halfyear_workbook(s, lines, tmp_path / f"r_{lang}.xlsx", lang))
        sheet = list(book["2 Vergelijking" if lang == "nl" else "2 Comparison"].values)
        previous_column = [row[2] for row in sheet[1:13]]
        assert previous_column == [words] * 12


@pytest.mark.parametrize(("old_kg", "new_kg", "shown"), [
    pytest.param(100.0, 100.0, False, id="100-to-100-left-out"),
    pytest.param(100.0, 100.0004, False, id="within-half-a-gram-left-out"),
    pytest.param(100.0, 90.0, True, id="100-to-90-stays"),
    pytest.param(100.0, 100.001, True, id="a-gram-stays"),
])
def test_a_restatement_that_moved_nothing_is_left_out(year_ws, old_kg: float, new_kg: float, shown: bool) -> None:
    restatement_id = uuid.uuid4().hex
    insert = sa.text(
        "INSERT INTO restatements (restatement_id, kind, period, file_name, old_kg_co2e, new_kg_co2e, restated_at) "
        "VALUES (:id, 'corrected_file', DATE '2025-04-01', 'jaaroverzicht_2025.csv', :old, :new, CURRENT_TIMESTAMP)"
    )
    with warehouse(year_ws).begin() as conn:
        conn.execute(insert, {"id": restatement_id, "old": old_kg, "new": new_kg})
    try:
        listed = [r for r in build_summary(year_ws, "2025H1")["restatements"] if r["restatement_id"] == restatement_id]
    finally:
        with warehouse(year_ws).begin() as conn:
            conn.execute(sa.text("DELETE FROM restatements WHERE restatement_id = :id"), {"id": restatement_id})
    assert [(r["old_kg_co2e"], r["new_kg_co2e"]) for r in listed] == ([(old_kg, new_kg)] if shown else [])
