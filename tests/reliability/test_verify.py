"""Issue 15, point 14: a raw file deleted or edited behind footprint's back is found, not left unnoticed.

`footprint verify` re-hashes every kept file against the warehouse's checksums (raw_files, and run_files
for files kept but rejected) and archived report files against their manifests; it names every missing,
changed and unreferenced file and exits 1. `--quick` and footprint.verify.quick_check look at existence
and size only, for each ingest and report; the report states what it found. Each runs on the folder
store and on S3 (moto's server), the main case on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from company_files import ALL_FILES, PERIOD, write_company
from typer.testing import CliRunner

from footprint.config.workspace import Settings, Workspace, open_workspace
from footprint.emissions import compute_emissions
from footprint.ingest.load import load_files
from footprint.ingest.pull import pull_inbox
from footprint.periods import Half
from footprint.reports.archive import archive_report
from footprint.reports.html import render_halfyear_html
from footprint.reports.lineage import input_files
from footprint.reports.write import write_halfyear_report
from footprint.resources import close_warehouses, warehouse
from footprint.runlog import record_run
from footprint.storage.s3 import s3_client
from footprint.verify import check_sizes, quick_check
from footprint.warehouse.bulk import insert_frame
from footprint_cli import app

GARBAGE = bytes(range(256)) * 16  # kept in the store, rejected as unreadable: recorded in run_files only
FILES = {**{name: text.encode() for name, text in ALL_FILES.items()}, "garbage.csv": GARBAGE}
KEY = "test-key"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _key(name: str, data: bytes) -> str:
    """Where the store keeps a file: <sha[:2]>/<sha>/<name>."""
    return f"{_sha(data)[:2]}/{_sha(data)}/{name}"


class FolderStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.location = str(root)

    def write(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)  # stored files are read-only, but not for root: the test runs as root

    def delete(self, key: str) -> None:
        (self.root / key).unlink()


class S3Store:
    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        self.location = f"s3://{bucket}/raw"

    def write(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=f"raw/{key}", Body=data)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=f"raw/{key}")


@pytest.fixture(params=["folder", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> FolderStore | S3Store:
    if request.param == "folder":
        return FolderStore(tmp_path / "co" / "raw")
    request.getfixturevalue("aws_env")
    client = s3_client()
    bucket = f"fp-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": client.meta.region_name})
    return S3Store(client, bucket)


def _company(root: Path, url: str, location: str) -> tuple[Workspace, list[str]]:
    """The tiny company's March, loaded as the flow loads it (without Prefect), its run recorded; and the CLI's args."""
    config = write_company(root, ALL_FILES)
    (root / "inbox" / PERIOD / "garbage.csv").write_bytes(GARBAGE)
    ws = open_workspace(config, Settings(warehouse_url=url, pseudonym_key=KEY, raw_store=location))
    started = dt.datetime.now(dt.timezone.utc)
    files = load_files(ws, PERIOD, pull_inbox(ws, PERIOD).paths)
    assert sorted((f.file_name, f.outcome) for f in files) == sorted(
        (name, "rejected" if name == "garbage.csv" else "loaded") for name in FILES)
    record_run(ws, PERIOD, started, files, compute_emissions(ws, PERIOD))
    return ws, ["-c", str(config)]


def _run(args: list[str], url: str, location: str) -> Any:
    env = {"FOOTPRINT_WAREHOUSE_URL": url, "FOOTPRINT_RAW_STORE": location, "FOOTPRINT_PSEUDONYM_KEY": KEY}
    try:
        return CliRunner().invoke(app, args, env=env)
    finally:
        close_warehouses()


def test_verify_names_every_missing_changed_and_unreferenced_file(
    store: FolderStore | S3Store, new_warehouse: Any, tmp_path: Path
) -> None:
    url = new_warehouse("verify")
    ws, args = _company(tmp_path / "co", url, store.location)
    loc = store.location
    sizes = {name: len(data) for name, data in FILES.items()}

    clean = _run(["verify", *args], url, loc)
    assert (clean.exit_code, clean.output) == (0, f"raw store {loc}: 6 raw file(s) and 0 archived report file(s), "
                                                  f"{sum(sizes.values()):,} bytes re-hashed: all as the warehouse "
                                                  "recorded them\n")

    fuel, meters = FILES["fuel.csv"], FILES["meters.csv"]
    edited_fuel = fuel.replace(b"Diesel;50,00", b"Diesel;60,00")  # same size: only a re-hash sees it
    longer_meters = meters + b"x\n"
    edited_garbage = b"\x01" + GARBAGE[1:]
    stray = b"stray\n"
    store.delete(_key("km.csv", FILES["km.csv"]))
    store.write(_key("fuel.csv", fuel), edited_fuel)
    store.write(_key("meters.csv", meters), longer_meters)
    store.write(_key("garbage.csv", GARBAGE), edited_garbage)
    store.write(_key("stray.csv", stray), stray)
    store.write("notes.txt", b"a note\n")
    store.write(f"{_key('fuel.csv', fuel).rsplit('/', 1)[0]}/.incoming-x1", b"a write in progress")

    def at(name: str, data: bytes) -> str:
        return f"{loc}/{_key(name, data)}"

    changed = sorted([
        (at("fuel.csv", fuel), f"  changed: fuel.csv ({PERIOD}): {at('fuel.csv', fuel)} changed since it was stored "
         f"({len(fuel)} bytes now, {len(fuel)} then; SHA-256 now {_sha(edited_fuel)[:12]}..., then "
         f"{_sha(fuel)[:12]}...); restore it from a backup"),
        (at("meters.csv", meters), f"  changed: meters.csv ({PERIOD}): {at('meters.csv', meters)} changed since it "
         f"was stored ({len(meters) + 2} bytes now, {len(meters)} then; SHA-256 now {_sha(longer_meters)[:12]}..., "
         f"then {_sha(meters)[:12]}...); restore it from a backup"),
        (at("garbage.csv", GARBAGE), f"  changed: {at('garbage.csv', GARBAGE)} (a file kept as rejected) changed "
         f"since it was stored: its content no longer hashes to {_sha(GARBAGE)}"),
    ])
    unreferenced = sorted([
        (f"{loc}/notes.txt", f"  unreferenced: {loc}/notes.txt (7 bytes) is in the raw store, not where footprint "
         "keeps a file (<sha[:2]>/<sha>/<name>): put there by hand"),
        (at("stray.csv", stray), f"  unreferenced: {at('stray.csv', stray)} (6 bytes) is in the raw store, but not a "
         "file the warehouse loaded or rejected: kept by a run that stopped before loading it (the next ingest of its "
         "month loads it), or put there by hand"),
    ])
    hashed = sizes["fuel.csv"] + sizes["meters.csv"] + 2 + sizes["co2.csv"] + sizes["flights.csv"] + len(GARBAGE)
    damaged = _run(["verify", *args], url, loc)
    assert damaged.exit_code == 1
    assert damaged.output.splitlines() == [
        f"  missing: km.csv ({PERIOD}): {at('km.csv', FILES['km.csv'])} is gone from the raw store; restore it "
        "there from a backup",
        *(line for _, line in changed),
        *(line for _, line in unreferenced),
        f"error: raw store {loc}: 5 raw file(s) and 0 archived report file(s), {hashed:,} bytes re-hashed: "
        "1 missing, 3 changed, 2 unreferenced",
    ]

    # The cheap form sees what existence and size show: the deleted file and the one that grew, nothing else.
    quick_lines = [
        f"missing: km.csv ({PERIOD}): {at('km.csv', FILES['km.csv'])} is gone from the raw store; restore it there "
        "from a backup",
        f"changed: meters.csv ({PERIOD}): {at('meters.csv', meters)} changed since it was stored "
        f"({len(meters) + 2} bytes now, {len(meters)} then); restore it from a backup",
    ]
    assert quick_check(ws) == quick_lines
    quick = _run(["verify", "--quick", *args], url, loc)
    assert quick.exit_code == 1
    assert quick.output.splitlines() == [
        *(f"  {line}" for line in quick_lines),
        f"error: raw store {loc}: 5 file(s) checked by existence and size: 1 missing, 1 changed",
    ]


def test_archived_report_files_are_checked_against_their_manifest(store: FolderStore | S3Store, tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    ws, args = _company(tmp_path / "co", url, store.location)
    out = tmp_path / "out"
    out.mkdir()
    written = {"summary.json": out / "summary.json", "report.html": out / "report.html"}
    written["summary.json"].write_text('{"figures": 1}', encoding="utf-8")
    written["report.html"].write_text("<p>report</p>", encoding="utf-8")
    manifest = archive_report(ws, Half(2025, 1), written, {"factor_lists": []}, input_files(ws, Half(2025, 1)))
    close_warehouses()
    run = f"reports/2025H1/{manifest['archived_at']}"
    sizes = sum(map(len, FILES.values())) + len('{"figures": 1}') + len("<p>report</p>")

    untouched = _run(["verify", *args], url, store.location)
    assert (untouched.exit_code, untouched.output) == (
        0, f"raw store {store.location}: 6 raw file(s) and 2 archived report file(s), {sizes:,} bytes re-hashed: "
           "all as the warehouse recorded them\n")

    store.write(f"{run}/report.html", b"<p>another report</p>")
    store.delete(f"{run}/summary.json")
    damaged = _run(["verify", *args], url, store.location)
    assert damaged.exit_code == 1
    assert damaged.output.splitlines()[:2] == [
        f"  missing: archived report file 2025H1/{manifest['archived_at']}/summary.json is gone from "
        f"{store.location} (its manifest names it)",
        f"  changed: archived report file 2025H1/{manifest['archived_at']}/report.html has SHA-256 "
        f"{_sha(b'<p>another report</p>')}, {_sha(b'<p>report</p>')} in its manifest",
    ]
    assert damaged.output.splitlines()[2].endswith(": 1 missing, 1 changed, 0 unreferenced")


def test_the_report_states_the_check_of_the_raw_store(tmp_path: Path) -> None:
    """summary.json and report.html say what the check before the report found; the archive compares figures only."""
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    store = FolderStore(tmp_path / "co" / "raw")
    ws, _ = _company(tmp_path / "co", url, store.location)
    km = FILES["km.csv"]
    kept = Path(store.location) / _key("km.csv", km)
    kept.rename(kept.with_suffix(".away"))  # gone, as far as the store is concerned
    try:
        written = write_halfyear_report(ws, "2025H1", tmp_path / "report", "en",
                                        raw_store_check=check_sizes(ws).as_summary())
        kept.with_suffix(".away").rename(kept)
        again = write_halfyear_report(ws, "2025H1", tmp_path / "again", "en",
                                      raw_store_check=check_sizes(ws).as_summary())
    finally:
        close_warehouses()

    summary = json.loads(written["summary.json"].read_text(encoding="utf-8"))
    check = summary["raw_store_check"]
    checked_at = dt.datetime.fromisoformat(check.pop("checked_at"))
    assert abs((dt.datetime.now(dt.UTC) - checked_at).total_seconds()) < 120
    detail = f"km.csv ({PERIOD}): {kept} is gone from the raw store; restore it there from a backup"
    recorded = sum(len(data) for name, data in FILES.items() if name != "garbage.csv")
    assert check == {
        "kind": "existence_and_size", "files": 5, "recorded_bytes": recorded, "all_present": False, "missing": 1,
        "changed": 0, "problems": [{"problem": "missing", "file_name": "km.csv", "period": PERIOD,
                                    "recorded_bytes": len(km), "found_bytes": None, "detail": detail}],
    }
    at = checked_at.strftime("%Y-%m-%d %H:%M")
    html = written["report.html"].read_text(encoding="utf-8")
    assert (f"<p class=\"alert\">Raw store checked on {at} UTC: 5 loaded files, of which gone: 1, changed in size: 0. "
            "The figures still count them, but they can no longer be traced to the file as delivered: "
            f"<span class=\"data\">km.csv</span> ({PERIOD}) gone.</p>") in html

    # With the file back: all present, said in the report's language; the archive does not call the run changed.
    restored = json.loads(again["summary.json"].read_text(encoding="utf-8"))
    assert restored["raw_store_check"]["all_present"] is True and restored["raw_store_check"]["problems"] == []
    manifest = json.loads(again["manifest.json"].read_text(encoding="utf-8"))
    assert manifest["matches_previous"] is True, manifest["changes"]
    charts = {path.stem: path for name, path in again.items() if name.startswith("charts/")}
    dutch = render_halfyear_html(restored, charts, "nl")
    at = restored["raw_store_check"]["checked_at"][:16].replace("T", " ")
    assert (f"<p>Opslag van de bronbestanden gecontroleerd op {at} UTC: alle 5 geladen bestanden zijn aanwezig, met "
            "de grootte waarmee ze zijn opgeslagen.</p>") in dutch


def test_the_quick_check_of_10000_files_takes_well_under_a_second(tmp_path: Path) -> None:
    """Existence and size of every recorded file, no content read: one stat each on the folder store."""
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    config = write_company(tmp_path / "co", {})
    ws = open_workspace(config, Settings(warehouse_url=url, pseudonym_key=KEY))
    root = Path(ws.raw_store)
    contents = [f"file {i}\n".encode() for i in range(10_000)]
    keys = [_key(f"f{i}.csv", data) for i, data in enumerate(contents)]
    for key, data in zip(keys, contents, strict=True):
        (root / key).parent.mkdir(parents=True)
        (root / key).write_bytes(data)
    rows = pd.DataFrame({
        "file_sha256": [key.split("/")[1] for key in keys], "file_name": [key.rsplit("/", 1)[1] for key in keys],
        "source_format": "test", "dataset": "fuel_transactions", "period": dt.date(2025, 3, 1),
        "size_bytes": [len(data) for data in contents], "stored_path": [str(root / key) for key in keys],
        "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_excluded": 0,
        "loaded_at": pd.Timestamp.now(tz="UTC"),
    })
    try:
        with warehouse(ws).begin() as conn:
            insert_frame(conn, "raw_files", rows)
        check_sizes(ws)  # the first opens the warehouse
        timings = []
        for _ in range(3):  # the best of three: the cost of the check, not of whatever else the machine runs
            started = time.perf_counter()
            checked = check_sizes(ws)
            timings.append(time.perf_counter() - started)
        seconds = min(timings)
        (root / keys[123]).unlink()
        problems = quick_check(ws)
    finally:
        close_warehouses()
    assert (checked.files, checked.recorded_bytes, checked.problems) == (10_000, sum(map(len, contents)), [])
    assert seconds < 0.5, f"{seconds:.3f} s"
    assert problems == [f"missing: f123.csv ({PERIOD}): {root / keys[123]} is gone from the raw store; restore it "
                        "there from a backup"]
