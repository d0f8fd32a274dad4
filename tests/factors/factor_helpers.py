"""Shared by the factor tests: the extract's location, a stable dump of the factor tables, filling an own list."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

DATA = Path(__file__).parent / "data"
EXTRACT_CSV = DATA / "co2emissiefactoren_nl_2026_extract.csv"

EditWorkbook = Callable[..., Path]
OwnList = Callable[..., Path]


def table_snapshot(engine: sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    """Both factor tables in a stable order, to compare warehouses or a warehouse before and after."""
    with engine.connect() as conn:
        return {
            "factor_lists": [tuple(r) for r in conn.execute(sa.text("SELECT * FROM factor_lists ORDER BY list_id"))],
            "factors": [tuple(r) for r in conn.execute(sa.text("SELECT * FROM factors ORDER BY factor_id"))],
        }


def empty_factor_tables(engine: sa.Engine) -> None:
    """Start a warehouse's factor tables afresh, to load again from nothing and compare."""
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM factors"))
        conn.execute(sa.text("DELETE FROM factor_lists"))


def fill_own_list(path: Path, figures: dict[str, dict[str, object]], marker: list[object] | None = None) -> Path:
    """Fill in a template written by `footprint factors template` as a user would: cells by activity key.

    figures maps an activity key to {column header: value}; marker replaces line 1's cells. CSV cells
    are written as text (decimal commas and all), XLSX cells keep their Python type.
    """
    if path.suffix == ".xlsx":
        import openpyxl

        workbook = openpyxl.load_workbook(path)
        sheet = workbook.worksheets[0]
        header = [c.value for c in sheet[2]]
        for row in sheet.iter_rows(min_row=3):
            for column, value in figures.get(str(row[0].value), {}).items():
                row[header.index(column)].value = value
        if marker is not None:
            for index, value in enumerate(marker):
                sheet.cell(row=1, column=index + 1).value = value
        workbook.save(path)
        return path
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header = rows[1]
    for row in rows[2:]:
        for column, value in figures.get(row[0], {}).items():
            row[header.index(column)] = str(value)
    if marker is not None:
        rows[0] = [str(value) for value in marker]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(rows)
    return path
