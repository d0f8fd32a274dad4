from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from footprint.factors import shipped_list_path
from footprint.warehouse import make_warehouse
from factor_helpers import EditWorkbook


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
