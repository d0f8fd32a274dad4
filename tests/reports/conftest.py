"""A tiny company with March 2024 (base year) and March 2025 data, loaded once per test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from company_files import ALL_FILES, make_company
from footprint import pipeline
from footprint.config import Workspace

TARGETS = [
    {"id": "s1_rev", "ladder_scope": 1, "target_year": 2026, "reduction_pct": 30, "basis": "per_revenue"},
    {"id": "s2_abs", "ladder_scope": 2, "target_year": 2026, "reduction_pct": 50, "basis": "absolute"},
]
YEARS = {2024: {"revenue_eur": 1_000_000, "fte": 10}, 2025: {"revenue_eur": 2_000_000, "fte": 20}}


def _for_2024(text: str) -> str:
    return text.replace("-2025", "-2024").replace("2025-03", "2024-03").replace("-04-2024", "-04-2024")


def _ingest(ws: Workspace, period: str) -> None:
    pipeline.load_files(ws, period, pipeline.pull_new_files(ws, period))
    pipeline.compute_emissions(ws, period)


@pytest.fixture(scope="module")
def report_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("report") / "co"
    url = f"duckdb:///{root.parent / 'warehouse.duckdb'}"
    ws = make_company(root, url, ALL_FILES, base_year=2024, years=YEARS, targets=TARGETS)
    inbox_2024 = Path(ws.inbox) / "2024-03"
    inbox_2024.mkdir(parents=True)
    for name, text in ALL_FILES.items():
        (inbox_2024 / name).write_text(_for_2024(text), encoding="utf-8")
    _ingest(ws, "2024-03")
    _ingest(ws, "2025-03")
    yield ws
    pipeline.close_warehouses()
