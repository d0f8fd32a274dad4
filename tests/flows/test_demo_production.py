"""The demo company on PostgreSQL and S3 (moto's server on loopback) gives the figures of the embedded run.

Only the environment differs from the session's embedded run (tests/flows/conftest.py): a fresh
PostgreSQL database, the inbox and raw store as s3:// URLs, no local inbox at all.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa

from footprint.config.workspace import Workspace, open_workspace
from footprint.demo.manifest import DemoManifest
from footprint.resources import close_warehouses, warehouse

BUCKET = "footprint-demo"
COUNTED = ("fuel_transactions", "meter_usage", "supplier_activity", "quarantine", "alerts", "raw_files", "emissions")


@dataclass(frozen=True)
class Figures:
    """What must not depend on where the data lives."""

    totals: dict[tuple[int, int], float]  # kg CO2e per (year, ladder scope), from v_emissions_monthly
    counts: dict[str, int]
    quarantine: set[tuple[Any, ...]]
    alerts: set[tuple[Any, ...]]


def _figures(ws: Workspace) -> Figures:
    with warehouse(ws).connect() as conn:
        totals = conn.execute(sa.text(
            "SELECT year, ladder_scope, sum(emissions_kg_co2e) FROM v_emissions_monthly GROUP BY year, ladder_scope"
        )).all()
        counts = {table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() for table in COUNTED}
        quarantine = conn.execute(sa.text("SELECT file_name, source_row, column_name, reason FROM quarantine")).all()
        alerts = conn.execute(sa.text("SELECT rule, subject, period FROM alerts")).all()
    return Figures(
        totals={(int(year), int(scope)): float(kg) for year, scope, kg in totals},
        counts=counts,
        quarantine=set(map(tuple, quarantine)),
        alerts=set(map(tuple, alerts)),
    )


@pytest.fixture(scope="module")
def runs(
    demo: DemoManifest, postgres_database: Callable[..., Any], aws_env: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Figures, Figures, Workspace]]:
    """The embedded run's figures, then the same configuration and inbox files through the same flow from S3
    into PostgreSQL: its figures and workspace (the environment stays set while this module's tests run)."""
    from flows.monthly_ingest import ingest_months

    embedded = _figures(open_workspace(demo.config_path))
    workdir = tmp_path_factory.mktemp("demo_production")
    for name in ("footprint.yaml", ".env"):
        shutil.copy(demo.workdir / name, workdir / name)
    s3 = boto3.client("s3")  # endpoint and dummy credentials from the standard AWS variables (aws_env)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": s3.meta.region_name})
    inbox = demo.workdir / "inbox"
    for path in sorted(p for p in inbox.rglob("*") if p.is_file()):
        s3.upload_file(str(path), BUCKET, f"inbox/{path.relative_to(inbox).as_posix()}")
    periods = sorted(p.name for p in inbox.iterdir())
    with postgres_database(f"footprint_demo_{os.getpid()}") as url, pytest.MonkeyPatch.context() as env:
        env.setenv("FOOTPRINT_WAREHOUSE_URL", url)
        env.setenv("FOOTPRINT_INBOX", f"s3://{BUCKET}/inbox")
        env.setenv("FOOTPRINT_RAW_STORE", f"s3://{BUCKET}/raw")
        env.setenv("FOOTPRINT_S3_ENDPOINT_URL", aws_env)
        env.setenv("FOOTPRINT_INBOX_SETTLE_SECONDS", "0")
        summaries = ingest_months(periods, str(workdir / "footprint.yaml"))
        assert [s.period for s in summaries] == periods
        ws = open_workspace(workdir / "footprint.yaml")
        assert ws.warehouse_url == url and ws.inbox == f"s3://{BUCKET}/inbox"
        yield embedded, _figures(ws), ws
        close_warehouses()  # before the database is dropped


def test_postgresql_and_s3_give_the_embedded_totals(runs: tuple[Figures, Figures, Workspace]) -> None:
    embedded, production, _ = runs
    assert len(embedded.totals) == 15
    assert production.totals.keys() == embedded.totals.keys()
    for key, kg in production.totals.items():
        assert kg == pytest.approx(embedded.totals[key], rel=1e-9), key


def test_postgresql_and_s3_hold_the_same_rows_quarantine_and_alerts(runs: tuple[Figures, Figures, Workspace]) -> None:
    embedded, production, _ = runs
    assert embedded.counts["raw_files"] == 250 and embedded.alerts
    assert production.counts == embedded.counts
    assert production.quarantine == embedded.quarantine
    assert production.alerts == embedded.alerts


def test_every_raw_file_is_in_the_s3_raw_store_under_its_checksum(runs: tuple[Figures, Figures, Workspace]) -> None:
    production = runs[2]
    s3 = boto3.client("s3")
    with warehouse(production).connect() as conn:
        stored = conn.execute(sa.text("SELECT file_sha256, stored_path FROM raw_files")).all()
    assert stored and all(path.startswith(f"s3://{BUCKET}/raw/{sha[:2]}/{sha}/") for sha, path in stored)
    for sha, path in stored:
        body = s3.get_object(Bucket=BUCKET, Key=path.removeprefix(f"s3://{BUCKET}/"))["Body"].read()
        assert hashlib.sha256(body).hexdigest() == sha, path
    assert not (Path(production.config_path.parent) / "raw").exists()


def test_postgresql_knows_the_size_of_the_tables_the_flow_loaded(runs: tuple[Figures, Figures, Workspace]) -> None:
    """Each load ends with ANALYZE, so the planner joins the bulk tables by their real size."""
    with warehouse(runs[2]).connect() as conn:
        for table in ("meter_readings", "meter_series", "fuel_transactions", "applied_factors"):
            count = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            estimate = conn.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table}
            ).scalar_one()
            assert count > 0 and estimate == pytest.approx(count, rel=0.05), table
