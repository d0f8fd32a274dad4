"""A tiny company with March 2024 (base year) and March 2025 data, loaded once per test module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from company_files import ALL_FILES, make_company

from footprint.config.workspace import Workspace
from footprint.emissions import compute_emissions
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.resources import close_warehouses

TARGETS = [
    {"id": "s1_rev", "ladder_scope": 1, "target_year": 2026, "reduction_pct": 30, "basis": "per_revenue"},
    {"id": "s2_abs", "ladder_scope": 2, "target_year": 2026, "reduction_pct": 50, "basis": "absolute"},
]
YEARS = {2024: {"revenue_eur": 1_000_000, "fte": 10}, 2025: {"revenue_eur": 2_000_000, "fte": 20}}


def _for_2024(text: str) -> str:
    return text.replace("-2025", "-2024").replace("2025-03", "2024-03").replace("-04-2024", "-04-2024")


def _ingest(ws: Workspace, period: str) -> None:
    load_files(ws, period, pull_inbox(ws, period).paths)
    compute_emissions(ws, period)


def _report_company(root: Path, url: str) -> Workspace:
    ws = make_company(root, url, ALL_FILES, base_year=2024, years=YEARS, targets=TARGETS)
    inbox_2024 = Path(ws.inbox) / "2024-03"
    inbox_2024.mkdir(parents=True)
    for name, text in ALL_FILES.items():
        (inbox_2024 / name).write_text(_for_2024(text), encoding="utf-8")
    _ingest(ws, "2024-03")
    _ingest(ws, "2025-03")
    return ws


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def report_ws(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
              postgres_database) -> Iterator[Workspace]:
    """The report's SQL runs on the embedded warehouse and on PostgreSQL."""
    root = tmp_path_factory.mktemp("report") / "co"
    if request.param == "duckdb":
        yield _report_company(root, f"duckdb:///{root.parent / 'warehouse.duckdb'}")
    else:
        with postgres_database(f"footprint_report_{os.getpid()}") as url:
            yield _report_company(root, url)
            close_warehouses()
    close_warehouses()
