"""Fuel-card numbers and driver names never leave the raw store: warehouse, logs, reports and quarantine hold pseudonyms.

A tiny company with two known cards and drivers is ingested for two months through `footprint
ingest`, with a repeated row (quarantined: its value names the card) and a row of an unknown plate.
Then the half-year report, a project report and the public summary are written. No card number,
no run of 6 or more of its digits, and no driver name may appear in any table, the command's output,
the log records, any report file (HTML, JSON, XLSX cells, PDF text) or any other file footprint
wrote (DuckDB file, staging, outbox, report archive).

The raw store is the exception by design: it keeps each file exactly as delivered, the audit copy
an auditor re-reads; it is checked here to still hold the original.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import reliability_kit as kit
import sqlalchemy as sa
from company_files import FUEL
from pypdf import PdfReader
from typer.testing import CliRunner

from footprint.config.workspace import Workspace, open_workspace
from footprint.ingest.personal import pseudonymise
from footprint.resources import close_warehouses, warehouse
from footprint_cli import app

CARDS = ("7083548871926354", "7083546619283745")
DRIVERS = ("Jan de Vries", "Marieke Bakker-Ömer")
EMPLOYEE = "Piet Jansen"  # the mileage file's Medewerker: never read
PROJECT = {"id": "gouda-2025", "name": "Gemeentehuis Gouda", "start": "2025-01", "end": "2025-12",
           "vehicles": [{"plate": "VGH-42-K", "share_pct": 100}]}


def _fuel(month: str) -> str:
    """Two cards and drivers; the second fuelling repeated (quarantined), one row of an unknown plate."""
    day = f"-{month[5:]}-2025"
    rows = [
        f"03{day};07:42;{CARDS[0]};VGH-42-K;{DRIVERS[0]};Shell Utrecht;Diesel;50,00;L;1,859;92,95;EUR;123456",
        f"04{day};09:10;{CARDS[1]};VGH-42-K;{DRIVERS[1]};Shell Gouda;Diesel;40,00;L;1,859;74,36;EUR;124001",
        f"04{day};09:10;{CARDS[1]};VGH-42-K;{DRIVERS[1]};Shell Gouda;Diesel;40,00;L;1,859;74,36;EUR;124001",
        f"05{day};10:00;{CARDS[0]};XX-999-X;{DRIVERS[0]};Shell Utrecht;Diesel;10,00;L;1,859;18,59;EUR;-",
    ]
    return FUEL.splitlines()[0] + "\n" + "\n".join(rows) + "\n"


def _forbidden() -> list[str]:
    """Every card number and each run of 6 of its digits, every name: lower case, as texts are compared."""
    runs = {card[i : i + 6] for card in CARDS for i in range(len(card) - 5)}
    return sorted({*CARDS, *runs, *(name.casefold() for name in (*DRIVERS, EMPLOYEE))})


def _leaks(where: str, text: str) -> list[str]:
    folded = text.casefold()
    return [f"{where}: {needle!r}" for needle in _forbidden() if needle in folded]


def _table_texts(ws: Workspace) -> dict[str, str]:
    engine = warehouse(ws)
    with engine.connect() as conn:
        return {
            table: "\n".join(" | ".join(str(v) for v in row) for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')))
            for table in kit.tables(engine)
        }


def _file_text(path: Path) -> str:
    """What a reader of the file sees: XLSX cells, PDF text, otherwise the bytes as UTF-8."""
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        return "\n".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None)
    if path.suffix == ".pdf":
        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return path.read_bytes().decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def company(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, str]:
    """The company ingested by `footprint ingest` and its three reports written: (workspace, everything said)."""
    root = tmp_path_factory.mktemp("personal") / "co"
    config = kit.write_company(root, {}, projects=[PROJECT])
    for month in kit.MONTHS:
        folder = root / "inbox" / month
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in {**kit.month_files(month, names=tuple(kit.ALL_FILES)), "fuel.csv": _fuel(month)}.items():
            (folder / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", "--from", kit.MONTHS[0], "--to", kit.MONTHS[-1], "-c", str(config)])
    assert result.exit_code == 0, result.output
    return open_workspace(config), result.output


@pytest.fixture(scope="module")
def reports(company: tuple[Workspace, str]) -> tuple[list[Path], str]:
    """The half-year report, the project report and the public summary: (files written, log text)."""
    from footprint.reports.write import (
        write_halfyear_report,
        write_project_report,
        write_public_report,
    )
    from footprint.verify import check_sizes

    ws = company[0]
    out = ws.config_path.parent / "reports"
    handler = _Collect()
    logging.getLogger().addHandler(handler)
    try:
        written = [
            *write_halfyear_report(ws, "2025H1", out / "2025H1", "en",
                                   raw_store_check=check_sizes(ws).as_summary()).values(),
            *write_project_report(ws, PROJECT["id"], dt.date(2025, 1, 1), dt.date(2025, 2, 1), out / "project").values(),
            *write_public_report(ws, "2025H1", out / "public").values(),
        ]
    finally:
        logging.getLogger().removeHandler(handler)
        close_warehouses()
    return written, "\n".join(handler.messages)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(self.format(record))


def test_no_table_holds_a_card_number_or_name(company: tuple[Workspace, str]) -> None:
    try:
        texts = _table_texts(company[0])
    finally:
        close_warehouses()
    assert {"fuel_transactions", "quarantine", "raw_files", "emissions"} <= set(texts)
    assert [leak for table, text in texts.items() for leak in _leaks(table, text)] == []


def test_the_command_output_and_logs_name_no_card_or_driver(
    company: tuple[Workspace, str], reports: tuple[list[Path], str]
) -> None:
    assert "fuel.csv" in company[1] and "quarantined" in company[1]
    assert _leaks("ingest output", company[1]) + _leaks("report logs", reports[1]) == []


def test_no_report_shows_a_card_number_or_name(reports: tuple[list[Path], str]) -> None:
    written = reports[0]
    assert {p.suffix for p in written} >= {".html", ".json", ".xlsx", ".pdf"}
    texts = {path: _file_text(path) for path in written}
    assert "Fuel-card data" in texts[next(p for p in written if p.name == "report.xlsx")]  # the fuel rows are there
    assert [leak for path, text in texts.items() for leak in _leaks(path.name, text)] == []


def test_no_file_footprint_wrote_holds_one_except_the_raw_copy(
    company: tuple[Workspace, str], reports: tuple[list[Path], str]
) -> None:
    """Warehouse file, staging, outbox, report archive: all but the inbox and the raw store's copies of inputs."""
    ws = company[0]
    root, raw = ws.config_path.parent, Path(ws.raw_store)
    inputs = [p for p in raw.glob("??/*/*") if p.is_file()]
    written = [
        p for p in root.rglob("*")
        if p.is_file() and not p.is_relative_to(root / "inbox") and p not in inputs
    ]
    assert any(p.suffix == ".duckdb" for p in written)
    assert [leak for path in written for leak in _leaks(str(path.relative_to(root)), _file_text(path))] == []
    originals = "\n".join(p.read_text(encoding="utf-8") for p in inputs if p.name == "fuel.csv")
    assert CARDS[0] in originals  # the audit copy stays as delivered


def test_a_quarantined_row_shows_the_pseudonym_not_the_card(company: tuple[Workspace, str]) -> None:
    ws = company[0]
    try:
        with warehouse(ws).connect() as conn:
            values = conn.execute(sa.text(
                "SELECT period, source_row, value FROM quarantine WHERE column_name LIKE 'card_number%' ORDER BY period"
            )).all()
    finally:
        close_warehouses()
    pseudonym = pseudonymise(pd.Series([CARDS[1]]), kit.KEY)[0]
    assert [(row, value.split(" | ")[0]) for _, row, value in values] == [(4, pseudonym)] * len(kit.MONTHS)


def test_a_card_keeps_its_pseudonym_across_months_and_another_key_gives_another(
    company: tuple[Workspace, str]
) -> None:
    ws = company[0]
    try:
        with warehouse(ws).connect() as conn:
            rows = conn.execute(sa.text("SELECT DISTINCT period, card_id, driver_id FROM fuel_transactions")).all()
    finally:
        close_warehouses()
    keyed = {card: pseudonymise(pd.Series([card]), kit.KEY)[0] for card in (*CARDS, *DRIVERS)}
    by_month = {}
    for period, card_id, driver_id in rows:
        by_month.setdefault(card_id, set()).add(period)
        assert (card_id, driver_id) in {(keyed[CARDS[0]], keyed[DRIVERS[0]]), (keyed[CARDS[1]], keyed[DRIVERS[1]])}
    assert by_month == {keyed[card]: {dt.date(2025, 1, 1), dt.date(2025, 2, 1)} for card in CARDS}
    other = pseudonymise(pd.Series(CARDS), "another-key")
    assert set(other).isdisjoint(keyed.values()) and other.nunique() == len(CARDS)
