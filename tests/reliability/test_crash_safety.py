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

import pytest
import reliability_kit as kit
import sqlalchemy as sa

from footprint.periods import parse_period
from footprint.resources import close_warehouses, inbox, warehouse

POINTS = ("store", "load:2", "compute:4")


def _died_where_asked(point: str, ws: Any) -> None:
    """The kill came where the test meant it to: otherwise the test would prove less than it says."""
    raw = Path(ws.raw_store)
    with warehouse(ws).connect() as conn:
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
        assert not list(Path(ws.raw_store).rglob(".incoming-*")), f"{point}: a killed write's partial file left behind"
        assert not list((config.parent / ".staging").rglob("[!.]*.parquet")), f"{point}: staged rows left behind"
        scans = [inbox(ws).scan(parse_period(month)) for month in kit.MONTHS]
        assert [len(s.files) for s in scans] == [len(kit.FILES)] * len(kit.MONTHS), point
        assert not any(s.skipped for s in scans), point
        close_warehouses()


def test_a_run_killed_after_an_s3_upload_reruns_to_the_clean_result(aws_env: str, tmp_path: Path) -> None:
    """On S3 an object appears whole or not at all; a run killed after its second upload, before loading
    anything, leaves objects the warehouse does not know: the rerun finds them stored and loads them once."""
    import uuid

    from footprint.storage.s3 import s3_client

    client = s3_client()
    bucket = f"fp-crash-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": client.meta.region_name})

    def run_in(name: str, **crash: str) -> tuple[Any, dict[str, Any]]:
        store = f"s3://{bucket}/{name}"
        env = {"FOOTPRINT_RAW_STORE": store, "FOOTPRINT_S3_ENDPOINT_URL": aws_env}
        config, url = kit.write_months(tmp_path / name), f"duckdb:///{tmp_path / name / 'warehouse.duckdb'}"
        if crash:
            process = kit.start_run(config, url, **env, **crash)
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == -signal.SIGKILL, f"exit {process.returncode}\n{stderr}"
            with warehouse(kit.workspace(config, url)).connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM raw_files")).scalar_one() == 0
            close_warehouses()
            listed = client.list_objects_v2(Bucket=bucket, Prefix=f"{name}/").get("KeyCount", 0)
            assert listed == 2, "the run should die right after its second upload"
        with pytest.MonkeyPatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            ws = kit.workspace(config, url)
            summaries = kit.ingest(ws, kit.MONTHS)
            found = {t: [tuple(str(v).replace(store, "<store>") for v in row) for row in rows]
                     for t, rows in kit.contents(ws).items()}
            assert kit.duplicates(ws) == {}
            close_warehouses()
        return summaries, found

    _, clean = run_in("clean")
    summaries, rerun = run_in("crashed", FOOTPRINT_TEST_CRASH_AT="uploaded:2")
    assert rerun == clean
    assert all(f.outcome == "loaded" for s in summaries for f in s.files)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="crashed/")["Contents"]]
    assert len(keys) == len(kit.FILES) * len(kit.MONTHS)  # each content stored once
