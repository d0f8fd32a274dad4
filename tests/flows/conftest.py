"""The demo company ingested once per session, embedded (folders and DuckDB), for every test that reads it."""

from __future__ import annotations

import pytest

from footprint.demo.generator import write_demo
from footprint.demo.manifest import DemoManifest


@pytest.fixture(scope="session")
def demo(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    from flows.monthly_ingest import ingest_months

    manifest = write_demo(tmp_path_factory.mktemp("demo"))
    periods = sorted(p.name for p in (manifest.workdir / "inbox").iterdir())
    summaries = ingest_months(periods, str(manifest.config_path))
    assert [s.period for s in summaries] == periods
    return manifest
