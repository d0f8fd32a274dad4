"""Every case of the hostile-input corpus (tests/reliability/corpus/*/case.yaml), run as its README says.

A case is data, so adding one is adding a folder: what it sets up (inbox files, links, pipes, a
footprint.yaml, environment), the `footprint` commands it runs with their exit codes and output, and
what the warehouse and the raw store must hold afterwards. "Nothing else lost" is checked against a
run of the same company without the case: every row of that clean run must be there unchanged.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import reliability_kit as kit
import sqlalchemy as sa
import yaml
from company_files import ALL_FILES, PERIOD, write_company
from typer.testing import CliRunner

from footprint.config.workspace import open_workspace
from footprint.resources import close_warehouses, warehouse
from footprint_cli import app

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.parent for p in CORPUS.glob("*/case.yaml"))
INGEST = ["ingest", "--period", PERIOD, "-c", "{config}"]
# Row-level tables and views: a case may add rows to them, never lose or change one of the clean run.
# (Views that sum months, and alerts about them, change with every row a case adds.)
ROW_TABLES = frozenset({
    "raw_files", "fuel_transactions", "meter_usage", "meter_series", "supplier_activity", "emissions",
    "v_lineage", "factor_lists", "factors", "schema_migrations",
})


def _case(folder: Path) -> dict[str, Any]:
    with (folder / "case.yaml").open(encoding="utf-8") as handle:
        case = yaml.safe_load(handle)
    assert isinstance(case.get("point"), int) and case.get("about") and case.get("run"), f"{folder.name}: incomplete"
    return case


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def _content(folder: Path, entry: dict[str, Any]) -> bytes:
    if "file" in entry:
        return (folder / entry["file"]).read_bytes()
    if "text" in entry:
        return str(entry["text"]).encode("utf-8")
    return bytes.fromhex(entry["hex"])


def _set_up(folder: Path, case: dict[str, Any], root: Path) -> Path:
    """The tiny company with its good March files, then what the case adds."""
    setup = case.get("setup") or {}
    config = write_company(root, ALL_FILES)
    if "config" in setup:
        written = yaml.safe_load(config.read_text(encoding="utf-8"))
        config.write_text(yaml.safe_dump(_merge(written, setup["config"]), allow_unicode=True), encoding="utf-8")
    if "config_text" in setup:
        config.write_text(setup["config_text"], encoding="utf-8")
    if "config_hex" in setup:
        config.write_bytes(bytes.fromhex(setup["config_hex"]))
    inbox = root / "inbox"
    for entry in setup.get("inbox", []):
        path = os.path.join(bytes(inbox), bytes.fromhex(entry["path_hex"])) if "path_hex" in entry else inbox / entry["path"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(_content(folder, entry))
    for link, target in (setup.get("links") or {}).items():
        (inbox / link).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, inbox / link)
    for fifo in setup.get("fifos", []):
        (inbox / fifo).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(inbox / fifo)
    return config


def _run(command: dict[str, Any], config: Path, root: Path, env: dict[str, str]) -> tuple[int, str]:
    args = [str(a).replace("{config}", str(config)).replace("{root}", str(root)) for a in command["args"]]
    before = dict(os.environ)
    os.environ.update(env)
    try:
        result = CliRunner().invoke(app, args)
    finally:
        os.environ.clear()
        os.environ.update(before)
        close_warehouses()
    output = result.output  # Click's terminal output: stdout and stderr as a terminal shows them
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        output += "Traceback (in the test runner)\n" + "".join(traceback.format_exception(result.exception))
    return result.exit_code, output


def _contents(config: Path) -> dict[str, list[tuple[Any, ...]]]:
    ws = open_workspace(config)
    try:
        return kit.contents(ws)
    finally:
        close_warehouses()


@pytest.fixture(scope="module")
def clean(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[Any, ...]]]:
    """The warehouse after one undisturbed ingest of the tiny company's month."""
    root = tmp_path_factory.mktemp("clean") / "co"
    config = write_company(root, ALL_FILES)
    code, output = _run({"args": INGEST}, config, root, {})
    assert code == 0, output
    return _contents(config)


@pytest.fixture
def company(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "co"
    yield root
    # A case may leave a pipe or a read-only file behind; pytest must still be able to clear tmp_path.
    for path in root.rglob("*") if root.exists() else []:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o700)


def _modes(root: Path) -> tuple[set[str], set[str]]:
    files, folders = set(), set()
    for path in root.rglob("*"):  # the store's own folder may be the operator's
        mode = oct(stat.S_IMODE(path.lstat().st_mode))
        (folders if path.is_dir() else files).add(mode)
    return files, folders


def _check_expectations(case: dict[str, Any], config: Path, clean_rows: dict[str, list[tuple[Any, ...]]]) -> None:
    expect = case.get("expect") or {}
    if not expect:
        return  # nothing to check, and the case's footprint.yaml may be one refused on purpose
    ws = open_workspace(config)
    store = Path(ws.raw_store)
    if expect.get("clean"):
        found = _contents(config)
        assert ROW_TABLES <= set(clean_rows), "a row table of the warehouse is gone or renamed"
        for table in ROW_TABLES:
            rows = clean_rows[table]
            missing = [row for row in rows if row not in set(found.get(table, []))]
            assert missing == [], f"{table}: rows of the clean run lost or changed"
    if "files_mode" in expect or "folders_mode" in expect:
        files, folders = _modes(store)
        if "files_mode" in expect:
            assert files == {expect["files_mode"]}, f"raw store file modes {files}"
        if "folders_mode" in expect:
            assert folders == {expect["folders_mode"]}, f"raw store folder modes {folders}"
    for text in expect.get("not_in_raw_store", []):
        held = [p for p in store.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]
        assert held == [], f"the raw store holds {text!r}"
    for check in expect.get("sql", []):
        try:
            with warehouse(ws).connect() as conn:
                rows = [list(row) for row in conn.execute(sa.text(check["query"]))]
        finally:
            close_warehouses()
        assert rows == check["rows"], check["query"]


@pytest.mark.parametrize("folder", CASES, ids=[c.name for c in CASES])
def test_hostile_case(
    folder: Path, company: Path, clean: dict[str, list[tuple[Any, ...]]], prefect_harness: None
) -> None:
    case = _case(folder)
    config = _set_up(folder, case, company)
    env = {k: str(v) for k, v in ((case.get("setup") or {}).get("env") or {}).items()}
    for step in case["run"]:
        if "move" in step:  # an operator moving a file between commands
            (company / step["move"]["to"]).parent.mkdir(parents=True, exist_ok=True)
            (company / step["move"]["from"]).rename(company / step["move"]["to"])
            continue
        code, output = _run(step, config, company, env)
        shown = f"$ footprint {shlex.join(map(str, step['args']))}\n{output}"
        assert "Traceback" not in output, shown
        assert code == step["exit"], shown
        for pattern in step.get("output", []):
            assert re.search(pattern, output), f"{pattern!r} not in:\n{shown}"
        for pattern in step.get("absent", []):
            assert not re.search(pattern, output), f"{pattern!r} in:\n{shown}"
    _check_expectations(case, config, clean)


def test_every_point_of_the_issue_has_a_case_or_a_module() -> None:
    """Points 4, 8, 14 and 15 need a server, roles or a mounted disk: their tests are modules of their own."""
    covered = {_case(folder)["point"] for folder in CASES}
    modules = {4: "test_escaping.py", 8: "test_bi_role_reach.py", 14: "test_verify.py", 15: "test_store_faults.py"}
    for point, module in modules.items():
        if (Path(__file__).parent / module).exists():
            covered.add(point)
    assert covered == set(range(1, 16))
