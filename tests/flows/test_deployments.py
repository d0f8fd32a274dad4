"""prefect.yaml names entrypoints that exist and a schedule Prefect can read."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import yaml
from prefect import Flow

from flows.monthly_ingest import previous_month

ROOT = Path(__file__).resolve().parents[2]


def test_every_deployment_entrypoint_is_a_flow() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert spec["deployments"]
    for deployment in spec["deployments"]:
        file, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(file.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, name), Flow), deployment["name"]
        for schedule in deployment.get("schedules", []):
            assert len(schedule["cron"].split()) == 5


def test_the_scheduled_run_takes_last_month() -> None:
    assert previous_month(dt.date(2026, 1, 5)) == "2025-12"
    assert previous_month(dt.date(2026, 3, 31)) == "2026-02"
