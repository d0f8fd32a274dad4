"""A run killed with SIGKILL at any point leaves nothing a rerun cannot finish into the clean result.

Each run is a subprocess that dies at a crash point (footprint/crashpoints.py) part-way through two
months: while a raw file is being written, inside the second dataset's load transaction (the first is
committed), inside February's emission transaction (January is complete). A normal rerun must then
leave every table equal to an undisturbed run, no key twice, and a raw store whose every listed file
hashes to its name.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import reliability_kit as kit
from footprint import pipeline
from footprint.periods import parse_period

POINTS = ("store", "load:2", "compute:4")


def _died_where_asked(point: str, ws: Any) -> None:
    """The kill came where the test meant it to: otherwise the test would prove less than it says."""
    raw = Path(ws.raw_store)
    with pipeline.warehouse(ws).connect() as conn:
        files = conn.execute(sa.text("SELECT count(*) FROM raw_files")).scalar_one()
        months = set(conn.execute(sa.text("SELECT DISTINCT period FROM emissions")).scalars())
    if point == "store":
        assert list(raw.rglob(".incoming-*")), "no partial file: the run did not die while storing"
        assert files == 0
    elif point == "load:2":
        assert 0 < files < 2 * len(kit.FILES) and not months, "only the first dataset's transaction should be committed"
    else:
        assert months == {parse_period("2025-01")}, "January should be complete and February's emissions not"


def test_a_killed_run_reruns_to_the_clean_result(
    backend: str, new_warehouse: Callable[[str], str], clean_contents: Callable[[str], dict[str, Any]], tmp_path: Path
) -> None:
    runs = {}
    for point in POINTS:
        name = point.replace(":", "_")
        config, url = kit.write_months(tmp_path / name), new_warehouse(name)
        runs[point] = (config, url, kit.start_run(config, url, FOOTPRINT_TEST_CRASH_AT=point))
    try:
        _check_each(runs, clean_contents(backend))  # the clean run computed while the others head for their crash
    finally:
        for _, _, process in runs.values():
            if process.poll() is None:
                process.kill()


def _check_each(runs: dict[str, tuple[Path, str, Any]], expected: dict[str, Any]) -> None:
    for point, (config, url, process) in runs.items():
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == -signal.SIGKILL, f"{point}: exit {process.returncode}\n{stderr}"
        ws = kit.workspace(config, url)
        _died_where_asked(point, ws)
        assert kit.duplicates(ws) == {}, point

        kit.ingest(ws, kit.MONTHS)

        found = kit.contents(ws)
        assert kit.checksums(found) == kit.checksums(expected), point
        assert found == expected, point
        assert kit.duplicates(ws) == {}, point
        assert kit.raw_store_problems(ws) == [], point
        assert not list((config.parent / ".staging").rglob("[!.]*.parquet")), f"{point}: staged rows left behind"
        scans = [pipeline.inbox(ws).scan(parse_period(month)) for month in kit.MONTHS]
        assert [len(s.files) for s in scans] == [len(kit.FILES)] * len(kit.MONTHS), point
        assert not any(s.skipped for s in scans), point
        pipeline.close_warehouses()
