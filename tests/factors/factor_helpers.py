"""Shared by the factor tests: the extract's location and a stable dump of the factor tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

DATA = Path(__file__).parent / "data"
EXTRACT_CSV = DATA / "co2emissiefactoren_nl_2026_extract.csv"

EditWorkbook = Callable[..., Path]


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
