"""Bad files among good ones: each is named with what is wrong, and nothing else is lost.

The corpus is generated into the test's folder (the 50 MB line at test time, never committed) and
dropped into one month beside the tiny company's good files; one `footprint ingest` reads them all.
What footprint does with each, and why:

- empty file: left in the inbox for the next run (it may still be arriving), named in the log;
- binary garbage, a truncated xlsx, a 50 MB single line, UTF-16, bytes that are neither UTF-8 nor
  Windows-1252, a header that is SQL: the file is rejected with one line naming it (and the line
  of the bad byte); the command exits 1 so a scheduler notices, after loading everything else;
- a header only: loaded with 0 rows and a note, so a delivery that is empty by mistake is seen;
- a repeated row within a file: the repeat is quarantined ("repeats row N of FILE") and the first
  loads; loading both would count a fuelling twice, dropping both would lose a real one;
- a date in the future (after today): quarantined, it cannot have happened yet;
- a negative meter reading for consumption: quarantined (feed-in has its own direction); the file's other
  row repeats meters.csv's gas month and is held as already counted;
- cells starting with =, +, - or @: loaded as the text they are and written into report.xlsx as
  text cells, never formulas;
- quotes and SQL in a header or a file name: plain data; every table is still there afterwards.

Rows read = rows loaded + rows quarantined for every loaded file (non-fuel rows excluded from the
emissions are loaded, marked with their reason, so they count as loaded).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from company_files import (
    ALL_FILES,
    FLIGHTS,
    FUEL,
    METERS,
    PERIOD,
    SUPPLIER,
    write_company,
)
from typer.testing import CliRunner

from footprint.config.workspace import open_workspace
from footprint.resources import close_warehouses, warehouse
from footprint_cli import app

FUEL_HEADER = FUEL.splitlines()[0]
FUEL_ROW = "07-03-2025;08:15;7083540100012002;VGH-42-K;Jan de Vries;Shell Utrecht;Diesel;30,00;L;1,859;55,77;EUR;123900"
FORMULAS = ('=HYPERLINK("http://example.invalid","klik")', "@SUM(1+1)", "+31 6 12345678", "-2+3")
SQL = '"; DROP TABLE raw_files; --'


def _truncated_xlsx() -> bytes:
    book = openpyxl.Workbook()
    for row in range(200):
        book.active.append([f"cell {row}", row])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()[: len(data.getvalue()) // 2]


def _corpus() -> dict[str, bytes]:
    """File name -> content; good files first, then one file per kind of trouble."""
    supplier_line = SUPPLIER.splitlines()[1]
    formula_rows = "\n".join(
        supplier_line.replace("Hygiena B.V.", _csv_cell(supplier)).replace("Schoonmaakmiddelen", _csv_cell(text))
        for supplier, text in zip(FORMULAS, reversed(FORMULAS), strict=True)
    )
    return {
        **{name: text.encode() for name, text in ALL_FILES.items()},
        "empty.csv": b"",
        "garbage.csv": bytes(range(256)) * 16,
        "truncated.xlsx": _truncated_xlsx(),
        "one_line.csv": b"Datum;" + b"x" * (50 * 1024 * 1024),
        "utf16.csv": (FUEL_HEADER + "\n" + FUEL_ROW + "\n").encode("utf-16"),
        "odd_bytes.csv": (FUEL_HEADER + "\n" + FUEL_ROW.replace("Jan de Vries", "Jos\x81 Smit") + "\n").encode("latin-1"),
        "latin1.csv": (FUEL_HEADER + "\n" + FUEL_ROW.replace("30,00", "31,00").replace("Jan de Vries", "José Müller")
                       + "\n").encode("cp1252"),
        "header_only.csv": (FUEL_HEADER + "\n").encode(),
        "repeated_row.csv": (FUEL_HEADER + "\n" + "\n".join([FUEL_ROW.replace("30,00", "32,00")] * 2) + "\n").encode(),
        "future.csv": (FUEL_HEADER + "\n" + FUEL_ROW.replace("30,00", "33,00") + "\n"
                       + FUEL_ROW.replace("07-03-2025", "07-03-2099") + "\n").encode(),
        "negative.csv": METERS.replace(";1.000;kWh;Levering;Enkel;", ";-5;kWh;Levering;Hoog;")
                               .replace(";100;m3;Levering;Enkel;", ";200;m3;Levering;Hoog;").encode(),
        "=formulas.csv": (SUPPLIER.splitlines()[0] + "\n" + formula_rows + "\n").encode(),
        "sql_header.csv": f'"{SQL.replace(chr(34), chr(34) * 2)}";Datum\n1;2\n'.encode(),
        f"x'{SQL}.csv": FLIGHTS.replace("AMS;LHR;371", "AMS;CDG;398").encode(),
    }


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


REJECTED = {
    "garbage.csv": "a binary file, not a text export (CSV)",
    "truncated.xlsx": "not a readable spreadsheet (xlsx)",
    "one_line.csv": "not a known source format",
    "utf16.csv": "text encoded as UTF-16",
    "odd_bytes.csv": "odd_bytes.csv, row 2: not readable as text: byte 0x81 is neither UTF-8 nor Windows-1252",
    "sql_header.csv": "not a known source format",
}
# name -> (read, loaded, quarantined); every good file loads whole.
LOADED = {
    "fuel.csv": (3, 3, 0),
    "meters.csv": (2, 2, 0),
    "flights.csv": (1, 1, 0),
    "km.csv": (1, 1, 0),
    "co2.csv": (1, 1, 0),
    "latin1.csv": (1, 1, 0),
    "header_only.csv": (0, 0, 0),
    "repeated_row.csv": (2, 1, 1),
    "future.csv": (2, 1, 1),
    # Its gas row is meters.csv's gas row: the same meter and month, counted once (footprint.overlaps).
    "negative.csv": (2, 0, 2),
    "=formulas.csv": (4, 4, 0),
    f"x'{SQL}.csv": (1, 1, 0),
}
QUARANTINED = {
    ("repeated_row.csv", 3, "card_number, transaction_at, product, quantity, amount_eur"): "repeats row 2 of repeated_row.csv",
    ("future.csv", 3, "transaction_at"): "date 07-03-2099 08:15 lies in the future",
    ("negative.csv", 2, "quantity"): "quantity -5 is negative",
    ("negative.csv", 3, "interval_start, interval_end"): "already counted: the same moment of this meter and "
    "direction comes from meters.csv line 3",
}


@pytest.fixture(scope="module")
def ingested(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The corpus ingested once through `footprint ingest`: (config, output with the log lines)."""
    root = tmp_path_factory.mktemp("bad-inputs") / "co"
    config = write_company(root, {})
    for name, data in _corpus().items():
        (root / "inbox" / PERIOD / name).write_bytes(data)
    try:
        result = CliRunner().invoke(app, ["ingest", "--period", PERIOD, "-c", str(config)])
    finally:
        close_warehouses()
    assert result.exit_code == 1, result.output  # some files could not be read
    return config, result.output


def _file_line(output: str, name: str) -> str:
    [line] = [line for line in output.splitlines() if f" {PERIOD} {name}: " in line]
    return line


def test_no_traceback_and_the_run_says_what_failed(ingested: tuple[Path, str]) -> None:
    output = ingested[1]
    assert "Traceback" not in output
    assert f"{len(REJECTED)} file(s) could not be read" in output
    assert "empty.csv skipped, empty (0 bytes)" in output  # the log line: picked up by a later run


@pytest.mark.parametrize("name", REJECTED)
def test_an_unreadable_file_is_rejected_by_name_with_its_reason(ingested: tuple[Path, str], name: str) -> None:
    line = _file_line(ingested[1], name)
    assert "✗" in line and "rejected" in line
    assert REJECTED[name] in line


@pytest.mark.parametrize("name", LOADED)
def test_every_other_file_loads_and_its_rows_reconcile(ingested: tuple[Path, str], name: str) -> None:
    config, output = ingested
    read, loaded, quarantined = LOADED[name]
    assert f"{name}: {read} read, {loaded} loaded, {quarantined} quarantined" in _file_line(output, name)
    ws = open_workspace(config)
    try:
        with warehouse(ws).connect() as conn:
            row = conn.execute(
                sa.text("SELECT rows_read, rows_loaded, rows_quarantined FROM raw_files WHERE file_name = :n"), {"n": name}
            ).one()
    finally:
        close_warehouses()
    assert tuple(row) == (read, loaded, quarantined) and read == loaded + quarantined


def test_a_quarantined_row_is_named_by_file_row_column_and_reason(ingested: tuple[Path, str]) -> None:
    config, output = ingested
    ws = open_workspace(config)
    try:
        with warehouse(ws).connect() as conn:
            rows = conn.execute(sa.text("SELECT file_name, source_row, column_name, reason FROM quarantine")).all()
            tables = set(conn.execute(sa.text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            )).scalars())
    finally:
        close_warehouses()
    found = {(f, r, c): reason for f, r, c, reason in rows}
    for key, reason in QUARANTINED.items():
        assert reason in found[key], key
        assert f"row {key[1]}, column {key[2]}: {found[key]}" in output  # shown under the file's line
    assert {"raw_files", "quarantine", "fuel_transactions"} <= tables


def test_formula_like_cells_reach_the_workbook_as_text(ingested: tuple[Path, str], tmp_path: Path) -> None:
    from footprint.periods import Half
    from footprint.reports.lineage import emission_lines
    from footprint.reports.summary import build_summary
    from footprint.reports.workbook import write_halfyear_workbook

    ws = open_workspace(ingested[0])
    try:
        lines = emission_lines(ws, Half.parse("2025H1"))
        path = write_halfyear_workbook(build_summary(ws, "2025H1"), lines, tmp_path / "report.xlsx")
    finally:
        close_warehouses()
    cells = [cell for sheet in openpyxl.load_workbook(path) for row in sheet.iter_rows() for cell in row]
    risky = [cell for cell in cells if isinstance(cell.value, str) and re.match(r"[=+\-@]", cell.value)]
    assert {c.value for c in risky} >= {*FORMULAS, "=formulas.csv"}
    assert [(c.coordinate, c.value) for c in risky if c.data_type != "s"] == []



def test_a_date_after_today_is_quarantined_even_inside_the_month(tmp_path: Path) -> None:
    """Ingesting the running month: a fuelling dated tomorrow is a typo or a forecast, not an emission yet."""
    from footprint.sources.registry import detect_format
    from footprint.validation.context import ValidationContext
    from footprint.validation.gate import validate

    path = tmp_path / "fuel.csv"
    path.write_text(FUEL, encoding="utf-8")  # rows 2, 3 and 4: 3 and 5 March
    context = ValidationContext(
        dt.date(2025, 3, 1), dt.date(2025, 4, 1), products=["Diesel", "Euro 95", "Wasstraat"], eans=[],
        plates=["VGH42K"], today=dt.date(2025, 3, 4),
    )
    outcome = validate("fuel_transactions", detect_format(path).read(path), context)
    assert list(outcome.good["source_row"]) == [2]
    assert set(zip(outcome.quarantine["source_row"], outcome.quarantine["expectation"])) == {
        (3, "expect_column_values_to_be_between:transaction_not_in_future"),
        (4, "expect_column_values_to_be_between:transaction_not_in_future"),
    }
