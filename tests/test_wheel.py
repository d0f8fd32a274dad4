"""A wheel carries everything footprint reads at run time, as a Prefect worker installs it.

The wheel is built offline from a copy of this checkout and installed into a fresh virtual environment
whose only view of the dependencies is a path to .venv's site-packages: a bare path in a .pth file does
not run the .pth files found there, so the editable install's finder never loads and a file missing
from the wheel cannot be found in the checkout instead.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tomllib
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

from footprint_cli.ingest import DEMO_REPORTS

ROOT = Path(__file__).resolve().parents[1]
INHERITED_PREFIXES = ("PREFECT_", "FOOTPRINT_")
SCRIPT = "footprint"


@dataclass(frozen=True)
class Installed:
    prefix: Path  # the virtual environment the wheel went into
    env: dict[str, str]
    cwd: Path  # outside the checkout, so the current directory on sys.path adds nothing

    @property
    def python(self) -> Path:
        return self.prefix / "bin" / "python"

    def run(self, args: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, check=False, cwd=self.cwd, env=self.env, capture_output=True, text=True,
                              timeout=timeout_s)


def _environment(tmp: Path) -> dict[str, str]:
    """The caller's environment without its Prefect, footprint and Python path settings: a worker's own."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(INHERITED_PREFIXES) and key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return {
        **env,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_HOME": str(tmp / "prefect"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """The venv, caches and earlier build output: a stale build/lib would put deleted files into the wheel."""
    at_root = Path(folder) == ROOT
    skipped_at_root = {n for n in names if n.startswith(".") or n.endswith(".egg-info")}
    skipped_at_root |= {"build", "dist", "demo-workspace"}
    return {name for name in names if name == "__pycache__" or (at_root and name in skipped_at_root)}


def _pip(env: dict[str, str], cwd: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *args], check=False, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"pip {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    env = _environment(tmp)
    source = tmp / "source"
    # A build in the checkout would leave build/ and an egg-info there.
    shutil.copytree(ROOT, source, ignore=_not_copied)
    # Offline: the venv's own setuptools builds (the dev extra brings one new enough), no index is asked.
    _pip(env, tmp, "wheel", str(source), "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp / "dist"))
    (wheel,) = (tmp / "dist").glob("footprint-*.whl")

    prefix = tmp / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(prefix)
    installed = Installed(prefix, env, tmp)
    # Installed before the dependencies are in view, so pip sees no other footprint to replace.
    _pip(env, tmp, "--python", str(installed.python), "install", "--no-deps", "--no-index", str(wheel))
    purelib = Path(sysconfig.get_path("purelib", scheme="venv", vars={"base": str(prefix)}))
    (purelib / "footprint_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    return installed


def _scripts() -> dict[str, str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]


def _shipped(folder: Path) -> set[str]:
    """The files of a package in the checkout that its wheel must hold: code and whatever the code reads, i.e. all
    but caches and the Markdown written for developers."""
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".md"}


PROBE = """
import importlib, json, sys
from importlib.metadata import distribution
from pathlib import Path

import flows, footprint, tasks
from footprint.validation.suite import EXPECTATIONS_DIR
from footprint.warehouse.migrations import SQL_DIR

entry_points = distribution("footprint").entry_points.select(group="console_scripts")
scripts = {entry.name: entry.module for entry in entry_points}
packages = [footprint, flows, tasks, *(importlib.import_module(m.split(".")[0]) for m in scripts.values())]
print(json.dumps({
    "modules": {m.__name__: m.__file__ for m in (footprint, flows, tasks)},
    "files": {
        package.__name__: sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        for package in packages
        for folder in [Path(package.__file__).parent]
    },
    "scripts": {name: importlib.import_module(module).__file__ for name, module in scripts.items()},
    "sql": sorted(p.relative_to(SQL_DIR).as_posix() for p in SQL_DIR.rglob("*.sql")),
    "sql_dir": str(SQL_DIR),
    "expectations": sorted(p.name for p in EXPECTATIONS_DIR.glob("*.json")),
    "expectations_dir": str(EXPECTATIONS_DIR),
    "finders": [repr(finder) for finder in sys.meta_path],
}))
"""


def test_the_wheel_is_what_runs_and_carries_the_migrations_and_suites(installed: Installed) -> None:
    done = installed.run([str(installed.python), "-c", PROBE], timeout_s=300)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)

    files = [*seen["modules"].values(), *seen["scripts"].values(), seen["sql_dir"], seen["expectations_dir"]]
    assert all(Path(file).is_relative_to(installed.prefix) for file in files), files
    assert not any(Path(file).is_relative_to(ROOT) for file in files), files
    assert not any("editable" in finder.lower() for finder in seen["finders"]), seen["finders"]
    assert set(seen["scripts"]) == set(_scripts())
    assert all((installed.prefix / "bin" / name).exists() for name in _scripts())

    missing = {package: _shipped(ROOT / package) - set(files) for package, files in seen["files"].items()}
    assert not any(missing.values()), missing

    assert seen["sql"] == sorted(p.relative_to(ROOT / "sql").as_posix() for p in (ROOT / "sql").rglob("*.sql"))
    assert seen["expectations"] == sorted(p.name for p in (ROOT / "expectations").glob("*.json"))


@pytest.mark.slow
def test_the_installed_console_script_runs_the_demo(installed: Installed) -> None:
    workdir = installed.cwd / "demo"
    assert SCRIPT in _scripts()
    done = installed.run([str(installed.prefix / "bin" / SCRIPT), "demo", "--workdir", str(workdir)], timeout_s=1200)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"

    assert (workdir / "warehouse.duckdb").is_file()
    for half in DEMO_REPORTS:
        report = workdir / "reports" / half
        summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
        assert summary["half"] == half and summary["emissions"]["total_kg_co2e"] > 0
        assert (report / "report.pdf").read_bytes().startswith(b"%PDF")
        assert "<html" in (report / "report.html").read_text(encoding="utf-8")
        assert (report / "report.xlsx").read_bytes().startswith(b"PK")
        assert list((report / "charts").glob("*.png"))
        artefacts = json.loads((report / "manifest.json").read_text(encoding="utf-8"))["artefacts"]
        assert {"summary.json", "report.html", "report.pdf", "report.xlsx"} <= set(artefacts)
        assert all((report / name).is_file() for name in artefacts)
