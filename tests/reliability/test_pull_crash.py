"""Pull three months from a metering API, kill the run in the middle of the second, run again: the clean result.

The API is the demo's stand-in of Het Meetbedrijf on loopback (a real HTTP server, two pages per
month); the run is a subprocess killed with SIGKILL right after the second month's first item is
stored. The rerun must leave every table equal to an undisturbed run and ask the server for no page
it answered before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import reliability_kit as kit
import sqlalchemy as sa
from company_files import CONFIG, ELECTRICITY_EAN, write_company

from footprint.demo.company import ean
from footprint.demo.meetbedrijf_server import serve
from footprint.pull.run import pull_sources
from footprint.resources import close_warehouses, warehouse

MONTHS = ("2025-01", "2025-02", "2025-03")
SECOND_EAN = ean("87168712000000011")
QUARTER_HOURS = {"2025-01": 31 * 96, "2025-02": 28 * 96, "2025-03": 31 * 96 - 4}  # 30 March: a 23-hour day
KWH_PER_QUARTER = {ELECTRICITY_EAN: 0.25, SECOND_EAN: 0.5}
API_KEY = "pull-crash-test-key"


def _data() -> dict[str, dict[str, list[float]]]:
    return {code: {month: [kwh] * count for month, count in QUARTER_HOURS.items()}
            for code, kwh in KWH_PER_QUARTER.items()}


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[str, list[str]]]:
    asked: list[str] = []
    with serve(_data(), API_KEY, log=asked) as url:
        yield url, asked


def _company(root: Path, url: str) -> Path:
    meters = [*CONFIG["meters"], {"ean": SECOND_EAN, "carrier": "electricity", "site": "hq", "contract": "grey"}]
    pull = [{"name": "meetbedrijf", "kind": "meetbedrijf", "url": url, "secret": "TEST_MEETBEDRIJF_KEY",
             "eans": [ELECTRICITY_EAN, SECOND_EAN], "start": MONTHS[0]}]
    config = write_company(root, {}, meters=meters, pull=pull)
    with (root / ".env").open("a", encoding="utf-8") as env:  # the secret beside footprint.yaml, as a client keeps it
        env.write(f"TEST_MEETBEDRIJF_KEY={API_KEY}\n")
    return config


def pull_and_ingest(ws: Any, months: list[str]) -> None:
    """What monthly_ingest does per month: pull, then ingest the months the pull brought files for."""
    for month in months:
        report = pull_sources(ws, month)
        assert not report.failed, report.failed
        kit.ingest(ws, [*[m for m in report.to_ingest if m < month], month])


def _pages_asked(asked: list[str]) -> Counter[str]:
    return Counter(path.split("?")[0] for path in asked)


def test_a_pull_killed_in_the_second_month_reruns_to_the_clean_result(
    backend: str, new_warehouse: Callable[[str], str], api: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, asked = api
    asked.clear()  # one server for the module: the other backend's requests are not this test's
    clean = kit.workspace(_company(tmp_path / "clean", url), new_warehouse("clean"))
    pull_and_ingest(clean, list(MONTHS))
    expected = kit.contents(clean)
    close_warehouses()
    pages = _pages_asked(asked)
    assert len(pages) == 2 * 3 * 2 and set(pages.values()) == {1}  # 2 EANs x 3 months x 2 pages, each once
    asked.clear()

    config, db = _company(tmp_path / "crashed", url), new_warehouse("crashed")
    killed = subprocess.run([sys.executable, __file__, str(config), *MONTHS], capture_output=True, text=True, check=False,
                            env={**os.environ, "FOOTPRINT_WAREHOUSE_URL": db, "FOOTPRINT_TEST_CRASH_AT": "pull:3"},
                            timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    ws = kit.workspace(config, db)
    with warehouse(ws).connect() as conn:
        items = set(conn.execute(sa.text("SELECT DISTINCT item_key FROM pulled_files")).scalars())
        marks = dict(conn.execute(sa.text("SELECT channel, watermark FROM pull_watermarks")).all())
    assert items == {f"{ELECTRICITY_EAN}:2025-01", f"{SECOND_EAN}:2025-01", f"{ELECTRICITY_EAN}:2025-02"}
    assert marks == {ELECTRICITY_EAN: "2025-01", SECOND_EAN: "2025-01"}  # the second month moved no watermark

    pull_and_ingest(ws, list(MONTHS))
    assert kit.contents(ws) == expected
    assert kit.duplicates(ws) == {}
    assert set(_pages_asked(asked).values()) == {1}, "a page was fetched twice"
    assert len(_pages_asked(asked)) == 12

    with warehouse(ws).connect() as conn:
        totals = dict(conn.execute(sa.text(
            "SELECT ean, SUM(quantity) FROM meter_usage GROUP BY ean")).all())
    assert totals == pytest.approx({ELECTRICITY_EAN: 8636 * 0.25, SECOND_EAN: 8636 * 0.5})


if __name__ == "__main__":
    from footprint.config.workspace import Settings, open_workspace

    config_path, *months = sys.argv[1:]
    pull_and_ingest(open_workspace(Path(config_path), Settings(pseudonym_key=kit.KEY)), months)
    close_warehouses()
