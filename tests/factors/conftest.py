from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from factor_helpers import EditWorkbook, OwnList, fill_own_list

from footprint.factors.loader import shipped_list_path
from footprint.factors.own import write_factor_template
from footprint.warehouse import make_warehouse


@pytest.fixture
def engine(warehouse_url: str) -> Iterator[sa.Engine]:
    """An empty warehouse on each backend the shared warehouse_url fixture offers (DuckDB, PostgreSQL)."""
    engine = make_warehouse(warehouse_url)
    yield engine
    engine.dispose()


@pytest.fixture
def edit_workbook(tmp_path: Path) -> EditWorkbook:
    """Make an edited copy of the shipped list: a new sheet title (also in cell A2) and cell values."""

    def make(file_name: str, title: str | None = None, cells: dict[str, object] | None = None) -> Path:
        workbook = openpyxl.load_workbook(shipped_list_path())
        sheet = workbook.worksheets[0]
        if title is not None:
            sheet.title = title
            sheet["A2"] = title
        for ref, value in (cells or {}).items():
            sheet[ref] = value
        target = tmp_path / file_name
        workbook.save(target)
        return target

    return make


@pytest.fixture
def own_list(tmp_path: Path) -> OwnList:
    """Write the own-list template for a year and version into a fresh folder and fill in some rows."""
    folders = itertools.count()

    def make(
        year: int, version: date, figures: dict[str, dict[str, object]], suffix: str = ".csv",
        marker: list[object] | None = None,
    ) -> Path:
        written = write_factor_template(tmp_path / f"own{next(folders)}", year, version)
        return fill_own_list(next(p for p in written if p.suffix == suffix), figures, marker)

    return make
