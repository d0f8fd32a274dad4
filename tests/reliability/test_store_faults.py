"""Issue 15, point 15: a full or read-only disk under a store is one line naming the store and the cause, exit 1.

Each store is put on a tiny tmpfs mounted for the test (we run as root: chmod would not stop us), filled to
the last byte or remounted read-only: the raw store, the warehouse's DuckDB file, the staging folder an S3
inbox downloads into, and the raw store's report archive. `footprint ingest` then fails with one line and
no traceback, without retrying what a person must fix; no file is half loaded, and once the disk has room
(or is writable again) a rerun leaves every table as a run that never failed. A report whose archive write
fails stays where it was written and says it is not archived. A full S3-compatible store says so too.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
import reliability_kit as kit
import sqlalchemy as sa
from company_files import ALL_FILES, PERIOD, write_company
from typer.testing import CliRunner

from footprint.config.workspace import Settings, open_workspace
from footprint.emissions import compute_emissions
from footprint.errors import StorageError
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.resources import close_warehouses, warehouse
from footprint.storage.raw_store import S3RawStore, open_raw_store
from footprint.storage.s3 import s3_client
from footprint_cli import app

KEY = "test-key"
Mount = Callable[[Path, str], Path]


@pytest.fixture
def tmpfs() -> Iterator[Mount]:
    """`tmpfs(folder, size)`: a tmpfs of that size mounted at folder, unmounted after the test.

    Skipped where mounting is not allowed (not root, a container without CAP_SYS_ADMIN), except in CI.
    """
    mounted: list[Path] = []

    def mount(folder: Path, size: str = "256k") -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                              capture_output=True, text=True, check=False)
        if done.returncode:
            message = f"cannot mount a tmpfs at {folder}: {done.stderr.strip()}"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        mounted.append(folder)
        return folder

    yield mount
    close_warehouses()  # a DuckDB file on the mount is held open by the engine
    for folder in reversed(mounted):
        subprocess.run(["umount", "--lazy", str(folder)], check=False)


def _remount(folder: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], check=True)


def _fill(folder: Path) -> Path:
    """Write a hidden file until the disk has no byte left; removing it makes room again."""
    filler = folder / ".filler"
    with open(filler, "wb", buffering=0) as out:
        with pytest.raises(OSError) as full:
            while True:
                out.write(b"\0" * 4096)
    assert full.value.errno == errno.ENOSPC
    return filler


def _ingest(config: Path, env: dict[str, str]) -> Any:
    try:
        return CliRunner().invoke(app, ["ingest", "--period", PERIOD, "-c", str(config)],
                                  env={"FOOTPRINT_PSEUDONYM_KEY": KEY, **env})
    finally:
        close_warehouses()


def _contents(config: Path, url: str) -> dict[str, Any]:
    ws = open_workspace(config, Settings(warehouse_url=url, pseudonym_key=KEY))
    try:
        return kit.contents(ws)
    finally:
        close_warehouses()


def _one_line(result: Any, expected: str | re.Pattern[str]) -> None:
    """Exit 1, the error said in one line as expected, and no traceback anywhere in the output."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    if isinstance(expected, str):
        assert errors[0] == expected
    else:
        assert expected.fullmatch(errors[0]), errors[0]


@pytest.fixture(scope="module")
def clean(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every table after `footprint ingest` of the tiny company's March on disks with room."""
    root = tmp_path_factory.mktemp("clean") / "co"
    config = write_company(root, ALL_FILES)
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    result = _ingest(config, {"FOOTPRINT_WAREHOUSE_URL": url})
    assert result.exit_code == 0, result.output
    return _contents(config, url)


def _differing(found: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    mine, theirs = kit.checksums(found), kit.checksums(expected)
    return sorted(table for table in mine.keys() | theirs.keys() if mine.get(table) != theirs.get(table))


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_raw_store_that_refuses_writes_fails_the_ingest_in_one_line(
    fault: str, tmpfs: Mount, clean: dict[str, Any], tmp_path: Path
) -> None:
    root = tmp_path / "co"
    config = write_company(root, ALL_FILES)
    raw = tmpfs(root / "raw", "256k")  # the workspace's default raw store, on the small disk
    filler = _fill(raw) if fault == "full" else None
    if fault == "read-only":
        _remount(raw, "ro")
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    cause = "no space left on device" if fault == "full" else "read-only file system"

    failed = _ingest(config, {"FOOTPRINT_WAREHOUSE_URL": url})

    # The month's files are stored in path order, co2.csv first: the first refusal is the one reported.
    _one_line(failed, f"error: raw store {raw}: {cause} while storing co2.csv")
    found = _contents(config, url)
    assert [table for table in ("raw_files", "fuel_transactions", "supplier_activity", "meter_readings",
                                "quarantine", "emissions") if found[table]] == []
    assert open_raw_store(raw).inventory() == {}  # no file under its name, no write left behind

    if filler is not None:
        filler.unlink()
    else:
        _remount(raw, "rw")
    rerun = _ingest(config, {"FOOTPRINT_WAREHOUSE_URL": url})
    assert rerun.exit_code == 0, rerun.output
    assert _differing(_contents(config, url), clean) == []
    assert len(open_raw_store(raw).inventory()) == len(ALL_FILES)


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_warehouse_on_a_disk_that_refuses_writes_fails_the_ingest_in_one_line(
    fault: str, tmpfs: Mount, clean: dict[str, Any], tmp_path: Path
) -> None:
    root = tmp_path / "co"
    config = write_company(root, ALL_FILES)
    disk = tmpfs(root / "wh", "16m")
    url = f"duckdb:///{disk / 'warehouse.duckdb'}"
    ws = open_workspace(config, Settings(warehouse_url=url, pseudonym_key=KEY))
    warehouse(ws)  # the warehouse exists, migrated, the factor list loaded
    close_warehouses()
    filler = _fill(disk) if fault == "full" else None
    if fault == "read-only":
        _remount(disk, "ro")

    failed = _ingest(config, {"FOOTPRINT_WAREHOUSE_URL": url})

    if fault == "full":
        # Opening the warehouse writes already (each run checks its schema); DuckDB names the file it could not
        # write: the database or its write-ahead log.
        _one_line(failed, re.compile(rf'error: (cannot open the warehouse {re.escape(url)}|the warehouse could not '
                                     rf'answer): .*"{re.escape(str(disk))}/warehouse\.duckdb(\.wal)?": No space '
                                     r'left on device'))
        filler.unlink()
    else:
        _one_line(failed, f'error: cannot open the warehouse {url}: IO Error: Cannot open file '
                          f'"{disk}/warehouse.duckdb": Read-only file system')
        _remount(disk, "rw")
    found = _contents(config, url)
    assert [table for table in ("raw_files", "fuel_transactions", "supplier_activity", "meter_readings",
                                "quarantine", "emissions") if found[table]] == []

    rerun = _ingest(config, {"FOOTPRINT_WAREHOUSE_URL": url})
    assert rerun.exit_code == 0, rerun.output
    assert _differing(_contents(config, url), clean) == []


def test_a_full_staging_folder_fails_an_s3_inbox_ingest_in_one_line(
    tmpfs: Mount, clean: dict[str, Any], aws_env: str, tmp_path: Path
) -> None:
    """Files of an S3 inbox are downloaded into the staging folder beside footprint.yaml to be read."""
    client = s3_client()
    bucket = f"fp-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": client.meta.region_name})
    for name, text in ALL_FILES.items():
        client.put_object(Bucket=bucket, Key=f"inbox/{PERIOD}/{name}", Body=text.encode())
    root = tmp_path / "co"
    config = write_company(root, {})
    staging = tmpfs(root / ".staging", "256k")
    filler = _fill(staging)
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    env = {"FOOTPRINT_WAREHOUSE_URL": url, "FOOTPRINT_INBOX": f"s3://{bucket}/inbox"}

    failed = _ingest(config, env)

    _one_line(failed, f"error: staging folder {staging}: no space left on device while downloading "
                      f"s3://{bucket}/inbox/{PERIOD}/co2.csv")
    assert _contents(config, url)["raw_files"] == []
    filler.unlink()
    rerun = _ingest(config, env)
    assert rerun.exit_code == 0, rerun.output
    assert _differing(_contents(config, url), clean) == []


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_report_whose_archive_write_fails_stays_written_and_says_it_is_not_archived(
    fault: str, tmpfs: Mount, prefect_harness: None, tmp_path: Path
) -> None:
    root = tmp_path / "co"
    config = write_company(root, ALL_FILES)
    raw = tmpfs(root / "raw", "1m")
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    ws = open_workspace(config, Settings(warehouse_url=url, pseudonym_key=KEY))
    try:
        load_files(ws, PERIOD, pull_inbox(ws, PERIOD).paths)
        compute_emissions(ws, PERIOD)
    finally:
        close_warehouses()
    if fault == "full":
        _fill(raw)
    else:
        _remount(raw, "ro")
    out = tmp_path / "report"
    cause = "no space left on device" if fault == "full" else "read-only file system"

    try:
        result = CliRunner().invoke(app, ["report", "--half", "2025H1", "--lang", "en", "--out", str(out),
                                          "-c", str(config)],
                                    env={"FOOTPRINT_WAREHOUSE_URL": url, "FOOTPRINT_PSEUDONYM_KEY": KEY})
    finally:
        close_warehouses()

    _one_line(result, re.compile(rf"error: the report is written to {re.escape(str(out))} but not archived: raw "
                                 rf"store {re.escape(str(raw))}: {cause} while archiving report file "
                                 r"2025H1/\d{8}T\d{12}Z/summary\.json"))
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == [
        "report.html", "report.pdf", "report.xlsx", "summary.json"]  # no manifest.json: nothing was archived
    assert open_raw_store(raw).report_files() == []


class _FullS3(BaseHTTPRequestHandler):
    """An S3-compatible store whose disks are full, as MinIO answers then: lists work, writes are refused."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = (b'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>full</Name><KeyCount>0</KeyCount>'
                b"<IsTruncated>false</IsTruncated></ListBucketResult>")
        self._answer(200, body)

    def do_PUT(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer(507, b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>XMinioStorageFull</Code><Message>'
                          b"Storage backend has reached its minimum free drive threshold.</Message></Error>")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_full_s3_compatible_store_is_named_with_its_cause(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FullS3)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
                              aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1")
        source = tmp_path / "fuel.csv"
        source.write_text(ALL_FILES["fuel.csv"], encoding="utf-8")
        sha = hashlib.sha256(source.read_bytes()).hexdigest()
        with pytest.raises(StorageError) as refused:
            S3RawStore("full", "raw", client=client).put(source)
    finally:
        server.shutdown()
    expected = f"s3://full/raw/{sha[:2]}/{sha}/fuel.csv: the store is full (no space left on its disks)"
    assert str(refused.value) == expected


def test_the_store_still_reads_what_it_holds_on_a_read_only_disk(tmpfs: Mount, tmp_path: Path) -> None:
    """Read-only is no fault for reading: verify, fetch and the quick check work, a write names the store."""
    raw = tmpfs(tmp_path / "raw", "256k")
    store = open_raw_store(raw)
    source = tmp_path / "fuel.csv"
    source.write_text(ALL_FILES["fuel.csv"], encoding="utf-8")
    kept = store.put(source)
    _remount(raw, "ro")
    assert store.put(source).already_stored  # the same content again: nothing to write
    key = kept.stored_path.removeprefix(f"{raw}/")
    assert store.inventory() == {key: kept.size_bytes}
    assert store.stored_sha256(key) == kept.sha256
    other = tmp_path / "meters.csv"
    other.write_text(ALL_FILES["meters.csv"], encoding="utf-8")
    with pytest.raises(StorageError, match=rf"^raw store {re.escape(str(raw))}: read-only file system while "
                                           r"storing meters\.csv$"):
        store.put(other)
    with pytest.raises(StorageError, match=rf"^raw store {re.escape(str(raw))}: read-only file system while "
                                           r"archiving report file 2025H1/x/summary\.json$"):
        store.put_report("2025H1/x/summary.json", b"{}")


def test_a_disk_that_refuses_writes_is_not_retried() -> None:
    """A full or read-only disk stays so until a person acts: the task fails at once, not after 70 s of retries."""
    from prefect.states import Failed

    from footprint.errors import WarehouseError, WriteRefusedError
    from tasks._retry import transient

    full_wal = sa.exc.OperationalError("COMMIT", {}, Exception(
        'TransactionContext Error: Failed to commit: Could not write file "/x/warehouse.duckdb.wal": No space left on '
        "device"))
    read_only = WarehouseError('cannot open the warehouse duckdb:////x/warehouse.duckdb: IO Error: Cannot open file '
                               '"/x/warehouse.duckdb": Read-only file system')
    lost = sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
    assert not transient(None, None, Failed(data=WriteRefusedError("raw store /x: no space left on device")))
    assert not transient(None, None, Failed(data=full_wal))
    assert not transient(None, None, Failed(data=read_only))
    assert transient(None, None, Failed(data=lost))  # what may fix itself still is retried
