"""prefect.yaml: every deployment imports, its parameters validate, and it runs once through a local Prefect API.

The round trip is the one production takes: `prefect deploy --all` registers the deployments with the
API, `prefect deployment run` creates a flow run, and `prefect flow-run execute` runs it as a worker of
the process pool would, pulling the code from FOOTPRINT_HOME.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from company_files import ALL_FILES, write_company
from prefect import Flow

from flows.halfyear_report import previous_half
from flows.monthly_ingest import previous_month

ROOT = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))


def _spec() -> dict:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))


def _flow(entrypoint: str) -> Flow:
    file, name = entrypoint.split(":")
    return getattr(importlib.import_module(file.removesuffix(".py").replace("/", ".")), name)


def test_every_deployment_imports_and_its_parameters_validate() -> None:
    spec = _spec()
    assert {d["name"] for d in spec["deployments"]} == {"monthly-ingest", "halfyear-report", "monthly-ingest-clients"}
    for deployment in spec["deployments"]:
        flow = _flow(deployment["entrypoint"])
        assert isinstance(flow, Flow), deployment["name"]
        stand_ins = {"$FOOTPRINT_CONFIG": "/srv/co/footprint.yaml", "$FOOTPRINT_CLIENTS": "/srv/clients.yaml"}
        parameters = {k: next((path for var, path in stand_ins.items() if var in str(v)), v)
                      for k, v in deployment["parameters"].items()}
        validated = flow.validate_parameters(parameters)
        assert {k: validated[k] for k in parameters} == parameters
        assert deployment["enforce_parameter_schema"] is True
        assert deployment["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}
        for schedule in deployment["schedules"]:
            assert len(schedule["cron"].split()) == 5 and schedule["timezone"] == "Europe/Amsterdam"
        with pytest.raises(Exception, match="no_such_parameter"):
            flow.validate_parameters({**parameters, "no_such_parameter": 1})


def test_the_schedules_take_the_period_that_ended() -> None:
    assert previous_month(dt.date(2026, 1, 5)) == "2025-12"
    assert previous_month(dt.date(2026, 3, 31)) == "2026-02"
    assert previous_half(dt.date(2026, 1, 15)) == "2025H2"
    assert previous_half(dt.date(2026, 7, 15)) == "2026H1"


def _prefect(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PREFECT, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
def test_each_deployment_runs_once_against_a_local_api(prefect_harness, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    config = write_company(tmp_path / "co", ALL_FILES)
    clients = tmp_path / "clients.yaml"
    clients.write_text("clients:\n  - name: co\n    config: co/footprint.yaml\n", encoding="utf-8")
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "FOOTPRINT_HOME": str(ROOT),
           "FOOTPRINT_CONFIG": str(config), "FOOTPRINT_CLIENTS": str(clients), "PREFECT_LOGGING_LEVEL": "WARNING"}
    _prefect(env, "work-pool", "create", "footprint", "--type", "process", "--overwrite")
    _prefect(env, "--no-prompt", "deploy", "--all")

    runs = {
        "monthly_ingest/monthly-ingest": {"period": "2025-03"},
        "halfyear_report/halfyear-report": {"half": "2025H1"},
        "monthly_ingest_clients/monthly-ingest-clients": {"period": "2025-04"},
    }
    for name, parameters in runs.items():
        params = [arg for key, value in parameters.items() for arg in ("--param", f"{key}={value}")]
        created = _prefect(env, "deployment", "run", name, *params)
        flow_run_id = next(line.split()[-1] for line in created.splitlines() if "UUID" in line)
        _prefect(env, "flow-run", "execute", flow_run_id)

        async def final_state(run_id: str = flow_run_id):  # noqa: ANN202
            async with get_client() as client:
                return (await client.read_flow_run(run_id)).state

        import asyncio

        state = asyncio.run(final_state())
        assert state.is_completed(), (name, state)

    report = tmp_path / "co" / "reports" / "2025H1"
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    assert summary["half"] == "2025H1" and summary["emissions"]["total_kg_co2e"] > 0
    assert (report / "report.pdf").read_bytes().startswith(b"%PDF")
