"""Two runs of the same months at once load every file once: the warehouse ends as after a single run.

PostgreSQL: both processes decide which files are new before either loads one (forced: the kit
freezes their view of raw_files after pulling), then load and compute side by side. The second waits
on the advisory lock of each (dataset, month) and of each month's emissions, then finds the files
loaded and skips them. DuckDB admits one writing process per file: the second run must say so in
one line, exit non-zero and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import reliability_kit as kit
import sqlalchemy as sa
from typer.testing import CliRunner

from footprint.resources import close_warehouses, warehouse
from footprint_cli import app


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_runs_at_once_load_each_file_once(
    backend: str, new_warehouse: Callable[[str], str], clean_contents: Callable[[str], dict[str, Any]], tmp_path: Path
) -> None:
    config, url = kit.write_months(tmp_path / "co"), new_warehouse("twice")
    barrier = f"{tmp_path / 'barrier'}:2"
    runs = [
        kit.start_run(config, url, FOOTPRINT_TEST_BARRIER=barrier, FOOTPRINT_TEST_STALE_CHECKSUMS="1")
        for _ in range(2)
    ]
    try:
        outcomes = [run.communicate(timeout=120)[1] for run in runs]
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
    assert [run.returncode for run in runs] == [0, 0], outcomes

    ws = kit.workspace(config, url)
    assert kit.duplicates(ws) == {}
    assert kit.contents(ws) == clean_contents(backend)
    with warehouse(ws).connect() as conn:
        loaded = conn.execute(sa.text("SELECT period, sum(files_loaded), count(*) FROM runs GROUP BY period")).all()
    # Both runs ran every month; between them each file was loaded exactly once.
    assert sorted((str(p)[:7], int(n), int(r)) for p, n, r in loaded) == [
        (month, len(kit.FILES), 2) for month in kit.MONTHS
    ]
    assert kit.raw_store_problems(ws) == []


@pytest.mark.parametrize("backend", ["duckdb"], indirect=True)
def test_a_second_run_on_a_busy_duckdb_file_says_so_and_changes_nothing(
    backend: str, clean_contents: Callable[[str], dict[str, Any]], tmp_path: Path
) -> None:
    """The first run holds the file (paused after pulling its files); footprint ingest meanwhile fails at once."""
    config = kit.write_months(tmp_path / "co")
    url = f"duckdb:///{config.parent / 'warehouse.duckdb'}"
    barrier = tmp_path / "barrier"
    first = kit.start_run(config, url, FOOTPRINT_TEST_BARRIER=f"{barrier}:2")
    try:
        kit.wait_for(lambda: (barrier / "after-pull").is_dir() or first.poll() is not None)
        assert first.poll() is None, first.communicate()[1]

        second = CliRunner().invoke(app, ["ingest", "--from", kit.MONTHS[0], "--to", kit.MONTHS[-1], "-c", str(config)])

        assert second.exit_code == 1
        assert "Traceback" not in second.output
        assert "is in use by another process" in second.output and "nothing was changed" in second.output
        (barrier / "go").touch()
        _, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, stderr
    ws = kit.workspace(config, url)
    try:
        assert kit.contents(ws) == clean_contents(backend)
        assert kit.duplicates(ws) == {}
    finally:
        close_warehouses()
