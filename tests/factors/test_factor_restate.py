"""Loading a partial list restates exactly the months that use a key it changes (DuckDB and PostgreSQL).

The tiny company of tests/company_files.py has March 2025 (50 l diesel, -10 l petrol, 1000 kWh grey
electricity, 100 m3 gas, a flight, a car trip, a supplier statement) and here also April 2025 (its
meter file only: electricity and gas, no diesel). No 2025 list is loaded, so the shipped 2026 list
applies to 2025 until the own 2025 list with diesel 3.262 kg/l (2026 list: 3.251) arrives.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from company_files import ALL_FILES, METERS, PERIOD, make_company
from factor_helpers import OwnList

from footprint.config.workspace import Workspace
from footprint.emissions import compute_emissions, restate_for_factor_lists
from footprint.factors.loader import load_factor_list
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.resources import close_warehouses, warehouse

APRIL = "2025-04"
APRIL_METERS = METERS.replace("01-04-2025", "01-05-2025").replace("01-03-2025", "01-04-2025")
OFFICIAL_2026 = "co2emissiefactoren.nl 2026 (version 20-08-2026)"
OWN_2025 = "own factor list 2025 (version 01-03-2025)"


@pytest.fixture
def company(tmp_path: Path, warehouse_url: str):
    ws = make_company(tmp_path / "co", warehouse_url, ALL_FILES)
    yield ws
    close_warehouses()


def _ingest(ws: Workspace, period: str) -> None:
    load_files(ws, period, pull_inbox(ws, period).paths)
    compute_emissions(ws, period)


def _notes(ws: Workspace, period: str, key: str) -> set[str | None]:
    with warehouse(ws).connect() as conn:
        return set(
            conn.execute(
                sa.text("SELECT fallback_note FROM applied_factors WHERE period = :p AND activity_key = :k"),
                {"p": date.fromisoformat(f"{period}-01"), "k": key},
            ).scalars()
        )


def test_a_partial_list_restates_only_the_months_using_its_keys(
    company: Workspace, tmp_path: Path, own_list: OwnList
) -> None:
    april = tmp_path / "co" / "inbox" / APRIL
    april.mkdir(parents=True)
    (april / "meters.csv").write_text(APRIL_METERS, encoding="utf-8")
    _ingest(company, PERIOD)
    _ingest(company, APRIL)
    year_note = f"no list for 2025 is loaded; {OFFICIAL_2026} applies (per_year policy falls back to the nearest list)"
    assert _notes(company, APRIL, "natural_gas") == {year_note}

    diesel = {"fuel:diesel": {"kg CO2e per unit": "3,262", "source": "jaaropgave 2025 leverancier"}}
    load_factor_list(warehouse(company), own_list(2025, date(2025, 3, 1), diesel))
    [restated] = restate_for_factor_lists(company)
    assert (restated.period, restated.old_factor_list, restated.new_factor_list) == (
        PERIOD, "co2ef-2026-20260820", "own-2025-20250301, co2ef-2026-20260820"
    )
    assert restated.new_kg_co2e - restated.old_kg_co2e == pytest.approx(50 * (3.262 - 3.251))
    # April uses no diesel: not restated, but its lineage now names the own list it looked in first.
    assert _notes(company, APRIL, "natural_gas") == {
        f"{OWN_2025} has no factor for natural_gas; taken from {OFFICIAL_2026}"
    }
    with warehouse(company).connect() as conn:
        recorded = conn.execute(
            sa.text("SELECT period, old_factor_lists, new_factor_lists FROM restatements WHERE kind = 'factor_list'")
        ).all()
    assert [tuple(r) for r in recorded] == [
        (date(2025, 3, 1), "co2ef-2026-20260820", "own-2025-20250301, co2ef-2026-20260820")
    ]
    assert restate_for_factor_lists(company) == []


def test_a_list_changing_an_unused_key_restates_nothing(company: Workspace, own_list: OwnList) -> None:
    _ingest(company, PERIOD)
    before = _notes(company, PERIOD, "fuel:diesel")
    lpg = {"fuel:lpg": {"kg CO2e per unit": "1,8", "source": "leverancier"}}
    load_factor_list(warehouse(company), own_list(2025, date(2025, 3, 1), lpg))
    assert restate_for_factor_lists(company) == []
    assert _notes(company, PERIOD, "fuel:diesel") != before  # lineage refreshed: the own list was looked in first
